"""The materialize protocol's order rules as a sans-I/O state machine over Flow JSON form messages.

The driver reports every request it reads (`receive`) and every response it is about to write
(`send`); the machine raises `ProtocolError` naming what came and what was legal. It never does
I/O, so it is tested as a table of message sequences.

Session lifecycle (Flow's materialization protocol, one transaction per loop):

* `spec` -> `spec`, `validate` -> `validated`, `apply` -> `applied`: one-shot, before any `open`.
* `open` -> `opened`, once.
* Each transaction, starting right after `opened` and after each `startedCommit`:
  1. the runtime sends `acknowledge` (the first one after `opened` acknowledges the commit the
     session recovered from); the connector sends `acknowledged` once per transaction, before or
     after the runtime's `acknowledge` (the two are not a request/response pair);
  2. `load` requests (only after `acknowledge`; never for delta-updates bindings; binding in range);
     the connector may answer with `loaded` once it has sent `acknowledged` (read-committed);
  3. `flush` (the runtime never sends it before it has `acknowledged`): no more loads; the
     connector sends remaining `loaded`, then one `flushed`;
  4. `store` requests (binding in range), then `startCommit`;
  5. the connector sends `startedCommit`, which begins the next transaction.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from enum import Enum
from typing import Any

from ..errors import ProtocolError

REQUEST_KINDS = ("spec", "validate", "apply", "open", "load", "flush", "store", "startCommit", "acknowledge")
RESPONSE_KINDS = (
    "spec",
    "validated",
    "applied",
    "opened",
    "loaded",
    "flushed",
    "startedCommit",
    "acknowledged",
)
_ONE_SHOT = {"spec": "spec", "validate": "validated", "apply": "applied"}


def message_kind(message: Mapping[str, Any], kinds: Sequence[str] = REQUEST_KINDS) -> str:
    """The one variant a message sets; `$internal` and explicit nulls are ignored."""
    found = [key for key, value in message.items() if key != "$internal" and value is not None]
    if len(found) != 1:
        what = "no variant" if not found else f"{len(found)} variants ({', '.join(found)})"
        raise ProtocolError(f"a message must set exactly one variant, this one sets {what}")
    kind = found[0]
    if kind not in kinds:
        raise ProtocolError(f"unknown message variant {kind!r}", expected=" | ".join(kinds), received=kind)
    return kind


class Phase(Enum):
    """Where the session is."""

    IDLE = "idle"  # before open; one-shot RPCs allowed
    ONE_SHOT = "one-shot"  # a one-shot request awaits its response
    OPENING = "opening"  # open received, opened not yet sent
    LOADING = "loading"  # transaction started: acknowledge, loads, flush
    FLUSHING = "flushing"  # flush received: loaded..., then flushed
    STORING = "storing"  # flushed sent: stores, then startCommit
    COMMITTING = "committing"  # startCommit received: startedCommit next


class MaterializeProtocol:
    """Tracks one connector session and rejects any message that breaks the protocol's order."""

    def __init__(self) -> None:
        self.phase = Phase.IDLE
        self._awaiting: str | None = None  # the one-shot response owed
        self.binding_count = 0
        self.delta_updates: tuple[bool, ...] = ()
        # Per transaction: whether the runtime's acknowledge came, whether our acknowledged went out.
        self.ack_received = False
        self.ack_sent = False
        self.transactions = 0  # count of startedCommit sent

    # -- requests ---------------------------------------------------------------------------

    def receive(self, message: Mapping[str, Any]) -> str:
        """Check a request against the current phase; return its kind."""
        kind = message_kind(message)
        body = message[kind]
        if kind == "load":
            self.receive_load(body.get("binding", 0))
        elif kind == "store":
            self.receive_store(body.get("binding", 0))
        else:
            self.receive_control(kind, body)
        return kind

    def _unexpected(self, received: str) -> ProtocolError:
        return ProtocolError(
            f"{received!r} is out of order in phase {self.phase.value}",
            expected=self.expected_requests(),
            received=received,
        )

    def expected_requests(self) -> str:
        """The requests legal now, for error messages."""
        p = self.phase
        if p is Phase.IDLE:
            return "spec | validate | apply | open"
        if p is Phase.LOADING:
            if not self.ack_received:
                return "acknowledge"
            return "load | flush" if self.ack_sent else "load (flush only after acknowledged)"
        if p is Phase.STORING:
            return "store | startCommit"
        return f"no request until the connector sends {self._owed_response()}"

    def _owed_response(self) -> str:
        if self.phase is Phase.ONE_SHOT:
            return self._awaiting or "a response"
        return {
            Phase.OPENING: "opened",
            Phase.FLUSHING: "flushed",
            Phase.COMMITTING: "startedCommit",
        }.get(self.phase, "a response")

    def receive_load(self, binding: int) -> None:
        """Check a load (the hot path: kept to a few comparisons)."""
        if self.phase is not Phase.LOADING or not self.ack_received:
            raise self._unexpected("load")
        if not 0 <= binding < self.binding_count:
            raise ProtocolError(
                f"load names binding {binding}, but the materialization has {self.binding_count} bindings",
                expected=f"binding in 0..{self.binding_count - 1}",
                received=f"binding {binding}",
            )
        if self.delta_updates[binding]:
            raise ProtocolError(
                f"load for binding {binding}, which is in delta-updates mode and is never loaded",
                expected="store | flush",
                received="load",
            )

    def receive_store(self, binding: int) -> None:
        """Check a store (the hot path)."""
        if self.phase is not Phase.STORING:
            raise self._unexpected("store")
        if not 0 <= binding < self.binding_count:
            raise ProtocolError(
                f"store names binding {binding}, but the materialization has {self.binding_count} bindings",
                expected=f"binding in 0..{self.binding_count - 1}",
                received=f"binding {binding}",
            )

    def receive_loads(self, bindings: Sequence[int]) -> None:
        """Check a batch of loads at once: the phase once, the bindings by their extremes and set."""
        if not bindings:
            return
        if self.phase is not Phase.LOADING or not self.ack_received:
            raise self._unexpected("load")
        if min(bindings) < 0 or max(bindings) >= self.binding_count or any(self.delta_updates):
            for binding in set(bindings):  # only now binding by binding, to name the offender
                self.receive_load(binding)

    def receive_stores(self, bindings: Sequence[int]) -> None:
        """Check a batch of stores at once: the phase once, the bindings by their extremes."""
        if not bindings:
            return
        if self.phase is not Phase.STORING:
            raise self._unexpected("store")
        if min(bindings) < 0 or max(bindings) >= self.binding_count:
            for binding in bindings:
                self.receive_store(binding)

    def receive_control(self, kind: str, body: Mapping[str, Any]) -> None:
        """Check any request other than load/store."""
        p = self.phase
        if kind in _ONE_SHOT:
            if p is not Phase.IDLE:
                raise self._unexpected(kind)
            self.phase, self._awaiting = Phase.ONE_SHOT, _ONE_SHOT[kind]
        elif kind == "open":
            if p is not Phase.IDLE:
                raise self._unexpected(kind)
            bindings = (body.get("materialization") or {}).get("bindings") or []
            self.binding_count = len(bindings)
            self.delta_updates = tuple(bool(b.get("deltaUpdates")) for b in bindings)
            self.phase = Phase.OPENING
        elif kind == "acknowledge":
            if p is not Phase.LOADING or self.ack_received:
                raise self._unexpected(kind)
            self.ack_received = True
        elif kind == "flush":
            if p is not Phase.LOADING or not self.ack_received or not self.ack_sent:
                raise self._unexpected(kind)
            self.phase = Phase.FLUSHING
        elif kind == "startCommit":
            if p is not Phase.STORING:
                raise self._unexpected(kind)
            self.phase = Phase.COMMITTING
        else:
            raise self._unexpected(kind)

    # -- responses --------------------------------------------------------------------------

    def send(self, kind: str) -> None:
        """Check that the connector may write a response of this kind now."""
        p = self.phase
        if kind == "loaded":
            self.send_loaded()
        elif p is Phase.ONE_SHOT and kind == self._awaiting:
            self.phase, self._awaiting = Phase.IDLE, None
        elif p is Phase.OPENING and kind == "opened":
            self._begin_transaction()
        elif kind == "acknowledged" and p in (Phase.LOADING, Phase.FLUSHING) and not self.ack_sent:
            self.ack_sent = True
        elif p is Phase.FLUSHING and kind == "flushed":
            self.phase = Phase.STORING
        elif p is Phase.COMMITTING and kind == "startedCommit":
            self.transactions += 1
            self._begin_transaction()
        else:
            raise ProtocolError(
                f"the connector may not send {kind!r} in phase {self.phase.value}",
                expected=self.expected_responses(),
                received=kind,
            )

    def send_loaded(self) -> None:
        """Check a loaded response (the hot path)."""
        if not self.ack_sent or self.phase not in (Phase.LOADING, Phase.FLUSHING):
            raise ProtocolError(
                "loaded may only be sent between acknowledged and flushed",
                expected=self.expected_responses(),
                received="loaded",
            )

    def expected_responses(self) -> str:
        """The responses legal now, for error messages."""
        p = self.phase
        if p in (Phase.ONE_SHOT, Phase.OPENING, Phase.COMMITTING):
            return self._owed_response()
        legal = []
        if p in (Phase.LOADING, Phase.FLUSHING):
            if not self.ack_sent:
                legal.append("acknowledged")
            else:
                legal.append("loaded")
        if p is Phase.FLUSHING and self.ack_sent:
            legal.append("flushed")
        return " | ".join(legal) or "nothing"

    def _begin_transaction(self) -> None:
        self.phase = Phase.LOADING
        self.ack_received = False
        self.ack_sent = False

    def end_of_input(self) -> None:
        """The runtime closed the stream: fine anywhere except while it owes us nothing we must finish."""
        # The runtime may stop a session at any point; uncommitted work is simply dropped. Only
        # a one-shot request whose response was never written is an error of ours, not theirs.
        if self.phase is Phase.ONE_SHOT:
            raise ProtocolError(
                "input ended before the one-shot response was written",
                expected=self._owed_response(),
                received="end of input",
            )
