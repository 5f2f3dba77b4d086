"""Airbyte protocol messages -> Flow capture actions (documents, checkpoints, logs), without I/O.

A source's read yields records as `(stream, namespace, data)` tuples (cheap to make from an
in-process AirbyteMessage or a parsed line) and every other message as its Airbyte JSON dict.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, Protocol

from flow_sdk import log
from flow_sdk.errors import ConfigError, ConnectorError, RemoteProtocolError, TransientError

from .states import BoundStream, StateBook

Record = tuple[str, str | None, dict[str, Any]]

_logger = log.get_logger("flow_sdk.shim_airbyte_cdk")
_LEVELS = {
    "FATAL": logging.CRITICAL,
    "ERROR": logging.ERROR,
    "WARN": logging.WARNING,
    "WARNING": logging.WARNING,
    "INFO": logging.INFO,
    "DEBUG": logging.DEBUG,
    "TRACE": logging.DEBUG,
}


class Sink(Protocol):
    """Where translated actions go (the capture session, or a list in tests)."""

    def emit(self, binding: int, doc: Any) -> None:
        """Buffer one document of `binding`."""

    def commit(self, patch: dict[str, Any], bindings: Sequence[int] | None) -> None:
        """Checkpoint the buffered documents of `bindings` (None: all) with a merge patch of the state."""


def _stream_name(namespace: Any, name: Any) -> str:
    return f"{namespace}.{name}" if namespace else str(name)


class Translator:
    """Turns one Airbyte read into documents and checkpoints for the bindings of an `open` request."""

    def __init__(self, bound: Sequence[BoundStream], state: Any, sink: Sink) -> None:
        self.bound = list(bound)
        self.book = StateBook(state, bound)
        self.sink = sink
        self._emit: Callable[[int, Any], None] = sink.emit
        self._by_id: dict[tuple[str | None, str], BoundStream] = {(b.namespace, b.stream): b for b in bound}
        self._by_name: dict[str, BoundStream] = {b.stream: b for b in bound}
        self._ops = {b.index: "c" if b.fallback_key else "u" for b in bound}
        self._dirty: set[int] = set()
        self.records = 0

    def start(self) -> None:
        """Checkpoint the removal of state left by bindings that are gone (or were backfilled)."""
        if self.book.stale is not None:
            self.sink.commit(self.book.stale, [])

    def _bound(self, stream: str, namespace: str | None) -> BoundStream | None:
        return self._by_id.get((namespace, stream)) or self._by_name.get(stream)

    def run(self, items: Iterable[Record | dict[str, Any]]) -> None:
        """Translate a whole read, then commit what no state message covered."""
        by_id, by_name, rows, ops, emit, dirty = (
            self._by_id,
            self._by_name,
            self.book.row_ids,
            self._ops,
            self._emit,
            self._dirty,
        )
        count = 0
        for item in items:
            if item.__class__ is tuple:
                stream, namespace, data = item
                bound = by_id.get((namespace, stream)) or by_name.get(stream)
                if bound is None:
                    raise RemoteProtocolError(f"the source emitted a record of stream {stream!r}, which is not bound")
                index = bound.index
                row = rows[index]
                rows[index] = row + 1
                data["_meta"] = {"op": ops[index], "row_id": row}
                emit(index, data)
                if index not in dirty:
                    dirty.add(index)
                count += 1
            else:
                self.records += count
                count = 0
                self.message(item)  # type: ignore[arg-type]
        self.records += count
        self.finish()

    def finish(self) -> None:
        """Commit the records that no state message covered (full-refresh streams, a final tail)."""
        if self._dirty:
            indices = sorted(self._dirty)
            self._dirty.clear()
            self.sink.commit(self.book.rows_patch(indices), indices)

    def message(self, message: Mapping[str, Any]) -> None:
        """Translate one non-record Airbyte message."""
        kind = message.get("type")
        if kind == "STATE":
            self.state(message.get("state") or {})
        elif kind == "LOG":
            entry = message.get("log") or {}
            level = _LEVELS.get(str(entry.get("level", "INFO")).upper(), logging.INFO)
            _logger.log(level, str(entry.get("message", "")), extra={"fields": {"source": "airbyte"}})
        elif kind == "TRACE":
            self.trace(message.get("trace") or {})
        elif kind == "CONTROL":
            _logger.warning(
                "the source asked to update its configuration, which the shim does not persist",
                extra={"fields": {"control": message.get("control")}},
            )
        elif kind == "RECORD":
            record = message.get("record") or {}
            self.run_one(record)

    def run_one(self, record: Mapping[str, Any]) -> None:
        """Translate one record given as its Airbyte JSON (the slow path, for odd callers)."""
        data = dict(record.get("data") or {})
        bound = self._bound(str(record.get("stream")), record.get("namespace"))
        if bound is None:
            raise RemoteProtocolError(f"the source emitted a record of stream {record.get('stream')!r}, not bound")
        row = self.book.row_ids[bound.index]
        self.book.row_ids[bound.index] = row + 1
        data["_meta"] = {"op": self._ops[bound.index], "row_id": row}
        self._emit(bound.index, data)
        self._dirty.add(bound.index)
        self.records += 1

    def state(self, state: Mapping[str, Any]) -> None:
        """Checkpoint a STREAM, GLOBAL or LEGACY state."""
        kind = state.get("type") or ("LEGACY" if "data" in state else None)
        if kind == "STREAM":
            body = state.get("stream") or {}
            descriptor = body.get("stream_descriptor") or {}
            bound = self._bound(str(descriptor.get("name")), descriptor.get("namespace"))
            if bound is None:
                _logger.debug("state of an unbound stream ignored", extra={"fields": {"stream": descriptor}})
                return
            self._dirty.discard(bound.index)
            self.sink.commit(self.book.stream_patch(bound, body.get("stream_state")), [bound.index])
        elif kind == "GLOBAL":
            body = state.get("global") or {}
            per_stream: dict[int, Any] = {}
            for entry in body.get("stream_states") or []:
                descriptor = entry.get("stream_descriptor") or {}
                bound = self._bound(str(descriptor.get("name")), descriptor.get("namespace"))
                if bound is not None and bound.incremental:
                    per_stream[bound.index] = entry.get("stream_state")
            self._dirty.clear()
            self.sink.commit(self.book.global_patch(body.get("shared_state"), per_stream), None)
        elif kind == "LEGACY":
            self._dirty.clear()
            self.sink.commit(self.book.legacy_patch(state.get("data")), None)
        else:
            raise RemoteProtocolError(f"the source emitted a STATE message of unknown type {kind!r}")

    def trace(self, trace: Mapping[str, Any]) -> None:
        """Errors fail the capture; estimates and stream statuses are logged as progress."""
        kind = trace.get("type")
        if kind == "ERROR":
            error = trace.get("error") or {}
            message = str(error.get("message") or "the source reported an error")
            fields = {"internal_message": error.get("internal_message"), "failure_type": error.get("failure_type")}
            failure = error.get("failure_type")
            cls = ConfigError if failure == "config_error" else TransientError if failure == "transient_error" else None
            raise (cls or ConnectorError)(f"source failed: {message}", fields=fields)
        if kind == "ESTIMATE":
            estimate = trace.get("estimate") or {}
            name = _stream_name(estimate.get("namespace"), estimate.get("name"))
            fields = {k: v for k, v in estimate.items() if k not in ("name", "namespace") and v is not None}
            _logger.info("progress", extra={"fields": {"stream": name, "estimate": fields}})
        elif kind == "STREAM_STATUS":
            status = trace.get("stream_status") or {}
            descriptor = status.get("stream_descriptor") or {}
            name = _stream_name(descriptor.get("namespace"), descriptor.get("name"))
            _logger.info("progress", extra={"fields": {"stream": name, "status": status.get("status")}})
        else:
            _logger.debug("airbyte trace", extra={"fields": {"trace": dict(trace)}})
