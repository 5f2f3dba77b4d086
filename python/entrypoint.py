"""Runs a connector or command, turning every failure into exit code 1 and one clear error record."""

from __future__ import annotations

import sys
import traceback
from collections.abc import Callable
from typing import NoReturn

from . import log
from .errors import ConfigError, ConnectorError, ProtocolError


def error_record(exc: BaseException) -> bytes:
    """The single stderr line that explains `exc` to a user."""
    if isinstance(exc, ConfigError):
        # A configuration problem is the user's to fix: the message is the whole story.
        return log.format_record("error", f"configuration error: {exc.message}", exc.fields or None)
    if isinstance(exc, ProtocolError):
        return log.format_record("error", f"protocol error: {exc.message}", exc.fields or None)
    if isinstance(exc, ConnectorError):
        fields = dict(exc.fields)
        if exc.__cause__ is not None:
            fields["cause"] = f"{type(exc.__cause__).__name__}: {exc.__cause__}"
        return log.format_record("error", exc.message, fields or None)
    detail = "".join(traceback.format_exception(exc))
    return log.format_record("error", f"{type(exc).__name__}: {exc}", {"traceback": detail})


def run(main: Callable[[], int | None]) -> NoReturn:
    """Call `main` and exit: its return code on success, 1 with one error record on failure."""
    try:
        code = main()
    except SystemExit:
        raise
    except KeyboardInterrupt:
        sys.stderr.buffer.write(log.format_record("error", "interrupted"))
        sys.stderr.flush()
        sys.exit(130)
    except BaseException as exc:
        try:
            sys.stderr.flush()
            sys.stderr.buffer.write(error_record(exc))
            sys.stderr.flush()
        except OSError:
            pass
        sys.exit(1)
    sys.exit(code or 0)
