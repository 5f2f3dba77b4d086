"""The derive protocol as a sans-I/O state machine: which request and response may come next.

Order rules (Flow's derive protocol, `derive.proto` and the runtime's `crates/runtime/src/derive/`):

* `spec` -> `spec` and `validate` -> `validated` are one-shot, before any `open`; `validated`
  carries exactly one `transforms[]` entry (its `readOnly`) per transform of the `validate`.
* `open` -> `opened`, once. An `opened` with a `runtimeCheckpoint` makes the connector
  remote-authoritative: the runtime must then send `startCommit` after every transaction.
* Each transaction: `read`* (each naming a transform of the opened derivation), then `flush`.
  The connector may send `published` from the first `read` until it answers `flushed`. A
  `flushed` with `more: true` asks for another `flush` round in the same transaction (the
  next `flush` carries the round's `statePatches`); reads may not resume until a `flushed`
  with `more: false`. After that the runtime either sends `startCommit` (answered by
  `startedCommit`), or, for a connector that is not remote-authoritative, starts the next
  transaction directly (V2 runtimes report state through `flushed.state`). With several shards
  a further `flush` round after `more: false` is legal too (another shard asked for it).
* `reset` (catalog tests only, no response) only at a transaction boundary.

The machine serves both sides. It is built with the `Role` it plays: requests are written by
the runtime and responses by the connector, so a bad request is a `LocalProtocolError` for a
runtime and a `RemoteProtocolError` for a connector, and the other way round for responses.
It is not thread-safe: drive it from one thread, or hold a lock around each call.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import Enum
from typing import Any

from ..errors import LocalProtocolError, ProtocolError, RemoteProtocolError
from .roles import Role
from .variants import variant_of

REQUEST_VARIANTS = ("spec", "validate", "open", "read", "flush", "startCommit", "reset")
RESPONSE_VARIANTS = ("spec", "validated", "opened", "published", "flushed", "startedCommit")
# The one-shot requests and the single response each one gets.
UNARY = {"spec": "spec", "validate": "validated"}


class Phase(Enum):
    """Where a derive connection stands."""

    IDLE = "idle"  # before open: spec, validate or open
    RESPONDING = "responding"  # a one-shot request arrived; its response is owed
    OPENING = "opening"  # open arrived; opened is owed
    READY = "ready"  # at a transaction boundary: read, flush or reset
    READING = "reading"  # reads of a transaction: more reads, or flush
    FLUSHING = "flushing"  # flush sent: published..., then flushed
    MORE = "more"  # flushed with more=true: only another flush
    FLUSHED = "flushed"  # flushed with more=false: startCommit (or the next transaction)
    COMMITTING = "committing"  # startCommit sent: startedCommit is owed


# Phases in which the connector may publish derived documents.
_PUBLISHING = frozenset({Phase.READING, Phase.FLUSHING})


class DeriveProtocol:
    """Tracks one derive connection and raises a `ProtocolError` on any message out of order.

    Feed it every request (`on_request`) and every response (`on_response`) in the order they
    are written or read; both return the message's variant name. The hot path may instead call
    `on_read(transform)` and `on_published(count)` for messages it has not decoded into dicts.
    """

    def __init__(self, role: Role) -> None:
        self.role = role
        self.phase = Phase.IDLE
        self._owed: str | None = None
        # Transforms of the pending `validate`, and of the opened derivation.
        self._validate_transforms = 0
        self.transforms: tuple[str, ...] = ()
        self.remote_authoritative = False
        self.flush_rounds = 0  # flush requests in the current transaction
        self.transactions = 0  # transactions whose flush phase completed
        self.published = 0  # published responses, over the connection
        self._request_error: type[ProtocolError] = LocalProtocolError if role is Role.RUNTIME else RemoteProtocolError
        self._response_error: type[ProtocolError] = (
            LocalProtocolError if role is Role.CONNECTOR else RemoteProtocolError
        )

    # -- requests (runtime -> connector) ------------------------------------------------------

    def on_request(self, message: Mapping[str, Any]) -> str:
        """Accept one request (Flow JSON form dict) and return its variant, or raise ProtocolError."""
        body = message.get("read")
        if type(body) is dict and len(message) == 1:
            # The hot path: one check of phase, transform index and document, no variant scan.
            transform = body.get("transform", 0)
            if (
                self.phase is Phase.READING
                and type(transform) is int
                and 0 <= transform < len(self.transforms)
                and body.get("doc") is not None
            ):
                return "read"
            self._read(body)
            return "read"
        name = variant_of(message, REQUEST_VARIANTS, what="derive request", error=self._request_error)
        body = message[name]
        if name == "read":
            self._read(body)
        elif name in UNARY and self.phase is Phase.IDLE:
            self.phase, self._owed = Phase.RESPONDING, UNARY[name]
            if name == "validate":
                self._validate_transforms = _count(body.get("transforms"), "validate.transforms", self._request_error)
        elif name == "open" and self.phase is Phase.IDLE:
            self.phase, self._owed = Phase.OPENING, "opened"
            self.transforms = _open_transforms(body, self._request_error)
        elif name == "flush" and self.phase in (Phase.READY, Phase.READING, Phase.MORE, Phase.FLUSHED):
            if self.phase in (Phase.READY, Phase.READING):
                self.flush_rounds = 0
            self.phase, self._owed = Phase.FLUSHING, "flushed"
            self.flush_rounds += 1
        elif name == "startCommit" and self.phase is Phase.FLUSHED:
            if not isinstance(body.get("runtimeCheckpoint"), Mapping):
                raise self._request_error(
                    "startCommit must carry the runtime checkpoint",
                    expected="startCommit.runtimeCheckpoint",
                    received="none",
                )
            self.phase, self._owed = Phase.COMMITTING, "startedCommit"
        elif name == "reset" and self._at_boundary():
            self.phase = Phase.READY
        else:
            raise self._request_error(
                f"unexpected derive request {name!r} in phase {self.phase.value}",
                expected=self.expected_requests(),
                received=name,
            )
        return name

    def _read(self, body: Mapping[str, Any]) -> None:
        self.on_read(body.get("transform", 0))
        if body.get("doc") is None:
            raise self._request_error("a read request must carry a document", expected="read.doc", received="none")

    def on_read(self, transform: object) -> None:
        """Accept one `read` request for transform index `transform`."""
        if self.phase is not Phase.READING:
            if not self._at_boundary():
                raise self._request_error(
                    f"unexpected derive request 'read' in phase {self.phase.value}",
                    expected=self.expected_requests(),
                    received="read",
                )
            self.phase = Phase.READING
        if not (type(transform) is int and 0 <= transform < len(self.transforms)):
            raise self._request_error(
                "read.transform is not a transform of the opened derivation",
                expected=f"an index in 0..{len(self.transforms) - 1}"
                if self.transforms
                else "no reads (no transforms)",
                received=repr(transform),
            )

    def _at_boundary(self) -> bool:
        # READY, or FLUSHED for a connector that is not remote-authoritative (V2: no startCommit).
        return self.phase is Phase.READY or (self.phase is Phase.FLUSHED and not self.remote_authoritative)

    def expected_requests(self) -> str:
        """The requests legal now, for error messages."""
        phase = self.phase
        if phase is Phase.IDLE:
            return "spec | validate | open"
        if phase is Phase.READY:
            return "read | flush | reset"
        if phase is Phase.READING:
            return "read | flush"
        if phase is Phase.MORE:
            return "flush (the connector asked for another round)"
        if phase is Phase.FLUSHED:
            return "startCommit | flush" if self.remote_authoritative else "startCommit | read | flush | reset"
        return f"no request until the connector sends {self._owed!r}"

    # -- responses (connector -> runtime) -----------------------------------------------------

    def on_response(self, message: Mapping[str, Any]) -> str:
        """Accept one response (Flow JSON form dict) and return its variant, or raise ProtocolError."""
        body = message.get("published")
        if body is not None and len(message) == 1 and isinstance(body, Mapping):
            if body.get("doc") is None:
                raise self._response_error(
                    "a published response must carry a document", expected="published.doc", received="none"
                )
            self.on_published(1)
            return "published"
        name = variant_of(message, RESPONSE_VARIANTS, what="derive response", error=self._response_error)
        body = message[name]
        if name == "published":
            self.on_published(1)
        elif name != self._owed:
            raise self._response_error(
                f"unexpected derive response {name!r} in phase {self.phase.value}",
                expected=self.expected_responses(),
                received=name,
            )
        elif name == "validated":
            count = _count(body.get("transforms"), "validated.transforms", self._response_error)
            if count != self._validate_transforms:
                raise self._response_error(
                    "validated must answer each transform of the validate request once, in order",
                    expected=f"{self._validate_transforms} transforms",
                    received=f"{count} transforms",
                )
            self.phase, self._owed = Phase.IDLE, None
        elif name == "spec":
            self.phase, self._owed = Phase.IDLE, None
        elif name == "opened":
            self.remote_authoritative = isinstance(body.get("runtimeCheckpoint"), Mapping)
            self.phase, self._owed = Phase.READY, None
        elif name == "flushed":
            self._owed = None
            if body.get("more"):
                self.phase = Phase.MORE
            else:
                self.phase = Phase.FLUSHED
                self.transactions += 1
        else:  # startedCommit
            self.phase, self._owed = Phase.READY, None
        return name

    def on_published(self, count: int) -> None:
        """Accept `count` `published` responses (the hot path may report them in bulk)."""
        if self.phase not in _PUBLISHING:
            raise self._response_error(
                f"unexpected derive response 'published' in phase {self.phase.value}",
                expected=self.expected_responses(),
                received="published",
            )
        self.published += count

    def expected_responses(self) -> str:
        """The responses legal now, for error messages."""
        if self.phase is Phase.READING:
            return "published (or nothing until flush)"
        if self.phase is Phase.FLUSHING:
            return "published | flushed"
        if self._owed is not None:
            return repr(self._owed)
        return "nothing until a request arrives"

    @property
    def owed(self) -> str | None:
        """The response the connector owes now (None when it owes nothing)."""
        return self._owed


def _count(value: object, where: str, error: type[ProtocolError]) -> int:
    if value is None:
        return 0
    if not isinstance(value, list):
        raise error(f"{where} must be an array", expected="an array", received=type(value).__name__)
    return len(value)


def _open_transforms(body: Mapping[str, Any], error: type[ProtocolError]) -> tuple[str, ...]:
    """Names of the opened derivation's transforms, in the order reads index them."""
    collection = body.get("collection")
    if not isinstance(collection, Mapping) or not isinstance(collection.get("derivation"), Mapping):
        raise error(
            "open must carry the derived collection and its derivation",
            expected="open.collection.derivation",
            received="none",
        )
    transforms = collection["derivation"].get("transforms") or []
    if not isinstance(transforms, list):
        raise error(
            "open.collection.derivation.transforms must be an array",
            expected="an array",
            received=type(transforms).__name__,
        )
    return tuple(str(t.get("name", "")) if isinstance(t, Mapping) else "" for t in transforms)
