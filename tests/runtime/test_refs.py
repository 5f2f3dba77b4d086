"""The one `$ref` resolver of collection schemas: pointers, anchors, `$id`s and external schemas."""

from __future__ import annotations

from typing import Any

from flow_sdk.runtime.schema.refs import ROOT_URI, SchemaIndex, join_uri

SCHEMA: dict[str, Any] = {
    "$id": "https://example.com/a/root.json",
    "$defs": {
        "nested": {
            "$id": "b/nested.json",
            "$defs": {"leaf": {"$anchor": "leaf", "type": "string"}},
        },
        "with space": {"type": "integer"},
    },
    "properties": {
        # A property named like a literal-valued keyword is still a schema: its anchor counts.
        "enum": {"$anchor": "enumProp", "type": "boolean"},
        "x": {"const": {"$anchor": "notASchema"}},
    },
}


def test_relative_ids_anchors_and_pointers_resolve_against_their_base() -> None:
    index = SchemaIndex(SCHEMA)
    assert index.root_uri == "https://example.com/a/root.json"

    nested = index.resolve("b/nested.json", index.root_uri)
    assert nested is not None and nested.enclosing == index.root_uri
    inside = index.base_of(nested.schema, nested.enclosing)
    assert inside == "https://example.com/a/b/nested.json"
    # Inside the nested resource, refs resolve against its own `$id`.
    leaf = index.resolve("#leaf", inside)
    assert leaf is not None and leaf.schema == {"$anchor": "leaf", "type": "string"}
    assert leaf.enclosing == inside
    by_pointer = index.resolve("b/nested.json#/$defs/leaf", index.root_uri)
    assert by_pointer is not None and (by_pointer.schema, by_pointer.enclosing) == (leaf.schema, inside)
    back = index.resolve("../root.json#/$defs/with%20space", inside)
    assert back is not None and back.schema == {"type": "integer"}

    enum_prop = index.resolve("#enumProp", index.root_uri)
    assert enum_prop is not None and enum_prop.schema["type"] == "boolean"
    assert index.resolve("#notASchema", index.root_uri) is None  # inside a `const` value


def test_external_schemas_and_what_does_not_resolve() -> None:
    external = {"flow://write-schema": {"type": "object", "$defs": {"k": {"$anchor": "k"}}}}
    index = SchemaIndex({"$ref": "flow://write-schema"}, external)
    assert index.root_uri == ROOT_URI
    found = index.resolve("flow://write-schema", ROOT_URI)
    assert found is not None and found.schema["type"] == "object"
    assert index.resolve("flow://write-schema#k", ROOT_URI) is not None
    assert index.resolve("https://example.com/elsewhere.json", ROOT_URI) is None
    assert index.resolve("#/no/such/place", ROOT_URI) is None
    assert index.resolve("#missingAnchor", ROOT_URI) is None


def test_join_uri_keeps_unusual_schemes() -> None:
    assert join_uri("flow://collection/a/b.json", "../c.json") == "flow://collection/c.json"
    assert join_uri("flow://schema", "#/$defs/x") == "flow://schema#/$defs/x"
    assert join_uri("https://example.com/a/b.json", "urn:other") == "urn:other"
