"""The capture protocol as a sans-I/O state machine: which request and response may come next.

It never reads or writes anything. A driver feeds it each request it reads (`receive`) and each
response it is about to write (`send`, or `sent_checkpoints` in bulk for the hot path), and it
raises `ProtocolError` naming what was expected and what arrived when the order is wrong.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from enum import Enum
from typing import Any

from ..errors import ProtocolError

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
_ENVELOPE_EXTRAS = frozenset({"$internal"})


class Phase(Enum):
    """Where a connection stands."""

    IDLE = "idle"  # waiting for a request: a one-shot RPC or `open`
    RESPONDING = "responding"  # a one-shot request arrived; its response is owed
    OPENING = "opening"  # `open` arrived; `opened` is owed
    STREAMING = "streaming"  # after `opened`: documents and checkpoints flow


def variant_of(message: Mapping[str, Any], allowed: tuple[str, ...], what: str) -> str:
    """The single variant set in a request/response dict; explicit nulls count as unset."""
    present = [k for k, v in message.items() if v is not None and k not in _ENVELOPE_EXTRAS]
    if len(present) != 1:
        received = ", ".join(repr(k) for k in present) or "an empty message"
        raise ProtocolError(
            f"a capture {what} must set exactly one variant", expected=f"one of {', '.join(allowed)}", received=received
        )
    name = present[0]
    if name not in allowed:
        raise ProtocolError(
            f"unknown capture {what} variant {name!r}", expected=f"one of {', '.join(allowed)}", received=repr(name)
        )
    if not isinstance(message[name], dict):
        raise ProtocolError(
            f"capture {what} variant {name!r} must be a JSON object",
            expected="an object",
            received=type(message[name]).__name__,
        )
    return name


class CaptureProtocol:
    """Tracks one capture connection and rejects any request or response out of order.

    Thread-safe: the stdin reader and the stdout writer of a session both report to it.
    """

    def __init__(self) -> None:
        self.phase = Phase.IDLE
        self._owed: str | None = None
        self.explicit_acknowledgements = False
        self.checkpoints_sent = 0
        self.checkpoints_acknowledged = 0
        self._lock = threading.Lock()

    def _expected(self) -> str:
        if self.phase is Phase.IDLE:
            return "one of spec, discover, validate, apply, open"
        if self.phase is Phase.STREAMING:
            return "acknowledge" if self.explicit_acknowledgements else "no further request (end of input)"
        return f"no request until the connector sends {self._owed!r}"

    def receive(self, request: Mapping[str, Any]) -> str:
        """Accept one request dict and return its variant name, or raise ProtocolError."""
        name = variant_of(request, REQUEST_VARIANTS, "request")
        with self._lock:
            if self.phase is Phase.IDLE and name in UNARY:
                self.phase, self._owed = Phase.RESPONDING, UNARY[name]
            elif self.phase is Phase.IDLE and name == "open":
                self.phase, self._owed = Phase.OPENING, "opened"
            elif self.phase is Phase.STREAMING and name == "acknowledge" and self.explicit_acknowledgements:
                self._acknowledge(request["acknowledge"])
            else:
                raise ProtocolError(
                    f"unexpected {name!r} request in phase {self.phase.value}", expected=self._expected(), received=name
                )
        return name

    def _acknowledge(self, body: Mapping[str, Any]) -> None:
        count = body.get("checkpoints", 0)
        if not isinstance(count, int) or isinstance(count, bool) or count < 1:
            raise ProtocolError(
                "acknowledge.checkpoints must be a positive integer", expected="an integer >= 1", received=repr(count)
            )
        outstanding = self.checkpoints_sent - self.checkpoints_acknowledged
        if count > outstanding:
            raise ProtocolError(
                "acknowledged more checkpoints than were sent",
                expected=f"at most {outstanding} (sent {self.checkpoints_sent}, acknowledged "
                f"{self.checkpoints_acknowledged})",
                received=str(count),
            )
        self.checkpoints_acknowledged += count

    def send(self, response: Mapping[str, Any]) -> str:
        """Accept one response dict the connector is about to write; return its variant name."""
        name = variant_of(response, RESPONSE_VARIANTS, "response")
        with self._lock:
            if self.phase in (Phase.RESPONDING, Phase.OPENING) and name == self._owed:
                if name == "opened":
                    self.phase = Phase.STREAMING
                    self.explicit_acknowledgements = bool(response["opened"].get("explicitAcknowledgements"))
                else:
                    self.phase = Phase.IDLE
                self._owed = None
            elif self.phase is Phase.STREAMING and name in SESSION_RESPONSES:
                if name == "checkpoint":
                    self.checkpoints_sent += 1
            else:
                expected = (
                    repr(self._owed)
                    if self._owed
                    else (
                        "a session message (captured, checkpoint, ...)"
                        if self.phase is Phase.STREAMING
                        else "nothing until a request arrives"
                    )
                )
                raise ProtocolError(
                    f"connector may not send {name!r} in phase {self.phase.value}", expected=expected, received=name
                )
        return name

    def sent_checkpoints(self, count: int) -> None:
        """Record `count` checkpoints written in bulk (the hot path skips `send` per message)."""
        with self._lock:
            if self.phase is not Phase.STREAMING:
                raise ProtocolError("checkpoint outside a session", expected="'opened' first", received="checkpoint")
            self.checkpoints_sent += count

    @property
    def unacknowledged(self) -> int:
        """Checkpoints sent and not yet acknowledged."""
        with self._lock:
            return self.checkpoints_sent - self.checkpoints_acknowledged
