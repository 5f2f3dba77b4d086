"""A thin psycopg 3 layer: connecting, catalog introspection, and the fence/checkpoint transactions."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import orjson
import psycopg
from psycopg.adapt import Loader
from psycopg.conninfo import make_conninfo

from flow_sdk.errors import ConfigError
from flow_sdk.materialize import ExistingColumn, FencedOff

from . import sql
from .config import EndpointConfig

FULL_RANGE = (0, 0xFFFFFFFF)


class _RawJsonLoader(Loader):
    """Keep jsonb values as their JSON text bytes: loaded documents pass through without parsing."""

    def load(self, data: Any) -> bytes:
        """The value's text form, as bytes."""
        return bytes(data)


def connect(config: EndpointConfig) -> psycopg.Connection[Any]:
    """Open a connection (not autocommit); connection failures become a ConfigError the user can act on."""
    try:
        conn = psycopg.connect(make_conninfo("", **config.conninfo()))
    except psycopg.OperationalError as exc:
        raise ConfigError(f"can't connect to PostgreSQL at {config.address!r}: {str(exc).strip()}") from exc
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


def key_range(range_spec: Mapping[str, Any] | None) -> tuple[int, int]:
    """(key_begin, key_end) of an Open's RangeSpec; no range means the whole key space."""
    if not range_spec:
        return FULL_RANGE
    return int(range_spec.get("keyBegin", 0)), int(range_spec.get("keyEnd", 0))


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
    return f"{text} ({diag.sqlstate})" if diag.sqlstate else text
