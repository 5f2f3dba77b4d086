"""A tiny transactional destination on SQLite, to test the Transactional strategy without a server.

Run as `python -m tests.materialize.sqlite_dest`. Config `{"path": <db file>}`, resource
`{"table": <name>}`. Tables hold the key, value and document columns; `flow_checkpoints` holds
one row per (materialization, key range) with a fence counter and the runtime checkpoint.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Mapping
from typing import Any, ClassVar

import orjson

from flow_sdk.errors import ConfigError
from flow_sdk.flow import RangeSpec
from flow_sdk.materialize import (
    Binding,
    Connector,
    ExistingColumn,
    Fence,
    FencedOff,
    Load,
    Loaded,
    Store,
    Transactional,
    Transactor,
    TypeMapper,
    bindings_of,
    projection_constraints,
    proposed_bindings,
    resource_config_schema,
    resource_path,
    validated_binding,
)
from flow_sdk.materialize.request import Apply, Open, Validate
from flow_sdk.materialize.response import Applied, Validated

TYPES = TypeMapper(
    {"string": "TEXT", "integer": "INTEGER", "number": "REAL", "boolean": "INTEGER", "object": "JSON", "array": "JSON"}
)
CHECKPOINTS = "flow_checkpoints"


def quote(name: str) -> str:
    """An SQLite identifier."""
    return '"' + name.replace('"', '""') + '"'


def connect(path: str) -> sqlite3.Connection:
    """Autocommit connection; transactions are explicit BEGIN/COMMIT."""
    conn = sqlite3.connect(path, isolation_level=None, timeout=30)
    conn.execute(
        f"CREATE TABLE IF NOT EXISTS {CHECKPOINTS} (materialization TEXT, key_begin INTEGER, key_end INTEGER,"
        " fence INTEGER NOT NULL, checkpoint TEXT, PRIMARY KEY (materialization, key_begin, key_end))"
    )
    return conn


def existing_columns(conn: sqlite3.Connection, table: str) -> dict[str, ExistingColumn]:
    """Columns of an existing table."""
    rows = conn.execute(f"PRAGMA table_info({quote(table)})").fetchall()
    return {r[1]: ExistingColumn(r[2], nullable=not r[3]) for r in rows}


def _cell(value: Any, column_type: str) -> Any:
    if column_type == "JSON" or isinstance(value, dict | list):
        return orjson.dumps(value).decode()
    return value


class SqliteTransactor(Transactional):
    """Loads by key, stores by upsert/delete, commits the checkpoint with the data under a fence."""

    def __init__(self, conn: sqlite3.Connection, bindings: list[Binding]) -> None:
        self.conn = conn
        self.bindings = bindings
        self.key_range: tuple[int, int] = (0, 0)
        self.materialization = ""

    def fence(self, materialization: str, key_range: RangeSpec | None) -> Fence:
        """Bump the fence of this key range and read its checkpoint."""
        self.materialization = materialization
        key_range = key_range or RangeSpec()
        self.key_range = (key_range.key_begin, key_range.key_end)
        c = self.conn
        c.execute("BEGIN IMMEDIATE")
        row = c.execute(
            f"SELECT fence, checkpoint FROM {CHECKPOINTS} WHERE materialization=? AND key_begin=? AND key_end=?",
            (materialization, *self.key_range),
        ).fetchone()
        fence = (row[0] if row else 0) + 1
        c.execute(
            f"INSERT OR REPLACE INTO {CHECKPOINTS} VALUES (?, ?, ?, ?, ?)",
            (materialization, *self.key_range, fence, row[1] if row else None),
        )
        c.execute("COMMIT")
        return Fence(orjson.loads(row[1]) if row and row[1] else None, fence)

    def _key_where(self, b: Binding) -> str:
        return " AND ".join(f"{quote(c.field)}=?" for c in b.columns if c.is_key)

    def load(self, loads: Iterator[Load], loaded: Loaded) -> None:
        """Collect keys, then answer them all after the flush (deferred evaluation)."""
        keys = list(loads)
        for load in keys:
            b = self.bindings[load.binding]
            row = self.conn.execute(
                f"SELECT {quote(b.field_selection['document'])} FROM {quote(b.resource_path[-1])}"
                f" WHERE {self._key_where(b)}",
                load.key,
            ).fetchone()
            if row is not None:
                loaded(load.binding, load.key, row[0].encode())

    def store(self, stores: Iterator[Store]) -> None:
        """Upsert or delete each store inside one open transaction."""
        self.conn.execute("BEGIN IMMEDIATE")
        for s in stores:
            b = self.bindings[s.binding]
            table = quote(b.resource_path[-1])
            if s.delete:
                self.conn.execute(f"DELETE FROM {table} WHERE {self._key_where(b)}", s.key)
                continue
            row = [*s.key, *s.values]
            if b.field_selection.get("document"):
                row.append(s.doc)
            cells = [_cell(v, TYPES(c.projection) or "JSON") for v, c in zip(row, b.columns, strict=True)]
            names = ", ".join(quote(c.field) for c in b.columns)
            marks = ", ".join("?" for _ in b.columns)
            self.conn.execute(f"INSERT OR REPLACE INTO {table} ({names}) VALUES ({marks})", cells)

    def commit(self, checkpoint: Mapping[str, Any], fence: Fence) -> None:
        """Write the checkpoint where our fence still holds, and commit; else roll back."""
        cur = self.conn.execute(
            f"UPDATE {CHECKPOINTS} SET checkpoint=? WHERE materialization=? AND key_begin=? AND key_end=? AND fence=?",
            (orjson.dumps(checkpoint).decode(), self.materialization, *self.key_range, fence.token),
        )
        if cur.rowcount != 1:
            self.conn.execute("ROLLBACK")
            raise FencedOff(f"fenced off: another session of {self.materialization} opened this key range")
        self.conn.execute("COMMIT")

    def close(self) -> None:
        """Close the database."""
        self.conn.close()


class SqliteConnector(Connector):
    """Materializes into SQLite tables."""

    config_schema: ClassVar[dict[str, Any]] = {
        "type": "object",
        "properties": {"path": {"type": "string"}},
        "required": ["path"],
    }
    resource_config_schema: ClassVar[dict[str, Any]] = resource_config_schema(
        {"table": {"type": "string"}, "delta": {"type": "boolean"}},
        collection_name="table",
        delta_updates="delta",
    )

    def validate(self, config: dict[str, Any], request: Validate) -> Validated:
        """Constraints against existing tables."""
        conn = connect(config["path"])
        out = []
        for b in proposed_bindings(request):
            path = resource_path(self.resource(b), self.resource_config_schema)
            constraints = projection_constraints(
                b.collection,
                type_map=TYPES,
                destination="SQLite",
                group_by=b.group_by,
                existing=existing_columns(conn, path[-1]),
            )
            out.append(validated_binding(resource_path=path, constraints=constraints))
        return Validated(bindings=out)

    def apply(self, config: dict[str, Any], request: Apply) -> Applied:
        """Create missing tables."""
        conn = connect(config["path"])
        actions = []
        for b in bindings_of(request.materialization):
            cols = ", ".join(f"{quote(c.field)} {TYPES(c.projection)}" for c in b.columns)
            keys = ", ".join(quote(c.field) for c in b.columns if c.is_key)
            if not keys:
                raise ConfigError("a binding needs key fields")
            sql = f"CREATE TABLE IF NOT EXISTS {quote(b.resource_path[-1])} ({cols}, PRIMARY KEY ({keys}))"
            conn.execute(sql)
            actions.append(sql)
        return Applied(action_description="\n".join(actions))

    def open(self, config: dict[str, Any], request: Open) -> Transactor:
        """A transactor on the database."""
        return SqliteTransactor(connect(config["path"]), bindings_of(request.materialization))


if __name__ == "__main__":
    SqliteConnector().main()
