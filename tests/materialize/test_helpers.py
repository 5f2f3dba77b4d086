"""Constraints, field selection, type mapping, resource annotations and packed-key decoding."""

from __future__ import annotations

import base64
import struct
from typing import Any

import pytest

from flow_sdk.errors import ConfigError
from flow_sdk.materialize import (
    ExistingColumn,
    TypeMapper,
    columns,
    field_type,
    projection_constraints,
    resource_config_schema,
    resource_path,
)
from flow_sdk.materialize.packed import unpack, unpack_b64

from .helpers import collection, projection

TYPES = TypeMapper(
    {"string": "TEXT", "integer": "BIGINT", "number": "DOUBLE", "object": "JSON"}, formats={"date-time": "TIMESTAMPTZ"}
)


def by_field(constraints: list[dict[str, Any]]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for c in constraints:
        out.setdefault(c["field"], []).append(c["constraint"]["type"])
    return out


def test_constraint_rules() -> None:
    coll = collection(
        extra=[
            projection("tags", "/tags", ["array"]),
            projection("at", "/at", ["string"], must=False),
        ]
    )
    coll["projections"][-1]["inference"]["string"] = {"format": "date-time"}
    got = projection_constraints(coll, type_map=TYPES, destination="TestDB")
    assert by_field(got) == {
        "id": ["FIELD_REQUIRED"],
        "name": ["FIELD_OPTIONAL"],
        "flow_document": ["FIELD_REQUIRED"],
        "tags": ["FIELD_FORBIDDEN"],
        "at": ["FIELD_OPTIONAL"],
    }
    reasons = {c["field"]: c["constraint"]["reason"] for c in got}
    assert "array" in reasons["tags"] and "TestDB can't store" in reasons["tags"]
    assert "TIMESTAMPTZ" in reasons["at"]


def test_document_optional_when_not_stored_and_values_forbidden() -> None:
    got = by_field(
        projection_constraints(
            collection(), type_map=TYPES, destination="X", stores_document=False, values_allowed=False
        )
    )
    assert got == {"id": ["FIELD_REQUIRED"], "name": ["FIELD_FORBIDDEN"], "flow_document": ["FIELD_OPTIONAL"]}


def test_group_by_overrides_primary_key() -> None:
    got = by_field(projection_constraints(collection(), type_map=TYPES, destination="X", group_by=["name"]))
    assert got["name"] == ["FIELD_REQUIRED"]
    assert got["id"] == ["FIELD_OPTIONAL"]


def test_incompatible_existing_columns() -> None:
    existing = {
        "id": ExistingColumn("TEXT"),
        "name": ExistingColumn("TEXT", nullable=False),
        "flow_document": ExistingColumn("JSON"),
    }
    coll = collection()
    coll["projections"][1]["inference"].pop("exists")  # name may now be missing: nullable
    got = projection_constraints(coll, type_map=TYPES, destination="X", existing=existing)
    assert by_field(got) == {
        "id": ["FIELD_REQUIRED", "INCOMPATIBLE"],
        "name": ["FIELD_OPTIONAL", "INCOMPATIBLE"],
        "flow_document": ["FIELD_REQUIRED"],
    }
    reason = next(c["constraint"]["reason"] for c in got if c["constraint"]["type"] == "INCOMPATIBLE")
    assert "BIGINT" in reason and "TEXT" in reason and "backfill" in reason


def test_field_types() -> None:
    assert field_type(projection("a", "/a", ["integer", "number", "null"])).json_type == "number"
    assert field_type(projection("a", "/a", ["integer", "number", "null"])).nullable
    assert field_type(projection("a", "/a", ["string", "integer"])).json_type == "multiple"
    assert not field_type(projection("a", "/a", ["string"])).nullable
    assert field_type(projection("a", "/a", ["string"], must=False)).nullable


def test_columns_follow_selection_order() -> None:
    coll = collection(extra=[projection("zeta", "/zeta", ["string"])])
    cols = columns({"keys": ["id"], "values": ["name", "zeta"], "document": "flow_document"}, coll)
    assert [(c.field, c.role) for c in cols] == [
        ("id", "key"),
        ("name", "value"),
        ("zeta", "value"),
        ("flow_document", "document"),
    ]
    with pytest.raises(ConfigError, match="no projection"):
        columns({"keys": ["missing"]}, coll)


def test_resource_annotations() -> None:
    schema = resource_config_schema(
        {"table": {"type": "string"}, "schema": {"type": "string"}, "delta": {"type": "boolean"}},
        collection_name="table",
        schema_name="schema",
        delta_updates="delta",
    )
    assert schema["properties"]["table"]["x-collection-name"] is True
    assert schema["properties"]["schema"]["x-schema-name"] is True
    assert schema["properties"]["delta"]["x-delta-updates"] is True
    assert schema["required"] == ["table"]
    assert resource_path({"table": "t", "schema": "s"}, schema) == ["s", "t"]
    assert resource_path({"table": "t"}, schema) == ["t"]
    with pytest.raises(ConfigError):
        resource_path({}, schema)


def _double(value: float) -> bytes:
    raw = bytearray(struct.pack(">d", value))
    if raw[0] & 0x80:
        return bytes(b ^ 0xFF for b in raw)
    raw[0] ^= 0x80
    return bytes(raw)


def test_unpack_tuple() -> None:
    data = (
        b"\x15\x2a"
        + b"\x13\xfe"
        + b"\x14"
        + b"\x02h\x00\xffi\x00"
        + b"\x27\x26\x00"
        + b"\x21"
        + _double(-2.5)
        + b"\x21"
        + _double(3.25)
        + b"\x01[1,2]\x00"
        + b"\x16\x01\x00"
    )
    assert unpack(data) == [42, -1, 0, "h\x00i", True, False, None, -2.5, 3.25, [1, 2], 256]
    assert unpack_b64(base64.b64encode(b"\x02hi\x00").decode()) == ["hi"]
