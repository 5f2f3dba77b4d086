"""flow_sdk.capture: write Estuary Flow capture connectors.

Low level: subclass `Connector`, declare `config_model` / `resource_model`, and implement
`discover` and `open`, writing through the `Session` (`emit`, `emit_many`, `checkpoint`,
`sourced_schema`, `backfill_begin`, `backfill_complete`, `wait_acknowledged`). High level:
subclass `StreamsConnector` and return `Stream`s; the SDK keeps per-binding state and
checkpoints. Run with `Connector.main()` or `run()`. The protocol's order rules live in
`flow_sdk.protocol.capture`, shared with the local runtime.
"""

from ..merge_patch import merge_patch
from ..protocol import PROTOCOL_VERSION
from ..protocol.capture import CaptureProtocol, Phase, Role
from ..state import BINDING_STATE, reduce_checkpoints
from . import request, response
from .connector import Connector, run, serve
from .session import Session, Stopped
from .streams import Key, Plan, Stream, StreamResource, StreamsConnector, document_schema, key_pointers

__all__ = [
    "BINDING_STATE",
    "PROTOCOL_VERSION",
    "CaptureProtocol",
    "Connector",
    "Key",
    "Phase",
    "Plan",
    "Role",
    "Session",
    "Stopped",
    "Stream",
    "StreamResource",
    "StreamsConnector",
    "document_schema",
    "key_pointers",
    "merge_patch",
    "reduce_checkpoints",
    "request",
    "response",
    "run",
    "serve",
]
