"""Run a singer-sdk `Tap` class inside the connector process, its messages intercepted as objects.

singer-sdk lets a tap's message writer be replaced (`message_writer=`): ours hands RECORD and STATE
objects straight to a `Translator`, so no message is serialized as Singer JSON and parsed again.
The tap's loggers propagate to ours (structured JSON lines); its metrics logger is kept at warning
level unless we log at debug level (the tap's constructor sets that level; we set it back after), so
its METRIC lines do not flood the capture's log.
"""

from __future__ import annotations

import contextlib
import logging
import signal
import threading
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from ..errors import ConfigError, ConnectorError
from .translate import Translator

METRICS_LOGGER = "singer_sdk.metrics"


class _Halt(BaseException):
    """Carries an exception of ours out of the tap: a BaseException, so the tap's `except Exception` lets it by."""

    def __init__(self, cause: BaseException) -> None:
        super().__init__(str(cause))
        self.cause = cause


class InterceptingWriter:
    """A singer-sdk message writer that gives each message object to a `Translator`."""

    def __init__(self, translator: Translator) -> None:
        self._record = translator.record
        self._state = translator.state
        self._other = translator.message

    def write_message(self, message: Any) -> None:
        """Translate one message; our own failures (e.g. the session stopping) leave the tap as `_Halt`."""
        try:
            kind = message.type
            if kind == "RECORD":
                self._record(message.stream, message.record)
            elif kind == "STATE":
                self._state(message.value)
            else:
                self._other(message.to_dict())
        except Exception as exc:
            raise _Halt(exc) from exc

    def format_message(self, message: Any) -> str:
        """Not used: messages are never serialized as Singer JSON here."""
        raise NotImplementedError("the shim's writer does not serialize messages")

    serialize_message = format_message


class DiscardingWriter:
    """A message writer that drops every message (the dry run of `validate`)."""

    def write_message(self, message: Any) -> None:
        """Drop `message`."""


@contextlib.contextmanager
def _signal_handlers_kept() -> Iterator[None]:
    """singer-sdk installs SIGINT/SIGTERM handlers when a tap is built on the main thread: undo that."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    kept = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in kept.items():
            signal.signal(sig, handler)


def quiet_metrics() -> None:
    """Keep singer-sdk's metrics logger at warning level unless the root logger is at debug level."""
    if logging.getLogger().getEffectiveLevel() > logging.DEBUG:
        logging.getLogger(METRICS_LOGGER).setLevel(logging.WARNING)


def _tap_message(exc: BaseException) -> str:
    errors = getattr(exc, "errors", None)
    detail = "; ".join(str(e) for e in errors) if isinstance(errors, list) and errors else ""
    text = str(exc) or type(exc).__name__
    return f"{text}: {detail}" if detail else text


class InProcessTap:
    """A singer-sdk tap built by `factory(config=..., catalog=..., state=..., message_writer=...)`."""

    def __init__(self, factory: Callable[..., Any]) -> None:
        self.factory = factory
        self.name = str(getattr(factory, "name", None) or getattr(factory, "__name__", "tap"))

    def settings(self) -> dict[str, Any]:
        """The tap's config JSON schema (`config_jsonschema`), or {} when it declares none."""
        schema = getattr(self.factory, "config_jsonschema", None)
        return dict(schema) if isinstance(schema, dict) else {}

    def build(
        self,
        config: Mapping[str, Any],
        *,
        catalog: Mapping[str, Any] | None = None,
        state: Mapping[str, Any] | None = None,
        writer: Any = None,
    ) -> Any:
        """One tap instance; ConfigError with the tap's message when it rejects its config."""
        with _signal_handlers_kept():
            try:
                tap = self.factory(
                    config=dict(config),
                    catalog=dict(catalog) if catalog is not None else None,
                    state=dict(state or {}),
                    message_writer=writer or DiscardingWriter(),
                )
            except ConnectorError:
                raise
            except Exception as exc:
                raise ConfigError(f"{self.name} rejected its config: {_tap_message(exc)}") from exc
        quiet_metrics()  # after the constructor: singer-sdk sets its metrics logger's level there
        return tap

    def discover(self, config: Mapping[str, Any]) -> dict[str, Any]:
        """The tap's catalog (its discovery); ConfigError with the tap's message when discovery fails."""
        tap = self.build(config)
        try:
            catalog = tap.catalog_dict
        except ConnectorError:
            raise
        except Exception as exc:
            raise ConfigError(f"{self.name} failed to discover its streams: {_tap_message(exc)}") from exc
        return dict(catalog)

    def dry_run(self, config: Mapping[str, Any], catalog: Mapping[str, Any]) -> None:
        """Sync at most one record of each selected stream, discarding it; ConfigError when the tap fails."""
        tap = self.build(config, catalog=catalog)
        streams = [stream for stream in tap.streams.values() if stream.selected]
        try:
            tap.run_sync_dry_run(dry_run_record_limit=1, streams=streams)
        except Exception as exc:
            raise ConfigError(f"{self.name} failed its one-record dry run: {_tap_message(exc)}") from exc

    def sync(
        self, config: Mapping[str, Any], catalog: Mapping[str, Any], state: Mapping[str, Any], translator: Translator
    ) -> None:
        """Run the tap's sync into `translator`; a tap failure raises ConnectorError with the tap's message."""
        tap = self.build(config, catalog=catalog, state=state, writer=InterceptingWriter(translator))
        try:
            tap.sync_all()
        except _Halt as halt:
            raise halt.cause from None
        except ConnectorError:
            raise
        except Exception as exc:
            raise ConnectorError(f"{self.name} failed: {_tap_message(exc)}") from exc
