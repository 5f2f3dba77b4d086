"""Projections to PostgreSQL column types, and which existing column types a new type can evolve from.

Type names are PostgreSQL's canonical spelling (what `format_type()` prints), so a column read back
from the catalog compares equal to the type this module maps a projection to.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from flow_sdk.materialize import Column, ExistingColumn, field_type

BIGINT = "bigint"
NUMERIC = "numeric"
DOUBLE = "double precision"
BOOLEAN = "boolean"
TEXT = "text"
JSONB = "jsonb"
BYTEA = "bytea"
TIMESTAMPTZ = "timestamp with time zone"
DATE = "date"
TIME = "time without time zone"
UUID = "uuid"

STRING_FORMATS = {
    "date-time": TIMESTAMPTZ,
    "date": DATE,
    "time": TIME,
    "uuid": UUID,
    "integer": NUMERIC,
    "number": NUMERIC,
}
_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1

# (existing type, new type) -> a USING expression (`{col}` is the quoted column) for ALTER COLUMN TYPE.
# Only conversions that keep every existing value: a field's schema may widen, never narrow.
WIDENINGS: dict[tuple[str, str], str] = {
    (BIGINT, NUMERIC): "{col}::numeric",
    (BIGINT, DOUBLE): "{col}::double precision",
    (DOUBLE, NUMERIC): "{col}::numeric",
    (TIMESTAMPTZ, TEXT): "to_char({col} AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')",
    (DATE, TEXT): "{col}::text",
    (UUID, TEXT): "{col}::text",
    (NUMERIC, TEXT): "{col}::text",
    **{(old, JSONB): "to_jsonb({col})" for old in (BIGINT, NUMERIC, DOUBLE, BOOLEAN, TEXT, DATE, UUID)},
}


def _integer_type(inference: Mapping[str, Any]) -> str:
    numeric = inference.get("numeric") or {}
    for has, bound in (("hasMinimum", "minimum"), ("hasMaximum", "maximum")):
        if numeric.get(has) and not _INT64_MIN <= float(numeric.get(bound, 0)) <= _INT64_MAX:
            return NUMERIC
    return BIGINT


def pg_type(projection: Mapping[str, Any]) -> str | None:
    """The column type of a projection (None: not storable, e.g. a location that is always null)."""
    if projection.get("ptr", "") == "":
        return JSONB
    ft = field_type(projection)
    t = ft.json_type
    if t == "integer":
        return _integer_type(projection.get("inference") or {})
    if t == "number":
        return DOUBLE
    if t == "boolean":
        return BOOLEAN
    if t == "string":
        if ft.content_encoding == "base64":
            return BYTEA
        return STRING_FORMATS.get(ft.format or "", TEXT)
    if t in ("object", "array", "multiple"):
        return JSONB
    return None


def compatible(projection: Mapping[str, Any], new_type: str, existing: ExistingColumn) -> bool:
    """Whether an existing column can hold the projection: same type, or a type Apply can widen it from.

    Nullability never makes a column incompatible: Apply drops NOT NULL when a field becomes optional.
    """
    return existing.type == new_type or (existing.type, new_type) in WIDENINGS


@dataclass(frozen=True, slots=True)
class ColumnSpec:
    """One destination column of a binding, in Store order (keys, values, document)."""

    name: str
    type: str
    nullable: bool
    role: str  # "key" | "value" | "document"
    json_type: str  # the projection's JSON type, which picks the COPY encoder

    @property
    def is_key(self) -> bool:
        """Whether the column is part of the table's primary key."""
        return self.role == "key"


def column_specs(columns: Sequence[Column]) -> list[ColumnSpec]:
    """The destination columns of a binding's selected fields (unmappable fields become JSONB)."""
    out = []
    for c in columns:
        t = pg_type(c.projection) or JSONB
        nullable = c.role == "value" and (c.type.nullable or not c.type.must_exist)
        out.append(ColumnSpec(c.field, t, nullable, c.role, c.type.json_type))
    return out
