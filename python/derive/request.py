"""Wire models of derive Requests (runtime -> connector)."""

from __future__ import annotations

from pydantic import Field

from flow_sdk import gazette
from flow_sdk.flow import CollectionSpec, RangeSpec, UUIDParts
from flow_sdk.wire import RawJSON, VariantsModel, WireModel

__all__ = ["Flush", "Open", "Read", "Request", "Reset", "Spec", "StartCommit", "Validate"]

_ConnectorType = CollectionSpec.Derivation.ConnectorType
_ShuffleType = CollectionSpec.Derivation.ShuffleType


class Spec(WireModel):
    """Ask for the connector's specification (config schemas, docs)."""

    connector_type: _ConnectorType = _ConnectorType.INVALID_CONNECTOR_TYPE
    config: RawJSON = None


class Validate(WireModel):
    """Check a derivation's configuration and transforms."""

    class Transform(WireModel):
        """A proposed transform."""

        name: str = ""
        # Unset in linked form; `collection_index` points into `linked_collections`.
        collection: CollectionSpec | None = None
        # Unset when the transform has no shuffle lambda.
        shuffle_lambda_config: RawJSON = None
        lambda_config: RawJSON = None
        backfill: int = 0
        collection_index: int = 0

    connector_type: _ConnectorType = _ConnectorType.INVALID_CONNECTOR_TYPE
    config: RawJSON = None
    # The derived collection.
    collection: CollectionSpec | None = None
    transforms: list[Transform] = []
    shuffle_key_types: list[_ShuffleType] = []
    # URL rooting the Flow project, for project-level generated files.
    project_root: str = ""
    # Relative JSON pointer within the spec -> URL it was resolved from.
    import_map: dict[str, str] = {}
    last_collection: CollectionSpec | None = None
    last_version: str = ""
    linked_collections: list[CollectionSpec] = []
    secrets: dict[str, str] = {}


class Open(WireModel):
    """Start a derivation session."""

    collection: CollectionSpec | None = None
    version: str = ""
    range: RangeSpec | None = None
    state: RawJSON = None


class Read(WireModel):
    """A source document read for one transform."""

    class Shuffle(WireModel):
        """The shuffle key of the document (JSON codec: `key`; protobuf codec: `packed`)."""

        key: RawJSON = None
        # FoundationDB tuple, base64.
        packed: str = ""
        # Always set: the 32-bit key hash within the Open's key range.
        hash: int = 0

    transform: int = 0
    uuid: UUIDParts | None = None
    shuffle: Shuffle | None = None
    doc: RawJSON = None


class Flush(WireModel):
    """Publish everything derived so far, then answer Flushed (may loop)."""

    # All shards' patches of the previous Flush round of this transaction.
    state_patches: RawJSON = None


class StartCommit(WireModel):
    """The runtime is committing (sent to remote-authoritative connectors only)."""

    runtime_checkpoint: gazette.Checkpoint | None = None


class Reset(WireModel):
    """Clear internal state (catalog tests only)."""


class Request(VariantsModel):
    """A derive request: exactly one variant is set."""

    spec: Spec | None = None
    # `validate` would shadow BaseModel.validate; the JSON key is still "validate".
    validate_: Validate | None = Field(default=None, alias="validate")
    open: Open | None = None
    read: Read | None = None
    flush: Flush | None = None
    start_commit: StartCommit | None = None
    reset: Reset | None = None
