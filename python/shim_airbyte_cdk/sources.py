"""The one interface the shim needs from an Airbyte source, and its in-process implementation.

`AirbyteSource` is what both modes provide: `spec`, `check`, `discover` return Airbyte JSON dicts,
and `read` yields records as `(stream, namespace, data)` tuples and every other message as its
Airbyte JSON dict. `InProcessSource` calls a Python source (an airbyte-cdk `Source`) directly:
records are taken from the message objects, never serialised and parsed again.
"""

from __future__ import annotations

import contextlib
import importlib
import logging
import os
import signal
from collections.abc import Iterator, Mapping
from typing import Any, Protocol

from flow_sdk.errors import ConfigError, ConnectorError

Item = tuple[str, str | None, dict[str, Any]] | dict[str, Any]


class AirbyteSource(Protocol):
    """An Airbyte source the shim can drive, in process or as a command."""

    def spec(self) -> dict[str, Any]:
        """The source's ConnectorSpecification."""

    def check(self, config: Mapping[str, Any]) -> dict[str, Any]:
        """The AirbyteConnectionStatus of `config` ({status: SUCCEEDED|FAILED, message})."""

    def discover(self, config: Mapping[str, Any]) -> dict[str, Any]:
        """The source's AirbyteCatalog."""

    def read(
        self, config: Mapping[str, Any], catalog: Mapping[str, Any], state: list[dict[str, Any]]
    ) -> Iterator[Item]:
        """Read the configured streams from `state` on."""


def first_of(messages: Iterator[dict[str, Any]], kind: str, key: str, what: str) -> dict[str, Any]:
    """The body of the first message of type `kind`; an error TRACE before it raises with its message."""
    for message in messages:
        if message.get("type") == kind:
            body = message.get(key)
            if isinstance(body, dict):
                return body
        elif message.get("type") == "TRACE" and (message.get("trace") or {}).get("type") == "ERROR":
            error = message["trace"].get("error") or {}
            raise ConfigError(f"{what} failed: {error.get('message') or error.get('internal_message')}")
    raise ConnectorError(f"{what}: the source ended without a {kind} message")


def _default_sigterm() -> None:
    """In a child the delegate forks (a worker pool): SIGTERM terminates again.

    The connector's SIGTERM handler (stop the session) is inherited by a fork, and a pool worker
    that only stops a session it does not have never exits, so the pool's shutdown waits forever.
    """
    with contextlib.suppress(ValueError):
        signal.signal(signal.SIGTERM, signal.SIG_DFL)


class InProcessSource:
    """An airbyte-cdk Source object run in this process (airbyte-cdk is imported lazily)."""

    def __init__(self, delegate: Any) -> None:
        self.delegate = delegate
        self._models: Any = importlib.import_module("airbyte_cdk.models")
        entrypoint: Any = importlib.import_module("airbyte_cdk.entrypoint")
        # Importing the CDK points the root logger at its stdout formatter; our JSON logs on stderr
        # already carry every record, so that handler would only duplicate them.
        formatter: Any = importlib.import_module("airbyte_cdk.logger").AirbyteLogFormatter
        root = logging.getLogger()
        for handler in list(root.handlers):
            if isinstance(handler.formatter, formatter):
                root.removeHandler(handler)
        self._entrypoint: Any = entrypoint.AirbyteEntrypoint(delegate)
        self._spec: Any = None
        os.register_at_fork(after_in_child=_default_sigterm)

    def _source_spec(self) -> Any:
        if self._spec is None:
            self._spec = self.delegate.spec(self._entrypoint.logger)
        return self._spec

    def _dump(self, message: Any) -> dict[str, Any]:
        dumped: dict[str, Any] = self._models.AirbyteMessageSerializer.dump(message)
        return dumped

    def spec(self) -> dict[str, Any]:
        """The delegate's ConnectorSpecification as JSON."""
        spec: dict[str, Any] = self._models.ConnectorSpecificationSerializer.dump(self._source_spec())
        return spec

    def check(self, config: Mapping[str, Any]) -> dict[str, Any]:
        """Run the delegate's check as the CDK's entrypoint does."""
        messages = (self._dump(m) for m in self._entrypoint.check(self._source_spec(), dict(config)))
        return first_of(messages, "CONNECTION_STATUS", "connectionStatus", "check")

    def discover(self, config: Mapping[str, Any]) -> dict[str, Any]:
        """Run the delegate's discover."""
        messages = (self._dump(m) for m in self._entrypoint.discover(self._source_spec(), dict(config)))
        return first_of(messages, "CATALOG", "catalog", "discover")

    def read(
        self, config: Mapping[str, Any], catalog: Mapping[str, Any], state: list[dict[str, Any]]
    ) -> Iterator[Item]:
        """Read from the delegate; records are handed on as the source's own dicts.

        As the CDK's entrypoint does (secret filter, config checked against the spec, queued
        messages last), but without its per-state record counts: those accept only per-stream
        state, and the shim carries GLOBAL and LEGACY state too.
        """
        models, entrypoint, source = self._models, self._entrypoint, self.delegate
        source_spec = self._source_spec()
        config = dict(config)
        entrypoint.set_up_secret_filter(config, source_spec.connectionSpecification)
        if getattr(source, "check_config_against_spec", True):
            entrypoint.validate_connection(source_spec, config)
        configured = models.ConfiguredAirbyteCatalogSerializer.load(dict(catalog))
        states = [models.AirbyteStateMessageSerializer.load(s) for s in state]
        record_type = models.Type.RECORD
        dump = models.AirbyteMessageSerializer.dump
        try:
            for message in source.read(entrypoint.logger, config, configured, states):
                if message.type is record_type:
                    record = message.record
                    yield (record.stream, record.namespace, record.data)
                else:
                    yield dump(message)
            repository = getattr(source, "message_repository", None)
            for message in repository.consume_queue() if repository else ():
                yield dump(message)
        except Exception as exc:
            # An AirbyteTracedException is the source's error TRACE: hand it on as the command would print it.
            as_message = getattr(exc, "as_airbyte_message", None)
            if as_message is None:
                raise
            yield dump(as_message())
            raise
