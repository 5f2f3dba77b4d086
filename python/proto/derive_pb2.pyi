from flow_sdk.proto import consumer_pb2 as _consumer_pb2
from flow_sdk.proto import flow_pb2 as _flow_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Request(_message.Message):
    __slots__ = ("spec", "validate", "open", "read", "flush", "start_commit", "reset", "internal")
    class Spec(_message.Message):
        __slots__ = ("connector_type", "config_json")
        CONNECTOR_TYPE_FIELD_NUMBER: _ClassVar[int]
        CONFIG_JSON_FIELD_NUMBER: _ClassVar[int]
        connector_type: _flow_pb2.CollectionSpec.Derivation.ConnectorType
        config_json: bytes
        def __init__(self, connector_type: _Optional[_Union[_flow_pb2.CollectionSpec.Derivation.ConnectorType, str]] = ..., config_json: _Optional[bytes] = ...) -> None: ...
    class Validate(_message.Message):
        __slots__ = ("connector_type", "config_json", "collection", "transforms", "shuffle_key_types", "project_root", "import_map", "last_collection", "last_version", "linked_collections", "secrets")
        class Transform(_message.Message):
            __slots__ = ("name", "collection", "shuffle_lambda_config_json", "lambda_config_json", "backfill", "collection_index")
            NAME_FIELD_NUMBER: _ClassVar[int]
            COLLECTION_FIELD_NUMBER: _ClassVar[int]
            SHUFFLE_LAMBDA_CONFIG_JSON_FIELD_NUMBER: _ClassVar[int]
            LAMBDA_CONFIG_JSON_FIELD_NUMBER: _ClassVar[int]
            BACKFILL_FIELD_NUMBER: _ClassVar[int]
            COLLECTION_INDEX_FIELD_NUMBER: _ClassVar[int]
            name: str
            collection: _flow_pb2.CollectionSpec
            shuffle_lambda_config_json: bytes
            lambda_config_json: bytes
            backfill: int
            collection_index: int
            def __init__(self, name: _Optional[str] = ..., collection: _Optional[_Union[_flow_pb2.CollectionSpec, _Mapping]] = ..., shuffle_lambda_config_json: _Optional[bytes] = ..., lambda_config_json: _Optional[bytes] = ..., backfill: _Optional[int] = ..., collection_index: _Optional[int] = ...) -> None: ...
        class ImportMapEntry(_message.Message):
            __slots__ = ("key", "value")
            KEY_FIELD_NUMBER: _ClassVar[int]
            VALUE_FIELD_NUMBER: _ClassVar[int]
            key: str
            value: str
            def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
        class SecretsEntry(_message.Message):
            __slots__ = ("key", "value")
            KEY_FIELD_NUMBER: _ClassVar[int]
            VALUE_FIELD_NUMBER: _ClassVar[int]
            key: str
            value: str
            def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
        CONNECTOR_TYPE_FIELD_NUMBER: _ClassVar[int]
        CONFIG_JSON_FIELD_NUMBER: _ClassVar[int]
        COLLECTION_FIELD_NUMBER: _ClassVar[int]
        TRANSFORMS_FIELD_NUMBER: _ClassVar[int]
        SHUFFLE_KEY_TYPES_FIELD_NUMBER: _ClassVar[int]
        PROJECT_ROOT_FIELD_NUMBER: _ClassVar[int]
        IMPORT_MAP_FIELD_NUMBER: _ClassVar[int]
        LAST_COLLECTION_FIELD_NUMBER: _ClassVar[int]
        LAST_VERSION_FIELD_NUMBER: _ClassVar[int]
        LINKED_COLLECTIONS_FIELD_NUMBER: _ClassVar[int]
        SECRETS_FIELD_NUMBER: _ClassVar[int]
        connector_type: _flow_pb2.CollectionSpec.Derivation.ConnectorType
        config_json: bytes
        collection: _flow_pb2.CollectionSpec
        transforms: _containers.RepeatedCompositeFieldContainer[Request.Validate.Transform]
        shuffle_key_types: _containers.RepeatedScalarFieldContainer[_flow_pb2.CollectionSpec.Derivation.ShuffleType]
        project_root: str
        import_map: _containers.ScalarMap[str, str]
        last_collection: _flow_pb2.CollectionSpec
        last_version: str
        linked_collections: _containers.RepeatedCompositeFieldContainer[_flow_pb2.CollectionSpec]
        secrets: _containers.ScalarMap[str, str]
        def __init__(self, connector_type: _Optional[_Union[_flow_pb2.CollectionSpec.Derivation.ConnectorType, str]] = ..., config_json: _Optional[bytes] = ..., collection: _Optional[_Union[_flow_pb2.CollectionSpec, _Mapping]] = ..., transforms: _Optional[_Iterable[_Union[Request.Validate.Transform, _Mapping]]] = ..., shuffle_key_types: _Optional[_Iterable[_Union[_flow_pb2.CollectionSpec.Derivation.ShuffleType, str]]] = ..., project_root: _Optional[str] = ..., import_map: _Optional[_Mapping[str, str]] = ..., last_collection: _Optional[_Union[_flow_pb2.CollectionSpec, _Mapping]] = ..., last_version: _Optional[str] = ..., linked_collections: _Optional[_Iterable[_Union[_flow_pb2.CollectionSpec, _Mapping]]] = ..., secrets: _Optional[_Mapping[str, str]] = ...) -> None: ...
    class Open(_message.Message):
        __slots__ = ("collection", "version", "range", "state_json")
        COLLECTION_FIELD_NUMBER: _ClassVar[int]
        VERSION_FIELD_NUMBER: _ClassVar[int]
        RANGE_FIELD_NUMBER: _ClassVar[int]
        STATE_JSON_FIELD_NUMBER: _ClassVar[int]
        collection: _flow_pb2.CollectionSpec
        version: str
        range: _flow_pb2.RangeSpec
        state_json: bytes
        def __init__(self, collection: _Optional[_Union[_flow_pb2.CollectionSpec, _Mapping]] = ..., version: _Optional[str] = ..., range: _Optional[_Union[_flow_pb2.RangeSpec, _Mapping]] = ..., state_json: _Optional[bytes] = ...) -> None: ...
    class Read(_message.Message):
        __slots__ = ("transform", "uuid", "shuffle", "doc_json")
        class Shuffle(_message.Message):
            __slots__ = ("key_json", "packed", "hash")
            KEY_JSON_FIELD_NUMBER: _ClassVar[int]
            PACKED_FIELD_NUMBER: _ClassVar[int]
            HASH_FIELD_NUMBER: _ClassVar[int]
            key_json: bytes
            packed: bytes
            hash: int
            def __init__(self, key_json: _Optional[bytes] = ..., packed: _Optional[bytes] = ..., hash: _Optional[int] = ...) -> None: ...
        TRANSFORM_FIELD_NUMBER: _ClassVar[int]
        UUID_FIELD_NUMBER: _ClassVar[int]
        SHUFFLE_FIELD_NUMBER: _ClassVar[int]
        DOC_JSON_FIELD_NUMBER: _ClassVar[int]
        transform: int
        uuid: _flow_pb2.UUIDParts
        shuffle: Request.Read.Shuffle
        doc_json: bytes
        def __init__(self, transform: _Optional[int] = ..., uuid: _Optional[_Union[_flow_pb2.UUIDParts, _Mapping]] = ..., shuffle: _Optional[_Union[Request.Read.Shuffle, _Mapping]] = ..., doc_json: _Optional[bytes] = ...) -> None: ...
    class Flush(_message.Message):
        __slots__ = ("state_patches_json",)
        STATE_PATCHES_JSON_FIELD_NUMBER: _ClassVar[int]
        state_patches_json: bytes
        def __init__(self, state_patches_json: _Optional[bytes] = ...) -> None: ...
    class StartCommit(_message.Message):
        __slots__ = ("runtime_checkpoint",)
        RUNTIME_CHECKPOINT_FIELD_NUMBER: _ClassVar[int]
        runtime_checkpoint: _consumer_pb2.Checkpoint
        def __init__(self, runtime_checkpoint: _Optional[_Union[_consumer_pb2.Checkpoint, _Mapping]] = ...) -> None: ...
    class Reset(_message.Message):
        __slots__ = ()
        def __init__(self) -> None: ...
    SPEC_FIELD_NUMBER: _ClassVar[int]
    VALIDATE_FIELD_NUMBER: _ClassVar[int]
    OPEN_FIELD_NUMBER: _ClassVar[int]
    READ_FIELD_NUMBER: _ClassVar[int]
    FLUSH_FIELD_NUMBER: _ClassVar[int]
    START_COMMIT_FIELD_NUMBER: _ClassVar[int]
    RESET_FIELD_NUMBER: _ClassVar[int]
    INTERNAL_FIELD_NUMBER: _ClassVar[int]
    spec: Request.Spec
    validate: Request.Validate
    open: Request.Open
    read: Request.Read
    flush: Request.Flush
    start_commit: Request.StartCommit
    reset: Request.Reset
    internal: bytes
    def __init__(self, spec: _Optional[_Union[Request.Spec, _Mapping]] = ..., validate: _Optional[_Union[Request.Validate, _Mapping]] = ..., open: _Optional[_Union[Request.Open, _Mapping]] = ..., read: _Optional[_Union[Request.Read, _Mapping]] = ..., flush: _Optional[_Union[Request.Flush, _Mapping]] = ..., start_commit: _Optional[_Union[Request.StartCommit, _Mapping]] = ..., reset: _Optional[_Union[Request.Reset, _Mapping]] = ..., internal: _Optional[bytes] = ...) -> None: ...

class Response(_message.Message):
    __slots__ = ("spec", "validated", "opened", "published", "flushed", "started_commit", "internal")
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
        __slots__ = ("transforms", "generated_files")
        class Transform(_message.Message):
            __slots__ = ("read_only",)
            READ_ONLY_FIELD_NUMBER: _ClassVar[int]
            read_only: bool
            def __init__(self, read_only: _Optional[bool] = ...) -> None: ...
        class GeneratedFilesEntry(_message.Message):
            __slots__ = ("key", "value")
            KEY_FIELD_NUMBER: _ClassVar[int]
            VALUE_FIELD_NUMBER: _ClassVar[int]
            key: str
            value: str
            def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
        TRANSFORMS_FIELD_NUMBER: _ClassVar[int]
        GENERATED_FILES_FIELD_NUMBER: _ClassVar[int]
        transforms: _containers.RepeatedCompositeFieldContainer[Response.Validated.Transform]
        generated_files: _containers.ScalarMap[str, str]
        def __init__(self, transforms: _Optional[_Iterable[_Union[Response.Validated.Transform, _Mapping]]] = ..., generated_files: _Optional[_Mapping[str, str]] = ...) -> None: ...
    class Opened(_message.Message):
        __slots__ = ("runtime_checkpoint",)
        RUNTIME_CHECKPOINT_FIELD_NUMBER: _ClassVar[int]
        runtime_checkpoint: _consumer_pb2.Checkpoint
        def __init__(self, runtime_checkpoint: _Optional[_Union[_consumer_pb2.Checkpoint, _Mapping]] = ...) -> None: ...
    class Published(_message.Message):
        __slots__ = ("doc_json",)
        DOC_JSON_FIELD_NUMBER: _ClassVar[int]
        doc_json: bytes
        def __init__(self, doc_json: _Optional[bytes] = ...) -> None: ...
    class Flushed(_message.Message):
        __slots__ = ("state", "more")
        STATE_FIELD_NUMBER: _ClassVar[int]
        MORE_FIELD_NUMBER: _ClassVar[int]
        state: _flow_pb2.ConnectorState
        more: bool
        def __init__(self, state: _Optional[_Union[_flow_pb2.ConnectorState, _Mapping]] = ..., more: _Optional[bool] = ...) -> None: ...
    class StartedCommit(_message.Message):
        __slots__ = ("state",)
        STATE_FIELD_NUMBER: _ClassVar[int]
        state: _flow_pb2.ConnectorState
        def __init__(self, state: _Optional[_Union[_flow_pb2.ConnectorState, _Mapping]] = ...) -> None: ...
    SPEC_FIELD_NUMBER: _ClassVar[int]
    VALIDATED_FIELD_NUMBER: _ClassVar[int]
    OPENED_FIELD_NUMBER: _ClassVar[int]
    PUBLISHED_FIELD_NUMBER: _ClassVar[int]
    FLUSHED_FIELD_NUMBER: _ClassVar[int]
    STARTED_COMMIT_FIELD_NUMBER: _ClassVar[int]
    INTERNAL_FIELD_NUMBER: _ClassVar[int]
    spec: Response.Spec
    validated: Response.Validated
    opened: Response.Opened
    published: Response.Published
    flushed: Response.Flushed
    started_commit: Response.StartedCommit
    internal: bytes
    def __init__(self, spec: _Optional[_Union[Response.Spec, _Mapping]] = ..., validated: _Optional[_Union[Response.Validated, _Mapping]] = ..., opened: _Optional[_Union[Response.Opened, _Mapping]] = ..., published: _Optional[_Union[Response.Published, _Mapping]] = ..., flushed: _Optional[_Union[Response.Flushed, _Mapping]] = ..., started_commit: _Optional[_Union[Response.StartedCommit, _Mapping]] = ..., internal: _Optional[bytes] = ...) -> None: ...
