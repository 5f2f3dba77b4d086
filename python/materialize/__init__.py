"""flow_sdk.materialize: write materialization connectors.

Subclass `Connector` (spec/validate/apply/open) and, for `open`, return a transactor subclassing
one of the strategies (`Transactional`, `IdempotentReplay`, `AtLeastOnce`); `Connector.main()`
runs the protocol on stdin/stdout. Helpers: `projection_constraints`, `columns`, `TypeMapper`,
`resource_config_schema`. The wire models live in `flow_sdk.materialize.request`/`.response`.
"""

from ..errors import FencedOff
from .bindings import Binding, bindings_of
from .connector import Connector, run
from .constraints import (
    ConstraintType,
    ExistingColumn,
    constraint,
    projection_constraints,
    same_type,
    validated_binding,
)
from .fields import Column, FieldType, TypeMapper, columns, field_type, projections_by_field, resolve_collection
from .protocol import MaterializeProtocol, Phase, message_kind
from .resource import annotated_properties, delta_updates, resource_config_schema, resource_path
from .session import PROTOCOL_VERSION, Session
from .strategies import (
    AtLeastOnce,
    Fence,
    IdempotentReplay,
    Transactional,
    pending_of,
    replay_pending,
    shard_key,
)
from .transactor import (
    ConnectorState,
    Load,
    Loaded,
    Store,
    StoreBatch,
    Transactor,
    load_batches,
    merge_patch_state,
    store_batches,
)

__all__ = [
    "PROTOCOL_VERSION",
    "AtLeastOnce",
    "Binding",
    "Column",
    "Connector",
    "ConnectorState",
    "ConstraintType",
    "ExistingColumn",
    "Fence",
    "FencedOff",
    "FieldType",
    "IdempotentReplay",
    "Load",
    "Loaded",
    "MaterializeProtocol",
    "Phase",
    "Session",
    "Store",
    "StoreBatch",
    "Transactional",
    "Transactor",
    "TypeMapper",
    "annotated_properties",
    "bindings_of",
    "columns",
    "constraint",
    "delta_updates",
    "field_type",
    "load_batches",
    "merge_patch_state",
    "message_kind",
    "pending_of",
    "projection_constraints",
    "projections_by_field",
    "replay_pending",
    "resolve_collection",
    "resource_config_schema",
    "resource_path",
    "run",
    "same_type",
    "shard_key",
    "store_batches",
    "validated_binding",
]
