"""flow_sdk.materialize: write materialization connectors.

Subclass `Connector` (config_model/resource_model; validate/apply/open taking `(config, request)`)
and, for `open`, return a transactor subclassing one of the strategies (`Transactional`,
`IdempotentReplay`, `AtLeastOnce`); `Connector.main()` runs the protocol on stdin/stdout.
Helpers: `projection_constraints`, `columns`, `TypeMapper`, `resource_config_schema`. The wire
models live in `flow_sdk.materialize.request`/`.response`.
"""

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
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

# Names are imported on first use, so a process that needs one piece (the runtime reads only the
# wire models) does not load the whole framework (gRPC server, session, strategies).
_SOURCES: dict[str, str] = {
    "FencedOff": "..errors",
    "PROTOCOL_VERSION": "..protocol",
    "MaterializeProtocol": "..protocol.materialize",
    "Phase": "..protocol.materialize",
    "Role": "..protocol.materialize",
    "Binding": ".bindings",
    "ProposedBinding": ".bindings",
    "bindings_of": ".bindings",
    "proposed_bindings": ".bindings",
    "Connector": ".connector",
    "run": ".connector",
    "ConstraintType": ".constraints",
    "ExistingColumn": ".constraints",
    "constraint": ".constraints",
    "projection_constraints": ".constraints",
    "same_type": ".constraints",
    "validated_binding": ".constraints",
    "Column": ".fields",
    "FieldType": ".fields",
    "TypeMapper": ".fields",
    "columns": ".fields",
    "field_type": ".fields",
    "projections_by_field": ".fields",
    "resolve_collection": ".fields",
    "annotated_properties": ".resource",
    "collection_name_field": ".resource",
    "delta_updates": ".resource",
    "delta_updates_field": ".resource",
    "resource_config_schema": ".resource",
    "resource_path": ".resource",
    "schema_name_field": ".resource",
    "Session": ".session",
    "AtLeastOnce": ".strategies",
    "Fence": ".strategies",
    "IdempotentReplay": ".strategies",
    "Transactional": ".strategies",
    "pending_of": ".strategies",
    "replay_pending": ".strategies",
    "shard_key": ".strategies",
    "ConnectorState": ".transactor",
    "Load": ".transactor",
    "Loaded": ".transactor",
    "Store": ".transactor",
    "StoreBatch": ".transactor",
    "Transactor": ".transactor",
    "load_batches": ".transactor",
    "merge_patch_state": ".transactor",
    "store_batches": ".transactor",
}


def __getattr__(name: str) -> Any:
    source = _SOURCES.get(name)
    if source is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(source, __name__), name)
    globals()[name] = value
    return value
