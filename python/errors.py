"""The error hierarchy every flow-sdk entry point understands."""

from __future__ import annotations


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


class ConfigError(ConnectorError):
    """A problem the user fixes in their configuration; printed without a traceback."""


class ProtocolError(ConnectorError):
    """A peer broke the protocol: says what was expected and what came instead."""

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


class TransientError(ConnectorError):
    """A failure that a retry may cure."""

    transient = True
