"""Structured logging: one JSON object per line on stderr, the shape Flow's runtime reads."""

from __future__ import annotations

import logging
import os
import sys
import threading
import time
from collections.abc import Iterable
from typing import IO, Any

import orjson

# Flow's runtime understands these level names; Python's WARNING/CRITICAL map onto them.
_LEVEL_NAMES = {
    logging.DEBUG: "debug",
    logging.INFO: "info",
    logging.WARNING: "warn",
    logging.ERROR: "error",
    logging.CRITICAL: "error",
}
TRACE = 5
_LEVEL_NAMES[TRACE] = "trace"

_ENV_LEVELS = {
    "trace": TRACE,
    "debug": logging.DEBUG,
    "info": logging.INFO,
    "warn": logging.WARNING,
    "warning": logging.WARNING,
    "error": logging.ERROR,
}

_REDACTED = "<redacted>"
_secrets: set[str] = set()
_secrets_lock = threading.Lock()


def register_secrets(values: Iterable[str]) -> None:
    """Scrub these values from every later log record and error message."""
    with _secrets_lock:
        # Very short values would redact ordinary words; they are too weak to leak meaningfully.
        _secrets.update(v for v in values if isinstance(v, str) and len(v) >= 4)


def redact(text: str) -> str:
    """Replace every registered secret value in `text`."""
    if not _secrets:
        return text
    # Longest first, so a secret containing another is removed whole.
    for secret in sorted(_secrets, key=len, reverse=True):
        if secret in text:
            text = text.replace(secret, _REDACTED)
    return text


def _redact_value(value: Any) -> Any:
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {k: _redact_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_redact_value(v) for v in value]
    return value


def _default(value: Any) -> Any:
    return repr(value)


def format_record(level: str, msg: str, fields: dict[str, Any] | None = None) -> bytes:
    """Encode one log line (with a trailing newline), secrets scrubbed."""
    record: dict[str, Any] = {
        "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime()) + "Z",
        "level": level,
        "msg": redact(msg),
    }
    if fields:
        record["fields"] = _redact_value(fields)
    return orjson.dumps(record, default=_default) + b"\n"


class JsonLineFormatter(logging.Formatter):
    """Formats stdlib log records as Flow-style JSON lines."""

    def format(self, record: logging.LogRecord) -> str:
        fields: dict[str, Any] = dict(getattr(record, "fields", None) or {})
        if record.exc_info and record.exc_info[0] is not None:
            fields.setdefault("traceback", self.formatException(record.exc_info))
        if record.name and record.name != "root":
            fields.setdefault("logger", record.name)
        level = _LEVEL_NAMES.get(record.levelno, "info")
        return format_record(level, record.getMessage(), fields).decode().rstrip("\n")


def level_from_env(default: str = "info") -> int:
    """The log level named by LOG_LEVEL (trace, debug, info, warn, error)."""
    name = os.environ.get("LOG_LEVEL", default).strip().lower()
    return _ENV_LEVELS.get(name, logging.INFO)


def configure(stream: IO[str] | None = None, level: int | None = None) -> None:
    """Send all logging to stderr as JSON lines at LOG_LEVEL; safe to call twice.

    This is the one place that changes the process's logging (for an entry point's `main()` to call):
    it also names level 5 `TRACE` in the stdlib's level table.
    """
    logging.addLevelName(TRACE, "TRACE")
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "_flow_sdk", False):
            root.removeHandler(handler)
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonLineFormatter())
    handler._flow_sdk = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(level if level is not None else level_from_env())


def get_logger(name: str) -> logging.Logger:
    """A logger; pass structured data as `extra={"fields": {...}}`."""
    return logging.getLogger(name)
