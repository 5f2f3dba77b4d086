"""The materialize protocol's order rules: one sans-I/O state machine for both sides of a session.

A `MaterializeProtocol` is built with the role it serves (`Role.CONNECTOR` or `Role.RUNTIME`) and
is told of every message of the session: `request(kind)` for each request (the runtime sends
them, the connector receives them) and `response(kind)` for each response. It never does I/O.
A message that breaks the order raises `LocalProtocolError` when our own side sent it and
`RemoteProtocolError` when the peer did; either names what was legal and what came.

Session lifecycle (Flow's materialization protocol):

* `spec` -> `spec`, `validate` -> `validated`, `apply` -> `applied`: one-shot, before any `open`.
* `open` -> `opened`, once.
* Each transaction, starting right after `opened` and after each `startedCommit`:
  1. the runtime sends `acknowledge` (the first one after `opened` acknowledges the commit the
     session recovered from); the connector sends `acknowledged` once per transaction, before or
     after the runtime's `acknowledge` (the two are not a request/response pair);
  2. `load` requests (only after `acknowledge`; never for delta-updates bindings; binding in
     range); the connector may answer with `loaded` once it has sent `acknowledged`;
  3. `flush` (only once the connector `acknowledged`): no more loads; the connector sends the
     remaining `loaded`, then one `flushed`;
  4. `store` requests (binding in range), then `startCommit`;
  5. the connector sends `startedCommit`, which begins the next transaction.

Loads, stores and loaded documents are the hot path: `loads(bindings)` and `stores(bindings)`
check a whole batch with the phase tested once, and `loaded(binding)` is a few comparisons.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import Enum
from typing import TYPE_CHECKING, Any, TypeVar

from flow_sdk.errors import LocalProtocolError, ProtocolError, RemoteProtocolError

from . import PROTOCOL_VERSION
from .roles import Role
from .variants import variant_of

if TYPE_CHECKING:
    from flow_sdk.wire import WireModel

M = TypeVar("M", bound="WireModel")

__all__ = [
    "PROTOCOL_VERSION",
    "REQUESTS",
    "RESPONSES",
    "MaterializeProtocol",
    "Phase",
    "Role",
    "parse_body",
    "request_kind",
    "response_kind",
]

REQUESTS = ("spec", "validate", "apply", "open", "load", "flush", "store", "startCommit", "acknowledge")
RESPONSES = ("spec", "validated", "applied", "opened", "loaded", "flushed", "startedCommit", "acknowledged")
_ONE_SHOT = {"spec": "spec", "validate": "validated", "apply": "applied"}


class Phase(Enum):
    """Where the session is."""

    IDLE = "idle"  # before open; one-shot RPCs allowed
    ONE_SHOT = "one-shot"  # a one-shot request awaits its response
    OPENING = "opening"  # open sent, opened owed
    LOADING = "loading"  # a transaction started: acknowledge, loads, flush
    FLUSHING = "flushing"  # flush sent: loaded..., then flushed owed
    STORING = "storing"  # flushed sent: stores, then startCommit
    COMMITTING = "committing"  # startCommit sent: startedCommit owed


def request_kind(message: Any, error: type[ProtocolError] = ProtocolError) -> str:
    """The variant a materialize request dict sets (see `variant_of`)."""
    return variant_of(message, REQUESTS, what="materialize request", error=error)


def response_kind(message: Any, error: type[ProtocolError] = ProtocolError) -> str:
    """The variant a materialize response dict sets (see `variant_of`)."""
    return variant_of(message, RESPONSES, what="materialize response", error=error)


def parse_body(model: type[M], body: Any, error: type[ProtocolError] = RemoteProtocolError) -> M:
    """A control message's body as its typed wire model; a malformed one raises `error` (by default the peer's)."""
    try:
        return model.from_flow_json(body)
    except ProtocolError as exc:
        raise error(exc.message, fields=exc.fields) from None


class MaterializeProtocol:
    """The order of one materialize session, checked from either side (see the module docstring)."""

    def __init__(self, role: Role) -> None:
        self.role = role
        # Who broke the order: requests are ours on the runtime's side, the peer's on the connector's.
        self._request_error: type[ProtocolError]
        self._response_error: type[ProtocolError]
        if role is Role.RUNTIME:
            self._request_error, self._response_error = LocalProtocolError, RemoteProtocolError
        else:
            self._request_error, self._response_error = RemoteProtocolError, LocalProtocolError
        self.phase = Phase.IDLE
        self._awaiting: str | None = None  # the one-shot response owed
        self.binding_count = 0
        self.delta_updates: tuple[bool, ...] = ()
        self._loadable: tuple[bool, ...] = ()  # per binding: not delta updates
        # Per transaction: whether the runtime's acknowledge was sent, whether the connector's acknowledged was.
        self.acknowledge_sent = False
        self.acknowledged_sent = False
        self.transactions = 0  # count of startedCommit

    # -- parsing whole messages --------------------------------------------------------------

    def request_kind(self, message: Any) -> str:
        """The variant of a request dict; a malformed one is blamed on the side that sends requests."""
        return request_kind(message, self._request_error)

    def response_kind(self, message: Any) -> str:
        """The variant of a response dict; a malformed one is blamed on the side that sends responses."""
        return response_kind(message, self._response_error)

    def request_message(self, message: Any) -> str:
        """Check one whole request dict of any kind (the per-message path); its kind."""
        kind = self.request_kind(message)
        body = message[kind]
        if kind == "load":
            self.load(body.get("binding", 0))
        elif kind == "store":
            self.store(body.get("binding", 0))
        elif kind == "open":
            bindings = (body.get("materialization") or {}).get("bindings") or []
            self.open([bool(b.get("deltaUpdates")) for b in bindings])
        else:
            self.request(kind)
        return kind

    @property
    def acknowledgement_owed(self) -> bool:
        """The runtime sent this transaction's acknowledge and the connector has not acknowledged yet."""
        return self.acknowledge_sent and not self.acknowledged_sent

    # -- requests ------------------------------------------------------------------------------

    def _bad_request(self, kind: str, why: str = "is out of order") -> ProtocolError:
        return self._request_error(
            f"request {kind!r} {why} in phase {self.phase.value}",
            expected=self.expected_requests(),
            received=kind,
        )

    def expected_requests(self) -> str:
        """The requests legal now, for error messages."""
        p = self.phase
        if p is Phase.IDLE:
            return "spec | validate | apply | open"
        if p is Phase.LOADING:
            if not self.acknowledge_sent:
                return "acknowledge"
            return "load | flush" if self.acknowledged_sent else "load (flush only after acknowledged)"
        if p is Phase.STORING:
            return "store | startCommit"
        return f"no request until the connector sends {self._owed_response()}"

    def _owed_response(self) -> str:
        if self.phase is Phase.ONE_SHOT:
            return self._awaiting or "a response"
        return {Phase.OPENING: "opened", Phase.FLUSHING: "flushed", Phase.COMMITTING: "startedCommit"}.get(
            self.phase, "a response"
        )

    def open(self, delta_updates: Sequence[bool]) -> None:
        """An `open` request for bindings with these delta-updates flags."""
        if self.phase is not Phase.IDLE:
            raise self._bad_request("open")
        self.binding_count = len(delta_updates)
        self.delta_updates = tuple(bool(d) for d in delta_updates)
        self._loadable = tuple(not d for d in self.delta_updates)
        self.phase = Phase.OPENING

    def request(self, kind: str) -> None:
        """Any request other than open, load and store (which have their own methods)."""
        p = self.phase
        if kind in _ONE_SHOT:
            if p is not Phase.IDLE:
                raise self._bad_request(kind)
            self.phase, self._awaiting = Phase.ONE_SHOT, _ONE_SHOT[kind]
        elif kind == "acknowledge":
            if p is not Phase.LOADING or self.acknowledge_sent:
                raise self._bad_request(kind)
            self.acknowledge_sent = True
        elif kind == "flush":
            if p is not Phase.LOADING or not self.acknowledge_sent or not self.acknowledged_sent:
                raise self._bad_request(kind)
            self.phase = Phase.FLUSHING
        elif kind == "startCommit":
            if p is not Phase.STORING:
                raise self._bad_request(kind)
            self.phase = Phase.COMMITTING
        elif kind in ("load", "store", "open"):
            raise TypeError(f"{kind!r} requests are checked by their own method")
        else:
            raise self._bad_request(kind, "is unknown")

    def _bad_binding(self, kind: str, binding: int) -> ProtocolError:
        return self._request_error(
            f"{kind} names binding {binding}, but the materialization has {self.binding_count} bindings",
            expected=f"binding in 0..{self.binding_count - 1}",
            received=f"binding {binding}",
        )

    def load(self, binding: int) -> None:
        """One `load` request."""
        if self.phase is not Phase.LOADING or not self.acknowledge_sent:
            raise self._bad_request("load")
        if not 0 <= binding < self.binding_count:
            raise self._bad_binding("load", binding)
        if self.delta_updates[binding]:
            raise self._request_error(
                f"load for binding {binding}, which is in delta-updates mode and is never loaded",
                expected="store | flush",
                received="load",
            )

    def loads(self, bindings: Sequence[int]) -> None:
        """A batch of `load` requests: the phase checked once, the bindings by their extremes."""
        if not bindings:
            return
        if self.phase is not Phase.LOADING or not self.acknowledge_sent:
            raise self._bad_request("load")
        if min(bindings) < 0 or max(bindings) >= self.binding_count or not all(self._loadable):
            for binding in set(bindings):  # only now binding by binding, to name the offender
                self.load(binding)

    def store(self, binding: int) -> None:
        """One `store` request."""
        if self.phase is not Phase.STORING:
            raise self._bad_request("store")
        if not 0 <= binding < self.binding_count:
            raise self._bad_binding("store", binding)

    def stores(self, bindings: Sequence[int]) -> None:
        """A batch of `store` requests: the phase checked once, the bindings by their extremes."""
        if not bindings:
            return
        if self.phase is not Phase.STORING:
            raise self._bad_request("store")
        if min(bindings) < 0 or max(bindings) >= self.binding_count:
            for binding in bindings:
                self.store(binding)

    # -- responses -----------------------------------------------------------------------------

    def _bad_response(self, kind: str, why: str = "") -> ProtocolError:
        return self._response_error(
            f"the connector may not send {kind!r} {why or 'now'} (phase {self.phase.value})",
            expected=self.expected_responses(),
            received=kind,
        )

    def expected_responses(self) -> str:
        """The responses legal now, for error messages."""
        p = self.phase
        if p in (Phase.ONE_SHOT, Phase.OPENING, Phase.COMMITTING):
            return self._owed_response()
        legal = []
        if p in (Phase.LOADING, Phase.FLUSHING):
            legal.append("loaded" if self.acknowledged_sent else "acknowledged")
        if p is Phase.FLUSHING and self.acknowledged_sent:
            legal.append("flushed")
        return " | ".join(legal) or "nothing"

    def response(self, kind: str) -> None:
        """Any response (`loaded` has the cheaper `loaded(binding)`)."""
        p = self.phase
        if kind == "loaded":
            self._check_loaded_phase()
        elif p is Phase.ONE_SHOT and kind == self._awaiting:
            self.phase, self._awaiting = Phase.IDLE, None
        elif p is Phase.OPENING and kind == "opened":
            self._begin_transaction()
        elif kind == "acknowledged":
            if p not in (Phase.LOADING, Phase.FLUSHING) or self.acknowledged_sent:
                raise self._bad_response(kind, "twice in a transaction" if self.acknowledged_sent else "")
            self.acknowledged_sent = True
        elif p is Phase.FLUSHING and kind == "flushed":
            self.phase = Phase.STORING
        elif p is Phase.COMMITTING and kind == "startedCommit":
            self.transactions += 1
            self._begin_transaction()
        else:
            why = {"opened": "twice", "flushed": "without a flush", "startedCommit": "without a startCommit"}
            raise self._bad_response(kind, why.get(kind, "") if p is not Phase.ONE_SHOT else "")

    def _check_loaded_phase(self) -> None:
        if not self.acknowledged_sent or self.phase not in (Phase.LOADING, Phase.FLUSHING):
            raise self._bad_response("loaded", "outside of the load phase (between acknowledged and flushed)")

    def loaded(self, binding: int) -> None:
        """One `loaded` response (the hot path: a few comparisons)."""
        if not self.acknowledged_sent or self.phase not in (Phase.LOADING, Phase.FLUSHING):
            self._check_loaded_phase()
        if not 0 <= binding < self.binding_count:
            raise self._response_error(
                f"loaded names binding {binding}, but the materialization has {self.binding_count} bindings",
                expected=f"binding in 0..{self.binding_count - 1}",
                received=f"binding {binding}",
            )
        if not self._loadable[binding]:
            raise self._response_error(
                f"loaded for binding {binding}, which is in delta-updates mode and is never loaded",
                expected="loaded for a standard-updates binding",
                received=f"binding {binding}",
            )

    def _begin_transaction(self) -> None:
        self.phase = Phase.LOADING
        self.acknowledge_sent = False
        self.acknowledged_sent = False

    # -- the end -------------------------------------------------------------------------------

    def end_of_requests(self) -> None:
        """The runtime closed its stream: legal anywhere except while a one-shot response is owed.

        The runtime may stop a session at any point (uncommitted work is dropped); a one-shot
        request whose response was never written is the connector's failure.
        """
        if self.phase is Phase.ONE_SHOT:
            raise self._response_error(
                "input ended before the one-shot response was written",
                expected=self._owed_response(),
                received="end of input",
            )

    def end_of_responses(self) -> ProtocolError:
        """The error for a connector that closed its output while the runtime still expected responses."""
        return self._response_error(
            "connector closed its output in the middle of a session",
            expected=self.expected_responses(),
            received="end of output",
        )
