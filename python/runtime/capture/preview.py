"""`flow-sdk preview`: run a capture without persisting anything and print what it captures.

Each committed document is printed as one line `["<collection>", <document>]`; with
`--output-state`, each checkpoint adds `["connectorState", <ConnectorState>]`. Sessions are
reopened with the reduced state, as Flow does when a connector exits cleanly.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import IO, Any

import orjson

from flow_sdk.runtime.capture.pending import Transaction
from flow_sdk.runtime.capture.run import SessionResult, Target, prepare, run_sessions
from flow_sdk.runtime.catalog.loader import Catalog
from flow_sdk.runtime.connectors.raw import starter
from flow_sdk.runtime.progress import Progress


class PreviewSink:
    """Prints each committed transaction's documents (and states) as JSON lines."""

    def __init__(
        self,
        targets: Sequence[Target],
        out: IO[bytes],
        *,
        limit: int | None = None,
        output_state: bool = False,
        progress: Progress | None = None,
    ) -> None:
        self.prefixes = [b"[" + orjson.dumps(t.collection) + b"," for t in targets]
        self.out = out
        self.limit = limit
        self.output_state = output_state
        self.progress = progress
        self.printed = 0

    def commit(self, txn: Transaction) -> None:
        """Print the documents of one transaction, up to the limit."""
        parts: list[bytes] = []
        for b, chunks in txn.chunks.items():
            prefix = self.prefixes[b]
            size = 0
            for chunk in chunks:
                lines = chunk.split(b"\n")
                lines.pop()  # every line ends with a newline: the last piece is empty
                if self.limit is not None:
                    lines = lines[: max(0, self.limit - self.printed)]
                for line in lines:
                    size += len(line) + 1
                    parts.append(prefix + line + b"]\n")
                self.printed += len(lines)
            if self.progress is not None:
                self.progress.add_bytes(b, size)
        if self.output_state:
            parts.extend(orjson.dumps(["connectorState", s or {}]) + b"\n" for s in txn.checkpoint_states)
        self.out.write(b"".join(parts))
        self.out.flush()

    def done(self) -> bool:
        """Whether the limit is reached."""
        return self.limit is not None and self.printed >= self.limit


def run_preview(
    catalog: Catalog,
    name: str,
    *,
    sessions: int | None = None,
    limit: int | None = None,
    output_state: bool = False,
    timeout: float | None = None,
    out: IO[bytes] | None = None,
    show_progress: bool = True,
) -> tuple[SessionResult, Progress]:
    """Preview a capture: sessions until `sessions` ran or `limit` documents were printed."""
    start = starter(catalog, name, timeout=timeout)
    open_request, targets = prepare(catalog, name, start)
    progress = Progress(f"preview {name}", [t.collection for t in targets], expected=limit, enabled=show_progress)
    sink = PreviewSink(targets, out or sys.stdout.buffer, limit=limit, output_state=output_state, progress=progress)
    if sessions is None and limit is None:
        sessions = 1  # without a bound, one session (a connector that exits ends the preview)
    state: dict[str, Any] = {}
    result = run_sessions(
        start,
        open_request,
        targets,
        sink,
        state=state,
        sessions=sessions,
        progress=progress,
        should_stop=sink.done,
        stop_when_idle=sessions is None,
    )
    return result, progress
