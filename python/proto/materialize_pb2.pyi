import datetime

from flow_sdk.proto import consumer_pb2 as _consumer_pb2
from flow_sdk.proto import flow_pb2 as _flow_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Request(_message.Message):
    __slots__ = ("spec", "validate", "apply", "open", "load", "flush", "store", "start_commit", "acknowledge", "internal")
    class Spec(_message.Message):
        __slots__ = ("connector_type", "config_json")
        CONNECTOR_TYPE_FIELD_NUMBER: _ClassVar[int]
        CONFIG_JSON_FIELD_NUMBER: _ClassVar[int]
        connector_type: _flow_pb2.MaterializationSpec.ConnectorType
        config_json: bytes
        def __init__(self, connector_type: _Optional[_Union[_flow_pb2.MaterializationSpec.ConnectorType, str]] = ..., config_json: _Optional[bytes] = ...) -> None: ...
    class Validate(_message.Message):
        __slots__ = ("name", "connector_type", "config_json", "bindings", "last_materialization", "last_version", "linked_collections", "secrets")
        class Binding(_message.Message):
            __slots__ = ("resource_config_json", "collection", "field_config_json_map", "backfill", "group_by", "collection_index")
            class FieldConfigJsonMapEntry(_message.Message):
                __slots__ = ("key", "value")
                KEY_FIELD_NUMBER: _ClassVar[int]
                VALUE_FIELD_NUMBER: _ClassVar[int]
                key: str
                value: bytes
                def __init__(self, key: _Optional[str] = ..., value: _Optional[bytes] = ...) -> None: ...
            RESOURCE_CONFIG_JSON_FIELD_NUMBER: _ClassVar[int]
            COLLECTION_FIELD_NUMBER: _ClassVar[int]
            FIELD_CONFIG_JSON_MAP_FIELD_NUMBER: _ClassVar[int]
            BACKFILL_FIELD_NUMBER: _ClassVar[int]
            GROUP_BY_FIELD_NUMBER: _ClassVar[int]
            COLLECTION_INDEX_FIELD_NUMBER: _ClassVar[int]
            resource_config_json: bytes
            collection: _flow_pb2.CollectionSpec
            field_config_json_map: _containers.ScalarMap[str, bytes]
            backfill: int
            group_by: _containers.RepeatedScalarFieldContainer[str]
            collection_index: int
            def __init__(self, resource_config_json: _Optional[bytes] = ..., collection: _Optional[_Union[_flow_pb2.CollectionSpec, _Mapping]] = ..., field_config_json_map: _Optional[_Mapping[str, bytes]] = ..., backfill: _Optional[int] = ..., group_by: _Optional[_Iterable[str]] = ..., collection_index: _Optional[int] = ...) -> None: ...
        class SecretsEntry(_message.Message):
            __slots__ = ("key", "value")
            KEY_FIELD_NUMBER: _ClassVar[int]
            VALUE_FIELD_NUMBER: _ClassVar[int]
            key: str
            value: str
            def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
        NAME_FIELD_NUMBER: _ClassVar[int]
        CONNECTOR_TYPE_FIELD_NUMBER: _ClassVar[int]
        CONFIG_JSON_FIELD_NUMBER: _ClassVar[int]
        BINDINGS_FIELD_NUMBER: _ClassVar[int]
        LAST_MATERIALIZATION_FIELD_NUMBER: _ClassVar[int]
        LAST_VERSION_FIELD_NUMBER: _ClassVar[int]
        LINKED_COLLECTIONS_FIELD_NUMBER: _ClassVar[int]
        SECRETS_FIELD_NUMBER: _ClassVar[int]
        name: str
        connector_type: _flow_pb2.MaterializationSpec.ConnectorType
        config_json: bytes
        bindings: _containers.RepeatedCompositeFieldContainer[Request.Validate.Binding]
        last_materialization: _flow_pb2.MaterializationSpec
        last_version: str
        linked_collections: _containers.RepeatedCompositeFieldContainer[_flow_pb2.CollectionSpec]
        secrets: _containers.ScalarMap[str, str]
        def __init__(self, name: _Optional[str] = ..., connector_type: _Optional[_Union[_flow_pb2.MaterializationSpec.ConnectorType, str]] = ..., config_json: _Optional[bytes] = ..., bindings: _Optional[_Iterable[_Union[Request.Validate.Binding, _Mapping]]] = ..., last_materialization: _Optional[_Union[_flow_pb2.MaterializationSpec, _Mapping]] = ..., last_version: _Optional[str] = ..., linked_collections: _Optional[_Iterable[_Union[_flow_pb2.CollectionSpec, _Mapping]]] = ..., secrets: _Optional[_Mapping[str, str]] = ...) -> None: ...
    class Apply(_message.Message):
        __slots__ = ("materialization", "version", "last_materialization", "last_version", "state_json")
        MATERIALIZATION_FIELD_NUMBER: _ClassVar[int]
        VERSION_FIELD_NUMBER: _ClassVar[int]
        LAST_MATERIALIZATION_FIELD_NUMBER: _ClassVar[int]
        LAST_VERSION_FIELD_NUMBER: _ClassVar[int]
        STATE_JSON_FIELD_NUMBER: _ClassVar[int]
        materialization: _flow_pb2.MaterializationSpec
        version: str
        last_materialization: _flow_pb2.MaterializationSpec
        last_version: str
        state_json: bytes
        def __init__(self, materialization: _Optional[_Union[_flow_pb2.MaterializationSpec, _Mapping]] = ..., version: _Optional[str] = ..., last_materialization: _Optional[_Union[_flow_pb2.MaterializationSpec, _Mapping]] = ..., last_version: _Optional[str] = ..., state_json: _Optional[bytes] = ...) -> None: ...
    class Open(_message.Message):
        __slots__ = ("materialization", "version", "range", "state_json", "sealed_config_json")
        MATERIALIZATION_FIELD_NUMBER: _ClassVar[int]
        VERSION_FIELD_NUMBER: _ClassVar[int]
        RANGE_FIELD_NUMBER: _ClassVar[int]
        STATE_JSON_FIELD_NUMBER: _ClassVar[int]
        SEALED_CONFIG_JSON_FIELD_NUMBER: _ClassVar[int]
        materialization: _flow_pb2.MaterializationSpec
        version: str
        range: _flow_pb2.RangeSpec
        state_json: bytes
        sealed_config_json: bytes
        def __init__(self, materialization: _Optional[_Union[_flow_pb2.MaterializationSpec, _Mapping]] = ..., version: _Optional[str] = ..., range: _Optional[_Union[_flow_pb2.RangeSpec, _Mapping]] = ..., state_json: _Optional[bytes] = ..., sealed_config_json: _Optional[bytes] = ...) -> None: ...
    class Load(_message.Message):
        __slots__ = ("binding", "key_json", "key_packed")
        BINDING_FIELD_NUMBER: _ClassVar[int]
        KEY_JSON_FIELD_NUMBER: _ClassVar[int]
        KEY_PACKED_FIELD_NUMBER: _ClassVar[int]
        binding: int
        key_json: bytes
        key_packed: bytes
        def __init__(self, binding: _Optional[int] = ..., key_json: _Optional[bytes] = ..., key_packed: _Optional[bytes] = ...) -> None: ...
    class Flush(_message.Message):
        __slots__ = ("state_patches_json", "backfill_begins", "backfill_completes")
        class BackfillBegin(_message.Message):
            __slots__ = ("binding", "timestamp")
            BINDING_FIELD_NUMBER: _ClassVar[int]
            TIMESTAMP_FIELD_NUMBER: _ClassVar[int]
            binding: int
            timestamp: _timestamp_pb2.Timestamp
            def __init__(self, binding: _Optional[int] = ..., timestamp: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...
        class BackfillComplete(_message.Message):
            __slots__ = ("binding", "timestamp")
            BINDING_FIELD_NUMBER: _ClassVar[int]
            TIMESTAMP_FIELD_NUMBER: _ClassVar[int]
            binding: int
            timestamp: _timestamp_pb2.Timestamp
            def __init__(self, binding: _Optional[int] = ..., timestamp: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...
        STATE_PATCHES_JSON_FIELD_NUMBER: _ClassVar[int]
        BACKFILL_BEGINS_FIELD_NUMBER: _ClassVar[int]
        BACKFILL_COMPLETES_FIELD_NUMBER: _ClassVar[int]
        state_patches_json: bytes
        backfill_begins: _containers.RepeatedCompositeFieldContainer[Request.Flush.BackfillBegin]
        backfill_completes: _containers.RepeatedCompositeFieldContainer[Request.Flush.BackfillComplete]
        def __init__(self, state_patches_json: _Optional[bytes] = ..., backfill_begins: _Optional[_Iterable[_Union[Request.Flush.BackfillBegin, _Mapping]]] = ..., backfill_completes: _Optional[_Iterable[_Union[Request.Flush.BackfillComplete, _Mapping]]] = ...) -> None: ...
    class Store(_message.Message):
        __slots__ = ("binding", "key_json", "key_packed", "values_json", "values_packed", "doc_json", "exists", "delete")
        BINDING_FIELD_NUMBER: _ClassVar[int]
        KEY_JSON_FIELD_NUMBER: _ClassVar[int]
        KEY_PACKED_FIELD_NUMBER: _ClassVar[int]
        VALUES_JSON_FIELD_NUMBER: _ClassVar[int]
        VALUES_PACKED_FIELD_NUMBER: _ClassVar[int]
        DOC_JSON_FIELD_NUMBER: _ClassVar[int]
        EXISTS_FIELD_NUMBER: _ClassVar[int]
        DELETE_FIELD_NUMBER: _ClassVar[int]
        binding: int
        key_json: bytes
        key_packed: bytes
        values_json: bytes
        values_packed: bytes
        doc_json: bytes
        exists: bool
        delete: bool
        def __init__(self, binding: _Optional[int] = ..., key_json: _Optional[bytes] = ..., key_packed: _Optional[bytes] = ..., values_json: _Optional[bytes] = ..., values_packed: _Optional[bytes] = ..., doc_json: _Optional[bytes] = ..., exists: _Optional[bool] = ..., delete: _Optional[bool] = ...) -> None: ...
    class StartCommit(_message.Message):
        __slots__ = ("runtime_checkpoint", "state_patches_json")
        RUNTIME_CHECKPOINT_FIELD_NUMBER: _ClassVar[int]
        STATE_PATCHES_JSON_FIELD_NUMBER: _ClassVar[int]
        runtime_checkpoint: _consumer_pb2.Checkpoint
        state_patches_json: bytes
        def __init__(self, runtime_checkpoint: _Optional[_Union[_consumer_pb2.Checkpoint, _Mapping]] = ..., state_patches_json: _Optional[bytes] = ...) -> None: ...
    class Acknowledge(_message.Message):
        __slots__ = ("state_patches_json",)
        STATE_PATCHES_JSON_FIELD_NUMBER: _ClassVar[int]
        state_patches_json: bytes
        def __init__(self, state_patches_json: _Optional[bytes] = ...) -> None: ...
    SPEC_FIELD_NUMBER: _ClassVar[int]
    VALIDATE_FIELD_NUMBER: _ClassVar[int]
    APPLY_FIELD_NUMBER: _ClassVar[int]
    OPEN_FIELD_NUMBER: _ClassVar[int]
    LOAD_FIELD_NUMBER: _ClassVar[int]
    FLUSH_FIELD_NUMBER: _ClassVar[int]
    STORE_FIELD_NUMBER: _ClassVar[int]
    START_COMMIT_FIELD_NUMBER: _ClassVar[int]
    ACKNOWLEDGE_FIELD_NUMBER: _ClassVar[int]
    INTERNAL_FIELD_NUMBER: _ClassVar[int]
    spec: Request.Spec
    validate: Request.Validate
    apply: Request.Apply
    open: Request.Open
    load: Request.Load
    flush: Request.Flush
    store: Request.Store
    start_commit: Request.StartCommit
    acknowledge: Request.Acknowledge
    internal: bytes
    def __init__(self, spec: _Optional[_Union[Request.Spec, _Mapping]] = ..., validate: _Optional[_Union[Request.Validate, _Mapping]] = ..., apply: _Optional[_Union[Request.Apply, _Mapping]] = ..., open: _Optional[_Union[Request.Open, _Mapping]] = ..., load: _Optional[_Union[Request.Load, _Mapping]] = ..., flush: _Optional[_Union[Request.Flush, _Mapping]] = ..., store: _Optional[_Union[Request.Store, _Mapping]] = ..., start_commit: _Optional[_Union[Request.StartCommit, _Mapping]] = ..., acknowledge: _Optional[_Union[Request.Acknowledge, _Mapping]] = ..., internal: _Optional[bytes] = ...) -> None: ...

class Response(_message.Message):
    __slots__ = ("spec", "validated", "applied", "opened", "loaded", "flushed", "started_commit", "acknowledged", "internal")
    class Spec(_message.Message):
        __slots__ = ("protocol", "config_schema_json", "resource_config_schema_json", "documentation_url", "oauth2")
        PROTOCOL_FIELD_NUMBER: _ClassVar[int]
        CONFIG_SCHEMA_JSON_FIELD_NUMBER: _ClassVar[int]
        RESOURCE_CONFIG_SCHEMA_JSON_FIELD_NUMBER: _ClassVar[int]
        DOCUMENTATION_URL_FIELD_NUMBER: _ClassVar[int]
        OAUTH2_FIELD_NUMBER: _ClassVar[int]
        protocol: int
        config_schema_json: bytes
        resource_config_schema_json: bytes
        documentation_url: str
        oauth2: _flow_pb2.OAuth2
        def __init__(self, protocol: _Optional[int] = ..., config_schema_json: _Optional[bytes] = ..., resource_config_schema_json: _Optional[bytes] = ..., documentation_url: _Optional[str] = ..., oauth2: _Optional[_Union[_flow_pb2.OAuth2, _Mapping]] = ...) -> None: ...
    class Validated(_message.Message):
        __slots__ = ("bindings",)
        class ProjectionConstraint(_message.Message):
            __slots__ = ("field", "constraint")
            FIELD_FIELD_NUMBER: _ClassVar[int]
            CONSTRAINT_FIELD_NUMBER: _ClassVar[int]
            field: str
            constraint: Response.Validated.Constraint
            def __init__(self, field: _Optional[str] = ..., constraint: _Optional[_Union[Response.Validated.Constraint, _Mapping]] = ...) -> None: ...
        class Constraint(_message.Message):
            __slots__ = ("type", "reason", "folded_field")
            class Type(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
                __slots__ = ()
                INVALID: _ClassVar[Response.Validated.Constraint.Type]
                FIELD_REQUIRED: _ClassVar[Response.Validated.Constraint.Type]
                LOCATION_REQUIRED: _ClassVar[Response.Validated.Constraint.Type]
                LOCATION_RECOMMENDED: _ClassVar[Response.Validated.Constraint.Type]
                FIELD_OPTIONAL: _ClassVar[Response.Validated.Constraint.Type]
                FIELD_FORBIDDEN: _ClassVar[Response.Validated.Constraint.Type]
                INCOMPATIBLE: _ClassVar[Response.Validated.Constraint.Type]
                UNSATISFIABLE: _ClassVar[Response.Validated.Constraint.Type]
            INVALID: Response.Validated.Constraint.Type
            FIELD_REQUIRED: Response.Validated.Constraint.Type
            LOCATION_REQUIRED: Response.Validated.Constraint.Type
            LOCATION_RECOMMENDED: Response.Validated.Constraint.Type
            FIELD_OPTIONAL: Response.Validated.Constraint.Type
            FIELD_FORBIDDEN: Response.Validated.Constraint.Type
            INCOMPATIBLE: Response.Validated.Constraint.Type
            UNSATISFIABLE: Response.Validated.Constraint.Type
            TYPE_FIELD_NUMBER: _ClassVar[int]
            REASON_FIELD_NUMBER: _ClassVar[int]
            FOLDED_FIELD_FIELD_NUMBER: _ClassVar[int]
            type: Response.Validated.Constraint.Type
            reason: str
            folded_field: str
            def __init__(self, type: _Optional[_Union[Response.Validated.Constraint.Type, str]] = ..., reason: _Optional[str] = ..., folded_field: _Optional[str] = ...) -> None: ...
        class Binding(_message.Message):
            __slots__ = ("case_insensitive_fields", "resource_path", "delta_updates", "ser_policy", "projection_constraints")
            CASE_INSENSITIVE_FIELDS_FIELD_NUMBER: _ClassVar[int]
            RESOURCE_PATH_FIELD_NUMBER: _ClassVar[int]
            DELTA_UPDATES_FIELD_NUMBER: _ClassVar[int]
            SER_POLICY_FIELD_NUMBER: _ClassVar[int]
            PROJECTION_CONSTRAINTS_FIELD_NUMBER: _ClassVar[int]
            case_insensitive_fields: bool
            resource_path: _containers.RepeatedScalarFieldContainer[str]
            delta_updates: bool
            ser_policy: _flow_pb2.SerPolicy
            projection_constraints: _containers.RepeatedCompositeFieldContainer[Response.Validated.ProjectionConstraint]
            def __init__(self, case_insensitive_fields: _Optional[bool] = ..., resource_path: _Optional[_Iterable[str]] = ..., delta_updates: _Optional[bool] = ..., ser_policy: _Optional[_Union[_flow_pb2.SerPolicy, _Mapping]] = ..., projection_constraints: _Optional[_Iterable[_Union[Response.Validated.ProjectionConstraint, _Mapping]]] = ...) -> None: ...
        BINDINGS_FIELD_NUMBER: _ClassVar[int]
        bindings: _containers.RepeatedCompositeFieldContainer[Response.Validated.Binding]
        def __init__(self, bindings: _Optional[_Iterable[_Union[Response.Validated.Binding, _Mapping]]] = ...) -> None: ...
    class Applied(_message.Message):
        __slots__ = ("action_description", "state")
        ACTION_DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
        STATE_FIELD_NUMBER: _ClassVar[int]
        action_description: str
        state: _flow_pb2.ConnectorState
        def __init__(self, action_description: _Optional[str] = ..., state: _Optional[_Union[_flow_pb2.ConnectorState, _Mapping]] = ...) -> None: ...
    class Opened(_message.Message):
        __slots__ = ("runtime_checkpoint", "disable_load_optimization")
        RUNTIME_CHECKPOINT_FIELD_NUMBER: _ClassVar[int]
        DISABLE_LOAD_OPTIMIZATION_FIELD_NUMBER: _ClassVar[int]
        runtime_checkpoint: _consumer_pb2.Checkpoint
        disable_load_optimization: bool
        def __init__(self, runtime_checkpoint: _Optional[_Union[_consumer_pb2.Checkpoint, _Mapping]] = ..., disable_load_optimization: _Optional[bool] = ...) -> None: ...
    class Loaded(_message.Message):
        __slots__ = ("binding", "doc_json")
        BINDING_FIELD_NUMBER: _ClassVar[int]
        DOC_JSON_FIELD_NUMBER: _ClassVar[int]
        binding: int
        doc_json: bytes
        def __init__(self, binding: _Optional[int] = ..., doc_json: _Optional[bytes] = ...) -> None: ...
    class Flushed(_message.Message):
        __slots__ = ("state",)
        STATE_FIELD_NUMBER: _ClassVar[int]
        state: _flow_pb2.ConnectorState
        def __init__(self, state: _Optional[_Union[_flow_pb2.ConnectorState, _Mapping]] = ...) -> None: ...
    class StartedCommit(_message.Message):
        __slots__ = ("state",)
        STATE_FIELD_NUMBER: _ClassVar[int]
        state: _flow_pb2.ConnectorState
        def __init__(self, state: _Optional[_Union[_flow_pb2.ConnectorState, _Mapping]] = ...) -> None: ...
    class Acknowledged(_message.Message):
        __slots__ = ("state",)
        STATE_FIELD_NUMBER: _ClassVar[int]
        state: _flow_pb2.ConnectorState
        def __init__(self, state: _Optional[_Union[_flow_pb2.ConnectorState, _Mapping]] = ...) -> None: ...
    SPEC_FIELD_NUMBER: _ClassVar[int]
    VALIDATED_FIELD_NUMBER: _ClassVar[int]
    APPLIED_FIELD_NUMBER: _ClassVar[int]
    OPENED_FIELD_NUMBER: _ClassVar[int]
    LOADED_FIELD_NUMBER: _ClassVar[int]
    FLUSHED_FIELD_NUMBER: _ClassVar[int]
    STARTED_COMMIT_FIELD_NUMBER: _ClassVar[int]
    ACKNOWLEDGED_FIELD_NUMBER: _ClassVar[int]
    INTERNAL_FIELD_NUMBER: _ClassVar[int]
    spec: Response.Spec
    validated: Response.Validated
    applied: Response.Applied
    opened: Response.Opened
    loaded: Response.Loaded
    flushed: Response.Flushed
    started_commit: Response.StartedCommit
    acknowledged: Response.Acknowledged
    internal: bytes
    def __init__(self, spec: _Optional[_Union[Response.Spec, _Mapping]] = ..., validated: _Optional[_Union[Response.Validated, _Mapping]] = ..., applied: _Optional[_Union[Response.Applied, _Mapping]] = ..., opened: _Optional[_Union[Response.Opened, _Mapping]] = ..., loaded: _Optional[_Union[Response.Loaded, _Mapping]] = ..., flushed: _Optional[_Union[Response.Flushed, _Mapping]] = ..., started_commit: _Optional[_Union[Response.StartedCommit, _Mapping]] = ..., acknowledged: _Optional[_Union[Response.Acknowledged, _Mapping]] = ..., internal: _Optional[bytes] = ...) -> None: ...
