"""Wire models of the shared Flow types (go/protocols/flow/flow.proto)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol, overload

from flow_sdk.errors import ProtocolError
from flow_sdk.gazette import JournalSpec, LabelSelector, ShardSpec
from flow_sdk.wire import RawJSON, UInt64, WireEnum, WireModel

__all__ = [
    "CaptureSpec",
    "CollectionSpec",
    "ConnectorExecution",
    "ConnectorState",
    "FieldSelection",
    "Inference",
    "MaterializationSpec",
    "NetworkPort",
    "OAuth2",
    "Projection",
    "RangeSpec",
    "SerPolicy",
    "UUIDParts",
    "binding_collection",
]


class UUIDParts(WireModel):
    """A Flow document UUID, split into its node and clock halves."""

    node: UInt64 = 0
    clock: UInt64 = 0


class Inference(WireModel):
    """What is statically known of a document location, from its schema."""

    class Exists(WireEnum):
        """Whether the location must, may or cannot exist."""

        INVALID = "INVALID"
        MUST = "MUST"
        MAY = "MAY"
        IMPLICIT = "IMPLICIT"
        CANNOT = "CANNOT"

    class Reduce(WireEnum):
        """The `reduce` strategy applied at the location."""

        REDUCE_UNSET = "REDUCE_UNSET"
        REDUCE_MULTIPLE = "REDUCE_MULTIPLE"
        REDUCE_APPEND = "REDUCE_APPEND"
        REDUCE_FIRST_WRITE_WINS = "REDUCE_FIRST_WRITE_WINS"
        REDUCE_LAST_WRITE_WINS = "REDUCE_LAST_WRITE_WINS"
        REDUCE_MAXIMIZE = "REDUCE_MAXIMIZE"
        REDUCE_MERGE = "REDUCE_MERGE"
        REDUCE_MINIMIZE = "REDUCE_MINIMIZE"
        REDUCE_SET = "REDUCE_SET"
        REDUCE_SUM = "REDUCE_SUM"
        REDUCE_JSON_SCHEMA_MERGE = "REDUCE_JSON_SCHEMA_MERGE"

    class Redact(WireEnum):
        """The `redact` strategy applied at the location."""

        REDACT_UNSET = "REDACT_UNSET"
        REDACT_MULTIPLE = "REDACT_MULTIPLE"
        REDACT_BLOCK = "REDACT_BLOCK"
        REDACT_SHA256 = "REDACT_SHA256"

    class String(WireModel):
        """String-specific inference (set iff `types` includes "string")."""

        content_type: str = ""
        format: str = ""
        content_encoding: str = ""
        max_length: int = 0
        # Bounds of numeric strings (x-str-minimum / x-str-maximum); "" = none.
        str_minimum: str = ""
        str_maximum: str = ""

    class Numeric(WireModel):
        """Bounds of an integer or number location."""

        has_minimum: bool = False
        minimum: float = 0.0
        has_maximum: bool = False
        maximum: float = 0.0

    class Array(WireModel):
        """Item count and item types of an array location."""

        min_items: int = 0
        has_max_items: bool = False
        max_items: int = 0
        item_types: list[str] = []

    types: list[str] = []
    string: String | None = None
    title: str = ""
    description: str = ""
    default: RawJSON = None
    secret: bool = False
    exists: Exists = Exists.INVALID
    numeric: Numeric | None = None
    array: Array | None = None
    enum: list[RawJSON] = []
    reduce: Reduce = Reduce.REDUCE_UNSET
    redact: Redact = Redact.REDACT_UNSET
    content_media_type: str = ""


class Projection(WireModel):
    """A document location (JSON pointer) and the flat field name aliasing it."""

    ptr: str = ""
    field: str = ""
    explicit: bool = False
    is_partition_key: bool = False
    is_primary_key: bool = False
    inference: Inference | None = None


class NetworkPort(WireModel):
    """A port a task's container exposes."""

    number: int = 0
    protocol: str = ""
    public: bool = False


class ConnectorExecution(WireModel):
    """How the connector runs (VMM, declared egress); unset means ordinary."""

    class Egress(WireModel):
        """Declared egress; its presence alone is a declaration, even with no hosts."""

        hosts: list[str] = []

    vmm: bool = False
    egress: Egress | None = None


class CollectionSpec(WireModel):
    """A collection: schemas, key, projections, and its derivation if any."""

    class Derivation(WireModel):
        """How a derived collection is built from its source collections."""

        class ConnectorType(WireEnum):
            """Connector type of a derivation."""

            INVALID_CONNECTOR_TYPE = "INVALID_CONNECTOR_TYPE"
            SQLITE = "SQLITE"
            TYPESCRIPT = "TYPESCRIPT"
            IMAGE = "IMAGE"
            LOCAL = "LOCAL"
            PYTHON = "PYTHON"

        class ShuffleType(WireEnum):
            """JSON type of one shuffle key component."""

            INVALID_SHUFFLE_TYPE = "INVALID_SHUFFLE_TYPE"
            BOOLEAN = "BOOLEAN"
            INTEGER = "INTEGER"
            STRING = "STRING"

        class Transform(WireModel):
            """One transform: a source collection read and its lambda."""

            name: str = ""
            # Unset in linked form; `collection_index` points into `linked_collections`.
            collection: CollectionSpec | None = None
            partition_selector: LabelSelector | None = None
            priority: int = 0
            read_delay_seconds: int = 0
            shuffle_key: list[str] = []
            shuffle_lambda_config: RawJSON = None
            lambda_config: RawJSON = None
            read_only: bool = False
            journal_read_suffix: str = ""
            not_before: str | None = None
            not_after: str | None = None
            backfill: int = 0
            state_key: str = ""
            collection_index: int = 0

        connector_type: ConnectorType = ConnectorType.INVALID_CONNECTOR_TYPE
        config: RawJSON = None
        transforms: list[Transform] = []
        shuffle_key_types: list[ShuffleType] = []
        shard_template: ShardSpec | None = None
        recovery_log_template: JournalSpec | None = None
        network_ports: list[NetworkPort] = []
        inactive_transforms: list[Transform] = []
        redact_salt: str = ""
        linked_collections: list[CollectionSpec] = []
        # Catalog secret name -> JSON pointer within `config` ("" = whole document).
        secrets: dict[str, str] = {}
        execution: ConnectorExecution | None = None

    name: str = ""
    write_schema: RawJSON = None
    # Optional: when unset, readers use `write_schema`.
    read_schema: RawJSON = None
    key: list[str] = []
    uuid_ptr: str = ""
    partition_fields: list[str] = []
    projections: list[Projection] = []
    ack_template: RawJSON = None
    partition_template: JournalSpec | None = None
    # Cleared when the collection is inlined into a capture or materialization.
    derivation: Derivation | None = None


class FieldSelection(WireModel):
    """Fields a materialization binding selected."""

    # Ordered group-by key fields.
    keys: list[str] = []
    # Other selected fields, sorted.
    values: list[str] = []
    # Field of the root document, or "".
    document: str = ""
    field_config: dict[str, RawJSON] = {}


class CaptureSpec(WireModel):
    """A built capture task."""

    class ConnectorType(WireEnum):
        """Connector type of a capture."""

        INVALID = "INVALID"
        IMAGE = "IMAGE"
        LOCAL = "LOCAL"

    class Binding(WireModel):
        """A captured resource and the collection it writes."""

        resource_config: RawJSON = None
        resource_path: list[str] = []
        # Unset in linked form; `collection_index` points into `linked_collections`.
        collection: CollectionSpec | None = None
        backfill: int = 0
        state_key: str = ""
        collection_index: int = 0

    name: str = ""
    connector_type: ConnectorType = ConnectorType.INVALID
    config: RawJSON = None
    bindings: list[Binding] = []
    interval_seconds: int = 0
    shard_template: ShardSpec | None = None
    recovery_log_template: JournalSpec | None = None
    network_ports: list[NetworkPort] = []
    inactive_bindings: list[Binding] = []
    redact_salt: str = ""
    # Creation date, YYYY-MM-DD ("" in older builds).
    created_at: str = ""
    linked_collections: list[CollectionSpec] = []
    # Catalog secret name -> JSON pointer within `config` ("" = whole document).
    secrets: dict[str, str] = {}
    execution: ConnectorExecution | None = None


class SerPolicy(WireModel):
    """Truncation limits applied when serializing documents (0 = no limit)."""

    str_truncate_after: int = 0
    nested_obj_truncate_after: int = 0
    array_truncate_after: int = 0


class MaterializationSpec(WireModel):
    """A built materialization task."""

    class ConnectorType(WireEnum):
        """Connector type of a materialization."""

        INVALID = "INVALID"
        IMAGE = "IMAGE"
        LOCAL = "LOCAL"
        DEKAF = "DEKAF"

    class Binding(WireModel):
        """A collection and the endpoint resource it is materialized into."""

        class DeprecatedShuffle(WireModel):
            """Older location of `partition_selector`."""

            group_name: str = ""
            partition_selector: LabelSelector | None = None

        resource_config: RawJSON = None
        resource_path: list[str] = []
        # Unset in linked form; `collection_index` points into `linked_collections`.
        collection: CollectionSpec | None = None
        partition_selector: LabelSelector | None = None
        priority: int = 0
        field_selection: FieldSelection | None = None
        delta_updates: bool = False
        deprecated_shuffle: DeprecatedShuffle | None = None
        journal_read_suffix: str = ""
        not_before: str | None = None
        not_after: str | None = None
        backfill: int = 0
        state_key: str = ""
        ser_policy: SerPolicy | None = None
        collection_index: int = 0

    name: str = ""
    connector_type: ConnectorType = ConnectorType.INVALID
    config: RawJSON = None
    bindings: list[Binding] = []
    shard_template: ShardSpec | None = None
    recovery_log_template: JournalSpec | None = None
    network_ports: list[NetworkPort] = []
    inactive_bindings: list[Binding] = []
    triggers: RawJSON = None
    created_at: str = ""
    sync_schedule: RawJSON = None
    linked_collections: list[CollectionSpec] = []
    # Catalog secret name -> JSON pointer within `config` ("" = whole document).
    secrets: dict[str, str] = {}
    execution: ConnectorExecution | None = None


class OAuth2(WireModel):
    """OAuth2 provider description; URL and body fields are mustache templates."""

    provider: str = ""
    auth_url_template: str = ""
    access_token_url_template: str = ""
    access_token_method: str = ""
    access_token_body: str = ""
    access_token_headers: dict[str, RawJSON] = {}
    access_token_response_map: dict[str, RawJSON] = {}
    refresh_token_url_template: str = ""
    refresh_token_method: str = ""
    refresh_token_body: str = ""
    refresh_token_headers: dict[str, RawJSON] = {}
    refresh_token_response_map: dict[str, RawJSON] = {}


class RangeSpec(WireModel):
    """Inclusive ranges of key hashes and rotated clocks a shard covers (32-bit)."""

    key_begin: int = 0
    key_end: int = 0
    r_clock_begin: int = 0
    r_clock_end: int = 0


class ConnectorState(WireModel):
    """A connector state update: a replacement, or an RFC 7396 merge patch."""

    updated: RawJSON = None
    merge_patch: bool = False


# Names for the nested enums, for callers that prefer flat imports.
CaptureConnectorType = CaptureSpec.ConnectorType
MaterializationConnectorType = MaterializationSpec.ConnectorType
DerivationConnectorType = CollectionSpec.Derivation.ConnectorType
ShuffleType = CollectionSpec.Derivation.ShuffleType

for _model in (
    CollectionSpec.Derivation.Transform,
    CollectionSpec.Derivation,
    CollectionSpec,
    CaptureSpec.Binding,
    CaptureSpec,
    MaterializationSpec.Binding,
    MaterializationSpec,
):
    _model.model_rebuild()


class _CollectionBinding(Protocol):
    """A binding or transform that names its collection inline or by `collection_index`."""

    @property
    def collection(self) -> CollectionSpec | None: ...

    @property
    def collection_index(self) -> int: ...


@overload
def binding_collection(
    binding: _CollectionBinding, linked_collections: Sequence[CollectionSpec], *, where: str = "binding"
) -> CollectionSpec: ...


@overload
def binding_collection(
    binding: Mapping[str, Any], linked_collections: Sequence[Any], *, where: str = "binding"
) -> Any: ...


def binding_collection(binding: Any, linked_collections: Sequence[Any], *, where: str = "binding") -> Any:
    """The collection of a binding: inline, or `linked_collections[collectionIndex]` in linked form.

    The one place that resolves the linked form. Takes a wire model (returns its CollectionSpec)
    or a Flow JSON dict (returns the collection's dict). Raises ProtocolError naming the binding
    (`where`, e.g. "bindings[2]") when it has neither an inline collection nor an index inside
    the linked collections.
    """
    if isinstance(binding, Mapping):
        inline, index = binding.get("collection"), binding.get("collectionIndex", 0)
    else:
        inline, index = binding.collection, binding.collection_index
    if inline:
        return inline
    if isinstance(index, int) and 0 <= index < len(linked_collections):
        return linked_collections[index]
    raise ProtocolError(
        f"{where}.collectionIndex is out of range and the binding has no inline collection",
        expected=f"an index in 0..{len(linked_collections) - 1}" if linked_collections else "an inline collection",
        received=str(index),
    )
