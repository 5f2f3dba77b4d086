"""Wire models of materialize Requests (runtime -> connector)."""

from __future__ import annotations

from pydantic import Field

from flow_sdk import gazette
from flow_sdk.flow import CollectionSpec, MaterializationSpec, RangeSpec
from flow_sdk.wire import RawJSON, VariantsModel, WireModel

__all__ = [
    "Acknowledge",
    "Apply",
    "Flush",
    "Load",
    "Open",
    "Request",
    "Spec",
    "StartCommit",
    "Store",
    "Validate",
]


class Spec(WireModel):
    """Ask for the connector's specification (config schemas, docs)."""

    connector_type: MaterializationSpec.ConnectorType = MaterializationSpec.ConnectorType.INVALID
    config: RawJSON = None


class Validate(WireModel):
    """Check a proposed configuration and bindings."""

    class Binding(WireModel):
        """A proposed collection/resource pair."""

        resource_config: RawJSON = None
        # Unset in linked form; `collection_index` points into `linked_collections`.
        collection: CollectionSpec | None = None
        field_config: dict[str, RawJSON] = {}
        backfill: int = 0
        # Ordered group-by key fields (the final FieldSelection.keys).
        group_by: list[str] = []
        collection_index: int = 0

    name: str = ""
    connector_type: MaterializationSpec.ConnectorType = MaterializationSpec.ConnectorType.INVALID
    config: RawJSON = None
    bindings: list[Binding] = []
    last_materialization: MaterializationSpec | None = None
    last_version: str = ""
    linked_collections: list[CollectionSpec] = []
    secrets: dict[str, str] = {}


class Apply(WireModel):
    """Apply a materialization spec to the endpoint (idempotent, on the leader shard)."""

    materialization: MaterializationSpec | None = None
    version: str = ""
    last_materialization: MaterializationSpec | None = None
    last_version: str = ""
    # Last persisted connector state (lets Apply finish work staged by the prior spec).
    state: RawJSON = None
    # A flow-sdk extension (JSON codec only, not in Flow's protocol): describe the actions, change nothing.
    dry_run: bool = False


class Open(WireModel):
    """Start a materialization session."""

    materialization: MaterializationSpec | None = None
    version: str = ""
    range: RangeSpec | None = None
    state: RawJSON = None
    # The still-encrypted (SOPS) config that `materialization.config` was decrypted from.
    sealed_config: RawJSON = None


class Load(WireModel):
    """Load the stored document of a key (JSON codec: `key`; protobuf codec: `key_packed`)."""

    binding: int = 0
    key: RawJSON = None
    # FoundationDB tuple, base64.
    key_packed: str = ""


class Flush(WireModel):
    """No more Loads in this transaction."""

    class BackfillBegin(WireModel):
        """A backfill of the binding began; `timestamp` is its truncation boundary."""

        binding: int = 0
        timestamp: str | None = None

    class BackfillComplete(WireModel):
        """A backfill of the binding completed; rows before `timestamp` are superseded."""

        binding: int = 0
        timestamp: str | None = None

    # All shards' prior-transaction Acknowledged patches, a JSON array.
    state_patches: RawJSON = None
    backfill_begins: list[BackfillBegin] = []
    backfill_completes: list[BackfillComplete] = []


class Store(WireModel):
    """Store a document (JSON codec: `key`/`values`; protobuf codec: the packed forms)."""

    binding: int = 0
    key: RawJSON = None
    key_packed: str = ""
    values: RawJSON = None
    values_packed: str = ""
    doc: RawJSON = None
    # The document was loaded or stored before.
    exists: bool = False
    # Delete the document (implies `exists`).
    delete: bool = False


class StartCommit(WireModel):
    """Stores are done: start committing."""

    runtime_checkpoint: gazette.Checkpoint | None = None
    # All shards' current-transaction Flushed patches, a JSON array.
    state_patches: RawJSON = None


class Acknowledge(WireModel):
    """The previous transaction committed to the recovery log."""

    # All shards' just-committed StartedCommit patches, a JSON array.
    state_patches: RawJSON = None


class Request(VariantsModel):
    """A materialize request: exactly one variant is set."""

    spec: Spec | None = None
    # `validate` would shadow BaseModel.validate; the JSON key is still "validate".
    validate_: Validate | None = Field(default=None, alias="validate")
    apply: Apply | None = None
    open: Open | None = None
    load: Load | None = None
    flush: Flush | None = None
    store: Store | None = None
    start_commit: StartCommit | None = None
    acknowledge: Acknowledge | None = None
