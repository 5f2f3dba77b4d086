"""Every SQL statement the connector runs, rendered by pure functions (snapshot-tested).

All identifiers pass through `ident`; all values are bound parameters (`%s`), never rendered.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from flow_sdk.errors import ConfigError

from .mapping import WIDENINGS, ColumnSpec

CHECKPOINTS_TABLE = "flow_checkpoints_v1"
LOAD_ORDINAL = "flow_load_ordinal"  # the load table's column numbering the keys in the order they came
_MAX_IDENTIFIER_BYTES = 63  # PostgreSQL silently truncates longer names (NAMEDATALEN - 1)


def ident(name: str) -> str:
    """Quote one identifier: the only way any name reaches SQL text."""
    if "\x00" in name:
        raise ConfigError(f"identifier {name!r} contains a NUL character, which PostgreSQL can't store")
    if not name:
        raise ConfigError("an identifier can't be empty")
    if len(name.encode()) > _MAX_IDENTIFIER_BYTES:
        raise ConfigError(
            f"identifier {name!r} is longer than PostgreSQL's {_MAX_IDENTIFIER_BYTES} bytes and would be truncated"
        )
    return '"' + name.replace('"', '""') + '"'


@dataclass(frozen=True, slots=True)
class Table:
    """A schema-qualified table name."""

    schema: str
    name: str

    def sql(self) -> str:
        """The quoted, qualified name."""
        return f"{ident(self.schema)}.{ident(self.name)}"

    def __str__(self) -> str:
        return f"{self.schema}.{self.name}"


def temp(name: str) -> str:
    """A session temp table's quoted name (pg_temp never collides with user tables)."""
    return f"pg_temp.{ident(name)}"


def _column_list(columns: Sequence[ColumnSpec]) -> str:
    return ", ".join(ident(c.name) for c in columns)


# -- DDL -----------------------------------------------------------------------------------------


def create_schema(schema: str) -> str:
    """Create a schema if it is missing."""
    return f"CREATE SCHEMA IF NOT EXISTS {ident(schema)}"


def create_table(table: Table, columns: Sequence[ColumnSpec], *, delta_updates: bool) -> str:
    """Create a binding's table; standard bindings get a primary key over the key columns."""
    lines = [f"  {ident(c.name)} {c.type}{'' if c.nullable else ' NOT NULL'}" for c in columns]
    keys = [c for c in columns if c.is_key]
    if keys and not delta_updates:
        lines.append(f"  PRIMARY KEY ({_column_list(keys)})")
    body = ",\n".join(lines)
    return f"CREATE TABLE IF NOT EXISTS {table.sql()} (\n{body}\n)"


def drop_table(table: Table) -> str:
    """Drop a binding's table (backfill)."""
    return f"DROP TABLE IF EXISTS {table.sql()}"


def add_column(table: Table, column: ColumnSpec) -> str:
    """Add a column; always nullable, since existing rows have no value for it."""
    return f"ALTER TABLE {table.sql()} ADD COLUMN IF NOT EXISTS {ident(column.name)} {column.type}"


def drop_not_null(table: Table, column: str) -> str:
    """Let a column take NULLs (its field became optional)."""
    return f"ALTER TABLE {table.sql()} ALTER COLUMN {ident(column)} DROP NOT NULL"


def widen_column(table: Table, column: str, old_type: str, new_type: str) -> str:
    """Change a column to a wider type, converting every existing value."""
    using = WIDENINGS[(old_type, new_type)].format(col=ident(column))
    return f"ALTER TABLE {table.sql()} ALTER COLUMN {ident(column)} TYPE {new_type} USING {using}"


def create_checkpoints(schema: str) -> str:
    """The table of fences and runtime checkpoints, one row per materialization and key range."""
    return (
        f"CREATE TABLE IF NOT EXISTS {Table(schema, CHECKPOINTS_TABLE).sql()} (\n"
        "  materialization TEXT NOT NULL,\n"
        "  key_begin BIGINT NOT NULL,\n"
        "  key_end BIGINT NOT NULL,\n"
        "  fence BIGINT NOT NULL,\n"
        "  checkpoint TEXT,\n"
        "  PRIMARY KEY (materialization, key_begin, key_end)\n"
        ")"
    )


EXISTING_COLUMNS = (
    "SELECT a.attname, format_type(a.atttypid, a.atttypmod), NOT a.attnotnull"
    " FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace"
    " WHERE n.nspname = %s AND c.relname = %s AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum"
)
TABLE_EXISTS = (
    "SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
    " WHERE n.nspname = %s AND c.relname = %s AND c.relkind IN ('r', 'p')"
)

# -- fencing and checkpoints ------------------------------------------------------------------------


def _checkpoints(schema: str) -> str:
    """The checkpoints table's name for a statement with parameters: a literal % must be doubled there."""
    return Table(schema, CHECKPOINTS_TABLE).sql().replace("%", "%%")


def lock_checkpoints(schema: str) -> str:
    """Serialize opens against each other and against in-flight commits (which hold row locks)."""
    return f"LOCK TABLE {Table(schema, CHECKPOINTS_TABLE).sql()} IN SHARE ROW EXCLUSIVE MODE"


def covering_checkpoint(schema: str) -> str:
    """The checkpoint of the narrowest row covering [begin, end]; parameters: name, begin, end."""
    return (
        f"SELECT checkpoint FROM {_checkpoints(schema)}"
        " WHERE materialization = %s AND key_begin <= %s AND key_end >= %s"
        " ORDER BY key_end - key_begin ASC LIMIT 1"
    )


def insert_checkpoint(schema: str) -> str:
    """Insert this range's row if missing; parameters: name, begin, end, inherited checkpoint."""
    return (
        f"INSERT INTO {_checkpoints(schema)} (materialization, key_begin, key_end, fence, checkpoint)"
        " VALUES (%s, %s, %s, 0, %s) ON CONFLICT (materialization, key_begin, key_end) DO NOTHING"
    )


def bump_fences(schema: str) -> str:
    """Bump the fence of every row overlapping [begin, end]; parameters: name, end, begin (in that order)."""
    return (
        f"UPDATE {_checkpoints(schema)} SET fence = fence + 1"
        " WHERE materialization = %s AND key_begin <= %s AND key_end >= %s"
        " RETURNING key_begin, key_end, fence"
    )


def commit_checkpoint(schema: str) -> str:
    """Write the checkpoint only where our fence still holds; parameters: checkpoint, name, begin, end, fence."""
    return (
        f"UPDATE {_checkpoints(schema)} SET checkpoint = %s"
        " WHERE materialization = %s AND key_begin = %s AND key_end = %s AND fence = %s"
    )


def read_checkpoint(schema: str) -> str:
    """The checkpoint of exactly our row; parameters: name, begin, end."""
    return (
        f"SELECT checkpoint FROM {_checkpoints(schema)} WHERE materialization = %s AND key_begin = %s AND key_end = %s"
    )


# -- loads ------------------------------------------------------------------------------------------


def load_table_name(binding: int) -> str:
    """The temp table of one binding's load keys."""
    return f"flow_load_{binding}"


def create_load_table(binding: int, keys: Sequence[ColumnSpec]) -> str:
    """A session temp table for one binding's keys, numbered in arrival order; emptied at commit."""
    cols = ", ".join(f"{ident(k.name)} {k.type}" for k in keys)
    name = ident(load_table_name(binding))
    ordinal = ident(LOAD_ORDINAL)
    return f"CREATE TEMPORARY TABLE IF NOT EXISTS {name} ({cols}, {ordinal} INTEGER NOT NULL) ON COMMIT DELETE ROWS"


def copy_load_keys(binding: int, keys: Sequence[ColumnSpec]) -> str:
    """COPY a binding's keys into its load table."""
    return f"COPY {temp(load_table_name(binding))} ({_column_list(keys)}, {ident(LOAD_ORDINAL)}) FROM STDIN"


def analyze_load_table(binding: int) -> str:
    """Give the planner statistics of a load table: without them it hashes the (large) target table instead."""
    return f"ANALYZE {temp(load_table_name(binding))}"


def load_query(parts: Sequence[tuple[int, Table, Sequence[ColumnSpec], str]]) -> str:
    """One query answering every binding's loads: (binding, table, key columns, document column) each."""
    selects = []
    for binding, table, keys, document in parts:
        on = " AND ".join(f"r.{ident(k.name)} = l.{ident(k.name)}" for k in keys)
        selects.append(
            f"SELECT {binding}::int, l.{ident(LOAD_ORDINAL)}, r.{ident(document)}"
            f" FROM {table.sql()} AS r JOIN {temp(load_table_name(binding))} AS l ON {on}"
        )
    return "\nUNION ALL\n".join(selects)


# -- stores -----------------------------------------------------------------------------------------


def copy_into(target: str, columns: Sequence[ColumnSpec]) -> str:
    """COPY rows (text format) into a table, given its already-quoted name."""
    return f"COPY {target} ({_column_list(columns)}) FROM STDIN"


def stage_table_name(binding: int, kind: str) -> str:
    """A temp table staging one binding's updates ("update"), deletion keys ("delete") or soft deletes ("mark")."""
    return f"flow_{kind}_{binding}"


def create_stage_table(name: str, columns: Sequence[ColumnSpec]) -> str:
    """A session temp table of the given columns, without constraints; filled by COPY, merged and emptied at commit."""
    cols = ", ".join(f"{ident(c.name)} {c.type}" for c in columns)
    return f"CREATE TEMPORARY TABLE IF NOT EXISTS {ident(name)} ({cols}) ON COMMIT DELETE ROWS"


def merge_updates(table: Table, stage: str, columns: Sequence[ColumnSpec]) -> str:
    """Upsert every staged row into the table, in one statement."""
    keys = [c for c in columns if c.is_key]
    rest = [c for c in columns if not c.is_key]
    action = (
        "DO UPDATE SET " + ", ".join(f"{ident(c.name)} = EXCLUDED.{ident(c.name)}" for c in rest)
        if rest
        else "DO NOTHING"
    )
    names = _column_list(columns)
    return (
        f"INSERT INTO {table.sql()} ({names}) SELECT {names} FROM {temp(stage)}"
        f" ON CONFLICT ({_column_list(keys)}) {action}"
    )


def mark_deleted(table: Table, stage: str, keys: Sequence[ColumnSpec], document: str) -> str:
    """Soft deletes: replace the document of each staged key with its deletion document, in one statement.

    Other columns keep their last values: a deletion document need not carry the fields they hold.
    """
    on = " AND ".join(f"r.{ident(k.name)} = d.{ident(k.name)}" for k in keys)
    return f"UPDATE {table.sql()} AS r SET {ident(document)} = d.{ident(document)} FROM {temp(stage)} AS d WHERE {on}"


def delete_staged(table: Table, stage: str, keys: Sequence[ColumnSpec]) -> str:
    """Delete every row whose key is staged for deletion, in one statement."""
    on = " AND ".join(f"r.{ident(k.name)} = d.{ident(k.name)}" for k in keys)
    return f"DELETE FROM {table.sql()} AS r USING {temp(stage)} AS d WHERE {on}"
