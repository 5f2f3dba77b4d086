"""Schema -> Shape: reduce a JSON schema to the shape of its root location, as Flow's `doc::Shape` does.

`allOf` and `$ref` intersect, `anyOf`/`oneOf` union their branches, `if/then/else` unions the
branches; `not` and `dependentSchemas` are ignored, as Flow ignores them. References resolve
through `flow_sdk.runtime.schema.refs` (the same resolver reductions use); one that names no
known schema is a `ProjectionError`. A recursive reference stops expanding where it recurs.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import Any

from flow_sdk.errors import ProjectionError
from flow_sdk.runtime.schema.refs import SchemaIndex, unresolved
from flow_sdk.runtime.schema.shape import (
    ANY,
    INVALID,
    TYPE_BITS,
    ObjProperty,
    Shape,
    compile_regex,
    enum_types,
    filter_enum,
    intersect,
    sorted_enum,
    union,
)

JSON = Any
_Sub = Callable[[JSON], Shape]


def infer_shape(schema: JSON, external: Mapping[str, JSON] | None = None) -> Shape:
    """The Shape of a JSON schema document's root; `external` maps URIs to further schemas it may `$ref`."""
    index = SchemaIndex(schema, external)
    return _Inferrer(index).infer(schema, index.root_uri)


class _Inferrer:
    """Infers shapes of the sub-schemas of one indexed document, tracking the `$ref`s being expanded."""

    def __init__(self, index: SchemaIndex) -> None:
        self.index = index
        self.visited: list[str] = []

    def infer(self, schema: JSON, base: str) -> Shape:
        """Shape of one (sub-)schema, written where base URI `base` is in effect."""
        if schema is True or schema == {}:
            return Shape()
        if schema is False:
            return Shape(type_=INVALID)
        if not isinstance(schema, dict):
            return Shape()
        base = self.index.base_of(schema, base)

        def sub(node: JSON) -> Shape:
            return self.infer(node, base)

        shape = Shape()
        _scalar_facets(schema, shape)
        _annotations(schema, shape)
        _array_facets(schema, shape, sub)
        _object_facets(schema, shape, sub)
        unevaluated_props = sub(schema["unevaluatedProperties"]) if "unevaluatedProperties" in schema else None
        unevaluated_items = sub(schema["unevaluatedItems"]) if "unevaluatedItems" in schema else None
        if shape.enum is not None:
            shape.enum = filter_enum(shape.type_, shape.enum)
            shape.type_ &= enum_types(shape.enum)

        for keyword in ("$ref", "$dynamicRef"):  # Both followed statically, as reductions follow them.
            ref = schema.get(keyword)
            if isinstance(ref, str):
                shape = intersect(shape, self.referent(ref, base))
        shape = _applicators(schema, shape, sub)

        # Unevaluated keywords act like additional ones where nothing more specific applies.
        if unevaluated_props is not None and shape.object.additional is None:
            shape.object.additional = unevaluated_props
        if unevaluated_items is not None and shape.array.additional is None:
            shape.array.additional = unevaluated_items
        return shape

    def referent(self, ref: str, base: str) -> Shape:
        """Shape of the schema `ref` names; unconstrained where the reference recurs."""
        found = self.index.resolve(ref, base)
        if found is None:
            raise ProjectionError(unresolved(ref, base))
        if found.uri in self.visited:
            return Shape()
        self.visited.append(found.uri)
        try:
            return self.infer(found.schema, found.enclosing)
        finally:
            self.visited.pop()


def _scalar_facets(schema: dict[str, JSON], shape: Shape) -> None:
    """Types, enum, string lengths and numeric bounds."""
    type_ = schema.get("type")
    if isinstance(type_, str):
        shape.type_ = TYPE_BITS.get(type_, ANY)
    elif isinstance(type_, list):
        shape.type_ = 0
        for name in type_:
            shape.type_ |= TYPE_BITS.get(name, 0) if isinstance(name, str) else 0
    if "const" in schema:
        shape.enum = [schema["const"]]
    elif isinstance(schema.get("enum"), list):
        shape.enum = sorted_enum(schema["enum"])
    if isinstance(schema.get("maxLength"), int):
        shape.string.max_length = schema["maxLength"]
    if isinstance(schema.get("minLength"), int):
        shape.string.min_length = schema["minLength"]
    for key in ("minimum", "maximum"):
        value = schema.get(key)
        if isinstance(value, int | float) and not isinstance(value, bool):
            setattr(shape.numeric, key, value)


def _strategy(value: JSON) -> str | None:
    """The strategy of a `reduce` or `redact` annotation, when it names one."""
    if isinstance(value, dict) and isinstance(value.get("strategy"), str):
        return str(value["strategy"])
    return None


def _annotations(schema: dict[str, JSON], shape: Shape) -> None:
    """Reduce/redact strategies, titles, defaults, string content facets and secrets."""
    shape.reduce = _strategy(schema.get("reduce"))
    shape.redact = _strategy(schema.get("redact"))
    if isinstance(schema.get("title"), str):
        shape.title = schema["title"]
    if isinstance(schema.get("description"), str):
        shape.description = schema["description"]
    if "default" in schema:
        shape.default = (schema["default"],)
    if isinstance(schema.get("contentEncoding"), str):
        shape.string.content_encoding = schema["contentEncoding"]
    if isinstance(schema.get("contentMediaType"), str):
        shape.string.content_type = schema["contentMediaType"]
    if isinstance(schema.get("format"), str):
        shape.string.format = schema["format"]
    for key in ("secret", "airbyte_secret"):
        if isinstance(schema.get(key), bool):
            shape.secret = schema[key]


def _array_facets(schema: dict[str, JSON], shape: Shape, sub: _Sub) -> None:
    """Item counts, tuple items (`prefixItems`, or draft-2019 `items` arrays) and additional items."""
    if isinstance(schema.get("minItems"), int):
        shape.array.min_items = schema["minItems"]
    if isinstance(schema.get("maxItems"), int):
        shape.array.max_items = schema["maxItems"]
    items = schema.get("items")
    prefix = schema.get("prefixItems")
    if isinstance(prefix, list):
        shape.array.tuple = [sub(s) for s in prefix]
        if items is not None:
            shape.array.additional = sub(items)
    elif isinstance(items, list):
        shape.array.tuple = [sub(s) for s in items]
        if "additionalItems" in schema:
            shape.array.additional = sub(schema["additionalItems"])
    elif items is not None:
        shape.array.additional = sub(items)


def _object_facets(schema: dict[str, JSON], shape: Shape, sub: _Sub) -> None:
    """Properties (required ones marked), pattern properties and additional properties."""
    properties = schema.get("properties")
    if isinstance(properties, dict):
        shape.object.properties = [ObjProperty(name, False, sub(s)) for name, s in sorted(properties.items())]
    required = schema.get("required")
    if isinstance(required, list):
        names = {p.name: p for p in shape.object.properties}
        for name in required:
            if not isinstance(name, str):
                continue
            if name in names:
                names[name].required = True
            else:
                names[name] = ObjProperty(name, True, Shape())
        shape.object.properties = sorted(names.values(), key=lambda p: p.name)
    patterns = schema.get("patternProperties")
    if isinstance(patterns, dict):
        shape.object.patterns = [(p, sub(s)) for p, s in sorted(patterns.items())]
    if "additionalProperties" in schema:
        shape.object.additional = sub(schema["additionalProperties"])
    # Named properties must also satisfy the patterns they match.
    for prop in shape.object.properties:
        for pattern, pshape in shape.object.patterns:
            if compile_regex(pattern).search(prop.name):
                prop.shape = intersect(prop.shape, pshape)


def _applicators(schema: dict[str, JSON], shape: Shape, sub: _Sub) -> Shape:
    """Intersect `allOf`, the unions of `anyOf`/`oneOf`, and the union of `then`/`else`."""
    for sub_schema in _list(schema.get("allOf")):
        shape = intersect(shape, sub(sub_schema))
    for keyword in ("anyOf", "oneOf"):
        branches = [sub(s) for s in _list(schema.get(keyword))]
        if branches:
            shape = intersect(shape, functools.reduce(union, branches))
    if "if" in schema and ("then" in schema or "else" in schema):
        then_ = sub(schema["then"]) if "then" in schema else Shape()
        else_ = sub(schema["else"]) if "else" in schema else Shape()
        shape = intersect(shape, union(then_, else_))
    return shape


def _list(value: JSON) -> list[JSON]:
    """The value when it is a list, else empty."""
    return value if isinstance(value, list) else []
