"""The protocol loop: reads requests, drives a Connector and its Transactor, writes responses.

Single-threaded and strictly in order: each acknowledge is handled (and `acknowledged` written)
before the next request is read, so a transaction's loads are only evaluated once the previous
commit is published. Stdout is flushed after every response that ends a phase (one-shot
responses, opened, acknowledged, flushed, startedCommit); `loaded` responses are buffered.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import orjson

from ..errors import ConnectorError, ProtocolError
from ..stdio import Codec, MessageReader, MessageWriter
from .packed import unpack_b64
from .protocol import MaterializeProtocol
from .transactor import ConnectorState, Load, Store, Transactor

if TYPE_CHECKING:
    from .connector import Connector

PROTOCOL_VERSION = 3032023


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


def _with_state(state: ConnectorState | None) -> dict[str, Any]:
    return {"state": state} if state else {}


class Session:
    """One connector process's conversation with the runtime."""

    def __init__(self, connector: Connector, reader: MessageReader, writer: MessageWriter) -> None:
        self.connector = connector
        self.reader = reader
        self.writer = writer
        self.protocol = MaterializeProtocol()
        self.transactor: Transactor | None = None
        self._stash: Mapping[str, Any] | None = None  # the flush/startCommit that ended an iterator
        # Requested but unanswered loads, as canonical JSON text of [binding, key]. Text, not orjson's
        # bytes: those keep a larger allocation alive, which costs kilobytes per pending key.
        self._pending_loads: set[str] = set()
        json_codec = writer.codec is Codec.JSON
        self._json = json_codec
        self._prefixes: list[bytes] = []

    # -- output ------------------------------------------------------------------------------

    def _respond(self, kind: str, body: Mapping[str, Any]) -> None:
        self.protocol.send(kind)
        self.writer.write({kind: body})
        self.writer.flush()

    def loaded(self, binding: int, key: Sequence[Any], doc: Any) -> None:
        """Write one `loaded` response (the callback handed to `Transactor.load`)."""
        token = orjson.dumps([binding, key]).decode()
        try:
            self._pending_loads.remove(token)
        except KeyError:
            raise ConnectorError(
                f"loaded binding {binding} key {list(key)!r}, which was not requested in this transaction "
                "or was already answered"
            ) from None
        self.protocol.send_loaded()
        if self._json:
            raw = bytes(doc) if isinstance(doc, bytes | bytearray) else orjson.dumps(doc)
            self.writer.write_framed(self._prefixes[binding] + raw + b"}}\n")
        else:
            value = orjson.loads(doc) if isinstance(doc, bytes | bytearray) else doc
            body: dict[str, Any] = {"binding": binding, "doc": value} if binding else {"doc": value}
            self.writer.write({"loaded": body})

    # -- input -------------------------------------------------------------------------------

    def _next(self) -> dict[str, Any]:
        msg = self.reader.read()
        if msg is None:
            self.protocol.end_of_input()
            raise EndOfInput()
        return msg

    def _loads(self) -> Iterator[Load]:
        receive_load, pending = self.protocol.receive_load, self._pending_loads
        while True:
            msg = self._next()
            body = msg.get("load")
            if body is not None and len(msg) == 1:
                binding = body.get("binding", 0)
                receive_load(binding)
            elif self.protocol.receive(msg) == "flush":
                self._stash = msg["flush"]
                return
            else:  # a load with extra members (e.g. $internal), already checked by receive()
                body = msg["load"]
                binding = body.get("binding", 0)
            key = _key_of(body, "load")
            pending.add(orjson.dumps([binding, key]).decode())
            yield Load(binding, key)

    def _stores(self) -> Iterator[Store]:
        receive_store = self.protocol.receive_store
        while True:
            msg = self._next()
            body = msg.get("store")
            if body is not None and len(msg) == 1:
                receive_store(body.get("binding", 0))
            elif self.protocol.receive(msg) == "startCommit":
                self._stash = msg["startCommit"]
                return
            else:  # a store with extra members (e.g. $internal), already checked by receive()
                body = msg["store"]
            yield Store(
                body.get("binding", 0),
                _key_of(body, "store"),
                _values_of(body),
                body.get("doc"),
                bool(body.get("exists", False)),
                bool(body.get("delete", False)),
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
        while True:
            msg = self._next()
            kind = self.protocol.receive(msg)
            body = msg[kind]
            if kind == "spec":
                spec = dict(self.connector.spec(body))
                spec.setdefault("protocol", PROTOCOL_VERSION)
                self._respond("spec", spec)
            elif kind == "validate":
                self._respond("validated", self.connector.validate(body))
            elif kind == "apply":
                self._respond("applied", self.connector.apply(body))
            else:  # open: the state machine allows nothing else here
                self._open(body)
                self._transactions()

    def _open(self, body: Mapping[str, Any]) -> None:
        self.transactor = self.connector.open(body)
        bindings = (body.get("materialization") or {}).get("bindings") or []
        self._prefixes = [
            b'{"loaded":{"binding":%d,"doc":' % i if i else b'{"loaded":{"doc":' for i in range(len(bindings))
        ]
        self._respond("opened", self.transactor.session_open(body))

    def _transactions(self) -> None:
        t = self.transactor
        assert t is not None
        while True:
            msg = self._next()
            self.protocol.receive(msg)  # only acknowledge is legal here
            self._respond("acknowledged", _with_state(t.session_acknowledge(msg["acknowledge"])))

            loads = self._loads()
            t.load(loads, self.loaded)
            for _ in loads:  # unconsumed loads count as not found
                pass
            self._pending_loads.clear()
            self._respond("flushed", _with_state(t.flushed(self._take_stash())))

            stores = self._stores()
            t.store(stores)
            if next(stores, None) is not None:
                raise ConnectorError("the transactor returned from store() without consuming every store")
            self._respond("startedCommit", _with_state(t.session_start_commit(self._take_stash())))
