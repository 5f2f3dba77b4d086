"""A capture session after `opened`: buffered documents, atomic units, acknowledgements, stopping.

Documents are serialized once (orjson) into a per-binding buffer. A checkpoint turns a binding's
buffer plus the checkpoint message into one *unit* of bytes; units go through a bounded queue to
the single writer of stdout, which writes each unit whole. So the runtime never sees documents
without the checkpoint that commits them, and a stop (stdin EOF, SIGTERM) never cuts a unit.

Two objects split the work: `Session` is what a connector author calls (emit, checkpoint, ...);
`Outbox` is the framework's plumbing behind it (the units queue, stop/fail/finish, acknowledgement
accounting) and is reached only through `outbox_of(session)`.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import orjson

from .. import log
from ..errors import ConnectorError, LocalProtocolError
from ..protocol.capture import CaptureProtocol
from ..stdio import Codec, MessageWriter

_logger = log.get_logger("flow_sdk.capture")
_SUFFIX = b"}}\n"
_dumps = orjson.dumps


class Stopped(Exception):
    """Raised inside a connector's capture code when the session is stopping; the SDK exits cleanly."""


class Unit:
    """Framed bytes that end with their checkpoint(s), written to stdout as one piece."""

    __slots__ = ("checkpoints", "data")

    def __init__(self, data: bytes | bytearray, checkpoints: int) -> None:
        self.data = data
        self.checkpoints = checkpoints


def checkpoint_message(state: Any, merge_patch: bool) -> dict[str, Any]:
    """A `checkpoint` response in Flow JSON form (mergePatch omitted when false, as proto3 does)."""
    body: dict[str, Any] = {"updated": state}
    if merge_patch:
        body["mergePatch"] = True
    return {"checkpoint": {"state": body}}


class Outbox:
    """The framework side of a session: queues units for the writer, stops, fails, counts acknowledgements.

    Thread-safe. Producers `put`/`commit` units; the stdin reader calls `acknowledge` and `stop`;
    the writer (`run_writer`) takes units and reports them to the protocol core in bulk.
    """

    def __init__(
        self,
        *,
        bindings: int,
        codec: Codec,
        protocol: CaptureProtocol,
        encoder: MessageWriter,
        queue_units: int = 8,
        ack_window: int = 0,
    ) -> None:
        self.bindings = bindings
        self.codec = codec
        self.protocol = protocol
        self.ack_window = ack_window
        self._encoder = encoder
        self.units: queue.Queue[Unit | None] = queue.Queue(maxsize=max(1, queue_units))
        self._stop = threading.Event()
        self.stop_reason: str | None = None
        self.failure: BaseException | None = None
        self._acks = threading.Condition()
        self.acknowledged = 0
        self.on_acknowledge: Callable[[int], None] | None = None

    def encode(self, message: Mapping[str, Any]) -> bytes:
        """One framed message in the session's codec."""
        return self._encoder.encode(message)

    def encode_captured(self, binding: int, doc: Any) -> bytes:
        """One framed `captured` message in the session's codec."""
        return self._encoder.encode({"captured": {"binding": binding, "doc": doc}})

    def bad_binding(self, binding: object) -> LocalProtocolError:
        """The error for a message naming a binding the `open` request does not have."""
        return LocalProtocolError(
            f"document for binding {binding!r}, but the open request has {self.bindings} binding(s)",
            expected=f"a binding index in 0..{self.bindings - 1}" if self.bindings else "no documents",
            received=repr(binding),
        )

    def commit(self, data: bytearray, state: Any, merge_patch: bool = True) -> None:
        """Queue already-framed bytes with a checkpoint of `state` as one unit; `Stopped` when stopping."""
        data += self._encoder.encode(checkpoint_message(state, merge_patch))
        self.put(Unit(data, 1))

    def _offer(self, item: Unit | None) -> None:
        """Queue `item` for the writer, waiting while the queue is full, unless the session stops first."""
        while not self._stop.is_set():
            try:
                self.units.put(item, timeout=0.2)
                return
            except queue.Full:
                continue

    def put(self, unit: Unit) -> None:
        """Hand a unit to the writer, waiting while the queue is full; raise `Stopped` when stopping."""
        self._offer(unit)
        if self._stop.is_set():
            raise Stopped(self.stop_reason or "stopping")

    @property
    def stopping(self) -> bool:
        """Whether the session was asked to stop (stdin closed, SIGTERM, or a failure)."""
        return self._stop.is_set()

    def stop(self, reason: str) -> None:
        """Ask every producer to stop after its current unit."""
        if not self._stop.is_set():
            self.stop_reason = reason
            self._stop.set()
        with self._acks:
            self._acks.notify_all()

    def fail(self, exc: BaseException) -> None:
        """Record the first failure of any thread and stop the session; the writer re-raises it."""
        if self.failure is None:
            self.failure = exc
        self.stop("failure")

    def finish(self) -> None:
        """Tell the writer that every unit has been queued."""
        self._offer(None)

    def wait_stopped(self, timeout: float | None = None) -> bool:
        """Block until the session stops (or `timeout` passes); returns whether it stopped."""
        return self._stop.wait(timeout)

    def acknowledge(self, checkpoints: int) -> None:
        """Record an `acknowledge` from the runtime (called by the stdin reader)."""
        with self._acks:
            self.acknowledged += checkpoints
            self._acks.notify_all()
        if self.on_acknowledge is not None:
            self.on_acknowledge(checkpoints)

    def wait_acknowledged(self, checkpoints: int, timeout: float | None = None) -> bool:
        """Block until at least `checkpoints` checkpoints in total were acknowledged (or stop/timeout)."""
        with self._acks:
            return (
                self._acks.wait_for(lambda: self.acknowledged >= checkpoints or self._stop.is_set(), timeout)
                and self.acknowledged >= checkpoints
            )

    def wait_window(self) -> bool:
        """Wait until fewer than `ack_window` checkpoints await acknowledgement; False if stopping."""
        if self.ack_window <= 0:
            return True
        with self._acks:
            while self.protocol.unacknowledged >= self.ack_window and not self._stop.is_set():
                self._acks.wait(0.2)
        return not self._stop.is_set()


class Session:
    """What a connector's `open` writes through: documents, checkpoints and the other session messages.

    Thread-safe across bindings: each binding has its own buffer, and one thread should own a
    binding at a time (the streams layer runs one thread per binding). Methods that queue a unit
    (`checkpoint`, `backfill_begin`, `backfill_complete`) raise `Stopped` once the session stops.
    """

    def __init__(self, outbox: Outbox) -> None:
        self._outbox = outbox
        bindings = outbox.bindings
        # Per binding: framed messages waiting for a checkpoint. Appending to one bytearray beats
        # keeping many small bytes objects alive (allocator churn halved throughput when measured).
        self._framed: dict[int, bytearray] = {b: bytearray() for b in range(bindings)}
        self._prefixes: dict[int, bytes] = {b: b'{"captured":{"binding":%d,"doc":' % b for b in range(bindings)}
        if outbox.codec is not Codec.JSON:
            self.emit = self._emit_encoded  # type: ignore[method-assign]

    @property
    def bindings(self) -> int:
        """How many bindings the `open` request has (valid indices are 0..bindings-1)."""
        return self._outbox.bindings

    # -- documents -----------------------------------------------------------------------------

    def emit(self, binding: int, doc: Any) -> None:
        """Buffer one document of `binding`; it is written with the binding's next checkpoint."""
        try:
            framed = self._framed[binding]
        except KeyError:
            raise self._outbox.bad_binding(binding) from None
        framed += self._prefixes[binding]
        framed += _dumps(doc)
        framed += _SUFFIX

    def _emit_encoded(self, binding: int, doc: Any) -> None:
        # Non-JSON codecs: correct rather than fast, one encoded message at a time.
        try:
            framed = self._framed[binding]
        except KeyError:
            raise self._outbox.bad_binding(binding) from None
        framed += self._outbox.encode_captured(binding, doc)

    def emit_many(self, binding: int, docs: Iterable[Any]) -> None:
        """Buffer many documents of `binding` (pass lists of a few hundred for the best speed)."""
        if binding not in self._framed:
            raise self._outbox.bad_binding(binding)
        if self._outbox.codec is not Codec.JSON:
            for doc in docs:
                self._emit_encoded(binding, doc)
            return
        batch = docs if isinstance(docs, list) else list(docs)
        if batch:
            prefix = self._prefixes[binding]
            framed = self._framed[binding]
            framed += prefix
            framed += (_SUFFIX + prefix).join(map(_dumps, batch))
            framed += _SUFFIX

    def buffered_bytes(self, binding: int | None = None) -> int:
        """Bytes of `binding` (default: of all bindings) waiting for a checkpoint."""
        if binding is None:
            return sum(len(framed) for framed in self._framed.values())
        return len(self._framed[binding])

    def _take(self, binding: int) -> bytearray:
        """Everything `binding` buffered, leaving its buffer empty."""
        out = self._framed[binding]
        self._framed[binding] = bytearray()  # swap, not copy: `emit` looks the buffer up per call
        return out

    def sourced_schema(self, binding: int, schema: Mapping[str, Any]) -> None:
        """Buffer a source-side schema hint for `binding`; it takes effect at the binding's next checkpoint."""
        if binding not in self._framed:
            raise self._outbox.bad_binding(binding)
        self._framed[binding] += self._outbox.encode({"sourcedSchema": {"binding": binding, "documentSchema": schema}})

    # -- checkpoints ---------------------------------------------------------------------------

    def checkpoint(self, state: Any, *, merge_patch: bool = True, bindings: Iterable[int] | None = None) -> None:
        """Commit the buffered documents of `bindings` (default: all) together with a checkpoint of `state`.

        With `merge_patch` (the default) `state` is an RFC 7396 patch of the previous state.
        Raises `Stopped` after queueing the unit if the session is stopping.
        """
        chosen = list(self._framed) if bindings is None else list(bindings)
        data = bytearray()
        for binding in chosen:
            if binding not in self._framed:
                raise self._outbox.bad_binding(binding)
            data += self._take(binding)
        self._outbox.commit(data, state, merge_patch)

    def _backfill(self, variant: str, binding: int, state: Any, merge_patch: bool) -> None:
        if binding not in self._framed:
            raise self._outbox.bad_binding(binding)
        if self._framed[binding]:
            raise ConnectorError(
                f"{variant} for binding {binding} while it has uncommitted documents: checkpoint them first "
                "(a backfill marker must be alone in its checkpoint)"
            )
        self._outbox.commit(bytearray(self._outbox.encode({variant: {"binding": binding}})), state, merge_patch)

    def backfill_begin(self, binding: int, state: Any = None, *, merge_patch: bool = True) -> None:
        """Announce that a backfill (snapshot) of `binding` starts; written alone with its checkpoint."""
        self._backfill("backfillBegin", binding, {} if state is None else state, merge_patch)

    def backfill_complete(self, binding: int, state: Any = None, *, merge_patch: bool = True) -> None:
        """Announce that the backfill of `binding` is complete; written alone with its checkpoint."""
        self._backfill("backfillComplete", binding, {} if state is None else state, merge_patch)

    # -- stopping and acknowledgements ---------------------------------------------------------

    @property
    def stopping(self) -> bool:
        """Whether the session was asked to stop (stdin closed, SIGTERM, or a failure)."""
        return self._outbox.stopping

    @property
    def stop_reason(self) -> str | None:
        """Why the session stops ("eof", "SIGTERM", "failure"), or None while it runs."""
        return self._outbox.stop_reason

    def wait_stopped(self, timeout: float | None = None) -> bool:
        """Block until the session stops (or `timeout` passes); returns whether it stopped."""
        return self._outbox.wait_stopped(timeout)

    @property
    def acknowledged(self) -> int:
        """Checkpoints the runtime acknowledged so far (explicit acknowledgements only)."""
        return self._outbox.acknowledged

    @property
    def on_acknowledge(self) -> Callable[[int], None] | None:
        """Called with each `acknowledge` request's count, on the stdin reader's thread."""
        return self._outbox.on_acknowledge

    @on_acknowledge.setter
    def on_acknowledge(self, callback: Callable[[int], None] | None) -> None:
        self._outbox.on_acknowledge = callback

    def wait_acknowledged(self, checkpoints: int, timeout: float | None = None) -> bool:
        """Block until at least `checkpoints` checkpoints in total were acknowledged (or stop/timeout)."""
        return self._outbox.wait_acknowledged(checkpoints, timeout)


def outbox_of(session: Session) -> Outbox:
    """The framework plumbing behind a session (for the SDK's own layers, not for connector authors)."""
    return session._outbox


def run_writer(outbox: Outbox, writer: MessageWriter) -> None:
    """Write queued units to stdout until the producers finish, fail, or the session stops.

    Runs on the main thread. A stop lets the unit in hand complete; units still queued are
    uncommitted, so dropping them is safe.
    """
    while True:
        if outbox.failure is not None:
            raise outbox.failure
        if outbox.stopping:
            return
        try:
            item = outbox.units.get(timeout=0.2)
        except queue.Empty:
            continue
        if item is None:
            return
        if not outbox.wait_window():
            return
        outbox.protocol.send_checkpoints(item.checkpoints)
        writer.write_framed(item.data)
        writer.flush()
