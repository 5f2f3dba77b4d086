"""`CaptureShim`: an Airbyte source as a Flow capture connector (the one module that plugs into flow_sdk.capture)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from flow_sdk import log
from flow_sdk.capture import Connector, Session
from flow_sdk.capture import request as rq
from flow_sdk.capture import response as rs
from flow_sdk.errors import ConfigError
from flow_sdk.protocol import PROTOCOL_VERSION
from flow_sdk.state import state_key_of

from . import catalog, spec
from .command import CommandSource
from .sources import AirbyteSource, InProcessSource
from .states import BoundStream, airbyte_input_state
from .translate import Translator

_logger = log.get_logger("flow_sdk.shim_airbyte_cdk")


class _SessionSink:
    """Translator actions written through a capture session."""

    def __init__(self, session: Session) -> None:
        self.emit = session.emit
        self._session = session

    def commit(self, patch: dict[str, Any], bindings: Sequence[int] | None) -> None:
        self._session.checkpoint(patch, merge_patch=True, bindings=bindings)


def bound_streams(bindings: Sequence[Mapping[str, Any]]) -> list[BoundStream]:
    """What the shim needs of each binding of an `open` request."""
    out = []
    for index, binding in enumerate(bindings):
        resource = binding.get("resourceConfig") or {}
        key = (binding.get("collection") or {}).get("key") or []
        out.append(
            BoundStream(
                index=index,
                stream=str(resource.get("stream")),
                namespace=resource.get("namespace") or None,
                state_key=state_key_of(binding),
                incremental=resource.get("syncMode") == "incremental",
                fallback_key=list(key) == [catalog.ROW_ID_POINTER],
            )
        )
    return out


class CaptureShim(Connector):
    """Run an Airbyte source as a Flow capture.

    Give exactly one of `delegate` (an airbyte-cdk `Source` object, run in this process),
    `command` (argv of an Airbyte source's entry point, run as a subprocess per verb) or `image`
    (an Airbyte source image, run with `docker run -i`). `oauth2` (Flow's OAuth2 spec) and
    `documentation_url` are passed through to `spec`. With `sourced_schemas`, for sources whose
    stream schemas are authoritative (they describe every record exactly), each `open` discovers
    the streams again and sends their schemas as `sourcedSchema` before the first checkpoint.
    """

    resource_config_schema = spec.RESOURCE_CONFIG_SCHEMA
    resource_path_pointers = spec.RESOURCE_PATH_POINTERS

    def __init__(
        self,
        delegate: Any = None,
        oauth2: Mapping[str, Any] | None = None,
        *,
        command: Sequence[str] | None = None,
        image: str | None = None,
        env: Mapping[str, str] | None = None,
        documentation_url: str | None = None,
        sourced_schemas: bool = False,
    ) -> None:
        if sum(x is not None for x in (delegate, command, image)) != 1:
            raise ConfigError("CaptureShim needs exactly one of delegate, command or image")
        self.source: AirbyteSource = (
            InProcessSource(delegate) if delegate is not None else CommandSource(command or (), image=image, env=env)
        )
        self.oauth2 = oauth2
        self._documentation_url = documentation_url
        self.sourced_schemas = sourced_schemas
        self._spec: dict[str, Any] | None = None
        if delegate is not None:
            # Cheap in process: the framework then validates configs against the source's schema
            # and registers its secrets for redaction. A command source checks its config itself
            # (the CDK validates against its spec), so it is not started once more for this.
            self._flow_spec()

    def _flow_spec(self) -> dict[str, Any]:
        if self._spec is None:
            self._spec = spec.flow_spec(
                self.source.spec(), documentation_url=self._documentation_url, oauth2=self.oauth2
            )
            # The framework validates configs against this schema before any handler runs.
            self.config_schema = self._spec["configSchema"]  # type: ignore[misc]
        return self._spec

    def spec(self, request: rq.Spec) -> rs.Spec:
        """The source's spec, translated (config schema with Flow secrets, resource config, pointers)."""
        return rs.Spec.from_flow_json({"protocol": PROTOCOL_VERSION, **self._flow_spec()})

    def _check(self, config: Mapping[str, Any]) -> None:
        status = self.source.check(config)
        if status.get("status") != "SUCCEEDED":
            raise ConfigError(f"the source's check failed: {status.get('message') or 'no reason given'}")

    def discover(self, config: dict[str, Any], request: rq.Discover) -> rs.Discovered:
        """One binding per stream of the source's catalog (after a successful check)."""
        self._check(config)
        return rs.Discovered.from_flow_json({"bindings": catalog.discovered_bindings(self.source.discover(config))})

    def validate(self, config: dict[str, Any], request: rq.Validate) -> rs.Validated:
        """Check the config, and that every binding names a known stream in a sync mode it supports."""
        self._check(config)
        bindings = request.to_flow_json().get("bindings") or []
        catalog.check_resources(self.source.discover(config), [b.get("resourceConfig") or {} for b in bindings])
        return super().validate(config, request)

    def open(self, config: dict[str, Any], typed: rq.Open, session: Session, prepared: Any) -> None:
        """Read the bound streams from the restored state, checkpointing as the source does."""
        # The shim's pure modules speak Flow JSON: convert once, at this boundary.
        request = typed.to_flow_json()
        bindings: list[dict[str, Any]] = (request.get("capture") or {}).get("bindings") or []
        bound = bound_streams(bindings)
        state = (request.get("state") or {}) if isinstance(request.get("state"), dict) else {}
        translator = Translator(bound, state, _SessionSink(session))
        translator.start()
        if self.sourced_schemas:
            discovered = self.source.discover(config)
            for index, schema in catalog.sourced_schemas(discovered, [(b.namespace, b.stream) for b in bound]).items():
                session.sourced_schema(index, schema)
        input_state = airbyte_input_state(state, bound)
        _logger.info(
            "reading the Airbyte source",
            extra={"fields": {"streams": [b.stream for b in bound], "state_messages": len(input_state)}},
        )
        translator.run(self.source.read(config, catalog.configured_catalog(bindings), input_state))
        _logger.info("the Airbyte source finished", extra={"fields": {"records": translator.records}})
