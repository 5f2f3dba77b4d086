"""flow-sdk's low-level API: `Session.emit` per document and a checkpoint every CHECKPOINT_EVERY."""

from __future__ import annotations

from typing import Any

from common import CHECKPOINT_EVERY, documents

from flow_sdk.capture import Connector, Session
from flow_sdk.capture.request import Open


class LowLevel(Connector):
    """Emits `config.count` users documents on binding 0."""

    def open(self, config: dict[str, Any], request: Open, session: Session, prepared: Any) -> None:
        """Emit and checkpoint."""
        emit = session.emit
        n = 0
        for doc in documents(int(config["count"])):
            emit(0, doc)
            n += 1
            if n == CHECKPOINT_EVERY:
                session.checkpoint({"bindingStateV1": {"users": {"cursor": doc["updated_at"]}}})
                n = 0
        session.checkpoint({})


if __name__ == "__main__":
    LowLevel().main()
