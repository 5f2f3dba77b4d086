"""flow_sdk.capture: write Estuary Flow capture connectors.

Low level: subclass `Connector` and implement `discover` and `open`, writing through the
`Session` (`emit`, `emit_many`, `checkpoint`, `sourced_schema`, `backfill_begin`,
`backfill_complete`, `wait_acknowledged`). High level: subclass `StreamsConnector` and return
`Stream`s; the SDK keeps per-binding state and checkpoints. Run with `Connector.main()` or `run()`.
"""

from ..merge_patch import merge_patch
from ..state import BINDING_STATE, reduce_checkpoints
from .connector import PROTOCOL_VERSION, Connector, run, serve
from .protocol import CaptureProtocol, Phase
from .session import Session, Stopped
from .streams import Key, Stream, StreamsConnector, document_schema, key_pointers

__all__ = [
    "BINDING_STATE",
    "PROTOCOL_VERSION",
    "CaptureProtocol",
    "Connector",
    "Key",
    "Phase",
    "Session",
    "Stopped",
    "Stream",
    "StreamsConnector",
    "document_schema",
    "key_pointers",
    "merge_patch",
    "reduce_checkpoints",
    "run",
    "serve",
]
