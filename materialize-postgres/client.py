"""A thin psycopg 3 layer: connecting, catalog introspection, the fence/checkpoint transactions, and errors.

`translated` is the one place psycopg errors become flow-sdk errors, by SQLSTATE class:

* connection failures (class 08, and a connect that got no SQLSTATE at all), serialization
  failures (40001), deadlocks (40P01), server shutdowns and restarts (57P01-57P03), too many
  connections (53300), lock timeouts (55P03) -> `TransientError` (a retry may succeed);
* authentication (class 28), a missing database (3D000) or schema (3F000), missing privileges
  (42501) -> `ConfigError` (the user fixes the endpoint config or the grants); a failed connect
  has no SQLSTATE, so there the server's message tells these apart from transient failures;
* data exceptions (class 22: invalid text, out of range, NUL characters) and integrity violations
  (class 23) -> `DataError` naming what was being written (the binding and its table);
* anything else -> `ConnectorError` with the server's message and SQLSTATE.

Which operations are retried is the caller's decision: connecting and fencing are (they change
nothing until they succeed), a commit never is (its outcome may be unknown).
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import orjson
import psycopg
from psycopg.adapt import Loader
from psycopg.conninfo import make_conninfo

from flow_sdk.errors import ConfigError, ConnectorError, DataError, TransientError, retry_transient
from flow_sdk.flow import RangeSpec
from flow_sdk.materialize import ExistingColumn, FencedOff

from . import sql
from .config import EndpointConfig

FULL_RANGE = (0, 0xFFFFFFFF)
CONNECT_ATTEMPTS = 5  # connect and fence: tries before a transient failure is reported

log = logging.getLogger("materialize-postgres")

_TRANSIENT_STATES = frozenset({"40001", "40P01", "57P01", "57P02", "57P03", "53300", "55P03"})
_CONFIG_STATES = frozenset({"3D000", "3F000", "42501"})
# A failed connect carries no SQLSTATE, only the server's (or libpq's) message: these say the config is wrong.
_CONFIG_CONNECT_FAILURES = (
    "does not exist",  # database or role
    "authentication failed",
    "pg_hba.conf",
    "permission denied",
    "no password supplied",
    "does not support ssl",
)


def error_of(exc: psycopg.Error, doing: str) -> ConnectorError:
    """The flow-sdk error for a psycopg error raised while `doing` (e.g. "storing binding 0 (public.users)")."""
    state = exc.sqlstate or ""
    text = f"PostgreSQL error while {doing}: {describe_error(exc)}"
    if state in _TRANSIENT_STATES or state.startswith("08"):
        return TransientError(text)
    if state in _CONFIG_STATES or state.startswith("28"):
        return ConfigError(text)
    if state.startswith(("22", "23")):
        return DataError(text)
    if not state and isinstance(exc, psycopg.OperationalError):
        if any(failure in text.lower() for failure in _CONFIG_CONNECT_FAILURES):
            return ConfigError(text)
        return TransientError(text)  # refused, reset, timed out, server starting or stopping
    return ConnectorError(text)


@contextlib.contextmanager
def translated(doing: str) -> Iterator[None]:
    """Raise psycopg errors of the block as flow-sdk errors (see `error_of`)."""
    try:
        yield
    except psycopg.Error as exc:
        raise error_of(exc, doing) from exc


def _log_retry(attempt: int, error: BaseException, delay: float) -> None:
    log.warning("retrying after a transient failure", extra={"fields": {"attempt": attempt, "error": str(error)}})


def retried(operation: Any, attempts: int | None = None) -> Any:
    """`operation()`, retried while it raises a transient error (connect and fence only)."""
    return retry_transient(operation, attempts=attempts or CONNECT_ATTEMPTS, on_retry=_log_retry)


class _RawJsonLoader(Loader):
    """Keep jsonb values as their JSON text bytes: loaded documents pass through without parsing."""

    def load(self, data: Any) -> bytes:
        """The value's text form, as bytes."""
        return bytes(data)


def connect(config: EndpointConfig) -> psycopg.Connection[Any]:
    """Open a connection (not autocommit), retrying transient failures; others are ConfigErrors."""

    def attempt() -> psycopg.Connection[Any]:
        with translated(f"connecting to {config.address!r}"):
            return psycopg.connect(make_conninfo("", **config.conninfo()))

    conn: psycopg.Connection[Any] = retried(attempt)
    conn.adapters.register_loader("jsonb", _RawJsonLoader)
    return conn


def existing_columns(conn: psycopg.Connection[Any], table: sql.Table) -> dict[str, ExistingColumn] | None:
    """The table's columns by name (type in canonical spelling), or None if the table doesn't exist."""
    with conn.cursor() as cur:
        if cur.execute(sql.TABLE_EXISTS, (table.schema, table.name)).fetchone() is None:
            return None
        rows = cur.execute(sql.EXISTING_COLUMNS, (table.schema, table.name)).fetchall()
    return {name: ExistingColumn(type_, bool(nullable)) for name, type_, nullable in rows}


def schema_exists(conn: psycopg.Connection[Any], schema: str) -> bool:
    """Whether a schema exists."""
    with conn.cursor() as cur:
        return cur.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s", (schema,)).fetchone() is not None


def key_range(range_spec: RangeSpec | None) -> tuple[int, int]:
    """(key_begin, key_end) of an Open's RangeSpec; no range means the whole key space."""
    if range_spec is None:
        return FULL_RANGE
    return range_spec.key_begin, range_spec.key_end


@dataclass(frozen=True, slots=True)
class FenceToken:
    """What a session proves at commit: its exact checkpoints row and the fence value it set there."""

    materialization: str
    key_begin: int
    key_end: int
    fence: int


def fence(
    conn: psycopg.Connection[Any], schema: str, materialization: str, key_begin: int, key_end: int
) -> tuple[FenceToken, dict[str, Any] | None]:
    """In one transaction: inherit the narrowest covering checkpoint, insert our row, bump overlapping fences."""
    with conn.cursor() as cur:
        cur.execute(sql.lock_checkpoints(schema))
        row = cur.execute(sql.covering_checkpoint(schema), (materialization, key_begin, key_end)).fetchone()
        inherited: str | None = row[0] if row else None
        cur.execute(sql.insert_checkpoint(schema), (materialization, key_begin, key_end, inherited))
        ours = None
        for begin, end, value in cur.execute(sql.bump_fences(schema), (materialization, key_end, key_begin)):
            if (begin, end) == (key_begin, key_end):
                ours = int(value)
        # Our own row always overlaps our range, so the bump found it.
        assert ours is not None
        stored = cur.execute(sql.read_checkpoint(schema), (materialization, key_begin, key_end)).fetchone()
    conn.commit()
    text = stored[0] if stored else None
    checkpoint = orjson.loads(text) if text else None
    return FenceToken(materialization, key_begin, key_end, ours), checkpoint


def write_checkpoint(conn: psycopg.Connection[Any], schema: str, token: FenceToken, checkpoint: Any) -> None:
    """In the open transaction: write the checkpoint where our fence holds, or roll back and raise FencedOff."""
    with conn.cursor() as cur:
        cur.execute(
            sql.commit_checkpoint(schema),
            (orjson.dumps(checkpoint).decode(), token.materialization, token.key_begin, token.key_end, token.fence),
        )
        if cur.rowcount == 1:
            return
    conn.rollback()
    raise FencedOff(
        f"this session of {token.materialization!r} (key range {token.key_begin:08x}-{token.key_end:08x}, "
        f"fence {token.fence}) was fenced off by a newer session over an overlapping key range; "
        "its transaction was rolled back and nothing was committed"
    )


def ensure_checkpoints_table(conn: psycopg.Connection[Any], schema: str) -> None:
    """Make sure the checkpoints table exists (Open may run before any Apply, e.g. in tests)."""
    if existing_columns(conn, sql.Table(schema, sql.CHECKPOINTS_TABLE)) is None:
        with conn.cursor() as cur:
            cur.execute(sql.create_schema(schema))
            cur.execute(sql.create_checkpoints(schema))
        conn.commit()


def describe_error(exc: psycopg.Error) -> str:
    """A one-line description of a database error."""
    diag = exc.diag
    text = (diag.message_primary or str(exc)).strip()
    if diag.context and diag.context.startswith("COPY"):
        # Which row and column of the COPY (the text after ": " would quote the value itself).
        text += f" ({diag.context.splitlines()[0].split(': ', 1)[0]})"
    return f"{text} [SQLSTATE {diag.sqlstate}]" if diag.sqlstate else text
