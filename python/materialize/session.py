"""The protocol loop: reads requests, drives a Connector and its Transactor, writes responses.

Single-threaded and strictly in order: each acknowledge is handled (and `acknowledged` written)
before the next request is read, so a transaction's loads are only evaluated once the previous
commit is published. Stdout is flushed after every response that ends a phase (one-shot
responses, opened, acknowledged, flushed, startedCommit); `loaded` responses are buffered.

Loads and stores are the hot path, so they are handled a batch at a time: with the JSON codec the
session reads whatever stdin has buffered (up to `READ_BYTES`), parses all its lines in one call,
checks the protocol state once per batch and builds `Load` tuples and `StoreBatch` columns with
C-level loops (a whole column per call when the bodies share their members, as they usually do).
A fresh block of plain stores is decoded by `store_decode` instead, its documents kept as text.
Only the message that ends a run of loads or stores (flush, startCommit) goes through the
general per-message path.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Callable, Iterator, Mapping, Sequence
from functools import partial
from itertools import chain
from operator import itemgetter, methodcaller
from typing import TYPE_CHECKING, Any

import orjson

from ..errors import ConnectorError, ProtocolError
from ..flow import ConnectorState as StateUpdate
from ..protocol.materialize import MaterializeProtocol, Role, parse_body
from ..stdio import MAX_MESSAGE_BYTES, Codec, MessageReader, MessageWriter, parse_json_block, parse_json_message
from ..wire import WireModel
from . import request, response
from .packed import unpack_b64
from .store_decode import decode_stores
from .transactor import ConnectorState, Load, StoreBatch, Transactor

if TYPE_CHECKING:
    from .connector import Connector

READ_BYTES = 1 << 17  # one read of stdin: whatever is available, up to this much

Message = dict[str, Any]

_store_body = methodcaller("get", "store")
_load_body = methodcaller("get", "load")
_store_member = itemgetter("store")
_load_member = itemgetter("load")
_binding = methodcaller("get", "binding", 0)
_key = methodcaller("get", "key")
_values = methodcaller("get", "values")
_doc = methodcaller("get", "doc")
_exists = methodcaller("get", "exists", False)
_delete = methodcaller("get", "delete", False)
_new_load: Callable[[tuple[Any, ...]], Load] = partial(tuple.__new__, Load)


class EndOfInput(Exception):
    """The runtime closed stdin; the session ends cleanly wherever it was."""


def _key_of(body: Mapping[str, Any], what: str) -> list[Any]:
    key = body.get("key")
    if key is not None:
        return key  # type: ignore[no-any-return]
    packed = body.get("keyPacked")
    if packed is not None:
        return unpack_b64(packed)
    raise ProtocolError(f"{what} carries neither key nor keyPacked")


def _values_of(body: Mapping[str, Any]) -> list[Any]:
    values = body.get("values")
    if values is not None:
        return values  # type: ignore[no-any-return]
    packed = body.get("valuesPacked")
    return unpack_b64(packed) if packed else []


def _keys_of(bodies: list[Any], what: str) -> list[Any]:
    """Every body's key: plain `key` members in one pass, packed ones only where needed."""
    keys = list(map(_key, bodies))
    if None in keys:
        keys = [k if k is not None else _key_of(b, what) for k, b in zip(keys, bodies, strict=True)]
    return keys


def _bodies(messages: list[Message], member: Callable[[Message], Any], body: Callable[[Message], Any]) -> list[Any]:
    """Each message's `member` body, or None where it has none (itemgetter first: it is the cheaper call)."""
    try:
        return list(map(member, messages))
    except KeyError:  # usually the flush/startCommit that ends the run
        return list(map(body, messages))


_getters: dict[tuple[str, ...], Callable[[Any], tuple[Any, ...]]] = {}


def _columns(bodies: list[Any]) -> dict[str, Sequence[Any]] | None:
    """Bodies that all have the same members (at least two), as one column per member; else None.

    The common case of a run of loads or stores: one C-level getter per row instead of one call per
    field. Equal member counts plus every body having the first body's names means equal member sets.
    """
    names = tuple(bodies[0])
    if len(names) < 2 or len(set(map(len, bodies))) != 1:
        return None
    getter = _getters.get(names)
    if getter is None:
        getter = _getters[names] = itemgetter(*names)
    try:
        rows = list(map(getter, bodies))
    except KeyError:
        return None
    return dict(zip(names, zip(*rows, strict=True), strict=True))


def _token(binding: int, key: Sequence[Any]) -> str:
    """A pending load's identity: canonical JSON text of [binding, key]."""
    return orjson.dumps((binding, key)).decode()


def _state(state: ConnectorState | None) -> StateUpdate | None:
    """A transactor's state update as the wire model (None: no update)."""
    return StateUpdate.from_flow_json(state) if state else None


def _json_read1(reader: MessageReader) -> Callable[[int], bytes] | None:
    """`read1` of the stream under a JSON reader that has read nothing yet: reads whatever is buffered."""
    if reader.codec is not Codec.JSON or reader.position:
        return None
    read1 = getattr(reader.stream, "read1", None)
    return read1 if callable(read1) else None


def _store_batch(bodies: list[Any]) -> StoreBatch:
    """The StoreBatch of store bodies: by whole columns when they share their members, else field by field."""
    n = len(bodies)
    columns = _columns(bodies)
    if columns is not None and "key" in columns and ("values" in columns or "valuesPacked" not in columns):
        absent = [False] * n
        return StoreBatch(
            columns.get("binding") or [0] * n,
            columns["key"],
            columns.get("values") or [[]] * n,
            columns.get("doc") or [None] * n,
            columns.get("exists") or absent,  # as sent: JSON booleans
            columns.get("delete") or absent,
        )
    values = list(map(_values, bodies))
    if None in values:
        values = [v if v is not None else _values_of(b) for v, b in zip(values, bodies, strict=True)]
    return StoreBatch(
        list(map(_binding, bodies)),
        _keys_of(bodies, "store"),
        values,
        list(map(_doc, bodies)),
        list(map(_exists, bodies)),
        list(map(_delete, bodies)),
    )


class _Batches:
    """The loads or stores of one transaction: an iterator of rows, and of batches of rows (`batches`).

    Iterating it directly runs over the batches with C-level `chain`; no Python call per row.
    `regroup` makes a batch of the rows left in a batch that was partly iterated row by row.
    """

    def __init__(self, source: Iterator[Any], regroup: Callable[[list[Any]], Any]) -> None:
        self._source = source
        self._regroup = regroup
        self._current: Iterator[Any] = iter(())
        self._rows = chain.from_iterable(self._track(source))

    def _track(self, source: Iterator[Any]) -> Iterator[Iterator[Any]]:
        for batch in source:
            self._current = iter(batch)
            yield self._current

    def __iter__(self) -> Iterator[Any]:
        return self._rows

    def __next__(self) -> Any:
        return next(self._rows)

    def batches(self) -> Iterator[Any]:
        """The remaining rows as batches, in order (rows already taken one by one are not repeated)."""
        rest = list(self._current)
        if rest:
            yield self._regroup(rest)
        for batch in self._source:
            self._current = iter(())
            yield batch


class Session:
    """One connector process's conversation with the runtime."""

    def __init__(self, connector: Connector, reader: MessageReader, writer: MessageWriter) -> None:
        self.connector = connector
        self.reader = reader
        self.writer = writer
        self.protocol = MaterializeProtocol(Role.CONNECTOR)
        self.transactor: Transactor | None = None
        self._stash: Mapping[str, Any] | None = None  # the flush/startCommit that ended an iterator
        # Requested but unanswered loads, as canonical JSON text of [binding, key]. Text, not orjson's
        # bytes: those keep a larger allocation alive, which costs kilobytes per pending key.
        self._pending_loads: set[str] = set()
        self._json = writer.codec is Codec.JSON
        self._prefixes: list[bytes] = []
        # Parsed requests not handled yet: self._buffer[self._at:].
        self._buffer: list[Message] = []
        self._at = 0
        self._read1 = _json_read1(reader)
        self._tail: list[bytes] = []  # a partial last line, waiting for the rest of it
        self._lines = 0  # lines read so far, for error messages

    # -- output ------------------------------------------------------------------------------

    def _respond(self, kind: str, body: WireModel) -> None:
        self.protocol.response(kind)
        self.writer.write({kind: body.to_flow_json()})
        self.writer.flush()

    def loaded(self, binding: int, key: Sequence[Any], doc: Any) -> None:
        """Write one `loaded` response (the callback handed to `Transactor.load`)."""
        try:
            self._pending_loads.remove(orjson.dumps((binding, key)).decode())
        except KeyError:
            raise ConnectorError(
                f"loaded binding {binding} key {list(key)!r}, which was not requested in this transaction "
                "or was already answered"
            ) from None
        self.protocol.loaded(binding)
        if self._json:
            raw = bytes(doc) if isinstance(doc, bytes | bytearray) else orjson.dumps(doc)
            self.writer.write_framed(self._prefixes[binding] + raw + b"}}\n")
        else:
            value = orjson.loads(doc) if isinstance(doc, bytes | bytearray) else doc
            body: dict[str, Any] = {"binding": binding, "doc": value} if binding else {"doc": value}
            self.writer.write({"loaded": body})

    # -- input -------------------------------------------------------------------------------

    def _read_block(self) -> bytes | None:
        """The complete lines stdin has ready, less the final newline (blocks only if it has none); None at its end."""
        read1, tail = self._read1, self._tail
        assert read1 is not None
        while True:
            chunk = read1(READ_BYTES)
            if not chunk:
                self._tail = []
                return b"".join(tail) if tail else None
            end = chunk.rfind(b"\n")
            if end < 0:  # still inside one long line
                tail.append(chunk)
                if sum(map(len, tail)) > MAX_MESSAGE_BYTES:
                    raise ProtocolError(
                        f"line {self._lines + 1}: message exceeds the limit of {MAX_MESSAGE_BYTES} bytes"
                    )
                continue
            if tail:
                tail.append(chunk[:end])
                block = b"".join(tail)
            else:
                block = chunk[:end]
            self._tail = [chunk[end + 1 :]] if end + 1 < len(chunk) else []
            return block

    def _parse(self, block: bytes) -> list[Message]:
        """Parse a block of lines in one call; on any trouble, line by line to skip blanks and name the bad one."""
        messages = parse_json_block(block)
        if messages is not None and set(map(type, messages)) == {dict}:
            self._lines += len(messages)
            return messages
        base = self._lines
        lines = block.split(b"\n")
        self._lines += len(lines)
        return [parse_json_message(base + n, line) for n, line in enumerate(lines, 1) if line.strip()]

    def _fill(self) -> None:
        """Replace the (fully handled) buffer with the next batch of requests; EndOfInput at the end."""
        if self._read1 is None:
            msg = self.reader.read()
            batch = [msg] if msg is not None else []
        else:
            batch = []
            while not batch:
                block = self._read_block()
                if block is None:
                    break
                batch = self._parse(block)
        if not batch:
            self.protocol.end_of_requests()
            raise EndOfInput()
        self._buffer, self._at = batch, 0

    def _next(self) -> Message:
        if self._at >= len(self._buffer):
            self._fill()
        msg = self._buffer[self._at]
        self._at += 1
        return msg

    def _rest(self) -> list[Message]:
        """Every unhandled request of the current batch (reading the next batch if none), now marked handled."""
        if self._at >= len(self._buffer):
            self._fill()
        rest = self._buffer[self._at :] if self._at else self._buffer
        self._buffer, self._at = rest, len(rest)
        return rest

    def _split(self, messages: list[Message], bodies: list[Any]) -> int:
        """How many leading messages are plain (no other members) loads/stores; the rest go back to the buffer."""
        end = bodies.index(None) if None in bodies else len(bodies)
        plain = messages if end == len(messages) else messages[:end]
        if end and max(map(len, plain)) > 1:  # e.g. $internal members: take them one at a time
            end = next(i for i, m in enumerate(messages) if len(m) > 1)
        self._buffer, self._at = messages, end
        return end

    def _load_batches(self) -> Iterator[list[Load]]:
        pending, protocol = self._pending_loads, self.protocol
        while True:
            messages = self._rest()
            bodies = _bodies(messages, _load_member, _load_body)
            n = self._split(messages, bodies)
            if n:
                if n < len(bodies):
                    bodies = bodies[:n]
                bindings = list(map(_binding, bodies))
                protocol.loads(bindings)
                keys = _keys_of(bodies, "load")
                pending.update(map(_token, bindings, keys))
                yield list(map(_new_load, zip(bindings, keys, strict=True)))
                continue
            msg = self._next()
            if self.protocol.request_message(msg) == "flush":
                self._stash = msg["flush"]
                return
            body = msg["load"]  # a load with extra members (e.g. $internal), already checked by request_message()
            binding = body.get("binding", 0)
            key = _key_of(body, "load")
            pending.add(_token(binding, key))
            yield [Load(binding, key)]

    def _store_batches(self) -> Iterator[StoreBatch]:
        protocol = self.protocol
        while True:
            if self._at >= len(self._buffer) and self._read1 is not None:
                # A fresh block: all plain stores (the usual case) decode with their documents as text.
                block = self._read_block()
                if block is None:
                    self._fill()  # the end of input: raises EndOfInput
                    continue
                decoded = decode_stores(block)
                if decoded is not None:
                    self._lines += len(decoded)
                    protocol.stores(decoded.bindings)
                    yield decoded
                    continue
                self._buffer, self._at = self._parse(block), 0
                continue
            messages = self._rest()
            bodies = _bodies(messages, _store_member, _store_body)
            n = self._split(messages, bodies)
            if n:
                if n < len(bodies):
                    bodies = bodies[:n]
                batch = _store_batch(bodies)
                protocol.stores(batch.bindings)
                yield batch
                continue
            msg = self._next()
            if self.protocol.request_message(msg) == "startCommit":
                self._stash = msg["startCommit"]
                return
            body = msg["store"]  # a store with extra members (e.g. $internal), already checked by request_message()
            yield StoreBatch(
                [body.get("binding", 0)],
                [_key_of(body, "store")],
                [_values_of(body)],
                [body.get("doc")],
                [bool(body.get("exists", False))],
                [bool(body.get("delete", False))],
            )

    def _take_stash(self) -> Mapping[str, Any]:
        stash, self._stash = self._stash, None
        assert stash is not None, "an iterator ended without its closing request"
        return stash

    # -- the loop ----------------------------------------------------------------------------

    def run(self) -> int:
        """Serve until stdin ends; returns the exit code."""
        try:
            self._serve()
        except EndOfInput:
            pass
        finally:
            if self.transactor is not None:
                self.transactor.close()
            with contextlib.suppress(OSError):  # the runtime may be gone already
                self.writer.flush()
        return 0

    def _serve(self) -> None:
        connector = self.connector
        while True:
            msg = self._next()
            kind = self.protocol.request_message(msg)
            body = msg[kind]
            if kind == "spec":
                self._respond("spec", connector.spec(parse_body(request.Spec, body)))
            elif kind == "validate":
                validate = parse_body(request.Validate, body)
                self._respond("validated", connector.validate(connector.config(validate.config), validate))
            elif kind == "apply":
                apply = parse_body(request.Apply, body)
                config = connector.config(apply.materialization.config if apply.materialization else None)
                self._respond("applied", connector.apply(config, apply))
            else:  # open: the state machine allows nothing else here
                self._open(parse_body(request.Open, body))
                self._transactions()

    def _open(self, open_request: request.Open) -> None:
        materialization = open_request.materialization
        config = self.connector.config(materialization.config if materialization else None)
        self.transactor = self.connector.open(config, open_request)
        count = len(materialization.bindings) if materialization else 0
        self._prefixes = [b'{"loaded":{"binding":%d,"doc":' % i if i else b'{"loaded":{"doc":' for i in range(count)]
        self._respond("opened", self.transactor.session_open(open_request))
        # What exists now lives for the whole session: keep the cyclic GC from scanning it again and again.
        gc.collect()
        gc.freeze()

    def _transactions(self) -> None:
        t = self.transactor
        assert t is not None
        while True:
            msg = self._next()
            self.protocol.request_message(msg)  # only acknowledge is legal here
            acknowledge = parse_body(request.Acknowledge, msg["acknowledge"])
            self._respond("acknowledged", response.Acknowledged(state=_state(t.session_acknowledge(acknowledge))))

            with _no_cyclic_gc():
                loads = _Batches(self._load_batches(), list)
                t.load(loads, self.loaded)
                for _ in loads:  # unconsumed loads count as not found
                    pass
            self._pending_loads.clear()
            flush = parse_body(request.Flush, self._take_stash())
            self._respond("flushed", response.Flushed(state=_state(t.flushed(flush))))

            with _no_cyclic_gc():
                stores = _Batches(self._store_batches(), StoreBatch.of)
                t.store(stores)
                if next(stores, None) is not None:
                    raise ConnectorError("the transactor returned from store() without consuming every store")
            start_commit = parse_body(request.StartCommit, self._take_stash())
            self._respond("startedCommit", response.StartedCommit(state=_state(t.session_start_commit(start_commit))))


@contextlib.contextmanager
def _no_cyclic_gc() -> Iterator[None]:
    """Pause the cyclic GC over a run of loads or stores.

    They allocate millions of short-lived containers that reference counting frees on its own;
    the collector would only re-scan them. It resumes (and catches up) when the run ends.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
