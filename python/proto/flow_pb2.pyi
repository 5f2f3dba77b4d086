import datetime

from flow_sdk.proto import broker_pb2 as _broker_pb2
from flow_sdk.proto import consumer_pb2 as _consumer_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class UUIDParts(_message.Message):
    __slots__ = ("node", "clock")
    NODE_FIELD_NUMBER: _ClassVar[int]
    CLOCK_FIELD_NUMBER: _ClassVar[int]
    node: int
    clock: int
    def __init__(self, node: _Optional[int] = ..., clock: _Optional[int] = ...) -> None: ...

class Projection(_message.Message):
    __slots__ = ("ptr", "field", "explicit", "is_partition_key", "is_primary_key", "inference")
    PTR_FIELD_NUMBER: _ClassVar[int]
    FIELD_FIELD_NUMBER: _ClassVar[int]
    EXPLICIT_FIELD_NUMBER: _ClassVar[int]
    IS_PARTITION_KEY_FIELD_NUMBER: _ClassVar[int]
    IS_PRIMARY_KEY_FIELD_NUMBER: _ClassVar[int]
    INFERENCE_FIELD_NUMBER: _ClassVar[int]
    ptr: str
    field: str
    explicit: bool
    is_partition_key: bool
    is_primary_key: bool
    inference: Inference
    def __init__(self, ptr: _Optional[str] = ..., field: _Optional[str] = ..., explicit: _Optional[bool] = ..., is_partition_key: _Optional[bool] = ..., is_primary_key: _Optional[bool] = ..., inference: _Optional[_Union[Inference, _Mapping]] = ...) -> None: ...

class Inference(_message.Message):
    __slots__ = ("types", "string", "title", "description", "default_json", "secret", "exists", "numeric", "array", "enum_json_vec", "reduce", "redact", "content_media_type")
    class Exists(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
        __slots__ = ()
        INVALID: _ClassVar[Inference.Exists]
        MUST: _ClassVar[Inference.Exists]
        MAY: _ClassVar[Inference.Exists]
        IMPLICIT: _ClassVar[Inference.Exists]
        CANNOT: _ClassVar[Inference.Exists]
    INVALID: Inference.Exists
    MUST: Inference.Exists
    MAY: Inference.Exists
    IMPLICIT: Inference.Exists
    CANNOT: Inference.Exists
    class Reduce(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
        __slots__ = ()
        REDUCE_UNSET: _ClassVar[Inference.Reduce]
        REDUCE_MULTIPLE: _ClassVar[Inference.Reduce]
        REDUCE_APPEND: _ClassVar[Inference.Reduce]
        REDUCE_FIRST_WRITE_WINS: _ClassVar[Inference.Reduce]
        REDUCE_LAST_WRITE_WINS: _ClassVar[Inference.Reduce]
        REDUCE_MAXIMIZE: _ClassVar[Inference.Reduce]
        REDUCE_MERGE: _ClassVar[Inference.Reduce]
        REDUCE_MINIMIZE: _ClassVar[Inference.Reduce]
        REDUCE_SET: _ClassVar[Inference.Reduce]
        REDUCE_SUM: _ClassVar[Inference.Reduce]
        REDUCE_JSON_SCHEMA_MERGE: _ClassVar[Inference.Reduce]
    REDUCE_UNSET: Inference.Reduce
    REDUCE_MULTIPLE: Inference.Reduce
    REDUCE_APPEND: Inference.Reduce
    REDUCE_FIRST_WRITE_WINS: Inference.Reduce
    REDUCE_LAST_WRITE_WINS: Inference.Reduce
    REDUCE_MAXIMIZE: Inference.Reduce
    REDUCE_MERGE: Inference.Reduce
    REDUCE_MINIMIZE: Inference.Reduce
    REDUCE_SET: Inference.Reduce
    REDUCE_SUM: Inference.Reduce
    REDUCE_JSON_SCHEMA_MERGE: Inference.Reduce
    class Redact(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
        __slots__ = ()
        REDACT_UNSET: _ClassVar[Inference.Redact]
        REDACT_MULTIPLE: _ClassVar[Inference.Redact]
        REDACT_BLOCK: _ClassVar[Inference.Redact]
        REDACT_SHA256: _ClassVar[Inference.Redact]
    REDACT_UNSET: Inference.Redact
    REDACT_MULTIPLE: Inference.Redact
    REDACT_BLOCK: Inference.Redact
    REDACT_SHA256: Inference.Redact
    class String(_message.Message):
        __slots__ = ("content_type", "format", "content_encoding", "max_length", "str_minimum", "str_maximum")
        CONTENT_TYPE_FIELD_NUMBER: _ClassVar[int]
        FORMAT_FIELD_NUMBER: _ClassVar[int]
        CONTENT_ENCODING_FIELD_NUMBER: _ClassVar[int]
        MAX_LENGTH_FIELD_NUMBER: _ClassVar[int]
        STR_MINIMUM_FIELD_NUMBER: _ClassVar[int]
        STR_MAXIMUM_FIELD_NUMBER: _ClassVar[int]
        content_type: str
        format: str
        content_encoding: str
        max_length: int
        str_minimum: str
        str_maximum: str
        def __init__(self, content_type: _Optional[str] = ..., format: _Optional[str] = ..., content_encoding: _Optional[str] = ..., max_length: _Optional[int] = ..., str_minimum: _Optional[str] = ..., str_maximum: _Optional[str] = ...) -> None: ...
    class Numeric(_message.Message):
        __slots__ = ("has_minimum", "minimum", "has_maximum", "maximum")
        HAS_MINIMUM_FIELD_NUMBER: _ClassVar[int]
        MINIMUM_FIELD_NUMBER: _ClassVar[int]
        HAS_MAXIMUM_FIELD_NUMBER: _ClassVar[int]
        MAXIMUM_FIELD_NUMBER: _ClassVar[int]
        has_minimum: bool
        minimum: float
        has_maximum: bool
        maximum: float
        def __init__(self, has_minimum: _Optional[bool] = ..., minimum: _Optional[float] = ..., has_maximum: _Optional[bool] = ..., maximum: _Optional[float] = ...) -> None: ...
    class Array(_message.Message):
        __slots__ = ("min_items", "has_max_items", "max_items", "item_types")
        MIN_ITEMS_FIELD_NUMBER: _ClassVar[int]
        HAS_MAX_ITEMS_FIELD_NUMBER: _ClassVar[int]
        MAX_ITEMS_FIELD_NUMBER: _ClassVar[int]
        ITEM_TYPES_FIELD_NUMBER: _ClassVar[int]
        min_items: int
        has_max_items: bool
        max_items: int
        item_types: _containers.RepeatedScalarFieldContainer[str]
        def __init__(self, min_items: _Optional[int] = ..., has_max_items: _Optional[bool] = ..., max_items: _Optional[int] = ..., item_types: _Optional[_Iterable[str]] = ...) -> None: ...
    TYPES_FIELD_NUMBER: _ClassVar[int]
    STRING_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    DEFAULT_JSON_FIELD_NUMBER: _ClassVar[int]
    SECRET_FIELD_NUMBER: _ClassVar[int]
    EXISTS_FIELD_NUMBER: _ClassVar[int]
    NUMERIC_FIELD_NUMBER: _ClassVar[int]
    ARRAY_FIELD_NUMBER: _ClassVar[int]
    ENUM_JSON_VEC_FIELD_NUMBER: _ClassVar[int]
    REDUCE_FIELD_NUMBER: _ClassVar[int]
    REDACT_FIELD_NUMBER: _ClassVar[int]
    CONTENT_MEDIA_TYPE_FIELD_NUMBER: _ClassVar[int]
    types: _containers.RepeatedScalarFieldContainer[str]
    string: Inference.String
    title: str
    description: str
    default_json: bytes
    secret: bool
    exists: Inference.Exists
    numeric: Inference.Numeric
    array: Inference.Array
    enum_json_vec: _containers.RepeatedScalarFieldContainer[bytes]
    reduce: Inference.Reduce
    redact: Inference.Redact
    content_media_type: str
    def __init__(self, types: _Optional[_Iterable[str]] = ..., string: _Optional[_Union[Inference.String, _Mapping]] = ..., title: _Optional[str] = ..., description: _Optional[str] = ..., default_json: _Optional[bytes] = ..., secret: _Optional[bool] = ..., exists: _Optional[_Union[Inference.Exists, str]] = ..., numeric: _Optional[_Union[Inference.Numeric, _Mapping]] = ..., array: _Optional[_Union[Inference.Array, _Mapping]] = ..., enum_json_vec: _Optional[_Iterable[bytes]] = ..., reduce: _Optional[_Union[Inference.Reduce, str]] = ..., redact: _Optional[_Union[Inference.Redact, str]] = ..., content_media_type: _Optional[str] = ...) -> None: ...

class NetworkPort(_message.Message):
    __slots__ = ("number", "protocol", "public")
    NUMBER_FIELD_NUMBER: _ClassVar[int]
    PROTOCOL_FIELD_NUMBER: _ClassVar[int]
    PUBLIC_FIELD_NUMBER: _ClassVar[int]
    number: int
    protocol: str
    public: bool
    def __init__(self, number: _Optional[int] = ..., protocol: _Optional[str] = ..., public: _Optional[bool] = ...) -> None: ...

class ConnectorExecution(_message.Message):
    __slots__ = ("vmm", "egress")
    class Egress(_message.Message):
        __slots__ = ("hosts",)
        HOSTS_FIELD_NUMBER: _ClassVar[int]
        hosts: _containers.RepeatedScalarFieldContainer[str]
        def __init__(self, hosts: _Optional[_Iterable[str]] = ...) -> None: ...
    VMM_FIELD_NUMBER: _ClassVar[int]
    EGRESS_FIELD_NUMBER: _ClassVar[int]
    vmm: bool
    egress: ConnectorExecution.Egress
    def __init__(self, vmm: _Optional[bool] = ..., egress: _Optional[_Union[ConnectorExecution.Egress, _Mapping]] = ...) -> None: ...

class CollectionSpec(_message.Message):
    __slots__ = ("name", "write_schema_json", "read_schema_json", "key", "uuid_ptr", "partition_fields", "projections", "ack_template_json", "partition_template", "derivation")
    class Derivation(_message.Message):
        __slots__ = ("connector_type", "config_json", "transforms", "shuffle_key_types", "shard_template", "recovery_log_template", "network_ports", "inactive_transforms", "redact_salt", "linked_collections", "secrets", "execution")
        class ConnectorType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
            __slots__ = ()
            INVALID_CONNECTOR_TYPE: _ClassVar[CollectionSpec.Derivation.ConnectorType]
            SQLITE: _ClassVar[CollectionSpec.Derivation.ConnectorType]
            TYPESCRIPT: _ClassVar[CollectionSpec.Derivation.ConnectorType]
            IMAGE: _ClassVar[CollectionSpec.Derivation.ConnectorType]
            LOCAL: _ClassVar[CollectionSpec.Derivation.ConnectorType]
            PYTHON: _ClassVar[CollectionSpec.Derivation.ConnectorType]
        INVALID_CONNECTOR_TYPE: CollectionSpec.Derivation.ConnectorType
        SQLITE: CollectionSpec.Derivation.ConnectorType
        TYPESCRIPT: CollectionSpec.Derivation.ConnectorType
        IMAGE: CollectionSpec.Derivation.ConnectorType
        LOCAL: CollectionSpec.Derivation.ConnectorType
        PYTHON: CollectionSpec.Derivation.ConnectorType
        class ShuffleType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
            __slots__ = ()
            INVALID_SHUFFLE_TYPE: _ClassVar[CollectionSpec.Derivation.ShuffleType]
            BOOLEAN: _ClassVar[CollectionSpec.Derivation.ShuffleType]
            INTEGER: _ClassVar[CollectionSpec.Derivation.ShuffleType]
            STRING: _ClassVar[CollectionSpec.Derivation.ShuffleType]
        INVALID_SHUFFLE_TYPE: CollectionSpec.Derivation.ShuffleType
        BOOLEAN: CollectionSpec.Derivation.ShuffleType
        INTEGER: CollectionSpec.Derivation.ShuffleType
        STRING: CollectionSpec.Derivation.ShuffleType
        class Transform(_message.Message):
            __slots__ = ("name", "collection", "partition_selector", "priority", "read_delay_seconds", "shuffle_key", "shuffle_lambda_config_json", "lambda_config_json", "read_only", "journal_read_suffix", "not_before", "not_after", "backfill", "state_key", "collection_index")
            NAME_FIELD_NUMBER: _ClassVar[int]
            COLLECTION_FIELD_NUMBER: _ClassVar[int]
            PARTITION_SELECTOR_FIELD_NUMBER: _ClassVar[int]
            PRIORITY_FIELD_NUMBER: _ClassVar[int]
            READ_DELAY_SECONDS_FIELD_NUMBER: _ClassVar[int]
            SHUFFLE_KEY_FIELD_NUMBER: _ClassVar[int]
            SHUFFLE_LAMBDA_CONFIG_JSON_FIELD_NUMBER: _ClassVar[int]
            LAMBDA_CONFIG_JSON_FIELD_NUMBER: _ClassVar[int]
            READ_ONLY_FIELD_NUMBER: _ClassVar[int]
            JOURNAL_READ_SUFFIX_FIELD_NUMBER: _ClassVar[int]
            NOT_BEFORE_FIELD_NUMBER: _ClassVar[int]
            NOT_AFTER_FIELD_NUMBER: _ClassVar[int]
            BACKFILL_FIELD_NUMBER: _ClassVar[int]
            STATE_KEY_FIELD_NUMBER: _ClassVar[int]
            COLLECTION_INDEX_FIELD_NUMBER: _ClassVar[int]
            name: str
            collection: CollectionSpec
            partition_selector: _broker_pb2.LabelSelector
            priority: int
            read_delay_seconds: int
            shuffle_key: _containers.RepeatedScalarFieldContainer[str]
            shuffle_lambda_config_json: bytes
            lambda_config_json: bytes
            read_only: bool
            journal_read_suffix: str
            not_before: _timestamp_pb2.Timestamp
            not_after: _timestamp_pb2.Timestamp
            backfill: int
            state_key: str
            collection_index: int
            def __init__(self, name: _Optional[str] = ..., collection: _Optional[_Union[CollectionSpec, _Mapping]] = ..., partition_selector: _Optional[_Union[_broker_pb2.LabelSelector, _Mapping]] = ..., priority: _Optional[int] = ..., read_delay_seconds: _Optional[int] = ..., shuffle_key: _Optional[_Iterable[str]] = ..., shuffle_lambda_config_json: _Optional[bytes] = ..., lambda_config_json: _Optional[bytes] = ..., read_only: _Optional[bool] = ..., journal_read_suffix: _Optional[str] = ..., not_before: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., not_after: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., backfill: _Optional[int] = ..., state_key: _Optional[str] = ..., collection_index: _Optional[int] = ...) -> None: ...
        class SecretsEntry(_message.Message):
            __slots__ = ("key", "value")
            KEY_FIELD_NUMBER: _ClassVar[int]
            VALUE_FIELD_NUMBER: _ClassVar[int]
            key: str
            value: str
            def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
        CONNECTOR_TYPE_FIELD_NUMBER: _ClassVar[int]
        CONFIG_JSON_FIELD_NUMBER: _ClassVar[int]
        TRANSFORMS_FIELD_NUMBER: _ClassVar[int]
        SHUFFLE_KEY_TYPES_FIELD_NUMBER: _ClassVar[int]
        SHARD_TEMPLATE_FIELD_NUMBER: _ClassVar[int]
        RECOVERY_LOG_TEMPLATE_FIELD_NUMBER: _ClassVar[int]
        NETWORK_PORTS_FIELD_NUMBER: _ClassVar[int]
        INACTIVE_TRANSFORMS_FIELD_NUMBER: _ClassVar[int]
        REDACT_SALT_FIELD_NUMBER: _ClassVar[int]
        LINKED_COLLECTIONS_FIELD_NUMBER: _ClassVar[int]
        SECRETS_FIELD_NUMBER: _ClassVar[int]
        EXECUTION_FIELD_NUMBER: _ClassVar[int]
        connector_type: CollectionSpec.Derivation.ConnectorType
        config_json: bytes
        transforms: _containers.RepeatedCompositeFieldContainer[CollectionSpec.Derivation.Transform]
        shuffle_key_types: _containers.RepeatedScalarFieldContainer[CollectionSpec.Derivation.ShuffleType]
        shard_template: _consumer_pb2.ShardSpec
        recovery_log_template: _broker_pb2.JournalSpec
        network_ports: _containers.RepeatedCompositeFieldContainer[NetworkPort]
        inactive_transforms: _containers.RepeatedCompositeFieldContainer[CollectionSpec.Derivation.Transform]
        redact_salt: bytes
        linked_collections: _containers.RepeatedCompositeFieldContainer[CollectionSpec]
        secrets: _containers.ScalarMap[str, str]
        execution: ConnectorExecution
        def __init__(self, connector_type: _Optional[_Union[CollectionSpec.Derivation.ConnectorType, str]] = ..., config_json: _Optional[bytes] = ..., transforms: _Optional[_Iterable[_Union[CollectionSpec.Derivation.Transform, _Mapping]]] = ..., shuffle_key_types: _Optional[_Iterable[_Union[CollectionSpec.Derivation.ShuffleType, str]]] = ..., shard_template: _Optional[_Union[_consumer_pb2.ShardSpec, _Mapping]] = ..., recovery_log_template: _Optional[_Union[_broker_pb2.JournalSpec, _Mapping]] = ..., network_ports: _Optional[_Iterable[_Union[NetworkPort, _Mapping]]] = ..., inactive_transforms: _Optional[_Iterable[_Union[CollectionSpec.Derivation.Transform, _Mapping]]] = ..., redact_salt: _Optional[bytes] = ..., linked_collections: _Optional[_Iterable[_Union[CollectionSpec, _Mapping]]] = ..., secrets: _Optional[_Mapping[str, str]] = ..., execution: _Optional[_Union[ConnectorExecution, _Mapping]] = ...) -> None: ...
    NAME_FIELD_NUMBER: _ClassVar[int]
    WRITE_SCHEMA_JSON_FIELD_NUMBER: _ClassVar[int]
    READ_SCHEMA_JSON_FIELD_NUMBER: _ClassVar[int]
    KEY_FIELD_NUMBER: _ClassVar[int]
    UUID_PTR_FIELD_NUMBER: _ClassVar[int]
    PARTITION_FIELDS_FIELD_NUMBER: _ClassVar[int]
    PROJECTIONS_FIELD_NUMBER: _ClassVar[int]
    ACK_TEMPLATE_JSON_FIELD_NUMBER: _ClassVar[int]
    PARTITION_TEMPLATE_FIELD_NUMBER: _ClassVar[int]
    DERIVATION_FIELD_NUMBER: _ClassVar[int]
    name: str
    write_schema_json: bytes
    read_schema_json: bytes
    key: _containers.RepeatedScalarFieldContainer[str]
    uuid_ptr: str
    partition_fields: _containers.RepeatedScalarFieldContainer[str]
    projections: _containers.RepeatedCompositeFieldContainer[Projection]
    ack_template_json: bytes
    partition_template: _broker_pb2.JournalSpec
    derivation: CollectionSpec.Derivation
    def __init__(self, name: _Optional[str] = ..., write_schema_json: _Optional[bytes] = ..., read_schema_json: _Optional[bytes] = ..., key: _Optional[_Iterable[str]] = ..., uuid_ptr: _Optional[str] = ..., partition_fields: _Optional[_Iterable[str]] = ..., projections: _Optional[_Iterable[_Union[Projection, _Mapping]]] = ..., ack_template_json: _Optional[bytes] = ..., partition_template: _Optional[_Union[_broker_pb2.JournalSpec, _Mapping]] = ..., derivation: _Optional[_Union[CollectionSpec.Derivation, _Mapping]] = ...) -> None: ...

class FieldSelection(_message.Message):
    __slots__ = ("keys", "values", "document", "field_config_json_map")
    class FieldConfigJsonMapEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: bytes
        def __init__(self, key: _Optional[str] = ..., value: _Optional[bytes] = ...) -> None: ...
    KEYS_FIELD_NUMBER: _ClassVar[int]
    VALUES_FIELD_NUMBER: _ClassVar[int]
    DOCUMENT_FIELD_NUMBER: _ClassVar[int]
    FIELD_CONFIG_JSON_MAP_FIELD_NUMBER: _ClassVar[int]
    keys: _containers.RepeatedScalarFieldContainer[str]
    values: _containers.RepeatedScalarFieldContainer[str]
    document: str
    field_config_json_map: _containers.ScalarMap[str, bytes]
    def __init__(self, keys: _Optional[_Iterable[str]] = ..., values: _Optional[_Iterable[str]] = ..., document: _Optional[str] = ..., field_config_json_map: _Optional[_Mapping[str, bytes]] = ...) -> None: ...

class CaptureSpec(_message.Message):
    __slots__ = ("name", "connector_type", "config_json", "bindings", "interval_seconds", "shard_template", "recovery_log_template", "network_ports", "inactive_bindings", "redact_salt", "created_at", "linked_collections", "secrets", "execution")
    class ConnectorType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
        __slots__ = ()
        INVALID: _ClassVar[CaptureSpec.ConnectorType]
        IMAGE: _ClassVar[CaptureSpec.ConnectorType]
        LOCAL: _ClassVar[CaptureSpec.ConnectorType]
    INVALID: CaptureSpec.ConnectorType
    IMAGE: CaptureSpec.ConnectorType
    LOCAL: CaptureSpec.ConnectorType
    class Binding(_message.Message):
        __slots__ = ("resource_config_json", "resource_path", "collection", "backfill", "state_key", "collection_index")
        RESOURCE_CONFIG_JSON_FIELD_NUMBER: _ClassVar[int]
        RESOURCE_PATH_FIELD_NUMBER: _ClassVar[int]
        COLLECTION_FIELD_NUMBER: _ClassVar[int]
        BACKFILL_FIELD_NUMBER: _ClassVar[int]
        STATE_KEY_FIELD_NUMBER: _ClassVar[int]
        COLLECTION_INDEX_FIELD_NUMBER: _ClassVar[int]
        resource_config_json: bytes
        resource_path: _containers.RepeatedScalarFieldContainer[str]
        collection: CollectionSpec
        backfill: int
        state_key: str
        collection_index: int
        def __init__(self, resource_config_json: _Optional[bytes] = ..., resource_path: _Optional[_Iterable[str]] = ..., collection: _Optional[_Union[CollectionSpec, _Mapping]] = ..., backfill: _Optional[int] = ..., state_key: _Optional[str] = ..., collection_index: _Optional[int] = ...) -> None: ...
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
    INTERVAL_SECONDS_FIELD_NUMBER: _ClassVar[int]
    SHARD_TEMPLATE_FIELD_NUMBER: _ClassVar[int]
    RECOVERY_LOG_TEMPLATE_FIELD_NUMBER: _ClassVar[int]
    NETWORK_PORTS_FIELD_NUMBER: _ClassVar[int]
    INACTIVE_BINDINGS_FIELD_NUMBER: _ClassVar[int]
    REDACT_SALT_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    LINKED_COLLECTIONS_FIELD_NUMBER: _ClassVar[int]
    SECRETS_FIELD_NUMBER: _ClassVar[int]
    EXECUTION_FIELD_NUMBER: _ClassVar[int]
    name: str
    connector_type: CaptureSpec.ConnectorType
    config_json: bytes
    bindings: _containers.RepeatedCompositeFieldContainer[CaptureSpec.Binding]
    interval_seconds: int
    shard_template: _consumer_pb2.ShardSpec
    recovery_log_template: _broker_pb2.JournalSpec
    network_ports: _containers.RepeatedCompositeFieldContainer[NetworkPort]
    inactive_bindings: _containers.RepeatedCompositeFieldContainer[CaptureSpec.Binding]
    redact_salt: bytes
    created_at: str
    linked_collections: _containers.RepeatedCompositeFieldContainer[CollectionSpec]
    secrets: _containers.ScalarMap[str, str]
    execution: ConnectorExecution
    def __init__(self, name: _Optional[str] = ..., connector_type: _Optional[_Union[CaptureSpec.ConnectorType, str]] = ..., config_json: _Optional[bytes] = ..., bindings: _Optional[_Iterable[_Union[CaptureSpec.Binding, _Mapping]]] = ..., interval_seconds: _Optional[int] = ..., shard_template: _Optional[_Union[_consumer_pb2.ShardSpec, _Mapping]] = ..., recovery_log_template: _Optional[_Union[_broker_pb2.JournalSpec, _Mapping]] = ..., network_ports: _Optional[_Iterable[_Union[NetworkPort, _Mapping]]] = ..., inactive_bindings: _Optional[_Iterable[_Union[CaptureSpec.Binding, _Mapping]]] = ..., redact_salt: _Optional[bytes] = ..., created_at: _Optional[str] = ..., linked_collections: _Optional[_Iterable[_Union[CollectionSpec, _Mapping]]] = ..., secrets: _Optional[_Mapping[str, str]] = ..., execution: _Optional[_Union[ConnectorExecution, _Mapping]] = ...) -> None: ...

class MaterializationSpec(_message.Message):
    __slots__ = ("name", "connector_type", "config_json", "bindings", "shard_template", "recovery_log_template", "network_ports", "inactive_bindings", "triggers_json", "created_at", "sync_schedule_json", "linked_collections", "secrets", "execution")
    class ConnectorType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
        __slots__ = ()
        INVALID: _ClassVar[MaterializationSpec.ConnectorType]
        IMAGE: _ClassVar[MaterializationSpec.ConnectorType]
        LOCAL: _ClassVar[MaterializationSpec.ConnectorType]
        DEKAF: _ClassVar[MaterializationSpec.ConnectorType]
    INVALID: MaterializationSpec.ConnectorType
    IMAGE: MaterializationSpec.ConnectorType
    LOCAL: MaterializationSpec.ConnectorType
    DEKAF: MaterializationSpec.ConnectorType
    class Binding(_message.Message):
        __slots__ = ("resource_config_json", "resource_path", "collection", "partition_selector", "priority", "field_selection", "delta_updates", "deprecated_shuffle", "journal_read_suffix", "not_before", "not_after", "backfill", "state_key", "ser_policy", "collection_index")
        class DeprecatedShuffle(_message.Message):
            __slots__ = ("group_name", "partition_selector")
            GROUP_NAME_FIELD_NUMBER: _ClassVar[int]
            PARTITION_SELECTOR_FIELD_NUMBER: _ClassVar[int]
            group_name: str
            partition_selector: _broker_pb2.LabelSelector
            def __init__(self, group_name: _Optional[str] = ..., partition_selector: _Optional[_Union[_broker_pb2.LabelSelector, _Mapping]] = ...) -> None: ...
        RESOURCE_CONFIG_JSON_FIELD_NUMBER: _ClassVar[int]
        RESOURCE_PATH_FIELD_NUMBER: _ClassVar[int]
        COLLECTION_FIELD_NUMBER: _ClassVar[int]
        PARTITION_SELECTOR_FIELD_NUMBER: _ClassVar[int]
        PRIORITY_FIELD_NUMBER: _ClassVar[int]
        FIELD_SELECTION_FIELD_NUMBER: _ClassVar[int]
        DELTA_UPDATES_FIELD_NUMBER: _ClassVar[int]
        DEPRECATED_SHUFFLE_FIELD_NUMBER: _ClassVar[int]
        JOURNAL_READ_SUFFIX_FIELD_NUMBER: _ClassVar[int]
        NOT_BEFORE_FIELD_NUMBER: _ClassVar[int]
        NOT_AFTER_FIELD_NUMBER: _ClassVar[int]
        BACKFILL_FIELD_NUMBER: _ClassVar[int]
        STATE_KEY_FIELD_NUMBER: _ClassVar[int]
        SER_POLICY_FIELD_NUMBER: _ClassVar[int]
        COLLECTION_INDEX_FIELD_NUMBER: _ClassVar[int]
        resource_config_json: bytes
        resource_path: _containers.RepeatedScalarFieldContainer[str]
        collection: CollectionSpec
        partition_selector: _broker_pb2.LabelSelector
        priority: int
        field_selection: FieldSelection
        delta_updates: bool
        deprecated_shuffle: MaterializationSpec.Binding.DeprecatedShuffle
        journal_read_suffix: str
        not_before: _timestamp_pb2.Timestamp
        not_after: _timestamp_pb2.Timestamp
        backfill: int
        state_key: str
        ser_policy: SerPolicy
        collection_index: int
        def __init__(self, resource_config_json: _Optional[bytes] = ..., resource_path: _Optional[_Iterable[str]] = ..., collection: _Optional[_Union[CollectionSpec, _Mapping]] = ..., partition_selector: _Optional[_Union[_broker_pb2.LabelSelector, _Mapping]] = ..., priority: _Optional[int] = ..., field_selection: _Optional[_Union[FieldSelection, _Mapping]] = ..., delta_updates: _Optional[bool] = ..., deprecated_shuffle: _Optional[_Union[MaterializationSpec.Binding.DeprecatedShuffle, _Mapping]] = ..., journal_read_suffix: _Optional[str] = ..., not_before: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., not_after: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., backfill: _Optional[int] = ..., state_key: _Optional[str] = ..., ser_policy: _Optional[_Union[SerPolicy, _Mapping]] = ..., collection_index: _Optional[int] = ...) -> None: ...
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
    SHARD_TEMPLATE_FIELD_NUMBER: _ClassVar[int]
    RECOVERY_LOG_TEMPLATE_FIELD_NUMBER: _ClassVar[int]
    NETWORK_PORTS_FIELD_NUMBER: _ClassVar[int]
    INACTIVE_BINDINGS_FIELD_NUMBER: _ClassVar[int]
    TRIGGERS_JSON_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    SYNC_SCHEDULE_JSON_FIELD_NUMBER: _ClassVar[int]
    LINKED_COLLECTIONS_FIELD_NUMBER: _ClassVar[int]
    SECRETS_FIELD_NUMBER: _ClassVar[int]
    EXECUTION_FIELD_NUMBER: _ClassVar[int]
    name: str
    connector_type: MaterializationSpec.ConnectorType
    config_json: bytes
    bindings: _containers.RepeatedCompositeFieldContainer[MaterializationSpec.Binding]
    shard_template: _consumer_pb2.ShardSpec
    recovery_log_template: _broker_pb2.JournalSpec
    network_ports: _containers.RepeatedCompositeFieldContainer[NetworkPort]
    inactive_bindings: _containers.RepeatedCompositeFieldContainer[MaterializationSpec.Binding]
    triggers_json: bytes
    created_at: str
    sync_schedule_json: bytes
    linked_collections: _containers.RepeatedCompositeFieldContainer[CollectionSpec]
    secrets: _containers.ScalarMap[str, str]
    execution: ConnectorExecution
    def __init__(self, name: _Optional[str] = ..., connector_type: _Optional[_Union[MaterializationSpec.ConnectorType, str]] = ..., config_json: _Optional[bytes] = ..., bindings: _Optional[_Iterable[_Union[MaterializationSpec.Binding, _Mapping]]] = ..., shard_template: _Optional[_Union[_consumer_pb2.ShardSpec, _Mapping]] = ..., recovery_log_template: _Optional[_Union[_broker_pb2.JournalSpec, _Mapping]] = ..., network_ports: _Optional[_Iterable[_Union[NetworkPort, _Mapping]]] = ..., inactive_bindings: _Optional[_Iterable[_Union[MaterializationSpec.Binding, _Mapping]]] = ..., triggers_json: _Optional[bytes] = ..., created_at: _Optional[str] = ..., sync_schedule_json: _Optional[bytes] = ..., linked_collections: _Optional[_Iterable[_Union[CollectionSpec, _Mapping]]] = ..., secrets: _Optional[_Mapping[str, str]] = ..., execution: _Optional[_Union[ConnectorExecution, _Mapping]] = ...) -> None: ...

class OAuth2(_message.Message):
    __slots__ = ("provider", "auth_url_template", "access_token_url_template", "access_token_method", "access_token_body", "access_token_headers_json_map", "access_token_response_json_map", "refresh_token_url_template", "refresh_token_method", "refresh_token_body", "refresh_token_headers_json_map", "refresh_token_response_json_map")
    class AccessTokenHeadersJsonMapEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: bytes
        def __init__(self, key: _Optional[str] = ..., value: _Optional[bytes] = ...) -> None: ...
    class AccessTokenResponseJsonMapEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: bytes
        def __init__(self, key: _Optional[str] = ..., value: _Optional[bytes] = ...) -> None: ...
    class RefreshTokenHeadersJsonMapEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: bytes
        def __init__(self, key: _Optional[str] = ..., value: _Optional[bytes] = ...) -> None: ...
    class RefreshTokenResponseJsonMapEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: bytes
        def __init__(self, key: _Optional[str] = ..., value: _Optional[bytes] = ...) -> None: ...
    PROVIDER_FIELD_NUMBER: _ClassVar[int]
    AUTH_URL_TEMPLATE_FIELD_NUMBER: _ClassVar[int]
    ACCESS_TOKEN_URL_TEMPLATE_FIELD_NUMBER: _ClassVar[int]
    ACCESS_TOKEN_METHOD_FIELD_NUMBER: _ClassVar[int]
    ACCESS_TOKEN_BODY_FIELD_NUMBER: _ClassVar[int]
    ACCESS_TOKEN_HEADERS_JSON_MAP_FIELD_NUMBER: _ClassVar[int]
    ACCESS_TOKEN_RESPONSE_JSON_MAP_FIELD_NUMBER: _ClassVar[int]
    REFRESH_TOKEN_URL_TEMPLATE_FIELD_NUMBER: _ClassVar[int]
    REFRESH_TOKEN_METHOD_FIELD_NUMBER: _ClassVar[int]
    REFRESH_TOKEN_BODY_FIELD_NUMBER: _ClassVar[int]
    REFRESH_TOKEN_HEADERS_JSON_MAP_FIELD_NUMBER: _ClassVar[int]
    REFRESH_TOKEN_RESPONSE_JSON_MAP_FIELD_NUMBER: _ClassVar[int]
    provider: str
    auth_url_template: str
    access_token_url_template: str
    access_token_method: str
    access_token_body: str
    access_token_headers_json_map: _containers.ScalarMap[str, bytes]
    access_token_response_json_map: _containers.ScalarMap[str, bytes]
    refresh_token_url_template: str
    refresh_token_method: str
    refresh_token_body: str
    refresh_token_headers_json_map: _containers.ScalarMap[str, bytes]
    refresh_token_response_json_map: _containers.ScalarMap[str, bytes]
    def __init__(self, provider: _Optional[str] = ..., auth_url_template: _Optional[str] = ..., access_token_url_template: _Optional[str] = ..., access_token_method: _Optional[str] = ..., access_token_body: _Optional[str] = ..., access_token_headers_json_map: _Optional[_Mapping[str, bytes]] = ..., access_token_response_json_map: _Optional[_Mapping[str, bytes]] = ..., refresh_token_url_template: _Optional[str] = ..., refresh_token_method: _Optional[str] = ..., refresh_token_body: _Optional[str] = ..., refresh_token_headers_json_map: _Optional[_Mapping[str, bytes]] = ..., refresh_token_response_json_map: _Optional[_Mapping[str, bytes]] = ...) -> None: ...

class RangeSpec(_message.Message):
    __slots__ = ("key_begin", "key_end", "r_clock_begin", "r_clock_end")
    KEY_BEGIN_FIELD_NUMBER: _ClassVar[int]
    KEY_END_FIELD_NUMBER: _ClassVar[int]
    R_CLOCK_BEGIN_FIELD_NUMBER: _ClassVar[int]
    R_CLOCK_END_FIELD_NUMBER: _ClassVar[int]
    key_begin: int
    key_end: int
    r_clock_begin: int
    r_clock_end: int
    def __init__(self, key_begin: _Optional[int] = ..., key_end: _Optional[int] = ..., r_clock_begin: _Optional[int] = ..., r_clock_end: _Optional[int] = ...) -> None: ...

class ConnectorState(_message.Message):
    __slots__ = ("updated_json", "merge_patch")
    UPDATED_JSON_FIELD_NUMBER: _ClassVar[int]
    MERGE_PATCH_FIELD_NUMBER: _ClassVar[int]
    updated_json: bytes
    merge_patch: bool
    def __init__(self, updated_json: _Optional[bytes] = ..., merge_patch: _Optional[bool] = ...) -> None: ...

class SerPolicy(_message.Message):
    __slots__ = ("str_truncate_after", "nested_obj_truncate_after", "array_truncate_after")
    STR_TRUNCATE_AFTER_FIELD_NUMBER: _ClassVar[int]
    NESTED_OBJ_TRUNCATE_AFTER_FIELD_NUMBER: _ClassVar[int]
    ARRAY_TRUNCATE_AFTER_FIELD_NUMBER: _ClassVar[int]
    str_truncate_after: int
    nested_obj_truncate_after: int
    array_truncate_after: int
    def __init__(self, str_truncate_after: _Optional[int] = ..., nested_obj_truncate_after: _Optional[int] = ..., array_truncate_after: _Optional[int] = ...) -> None: ...
