"""Wire models of capture Responses (connector -> runtime)."""

from __future__ import annotations

from flow_sdk.flow import ConnectorState, OAuth2
from flow_sdk.wire import RawJSON, VariantsModel, WireModel

__all__ = [
    "Applied",
    "BackfillBegin",
    "BackfillComplete",
    "Captured",
    "Checkpoint",
    "Discovered",
    "Opened",
    "Response",
    "SourcedSchema",
    "Spec",
    "Validated",
]


class Spec(WireModel):
    """The connector's specification."""

    # Must be 3032023.
    protocol: int = 0
    config_schema: RawJSON = None
    resource_config_schema: RawJSON = None
    documentation_url: str = ""
    oauth2: OAuth2 | None = None
    # Pointers extracting a binding's resource path from its resource config.
    resource_path_pointers: list[str] = []


class Discovered(WireModel):
    """Resources the endpoint offers."""

    class Binding(WireModel):
        """A resource that could be captured."""

        recommended_name: str = ""
        resource_config: RawJSON = None
        document_schema: RawJSON = None
        key: list[str] = []
        disable: bool = False
        resource_path: list[str] = []
        is_fallback_key: bool = False

    bindings: list[Binding] = []


class Validated(WireModel):
    """Validation outcome, one binding per request binding, same order."""

    class Binding(WireModel):
        """The resource path of a validated binding."""

        resource_path: list[str] = []

    bindings: list[Binding] = []


class Applied(WireModel):
    """Outcome of Apply."""

    # Empty means nothing was done.
    action_description: str = ""
    state: ConnectorState | None = None


class Opened(WireModel):
    """The session is open."""

    explicit_acknowledgements: bool = False


class Captured(WireModel):
    """A captured document, pending the next Checkpoint."""

    binding: int = 0
    doc: RawJSON = None


class SourcedSchema(WireModel):
    """A source-defined schema of a binding; effective after the next Checkpoint."""

    binding: int = 0
    document_schema: RawJSON = None


class Checkpoint(WireModel):
    """A possible transaction boundary, with a connector state update."""

    state: ConnectorState | None = None


class BackfillBegin(WireModel):
    """A binding's backfill starts (alone in its checkpoint)."""

    binding: int = 0


class BackfillComplete(WireModel):
    """A binding's backfill is done (alone in its checkpoint)."""

    binding: int = 0


class Response(VariantsModel):
    """A capture response: exactly one variant is set."""

    spec: Spec | None = None
    discovered: Discovered | None = None
    validated: Validated | None = None
    applied: Applied | None = None
    opened: Opened | None = None
    captured: Captured | None = None
    sourced_schema: SourcedSchema | None = None
    checkpoint: Checkpoint | None = None
    backfill_begin: BackfillBegin | None = None
    backfill_complete: BackfillComplete | None = None
