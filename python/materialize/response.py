"""Wire models of materialize Responses (connector -> runtime)."""

from __future__ import annotations

from flow_sdk import gazette
from flow_sdk.flow import ConnectorState, OAuth2, SerPolicy
from flow_sdk.wire import RawJSON, VariantsModel, WireEnum, WireModel

__all__ = [
    "Acknowledged",
    "Applied",
    "Flushed",
    "Loaded",
    "Opened",
    "Response",
    "Spec",
    "StartedCommit",
    "Validated",
]


class Spec(WireModel):
    """The connector's specification."""

    # Must be 3032023.
    protocol: int = 0
    config_schema: RawJSON = None
    # Must mark `x-collection-name` (and may mark `x-schema-name`, `x-delta-updates`).
    resource_config_schema: RawJSON = None
    documentation_url: str = ""
    oauth2: OAuth2 | None = None


class Validated(WireModel):
    """Validation outcome, one binding per request binding, same order."""

    class Constraint(WireModel):
        """How a projection may be used by the binding."""

        class Type(WireEnum):
            """Kind of constraint."""

            INVALID = "INVALID"
            FIELD_REQUIRED = "FIELD_REQUIRED"
            LOCATION_REQUIRED = "LOCATION_REQUIRED"
            # Deprecated: same as FIELD_OPTIONAL.
            LOCATION_RECOMMENDED = "LOCATION_RECOMMENDED"
            FIELD_OPTIONAL = "FIELD_OPTIONAL"
            # Permanent; a backfill does not help.
            FIELD_FORBIDDEN = "FIELD_FORBIDDEN"
            # Cleared by a backfill of the binding.
            INCOMPATIBLE = "INCOMPATIBLE"
            # Deprecated alias of INCOMPATIBLE.
            UNSATISFIABLE = "UNSATISFIABLE"

        type: Type = Type.INVALID
        reason: str = ""
        # Field name as the endpoint can represent it (lower-cased, ...).
        folded_field: str = ""

    class ProjectionConstraint(WireModel):
        """A constraint on one projection field; a field may have several."""

        field: str = ""
        constraint: Validated.Constraint | None = None

    class Binding(WireModel):
        """The validated binding; unlisted projections are forbidden."""

        case_insensitive_fields: bool = False
        resource_path: list[str] = []
        delta_updates: bool = False
        ser_policy: SerPolicy | None = None
        projection_constraints: list[Validated.ProjectionConstraint] = []

    bindings: list[Binding] = []


class Applied(WireModel):
    """Outcome of Apply."""

    # Empty means nothing was done.
    action_description: str = ""
    state: ConnectorState | None = None


class Opened(WireModel):
    """The session is open."""

    # Unset: resume from the recovery log's checkpoint.
    runtime_checkpoint: gazette.Checkpoint | None = None
    disable_load_optimization: bool = False


class Loaded(WireModel):
    """A document answering a Load."""

    binding: int = 0
    doc: RawJSON = None


class Flushed(WireModel):
    """All Loaded documents were sent; state written before the next Store/StartCommit."""

    state: ConnectorState | None = None


class StartedCommit(WireModel):
    """The connector's commit started; state commits with the recovery log."""

    state: ConnectorState | None = None


class Acknowledged(WireModel):
    """The previous commit is acknowledged; state here is not transactional."""

    state: ConnectorState | None = None


class Response(VariantsModel):
    """A materialize response: exactly one variant is set."""

    spec: Spec | None = None
    validated: Validated | None = None
    applied: Applied | None = None
    opened: Opened | None = None
    loaded: Loaded | None = None
    flushed: Flushed | None = None
    started_commit: StartedCommit | None = None
    acknowledged: Acknowledged | None = None


for _model in (Validated.ProjectionConstraint, Validated.Binding, Validated):
    _model.model_rebuild()
