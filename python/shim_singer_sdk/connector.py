"""`CaptureShim`: a Singer tap served as a Flow capture (the one module that plugs into the capture framework).

Everything else lives in pure modules: `catalog` (spec, discovered bindings, selection),
`translate` (messages and state), `inprocess` (a singer-sdk Tap class run in this process) and
`command` (any tap executable run as a child process).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from ..capture import Connector, Session
from ..capture import request as rq
from ..capture import response as rs
from ..capture.session import outbox_of
from ..errors import ConfigError
from ..state import state_key_of
from ..stdio import Codec
from .catalog import (
    RESOURCE_CONFIG_SCHEMA,
    RESOURCE_PATH_POINTERS,
    ROW_ID_POINTER,
    Selection,
    catalog_streams,
    config_schema,
    discovered_bindings,
    selected_catalog,
    selections,
)
from .command import TapCommand
from .inprocess import InProcessTap
from .translate import BoundStream, Translator, restore_state


class CaptureShim(Connector):
    """A capture that runs a Singer tap: a singer-sdk `Tap` class in process, or any tap as a command.

    Give exactly one of `delegate_factory` (called like the Tap constructor: `config=`, `catalog=`,
    `state=`, `message_writer=`) or `command` (the tap's argv; `catalog_flag` is `--properties` for
    taps that predate `--catalog`). Resource configs name the stream (`tap_stream_id`), its
    `replication_method` (INCREMENTAL or FULL_TABLE) and `replication_key`. In command mode the
    config schema of `spec` comes from the tap's `--about --format json` where it has one, and
    other requests leave config checks to the tap.
    """

    def __init__(
        self,
        delegate_factory: Callable[..., Any] | None = None,
        *,
        command: Sequence[str] | None = None,
        catalog_flag: str = "--catalog",
        env: Mapping[str, str] | None = None,
        documentation_url: str = "",
    ) -> None:
        if (delegate_factory is None) == (command is None):
            raise ConfigError("CaptureShim needs exactly one of delegate_factory (a Tap class) or command")
        self.tap = InProcessTap(delegate_factory) if delegate_factory is not None else None
        self.command = TapCommand(command, catalog_flag=catalog_flag, env=env) if command is not None else None
        # Known only at run time, so instance attributes over the base class's defaults.
        self.config_schema = config_schema(self.tap.settings()) if self.tap else {"type": "object"}  # type: ignore[misc]
        self.resource_config_schema = RESOURCE_CONFIG_SCHEMA  # type: ignore[misc]
        self.resource_path_pointers = RESOURCE_PATH_POINTERS  # type: ignore[misc]
        self.documentation_url = documentation_url  # type: ignore[misc]

    def spec(self, request: rq.Spec) -> rs.Spec:
        """The tap's settings as the config schema; the Singer stream resource config."""
        body = super().spec(request)
        if self.command is not None:
            about = self.command.about() or {}
            body.config_schema = config_schema(about.get("settings"))
        return body

    def _catalog(self, config: Mapping[str, Any]) -> dict[str, Any]:
        if self.tap is not None:
            return self.tap.discover(config)
        assert self.command is not None
        return self.command.discover(config)

    def discover(self, config: dict[str, Any], request: rq.Discover) -> rs.Discovered:
        """One binding per stream of the tap's catalog."""
        return rs.Discovered.from_flow_json({"bindings": discovered_bindings(self._catalog(config))})

    def _selections(self, catalog: Mapping[str, Any], bindings: list[dict[str, Any]]) -> list[Selection]:
        chosen = selections(catalog_streams(catalog), [b.get("resourceConfig") or {} for b in bindings])
        seen: set[str] = set()
        for index, pick in enumerate(chosen):
            if pick.tap_stream_id in seen:
                raise ConfigError(f"binding {index}: stream {pick.tap_stream_id!r} is bound more than once")
            seen.add(pick.tap_stream_id)
        return chosen

    def validate(self, config: dict[str, Any], request: rq.Validate) -> rs.Validated:
        """Check each binding's stream and replication settings, then dry-run one record per stream (in process)."""
        catalog = self._catalog(config)
        chosen = self._selections(catalog, list(request.to_flow_json().get("bindings") or []))
        if self.tap is not None and chosen:
            self.tap.dry_run(config, selected_catalog(catalog, chosen))
        return rs.Validated.from_flow_json({"bindings": [{"resourcePath": [pick.tap_stream_id]} for pick in chosen]})

    def open(self, config: dict[str, Any], typed: rq.Open, session: Session, prepared: Any) -> None:
        """Sync exactly the bound streams from their restored bookmarks; checkpoint at each STATE."""
        # The shim's pure modules speak Flow JSON: convert once, at this boundary.
        request = typed.to_flow_json()
        bindings: list[dict[str, Any]] = (request.get("capture") or {}).get("bindings") or []
        catalog = self._catalog(config)
        chosen = self._selections(catalog, bindings)
        bound = [
            BoundStream(
                binding=index,
                tap_stream_id=pick.tap_stream_id,
                state_key=state_key_of(binding),
                method=pick.method,
                fallback_key=ROW_ID_POINTER in ((binding.get("collection") or {}).get("key") or []),
            )
            for index, (pick, binding) in enumerate(zip(chosen, bindings, strict=True))
        ]
        state = request.get("state") or {}
        outbox = outbox_of(session)
        encode = None if outbox.codec is Codec.JSON else outbox.encode_captured
        translator = Translator(bound, outbox, state, encode=encode)
        selected = selected_catalog(catalog, chosen)
        if self.tap is not None:
            self.tap.sync(config, selected, restore_state(state, bound), translator)
        else:
            assert self.command is not None
            self.command.sync(config, selected, restore_state(state, bound), translator.message)
        translator.finish()
