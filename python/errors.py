"""Every error flow-sdk raises on purpose, grouped by what the caller should do about it.

* **Fix the configuration** (`ConfigError` and its kinds): the user's config, catalog or
  schema is wrong. Printed as one line, without a traceback.
* **Fix the data** (`DataError` and its kinds): a document does not fit its collection
  (schema, key, reduction). The message names the collection and the document's location.
* **Fix the code** (`ProtocolError`): a protocol peer broke the order or shape of messages.
  `LocalProtocolError` is ours to fix (the connector author's code, or the SDK driving it);
  `RemoteProtocolError` is the peer's (the runtime, or the connector the runtime drives).
* **Retry** (`TransientError`, or any error whose `transient` is true): the same operation may
  succeed later (a network blip, a lock timeout, a 5xx). `retry_transient` retries these.
* **Give up** (`FencedOff`): another session owns the work; stop without committing.

`ConnectorError` is the root; raise it directly only where none of the groups fits.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


class ConnectorError(Exception):
    """Root of every error flow-sdk raises on purpose."""

    # Whether a retry of the same operation may succeed (a network blip, a lock timeout).
    transient: bool = False

    def __init__(self, message: str, *, fields: dict[str, object] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.fields: dict[str, object] = dict(fields or {})

    def __str__(self) -> str:
        return self.message


# -- fix the configuration -------------------------------------------------------------------


class ConfigError(ConnectorError):
    """A problem the user fixes in their configuration; printed without a traceback."""


class ProjectionError(ConfigError):
    """A collection's schema, key or projections cannot be projected as Flow would."""


class SchemaReduceError(ConfigError):
    """A collection schema's reduce annotations are invalid."""


# -- fix the data ----------------------------------------------------------------------------


class DataError(ConnectorError):
    """A document does not fit what its collection declares."""


class DocumentError(DataError):
    """A captured document does not match its collection's write schema."""


class DocumentKeyError(DataError):
    """A document lacks a component of its collection key."""


class ReduceError(DataError):
    """Two documents cannot be reduced as their schema says (e.g. `sum` of a string)."""


# -- fix the code: protocol violations -------------------------------------------------------


class ProtocolError(ConnectorError):
    """A protocol message came out of order or malformed: says what was expected and what came."""

    def __init__(
        self,
        message: str,
        *,
        expected: str | None = None,
        received: str | None = None,
        fields: dict[str, object] | None = None,
    ) -> None:
        detail = message
        if expected is not None or received is not None:
            detail = f"{message} (expected {expected or 'nothing'}, received {received or 'nothing'})"
        merged = dict(fields or {})
        if expected is not None:
            merged["expected"] = expected
        if received is not None:
            merged["received"] = received
        super().__init__(detail, fields=merged)
        self.expected = expected
        self.received = received


class LocalProtocolError(ProtocolError):
    """Our side broke the protocol: the connector author's code, or the SDK driving it, must change."""


class RemoteProtocolError(ProtocolError):
    """The peer broke the protocol: the runtime (seen from a connector) or the connector (seen from the runtime)."""


# -- retry -----------------------------------------------------------------------------------


class TransientError(ConnectorError):
    """A failure that a retry may cure."""

    transient = True


def is_transient(exc: BaseException) -> bool:
    """Whether a retry of the operation that raised `exc` may succeed."""
    return bool(getattr(exc, "transient", False))


def retry_transient(
    operation: Callable[[], T],
    *,
    attempts: int = 5,
    first_delay: float = 0.2,
    max_delay: float = 5.0,
    on_retry: Callable[[int, BaseException, float], None] | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> T:
    """Run `operation`, retrying it while it raises a transient error, with exponential backoff.

    At most `attempts` calls; the delay doubles from `first_delay` up to `max_delay`. A
    non-transient error, or the last transient one, propagates unchanged. `on_retry(attempt,
    error, delay)` is told of each retry (to log it).
    """
    delay = first_delay
    for attempt in range(1, attempts + 1):
        try:
            return operation()
        except Exception as exc:
            if attempt == attempts or not is_transient(exc):
                raise
            if on_retry is not None:
                on_retry(attempt, exc, delay)
            sleep(delay)
            delay = min(delay * 2, max_delay)
    raise AssertionError("unreachable: the loop returns or raises")


# -- give up ---------------------------------------------------------------------------------


class FencedOff(ConnectorError):
    """A newer session over the same key range has opened: this one must stop without committing."""
