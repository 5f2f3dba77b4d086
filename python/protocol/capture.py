"""The capture protocol as one sans-I/O state machine, serving the connector and the runtime alike.

It never reads or writes. Its owner tells it each message it sends (`send`) and each it receives
(`receive`), as a Flow JSON dict or a typed wire model, and it raises when the order is wrong:
`LocalProtocolError` when our own side broke it, `RemoteProtocolError` when the peer did, both
naming what was expected and what arrived. Whether a message is a request or a response follows
from the role: a connector receives requests and sends responses, the runtime the reverse.

The hot path (documents and checkpoints in blocks) reports checkpoints in bulk
(`send_checkpoints` / `receive_checkpoints`) instead of message by message.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from enum import Enum
from typing import Any

from flow_sdk.errors import LocalProtocolError, ProtocolError, RemoteProtocolError
from flow_sdk.protocol.variants import variant_of
from flow_sdk.wire import VariantsModel, WireModel

from .roles import Role

__all__ = [
    "REQUEST_VARIANTS",
    "RESPONSE_VARIANTS",
    "SESSION_RESPONSES",
    "UNARY",
    "CaptureProtocol",
    "Phase",
    "Role",
]

REQUEST_VARIANTS = ("spec", "discover", "validate", "apply", "open", "acknowledge")
RESPONSE_VARIANTS = (
    "spec",
    "discovered",
    "validated",
    "applied",
    "opened",
    "captured",
    "sourcedSchema",
    "checkpoint",
    "backfillBegin",
    "backfillComplete",
)
# The one-shot requests and the single response each one gets.
UNARY = {"spec": "spec", "discover": "discovered", "validate": "validated", "apply": "applied"}
SESSION_RESPONSES = frozenset({"captured", "sourcedSchema", "checkpoint", "backfillBegin", "backfillComplete"})
_BINDING_RESPONSES = frozenset({"captured", "sourcedSchema", "backfillBegin", "backfillComplete"})
_SESSION_LIST = "a session message (captured, sourcedSchema, checkpoint, backfillBegin, backfillComplete)"


class Phase(Enum):
    """Where a connection stands."""

    IDLE = "idle"  # no request outstanding: a one-shot RPC or `open` may come
    RESPONDING = "responding"  # a one-shot request was made; its response is owed
    OPENING = "opening"  # `open` was made; `opened` is owed
    STREAMING = "streaming"  # after `opened`: documents and checkpoints flow


Message = Mapping[str, Any] | VariantsModel
Body = Mapping[str, Any] | WireModel


def _get(body: Body, key: str, attribute: str, default: Any) -> Any:
    """A field of a variant body, given as a Flow JSON dict or as a wire model."""
    if isinstance(body, WireModel):
        return getattr(body, attribute, default)
    return body.get(key, default)


def _open_bindings(body: Body) -> int:
    capture = _get(body, "capture", "capture", None)
    if capture is None:
        return 0
    bindings = _get(capture, "bindings", "bindings", None) or []
    return len(bindings) if isinstance(bindings, list) else 0


class CaptureProtocol:
    """Tracks one capture connection from one side and rejects any message out of order.

    Thread-safe: a connector's stdin reader and its stdout writer both report to it.
    """

    def __init__(self, role: Role) -> None:
        self.role = role
        self.phase = Phase.IDLE
        self.owed: str | None = None
        self.explicit_acknowledgements = False
        self.bindings = 0
        self.checkpoints_sent = 0  # by the connector (whichever side we are)
        self.checkpoints_acknowledged = 0
        self._lock = threading.Lock()

    # -- the two entry points ------------------------------------------------------------------

    def send(self, message: Message) -> str:
        """Record a message our side is about to write; return its variant (JSON key)."""
        return self._record(message, local=True)

    def receive(self, message: Message) -> str:
        """Record a message the peer wrote; return its variant (JSON key)."""
        return self._record(message, local=False)

    def send_checkpoints(self, count: int) -> None:
        """Record `count` checkpoints our side wrote in bulk (the hot path); connector role only."""
        self._bulk(count, local=True)

    def receive_checkpoints(self, count: int) -> None:
        """Record `count` checkpoints the peer wrote in bulk (the hot path); runtime role only."""
        self._bulk(count, local=False)

    def receive_end(self) -> None:
        """The peer closed its side: an error if it still owed a response."""
        with self._lock:
            requests_are_ours = self.role is Role.RUNTIME
            if requests_are_ours and self.owed is not None:
                raise RemoteProtocolError(
                    f"connector closed its output without answering with {self.owed!r}",
                    expected=repr(self.owed),
                    received="end of output",
                )

    # -- state ---------------------------------------------------------------------------------

    @property
    def unacknowledged(self) -> int:
        """Checkpoints sent and not yet acknowledged."""
        with self._lock:
            return self.checkpoints_sent - self.checkpoints_acknowledged

    def _error(self, local: bool) -> type[ProtocolError]:
        return LocalProtocolError if local else RemoteProtocolError

    def _record(self, message: Message, *, local: bool) -> str:
        # Requests travel from the runtime: ours to send as the runtime, the peer's as the connector.
        is_request = local == (self.role is Role.RUNTIME)
        error = self._error(local)
        allowed = REQUEST_VARIANTS if is_request else RESPONSE_VARIANTS
        what = "capture request" if is_request else "capture response"
        if isinstance(message, VariantsModel):
            name, body = message.variant_name(), message.variant()
            if name not in allowed:
                raise error(f"unknown {what} variant {name!r}", expected=f"one of {', '.join(allowed)}", received=name)
        else:
            name = variant_of(message, allowed, what=what, error=error)
            body = message[name]
        with self._lock:
            if is_request:
                self._request(name, body, error)
            else:
                self._response(name, body, error)
        return name

    def _bulk(self, count: int, *, local: bool) -> None:
        with self._lock:
            if local != (self.role is Role.CONNECTOR):
                raise LocalProtocolError(
                    f"the {self.role.value} side cannot {'send' if local else 'receive'} checkpoints",
                    expected="checkpoints from the connector",
                    received=f"{count} checkpoint(s)",
                )
            if self.phase is not Phase.STREAMING:
                raise self._error(local)(
                    f"checkpoint in phase {self.phase.value}", expected=self._expected_response(), received="checkpoint"
                )
            self.checkpoints_sent += count

    # -- requests ------------------------------------------------------------------------------

    def _expected_request(self) -> str:
        if self.phase is Phase.IDLE:
            return "one of spec, discover, validate, apply, open"
        if self.phase is Phase.STREAMING:
            return "acknowledge" if self.explicit_acknowledgements else "no further request (end of input)"
        return f"no request until the connector sends {self.owed!r}"

    def _request(self, name: str, body: Body, error: type[ProtocolError]) -> None:
        if self.phase is Phase.IDLE and name in UNARY:
            self.phase, self.owed = Phase.RESPONDING, UNARY[name]
        elif self.phase is Phase.IDLE and name == "open":
            self.phase, self.owed = Phase.OPENING, "opened"
            self.bindings = _open_bindings(body)
        elif self.phase is Phase.STREAMING and name == "acknowledge" and self.explicit_acknowledgements:
            self._acknowledge(_get(body, "checkpoints", "checkpoints", 0), error)
        else:
            raise error(
                f"unexpected {name!r} request in phase {self.phase.value}",
                expected=self._expected_request(),
                received=name,
            )

    def _acknowledge(self, count: Any, error: type[ProtocolError]) -> None:
        if not isinstance(count, int) or isinstance(count, bool) or count < 1:
            raise error(
                "acknowledge.checkpoints must be a positive integer", expected="an integer >= 1", received=repr(count)
            )
        outstanding = self.checkpoints_sent - self.checkpoints_acknowledged
        if count > outstanding:
            raise error(
                "acknowledged more checkpoints than were sent",
                expected=f"at most {outstanding} (sent {self.checkpoints_sent}, acknowledged "
                f"{self.checkpoints_acknowledged})",
                received=str(count),
            )
        self.checkpoints_acknowledged += count

    # -- responses -----------------------------------------------------------------------------

    def _expected_response(self) -> str:
        if self.owed is not None:
            return repr(self.owed)
        if self.phase is Phase.STREAMING:
            return _SESSION_LIST
        return "nothing until a request is made"

    def _response(self, name: str, body: Body, error: type[ProtocolError]) -> None:
        if self.owed is not None and name == self.owed:
            if name == "opened":
                self.phase = Phase.STREAMING
                self.explicit_acknowledgements = bool(
                    _get(body, "explicitAcknowledgements", "explicit_acknowledgements", False)
                )
            else:
                self.phase = Phase.IDLE
            self.owed = None
        elif self.phase is Phase.STREAMING and name in SESSION_RESPONSES:
            if name == "checkpoint":
                self.checkpoints_sent += 1
            elif name in _BINDING_RESPONSES:
                self._check_binding(name, _get(body, "binding", "binding", 0), error)
        elif self.owed is not None:
            raise error(f"response {name!r} before {self.owed!r}", expected=repr(self.owed), received=name)
        else:
            already = " (`opened` was already sent)" if name == "opened" and self.phase is Phase.STREAMING else ""
            raise error(
                f"response {name!r} is not valid in phase {self.phase.value}{already}",
                expected=self._expected_response(),
                received=name,
            )

    def _check_binding(self, name: str, binding: Any, error: type[ProtocolError]) -> None:
        if isinstance(binding, int) and not isinstance(binding, bool) and 0 <= binding < self.bindings:
            return
        raise error(
            f"{name!r} names binding {binding!r}, but the capture has {self.bindings} binding(s)",
            expected=f"a binding index in 0..{self.bindings - 1}" if self.bindings else "no binding messages",
            received=repr(binding),
        )
