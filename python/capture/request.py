"""Wire models of capture Requests (runtime -> connector)."""

from __future__ import annotations

from pydantic import Field

from flow_sdk.flow import CaptureSpec, CollectionSpec, RangeSpec
from flow_sdk.wire import RawJSON, VariantsModel, WireModel

__all__ = ["Acknowledge", "Apply", "Discover", "Open", "Request", "Spec", "Validate"]


class Spec(WireModel):
    """Ask for the connector's specification (config schemas, docs)."""

    connector_type: CaptureSpec.ConnectorType = CaptureSpec.ConnectorType.INVALID
    config: RawJSON = None


class Discover(WireModel):
    """Ask which resources the endpoint offers."""

    name: str = ""
    connector_type: CaptureSpec.ConnectorType = CaptureSpec.ConnectorType.INVALID
    config: RawJSON = None
    # Creation date YYYY-MM-DD, "" if the task does not exist yet.
    created_at: str = ""
    secrets: dict[str, str] = {}


class Validate(WireModel):
    """Check a proposed configuration and bindings."""

    class Binding(WireModel):
        """A proposed resource/collection pair."""

        resource_config: RawJSON = None
        # Unset in linked form; `collection_index` points into `linked_collections`.
        collection: CollectionSpec | None = None
        backfill: int = 0
        collection_index: int = 0

    name: str = ""
    connector_type: CaptureSpec.ConnectorType = CaptureSpec.ConnectorType.INVALID
    config: RawJSON = None
    bindings: list[Binding] = []
    last_capture: CaptureSpec | None = None
    last_version: str = ""
    linked_collections: list[CollectionSpec] = []
    secrets: dict[str, str] = {}


class Apply(WireModel):
    """Apply a capture spec to the endpoint (idempotent, on the leader shard)."""

    capture: CaptureSpec | None = None
    version: str = ""
    last_capture: CaptureSpec | None = None
    last_version: str = ""
    # Connector state reduced over the patches of prior Applied responses.
    state: RawJSON = None


class Open(WireModel):
    """Start a capture session."""

    capture: CaptureSpec | None = None
    version: str = ""
    range: RangeSpec | None = None
    # Last persisted connector state.
    state: RawJSON = None
    # The still-encrypted (SOPS) config that `capture.config` was decrypted from.
    sealed_config: RawJSON = None


class Acknowledge(WireModel):
    """This many preceding Checkpoints have committed."""

    checkpoints: int = 0


class Request(VariantsModel):
    """A capture request: exactly one variant is set."""

    spec: Spec | None = None
    discover: Discover | None = None
    # `validate` would shadow BaseModel.validate; the JSON key is still "validate".
    validate_: Validate | None = Field(default=None, alias="validate")
    apply: Apply | None = None
    open: Open | None = None
    acknowledge: Acknowledge | None = None
