from flow_sdk.proto import flow_pb2 as _flow_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Request(_message.Message):
    __slots__ = ("spec", "discover", "validate", "apply", "open", "acknowledge", "internal")
    class Spec(_message.Message):
        __slots__ = ("connector_type", "config_json")
        CONNECTOR_TYPE_FIELD_NUMBER: _ClassVar[int]
        CONFIG_JSON_FIELD_NUMBER: _ClassVar[int]
        connector_type: _flow_pb2.CaptureSpec.ConnectorType
        config_json: bytes
        def __init__(self, connector_type: _Optional[_Union[_flow_pb2.CaptureSpec.ConnectorType, str]] = ..., config_json: _Optional[bytes] = ...) -> None: ...
    class Discover(_message.Message):
        __slots__ = ("name", "connector_type", "config_json", "created_at", "secrets")
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
        CREATED_AT_FIELD_NUMBER: _ClassVar[int]
        SECRETS_FIELD_NUMBER: _ClassVar[int]
        name: str
        connector_type: _flow_pb2.CaptureSpec.ConnectorType
        config_json: bytes
        created_at: str
        secrets: _containers.ScalarMap[str, str]
        def __init__(self, name: _Optional[str] = ..., connector_type: _Optional[_Union[_flow_pb2.CaptureSpec.ConnectorType, str]] = ..., config_json: _Optional[bytes] = ..., created_at: _Optional[str] = ..., secrets: _Optional[_Mapping[str, str]] = ...) -> None: ...
    class Validate(_message.Message):
        __slots__ = ("name", "connector_type", "config_json", "bindings", "last_capture", "last_version", "linked_collections", "secrets")
        class Binding(_message.Message):
            __slots__ = ("resource_config_json", "collection", "backfill", "collection_index")
            RESOURCE_CONFIG_JSON_FIELD_NUMBER: _ClassVar[int]
            COLLECTION_FIELD_NUMBER: _ClassVar[int]
            BACKFILL_FIELD_NUMBER: _ClassVar[int]
            COLLECTION_INDEX_FIELD_NUMBER: _ClassVar[int]
            resource_config_json: bytes
            collection: _flow_pb2.CollectionSpec
            backfill: int
            collection_index: int
            def __init__(self, resource_config_json: _Optional[bytes] = ..., collection: _Optional[_Union[_flow_pb2.CollectionSpec, _Mapping]] = ..., backfill: _Optional[int] = ..., collection_index: _Optional[int] = ...) -> None: ...
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
        LAST_CAPTURE_FIELD_NUMBER: _ClassVar[int]
        LAST_VERSION_FIELD_NUMBER: _ClassVar[int]
        LINKED_COLLECTIONS_FIELD_NUMBER: _ClassVar[int]
        SECRETS_FIELD_NUMBER: _ClassVar[int]
        name: str
        connector_type: _flow_pb2.CaptureSpec.ConnectorType
        config_json: bytes
        bindings: _containers.RepeatedCompositeFieldContainer[Request.Validate.Binding]
        last_capture: _flow_pb2.CaptureSpec
        last_version: str
        linked_collections: _containers.RepeatedCompositeFieldContainer[_flow_pb2.CollectionSpec]
        secrets: _containers.ScalarMap[str, str]
        def __init__(self, name: _Optional[str] = ..., connector_type: _Optional[_Union[_flow_pb2.CaptureSpec.ConnectorType, str]] = ..., config_json: _Optional[bytes] = ..., bindings: _Optional[_Iterable[_Union[Request.Validate.Binding, _Mapping]]] = ..., last_capture: _Optional[_Union[_flow_pb2.CaptureSpec, _Mapping]] = ..., last_version: _Optional[str] = ..., linked_collections: _Optional[_Iterable[_Union[_flow_pb2.CollectionSpec, _Mapping]]] = ..., secrets: _Optional[_Mapping[str, str]] = ...) -> None: ...
    class Apply(_message.Message):
        __slots__ = ("capture", "version", "last_capture", "last_version", "state_json")
        CAPTURE_FIELD_NUMBER: _ClassVar[int]
        VERSION_FIELD_NUMBER: _ClassVar[int]
        LAST_CAPTURE_FIELD_NUMBER: _ClassVar[int]
        LAST_VERSION_FIELD_NUMBER: _ClassVar[int]
        STATE_JSON_FIELD_NUMBER: _ClassVar[int]
        capture: _flow_pb2.CaptureSpec
        version: str
        last_capture: _flow_pb2.CaptureSpec
        last_version: str
        state_json: bytes
        def __init__(self, capture: _Optional[_Union[_flow_pb2.CaptureSpec, _Mapping]] = ..., version: _Optional[str] = ..., last_capture: _Optional[_Union[_flow_pb2.CaptureSpec, _Mapping]] = ..., last_version: _Optional[str] = ..., state_json: _Optional[bytes] = ...) -> None: ...
    class Open(_message.Message):
        __slots__ = ("capture", "version", "range", "state_json", "sealed_config_json")
        CAPTURE_FIELD_NUMBER: _ClassVar[int]
        VERSION_FIELD_NUMBER: _ClassVar[int]
        RANGE_FIELD_NUMBER: _ClassVar[int]
        STATE_JSON_FIELD_NUMBER: _ClassVar[int]
        SEALED_CONFIG_JSON_FIELD_NUMBER: _ClassVar[int]
        capture: _flow_pb2.CaptureSpec
        version: str
        range: _flow_pb2.RangeSpec
        state_json: bytes
        sealed_config_json: bytes
        def __init__(self, capture: _Optional[_Union[_flow_pb2.CaptureSpec, _Mapping]] = ..., version: _Optional[str] = ..., range: _Optional[_Union[_flow_pb2.RangeSpec, _Mapping]] = ..., state_json: _Optional[bytes] = ..., sealed_config_json: _Optional[bytes] = ...) -> None: ...
    class Acknowledge(_message.Message):
        __slots__ = ("checkpoints",)
        CHECKPOINTS_FIELD_NUMBER: _ClassVar[int]
        checkpoints: int
        def __init__(self, checkpoints: _Optional[int] = ...) -> None: ...
    SPEC_FIELD_NUMBER: _ClassVar[int]
    DISCOVER_FIELD_NUMBER: _ClassVar[int]
    VALIDATE_FIELD_NUMBER: _ClassVar[int]
    APPLY_FIELD_NUMBER: _ClassVar[int]
    OPEN_FIELD_NUMBER: _ClassVar[int]
    ACKNOWLEDGE_FIELD_NUMBER: _ClassVar[int]
    INTERNAL_FIELD_NUMBER: _ClassVar[int]
    spec: Request.Spec
    discover: Request.Discover
    validate: Request.Validate
    apply: Request.Apply
    open: Request.Open
    acknowledge: Request.Acknowledge
    internal: bytes
    def __init__(self, spec: _Optional[_Union[Request.Spec, _Mapping]] = ..., discover: _Optional[_Union[Request.Discover, _Mapping]] = ..., validate: _Optional[_Union[Request.Validate, _Mapping]] = ..., apply: _Optional[_Union[Request.Apply, _Mapping]] = ..., open: _Optional[_Union[Request.Open, _Mapping]] = ..., acknowledge: _Optional[_Union[Request.Acknowledge, _Mapping]] = ..., internal: _Optional[bytes] = ...) -> None: ...

class Response(_message.Message):
    __slots__ = ("spec", "discovered", "validated", "applied", "opened", "captured", "sourced_schema", "checkpoint", "backfill_begin", "backfill_complete", "internal")
    class Spec(_message.Message):
        __slots__ = ("protocol", "config_schema_json", "resource_config_schema_json", "documentation_url", "oauth2", "resource_path_pointers")
        PROTOCOL_FIELD_NUMBER: _ClassVar[int]
        CONFIG_SCHEMA_JSON_FIELD_NUMBER: _ClassVar[int]
        RESOURCE_CONFIG_SCHEMA_JSON_FIELD_NUMBER: _ClassVar[int]
        DOCUMENTATION_URL_FIELD_NUMBER: _ClassVar[int]
        OAUTH2_FIELD_NUMBER: _ClassVar[int]
        RESOURCE_PATH_POINTERS_FIELD_NUMBER: _ClassVar[int]
        protocol: int
        config_schema_json: bytes
        resource_config_schema_json: bytes
        documentation_url: str
        oauth2: _flow_pb2.OAuth2
        resource_path_pointers: _containers.RepeatedScalarFieldContainer[str]
        def __init__(self, protocol: _Optional[int] = ..., config_schema_json: _Optional[bytes] = ..., resource_config_schema_json: _Optional[bytes] = ..., documentation_url: _Optional[str] = ..., oauth2: _Optional[_Union[_flow_pb2.OAuth2, _Mapping]] = ..., resource_path_pointers: _Optional[_Iterable[str]] = ...) -> None: ...
    class Discovered(_message.Message):
        __slots__ = ("bindings",)
        class Binding(_message.Message):
            __slots__ = ("recommended_name", "resource_config_json", "document_schema_json", "key", "disable", "resource_path", "is_fallback_key")
            RECOMMENDED_NAME_FIELD_NUMBER: _ClassVar[int]
            RESOURCE_CONFIG_JSON_FIELD_NUMBER: _ClassVar[int]
            DOCUMENT_SCHEMA_JSON_FIELD_NUMBER: _ClassVar[int]
            KEY_FIELD_NUMBER: _ClassVar[int]
            DISABLE_FIELD_NUMBER: _ClassVar[int]
            RESOURCE_PATH_FIELD_NUMBER: _ClassVar[int]
            IS_FALLBACK_KEY_FIELD_NUMBER: _ClassVar[int]
            recommended_name: str
            resource_config_json: bytes
            document_schema_json: bytes
            key: _containers.RepeatedScalarFieldContainer[str]
            disable: bool
            resource_path: _containers.RepeatedScalarFieldContainer[str]
            is_fallback_key: bool
            def __init__(self, recommended_name: _Optional[str] = ..., resource_config_json: _Optional[bytes] = ..., document_schema_json: _Optional[bytes] = ..., key: _Optional[_Iterable[str]] = ..., disable: _Optional[bool] = ..., resource_path: _Optional[_Iterable[str]] = ..., is_fallback_key: _Optional[bool] = ...) -> None: ...
        BINDINGS_FIELD_NUMBER: _ClassVar[int]
        bindings: _containers.RepeatedCompositeFieldContainer[Response.Discovered.Binding]
        def __init__(self, bindings: _Optional[_Iterable[_Union[Response.Discovered.Binding, _Mapping]]] = ...) -> None: ...
    class Validated(_message.Message):
        __slots__ = ("bindings",)
        class Binding(_message.Message):
            __slots__ = ("resource_path",)
            RESOURCE_PATH_FIELD_NUMBER: _ClassVar[int]
            resource_path: _containers.RepeatedScalarFieldContainer[str]
            def __init__(self, resource_path: _Optional[_Iterable[str]] = ...) -> None: ...
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
        __slots__ = ("explicit_acknowledgements",)
        EXPLICIT_ACKNOWLEDGEMENTS_FIELD_NUMBER: _ClassVar[int]
        explicit_acknowledgements: bool
        def __init__(self, explicit_acknowledgements: _Optional[bool] = ...) -> None: ...
    class Captured(_message.Message):
        __slots__ = ("binding", "doc_json")
        BINDING_FIELD_NUMBER: _ClassVar[int]
        DOC_JSON_FIELD_NUMBER: _ClassVar[int]
        binding: int
        doc_json: bytes
        def __init__(self, binding: _Optional[int] = ..., doc_json: _Optional[bytes] = ...) -> None: ...
    class SourcedSchema(_message.Message):
        __slots__ = ("binding", "schema_json")
        BINDING_FIELD_NUMBER: _ClassVar[int]
        SCHEMA_JSON_FIELD_NUMBER: _ClassVar[int]
        binding: int
        schema_json: bytes
        def __init__(self, binding: _Optional[int] = ..., schema_json: _Optional[bytes] = ...) -> None: ...
    class Checkpoint(_message.Message):
        __slots__ = ("state",)
        STATE_FIELD_NUMBER: _ClassVar[int]
        state: _flow_pb2.ConnectorState
        def __init__(self, state: _Optional[_Union[_flow_pb2.ConnectorState, _Mapping]] = ...) -> None: ...
    class BackfillBegin(_message.Message):
        __slots__ = ("binding",)
        BINDING_FIELD_NUMBER: _ClassVar[int]
        binding: int
        def __init__(self, binding: _Optional[int] = ...) -> None: ...
    class BackfillComplete(_message.Message):
        __slots__ = ("binding",)
        BINDING_FIELD_NUMBER: _ClassVar[int]
        binding: int
        def __init__(self, binding: _Optional[int] = ...) -> None: ...
    SPEC_FIELD_NUMBER: _ClassVar[int]
    DISCOVERED_FIELD_NUMBER: _ClassVar[int]
    VALIDATED_FIELD_NUMBER: _ClassVar[int]
    APPLIED_FIELD_NUMBER: _ClassVar[int]
    OPENED_FIELD_NUMBER: _ClassVar[int]
    CAPTURED_FIELD_NUMBER: _ClassVar[int]
    SOURCED_SCHEMA_FIELD_NUMBER: _ClassVar[int]
    CHECKPOINT_FIELD_NUMBER: _ClassVar[int]
    BACKFILL_BEGIN_FIELD_NUMBER: _ClassVar[int]
    BACKFILL_COMPLETE_FIELD_NUMBER: _ClassVar[int]
    INTERNAL_FIELD_NUMBER: _ClassVar[int]
    spec: Response.Spec
    discovered: Response.Discovered
    validated: Response.Validated
    applied: Response.Applied
    opened: Response.Opened
    captured: Response.Captured
    sourced_schema: Response.SourcedSchema
    checkpoint: Response.Checkpoint
    backfill_begin: Response.BackfillBegin
    backfill_complete: Response.BackfillComplete
    internal: bytes
    def __init__(self, spec: _Optional[_Union[Response.Spec, _Mapping]] = ..., discovered: _Optional[_Union[Response.Discovered, _Mapping]] = ..., validated: _Optional[_Union[Response.Validated, _Mapping]] = ..., applied: _Optional[_Union[Response.Applied, _Mapping]] = ..., opened: _Optional[_Union[Response.Opened, _Mapping]] = ..., captured: _Optional[_Union[Response.Captured, _Mapping]] = ..., sourced_schema: _Optional[_Union[Response.SourcedSchema, _Mapping]] = ..., checkpoint: _Optional[_Union[Response.Checkpoint, _Mapping]] = ..., backfill_begin: _Optional[_Union[Response.BackfillBegin, _Mapping]] = ..., backfill_complete: _Optional[_Union[Response.BackfillComplete, _Mapping]] = ..., internal: _Optional[bytes] = ...) -> None: ...
