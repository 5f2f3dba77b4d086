"""Singer messages into Flow documents and checkpoints, and Flow connector state back into Singer state.

A Singer STATE message is the tap's whole state and covers every RECORD written before it. So the
records of all bound streams are framed into one buffer and committed, together with a checkpoint,
at each STATE message. The checkpoint is a merge patch: each bound stream's bookmark
(`bookmarks[tap_stream_id]`) lives under its binding's `stateKey` as `{"bookmark": ...}`; the rest
of the tap state (e.g. `currently_syncing`, or a flat state of an older tap) under `tapState`.
A raised backfill counter gives a binding a new `stateKey`, so its stream starts without a bookmark
(and the old key is dropped at the first checkpoint).
"""

from __future__ import annotations

import decimal
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import orjson

from ..errors import ConfigError, RemoteProtocolError
from ..merge_patch import merge_patch
from ..state import BINDING_STATE, binding_states, stale_keys_patch
from .catalog import INCREMENTAL

TAP_STATE = "tapState"
# Commit records even without a STATE message once this many bytes wait (bounded memory for
# taps that write state rarely; the bookmark does not move, so a restart re-reads them).
FLUSH_BYTES = 8 << 20
_SUFFIX = b"}}\n"


class Sink(Protocol):
    """Where framed documents and their checkpoint go (a capture session's `commit`)."""

    def commit(self, data: bytearray, state: Any, merge_patch: bool = True) -> None:
        """Write `data` (framed `captured` messages) and then a checkpoint of the merge patch `state`."""


@dataclass(frozen=True)
class BoundStream:
    """A stream of the tap bound to a capture binding."""

    binding: int
    tap_stream_id: str
    state_key: str
    method: str
    fallback_key: bool


def _json_default(value: Any) -> Any:
    # Taps hand out Decimals (singer-sdk parses numbers that way) and other non-JSON scalars.
    if isinstance(value, decimal.Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, bytes | bytearray):
        return value.decode("utf-8", "replace")
    if isinstance(value, set | frozenset | tuple):
        return list(value)
    return str(value)


def plain_json(value: Any) -> Any:
    """A deep copy of `value` as plain JSON values (Decimals as numbers, other scalars as strings)."""
    return orjson.loads(orjson.dumps(value, default=_json_default))


def merge_diff(old: Any, new: Any) -> Any:
    """A merge patch turning `old` into `new` ({} when equal); nulls inside `new` read as absent."""
    if not isinstance(old, dict) or not isinstance(new, dict):
        return merge_patch(None, new) if isinstance(new, dict) else new
    patch: dict[str, Any] = {}
    for key in old:
        if new.get(key) is None:
            patch[key] = None
    for key, value in new.items():
        if value is None:
            continue
        if key not in old:
            patch[key] = merge_patch(None, value) if isinstance(value, dict) else value
        elif old[key] != value:
            patch[key] = merge_diff(old[key], value)
    return patch


def restore_state(state: Any, bound: Sequence[BoundStream]) -> dict[str, Any]:
    """The Singer state to start the tap with: bookmarks of INCREMENTAL bindings, plus the saved tap state.

    A copy: a singer-sdk tap updates its state in place, which must not change what a `Translator`
    holds as the last committed bookmark.
    """
    saved = binding_states(state)
    tap_state = state.get(TAP_STATE) if isinstance(state, dict) else None
    singer: dict[str, Any] = dict(tap_state) if isinstance(tap_state, dict) else {}
    bookmarks = {}
    for stream in bound:
        bookmark = (saved.get(stream.state_key) or {}).get("bookmark")
        if stream.method == INCREMENTAL and isinstance(bookmark, dict):
            bookmarks[stream.tap_stream_id] = bookmark
    if bookmarks:
        singer["bookmarks"] = bookmarks
    copied: dict[str, Any] = plain_json(singer)
    return copied


class _Target:
    __slots__ = ("binding", "bookmark", "fallback", "key", "method", "prefix", "row_id", "saved_row_id")

    def __init__(self, stream: BoundStream, saved: Mapping[str, Any]) -> None:
        self.binding = stream.binding
        self.key = stream.state_key
        self.method = stream.method
        self.fallback = stream.fallback_key
        self.prefix = b'{"captured":{"binding":%d,"doc":' % stream.binding
        self.bookmark: Any = saved.get("bookmark") if stream.method == INCREMENTAL else None
        row_id = saved.get("rowId")
        self.row_id = self.saved_row_id = row_id if isinstance(row_id, int) else 0


class Translator:
    """Turns a tap's RECORD and STATE messages into committed documents and checkpoints.

    `encode(binding, doc)`, when given, frames one document (for codecs other than JSON lines);
    by default documents are framed as JSON lines with orjson. Not thread-safe: one tap feeds it.
    """

    def __init__(
        self,
        bound: Sequence[BoundStream],
        sink: Sink,
        state: Any,
        *,
        encode: Callable[[int, Any], bytes] | None = None,
        flush_bytes: int = FLUSH_BYTES,
    ) -> None:
        saved = binding_states(state)
        self._targets = {s.tap_stream_id: _Target(s, saved.get(s.state_key) or {}) for s in bound}
        tap_state = state.get(TAP_STATE) if isinstance(state, dict) else None
        self._tap_state: Any = tap_state if isinstance(tap_state, dict) else {}
        self._sink = sink
        self._encode = encode
        self._flush_bytes = flush_bytes
        self._buffer = bytearray()
        self._pending: dict[str, Any] = stale_keys_patch(state, [s.state_key for s in bound]) or {}
        self.records = 0
        self.checkpoints = 0

    # -- messages ------------------------------------------------------------------------------

    def record(self, stream: str, record: Any) -> None:
        """One RECORD of `stream`; records of streams that are not bound are dropped."""
        target = self._targets.get(stream)
        if target is None:
            return
        if target.fallback:
            target.row_id += 1
            meta = record.get("_meta")
            record = {**record, "_meta": {**(meta if isinstance(meta, dict) else {}), "row_id": target.row_id}}
        if self._encode is not None:
            self._buffer += self._encode(target.binding, record)
        else:
            data = orjson.dumps(record, default=_json_default)  # before appending: a failure leaves no half frame
            buffer = self._buffer
            buffer += target.prefix
            buffer += data
            buffer += _SUFFIX
        self.records += 1
        if len(self._buffer) >= self._flush_bytes:
            self._commit({})

    def state(self, value: Any) -> None:
        """One STATE: commit the records so far with the bookmarks that changed."""
        value = plain_json(value)
        if not isinstance(value, dict):
            raise RemoteProtocolError("a Singer STATE message's value must be an object", received=repr(value)[:80])
        bookmarks = value.get("bookmarks")
        patch: dict[str, Any] = {}
        if isinstance(bookmarks, dict):
            for stream, target in self._targets.items():
                new = bookmarks.get(stream)
                if target.method != INCREMENTAL or not isinstance(new, dict):
                    continue
                diff = merge_diff(target.bookmark, new)
                if diff != {}:
                    patch[target.key] = {"bookmark": diff}
                    target.bookmark = merge_patch(target.bookmark, diff)
        rest = {k: v for k, v in value.items() if k != "bookmarks"}
        rest_diff = merge_diff(self._tap_state, rest)
        self._tap_state = merge_patch(self._tap_state, rest_diff)
        out: dict[str, Any] = {BINDING_STATE: patch} if patch else {}
        if rest_diff != {}:
            out[TAP_STATE] = rest_diff
        self._commit(out)

    def message(self, message: Mapping[str, Any]) -> None:
        """One Singer message in its JSON form (as a tap process writes it)."""
        kind = message.get("type")
        if kind == "RECORD":
            record = message.get("record")
            if not isinstance(record, dict):
                raise RemoteProtocolError("a Singer RECORD must carry an object `record`", received=repr(record)[:80])
            self.record(str(message.get("stream")), record)
        elif kind == "STATE":
            self.state(message.get("value"))
        elif kind == "BATCH":
            raise ConfigError("the tap wrote a BATCH message: remove `batch_config` (batches are not supported)")
        elif kind not in ("SCHEMA", "ACTIVATE_VERSION"):
            raise RemoteProtocolError(
                "unknown Singer message type", expected="RECORD, STATE, SCHEMA or ACTIVATE_VERSION", received=repr(kind)
            )

    def finish(self) -> None:
        """The tap is done: commit any records written after its last STATE."""
        if self._buffer or self._pending or self._row_ids_moved():
            self._commit({})

    # -- checkpoints ---------------------------------------------------------------------------

    def _row_ids_moved(self) -> bool:
        return any(t.row_id != t.saved_row_id for t in self._targets.values())

    def _commit(self, patch: dict[str, Any]) -> None:
        if not self._buffer and not patch and not self._pending and not self._row_ids_moved():
            return
        bindings: dict[str, Any] = patch.setdefault(BINDING_STATE, {})
        for target in self._targets.values():
            if target.row_id != target.saved_row_id:
                bindings.setdefault(target.key, {})["rowId"] = target.row_id
                target.saved_row_id = target.row_id
        if self._pending:
            # The stale keys go first, alone: composing two merge patches into one would lose nulls.
            pending, self._pending = self._pending, {}
            self._sink.commit(bytearray(), pending)
        if not patch.get(BINDING_STATE):
            patch.pop(BINDING_STATE, None)
        data, self._buffer = self._buffer, bytearray()
        self.checkpoints += 1
        self._sink.commit(data, patch)
