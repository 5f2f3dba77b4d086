"""Projections built from collection schemas, compared with what Flow builds."""

from __future__ import annotations

from typing import Any

import pytest

from flow_sdk.errors import ProjectionError
from flow_sdk.runtime.schema.infer import infer_shape
from flow_sdk.runtime.schema.projections import (
    ExplicitProjection,
    build_projections,
    key_problems,
    locate,
)
from flow_sdk.runtime.schema.shape import type_names

ORDERS: dict[str, Any] = {
    "type": "object",
    "required": ["id", "customer", "total"],
    "properties": {
        "id": {"type": "string", "format": "uuid"},
        "customer": {
            "type": "object",
            "required": ["id"],
            "properties": {
                "id": {"type": "integer", "minimum": 1},
                "address": {
                    "type": "object",
                    "required": ["city"],
                    "properties": {"city": {"type": "string"}},
                },
                "api_key": {"type": "string", "secret": True},
                "legacy_token": {"type": "string", "airbyte_secret": True},
            },
        },
        "total": {"type": "number", "minimum": 0, "maximum": 1e6, "reduce": {"strategy": "sum"}},
        "note": {
            "type": ["string", "null"],
            "title": "Note",
            "description": "Free text",
            "default": None,
            "maxLength": 500,
            "contentEncoding": "base64",
            "contentMediaType": "text/plain",
        },
        "tags": {"type": "array", "items": {"type": "string"}, "maxItems": 3},
        "attrs": {"type": "object", "additionalProperties": {"type": "string"}},
    },
    "patternProperties": {"^x-": {"type": "string"}},
}


def by_field(projections: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Index projections by field name."""
    return {p["field"]: p for p in projections}


def test_fields_are_sorted_and_nested_fields_named_by_pointer() -> None:
    projections = build_projections(ORDERS, ["/id"])
    fields = [p["field"] for p in projections]
    assert fields == sorted(fields)
    assert fields == [
        "attrs",
        "customer",
        "customer/address",
        "customer/address/city",
        "customer/api_key",
        "customer/id",
        "customer/legacy_token",
        "flow_document",
        "flow_published_at",
        "id",
        "note",
        "tags",
        "total",
    ]
    # Pattern and additional properties get no projections of their own.
    assert not any(f.startswith("x-") or f.startswith("attrs/") for f in fields)


def test_key_is_primary_and_must_exist() -> None:
    projections = by_field(build_projections(ORDERS, ["/id"]))
    assert projections["id"] == {
        "ptr": "/id",
        "field": "id",
        "isPrimaryKey": True,
        "inference": {"types": ["string"], "string": {"format": "uuid"}, "exists": "MUST"},
    }
    assert "isPrimaryKey" not in projections["customer/id"]


def test_exists_follows_required_along_the_whole_path() -> None:
    projections = by_field(build_projections(ORDERS, ["/id"]))
    exists = {f: p["inference"]["exists"] for f, p in projections.items()}
    assert exists["customer"] == "MUST"
    assert exists["customer/id"] == "MUST"
    # `city` is required, but its parent `address` is optional.
    assert exists["customer/address"] == "MAY"
    assert exists["customer/address/city"] == "MAY"
    assert exists["note"] == "MAY"
    assert exists["flow_document"] == "MUST"


def test_a_nullable_parent_does_not_make_children_must() -> None:
    schema = {
        "type": "object",
        "required": ["a"],
        "properties": {"a": {"type": ["object", "null"], "required": ["b"], "properties": {"b": {"type": "string"}}}},
    }
    projections = by_field(build_projections(schema, ["/a/b"]))
    assert projections["a"]["inference"]["exists"] == "MUST"
    # Flow: a child must exist only when its parent can only be an object. A key is MUST anyway.
    _, exists = locate(infer_shape(schema), "/a/b")
    assert exists == "MAY"
    assert projections["a/b"]["inference"]["exists"] == "MUST"


def test_inference_details() -> None:
    projections = by_field(build_projections(ORDERS, ["/id"]))
    assert projections["note"]["inference"] == {
        "types": ["null", "string"],
        "string": {"contentType": "text/plain", "contentEncoding": "base64", "maxLength": 500},
        "title": "Note",
        "description": "Free text",
        "default": None,
        "exists": "MAY",
        "contentMediaType": "text/plain",
    }
    assert projections["total"]["inference"] == {
        "types": ["number"],
        "exists": "MUST",
        "numeric": {"hasMinimum": True, "hasMaximum": True, "maximum": 1000000.0},
        "reduce": "REDUCE_SUM",
    }
    assert projections["customer/id"]["inference"]["numeric"] == {"hasMinimum": True, "minimum": 1.0}
    assert projections["tags"]["inference"]["array"] == {"hasMaxItems": True, "maxItems": 3, "itemTypes": ["string"]}
    assert projections["customer/api_key"]["inference"]["secret"] is True
    assert projections["customer/legacy_token"]["inference"]["secret"] is True
    assert "secret" not in projections["customer/address/city"]["inference"]


def test_published_at_and_root_projections() -> None:
    projections = by_field(build_projections(ORDERS, ["/id"]))
    assert projections["flow_document"] == {
        "field": "flow_document",
        "inference": {"types": ["object"], "exists": "MUST"},
    }
    assert projections["flow_published_at"] == {
        "ptr": "/_meta/uuid",
        "field": "flow_published_at",
        "inference": {
            "types": ["string"],
            "string": {"format": "date-time", "contentEncoding": "uuid"},
            "title": "Flow Publication Time",
            "description": "Flow publication date-time of this document",
            "exists": "MUST",
        },
    }


def test_explicit_projections_and_partitions() -> None:
    explicit = [
        ExplicitProjection("city", "/customer/address/city"),
        ExplicitProjection("the_id", "/id", partition=True),
        ExplicitProjection("doc", ""),
        ExplicitProjection("published", "/_meta/uuid/date-time"),
    ]
    projections = by_field(build_projections(ORDERS, ["/id"], explicit))
    assert projections["city"]["explicit"] is True
    assert projections["city"]["ptr"] == "/customer/address/city"
    assert projections["the_id"] == {
        "ptr": "/id",
        "field": "the_id",
        "explicit": True,
        "isPartitionKey": True,
        "isPrimaryKey": True,
        "inference": {"types": ["string"], "string": {"format": "uuid"}, "exists": "MUST"},
    }
    # An explicit root projection replaces `flow_document`; likewise for the UUID timestamp.
    assert "flow_document" not in projections and projections["doc"].get("ptr", "") == ""
    assert "flow_published_at" not in projections
    assert projections["published"]["ptr"] == "/_meta/uuid"
    # Canonical fields are still there.
    assert projections["customer/address/city"]["ptr"] == "/customer/address/city"


def test_explicit_projection_cannot_remap_a_canonical_field() -> None:
    with pytest.raises(ProjectionError, match="re-maps the canonical field"):
        build_projections(ORDERS, ["/id"], [ExplicitProjection("total", "/note")])


def test_types_with_null_and_unions() -> None:
    schema = {
        "type": "object",
        "properties": {
            "a": {"anyOf": [{"type": "integer"}, {"type": "string", "format": "date"}]},
            "d": {"anyOf": [{"type": "string", "format": "date"}, {"type": "string", "format": "time"}]},
            "b": {"oneOf": [{"type": "object", "properties": {"c": {"type": "boolean"}}}, {"type": "null"}]},
            "n": {"type": ["integer", "number"]},
            "f": {"type": "string", "allOf": [{"maxLength": 10}, {"format": "email"}]},
            "e": {"enum": ["x", 1, None]},
        },
    }
    projections = by_field(build_projections(schema, ["/a"]))
    assert projections["a"]["inference"]["types"] == ["integer", "string"]
    # String facets come from the only branch that can be a string...
    assert projections["a"]["inference"]["string"] == {"format": "date"}
    # ...and are dropped where string branches disagree.
    assert projections["d"]["inference"]["string"] == {}
    assert projections["b"]["inference"]["types"] == ["null", "object"]
    assert projections["b/c"]["inference"]["types"] == ["boolean"]
    assert projections["n"]["inference"]["types"] == ["number"]
    assert projections["f"]["inference"]["string"] == {"format": "email", "maxLength": 10}
    assert projections["e"]["inference"]["types"] == ["integer", "null", "string"]
    assert projections["e"]["inference"]["enum"] == [None, 1, "x"]


def test_union_drops_properties_unconstrained_on_one_side() -> None:
    schema = {
        "type": "object",
        "properties": {
            "u": {
                "anyOf": [
                    {"type": "object", "properties": {"x": {"type": "string"}, "y": {"type": "integer"}}},
                    {
                        "type": "object",
                        "properties": {"x": {"type": "integer"}},
                        "additionalProperties": False,
                    },
                ]
            }
        },
    }
    projections = by_field(build_projections(schema, ["/u/x"]))
    assert projections["u/x"]["inference"]["types"] == ["integer", "string"]
    # `y` may be anything on one side but cannot exist on the other: it stays, as the first side's.
    assert projections["u/y"]["inference"]["types"] == ["integer"]


def test_refs_defs_and_definitions() -> None:
    schema = {
        "$defs": {"money": {"type": "number", "title": "Money"}},
        "definitions": {"who": {"type": "object", "required": ["name"], "properties": {"name": {"type": "string"}}}},
        "type": "object",
        "required": ["price", "buyer"],
        "properties": {
            "price": {"$ref": "#/$defs/money"},
            "buyer": {"$ref": "#/definitions/who", "description": "who bought"},
            "anchored": {"$ref": "#thing"},
        },
        "allOf": [{"properties": {"extra": {"$anchor": "thing", "type": "boolean"}}}],
    }
    projections = by_field(build_projections(schema, ["/price"]))
    assert projections["price"]["inference"]["title"] == "Money"
    assert projections["buyer"]["inference"]["description"] == "who bought"
    assert projections["buyer/name"]["inference"]["exists"] == "MUST"
    assert projections["anchored"]["inference"]["types"] == ["boolean"]
    assert projections["extra"]["inference"]["types"] == ["boolean"]


def test_bundled_ids_and_write_schema_reference() -> None:
    write = {"type": "object", "required": ["id"], "properties": {"id": {"type": "integer"}}}
    read = {
        "$defs": {"flow://write-schema": {**write, "$id": "flow://write-schema"}},
        "allOf": [{"$ref": "flow://write-schema"}],
        "properties": {"extra": {"type": "string"}},
    }
    projections = by_field(build_projections(read, ["/id"]))
    assert projections["id"]["inference"]["types"] == ["integer"]
    assert projections["extra"]["inference"]["types"] == ["string"]


def test_recursive_schema_terminates() -> None:
    schema = {
        "$defs": {
            "node": {
                "type": "object",
                "properties": {"value": {"type": "integer"}, "next": {"$ref": "#/$defs/node"}},
            }
        },
        "type": "object",
        "required": ["id"],
        "properties": {"id": {"type": "string"}, "head": {"$ref": "#/$defs/node"}},
    }
    fields = [p["field"] for p in build_projections(schema, ["/id"])]
    assert "head/value" in fields and "head/next" in fields
    # The recursion is cut after one expansion, as in Flow.
    assert not any(f.startswith("head/next/") for f in fields)


def test_impossible_locations_cannot_exist() -> None:
    schema = {
        "type": "object",
        "properties": {"never": {"allOf": [{"type": "integer"}, {"type": "string"}]}, "nope": False},
    }
    projections = by_field(build_projections(schema, ["/never"]))
    assert projections["never"]["inference"]["exists"] == "CANNOT"
    assert "types" not in projections["never"]["inference"]
    assert projections["nope"]["inference"]["exists"] == "CANNOT"


def test_tuple_items_and_escaped_names() -> None:
    schema = {
        "type": "object",
        "properties": {
            "pair": {"type": "array", "items": [{"type": "string"}, {"type": "integer"}], "minItems": 2},
            "a/b~c": {"type": "string"},
        },
    }
    projections = by_field(build_projections(schema, ["/pair/0"]))
    assert projections["pair/1"]["inference"]["types"] == ["integer"]
    assert projections["pair/1"]["inference"]["exists"] == "MAY"  # `pair` itself is optional.
    assert projections["a~1b~0c"]["ptr"] == "/a~1b~0c"


def test_a_field_named_flow_document_does_not_clash() -> None:
    schema = {"type": "object", "properties": {"flow_document": {"type": "string"}, "k": {"type": "string"}}}
    projections = by_field(build_projections(schema, ["/k"]))
    assert projections["flow_document"].get("ptr", "") == ""


def test_key_problems() -> None:
    assert key_problems(ORDERS, ["/id", "/customer/id"]) == []
    problems = key_problems(ORDERS, ["/customer", "/tags/9", "/x"])
    assert problems[0] == "key location '/customer' may be an object or array, which cannot be a key"
    assert problems[1] == "key location '/tags/9' cannot exist in the schema"  # Beyond maxItems.
    # An undeclared property may hold anything, objects included.
    assert problems[2] == "key location '/x' may be an object or array, which cannot be a key"
    assert len(problems) == 3


def test_type_names_order() -> None:
    assert type_names(0b1111111) == ["array", "boolean", "null", "number", "object", "string"]
