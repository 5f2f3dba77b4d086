"""Wire models of derive Responses (connector -> runtime)."""

from __future__ import annotations

from flow_sdk import gazette
from flow_sdk.flow import ConnectorState, OAuth2
from flow_sdk.wire import RawJSON, VariantsModel, WireModel

__all__ = ["Flushed", "Opened", "Published", "Response", "Spec", "StartedCommit", "Validated"]


class Spec(WireModel):
    """The connector's specification."""

    # Must be 3032023.
    protocol: int = 0
    config_schema: RawJSON = None
    # Schema of the lambda configuration.
    resource_config_schema: RawJSON = None
    documentation_url: str = ""
    oauth2: OAuth2 | None = None


class Validated(WireModel):
    """Validation outcome."""

    class Transform(WireModel):
        """Outcome for one transform, same order as the request."""

        read_only: bool = False

    transforms: list[Transform] = []
    # Absolute URL -> generated file content.
    generated_files: dict[str, str] = {}


class Opened(WireModel):
    """The session is open."""

    # Deprecated: returning one makes the connector remote-authoritative.
    runtime_checkpoint: gazette.Checkpoint | None = None


class Published(WireModel):
    """A derived document."""

    doc: RawJSON = None


class Flushed(WireModel):
    """Everything derived so far was published."""

    state: ConnectorState | None = None
    # Ask for another Flush round in this transaction.
    more: bool = False


class StartedCommit(WireModel):
    """Answer to StartCommit; `state` is deprecated (the V2 runtime wants it unset)."""

    state: ConnectorState | None = None


class Response(VariantsModel):
    """A derive response: exactly one variant is set."""

    spec: Spec | None = None
    validated: Validated | None = None
    opened: Opened | None = None
    published: Published | None = None
    flushed: Flushed | None = None
    started_commit: StartedCommit | None = None
