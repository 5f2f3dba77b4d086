"""flow_sdk.materialize: write materialization connectors.

Subclass `Connector` (config_model/resource_model; validate/apply/open taking `(config, request)`)
and, for `open`, return a transactor subclassing one of the strategies (`Transactional`,
`IdempotentReplay`, `AtLeastOnce`); `Connector.main()` runs the protocol on stdin/stdout.
Helpers: `projection_constraints`, `columns`, `TypeMapper`, `resource_config_schema`. The wire
models live in `flow_sdk.materialize.request`/`.response`.
"""

from ..errors import FencedOff
from ..protocol import PROTOCOL_VERSION
from ..protocol.materialize import MaterializeProtocol, Phase, Role
from .bindings import Binding, ProposedBinding, bindings_of, proposed_bindings
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
from .resource import (
    annotated_properties,
    collection_name_field,
    delta_updates,
    delta_updates_field,
    resource_config_schema,
    resource_path,
    schema_name_field,
)
from .session import Session
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
    "ProposedBinding",
    "Role",
    "Session",
    "Store",
    "StoreBatch",
    "Transactional",
    "Transactor",
    "TypeMapper",
    "annotated_properties",
    "bindings_of",
    "collection_name_field",
    "columns",
    "constraint",
    "delta_updates",
    "delta_updates_field",
    "field_type",
    "load_batches",
    "merge_patch_state",
    "pending_of",
    "projection_constraints",
    "projections_by_field",
    "proposed_bindings",
    "replay_pending",
    "resolve_collection",
    "resource_config_schema",
    "resource_path",
    "run",
    "same_type",
    "schema_name_field",
    "shard_key",
    "store_batches",
    "validated_binding",
]
