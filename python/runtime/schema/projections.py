"""Build the projections Flow derives for a collection, from its JSON schema and key.

The schema is first reduced to a *shape* (the types, annotations and nested locations a
document may take), following the rules of Flow's `doc::Shape` inference: `allOf` and `$ref`
intersect, `anyOf`/`oneOf` union, `if/then/else` unions the branches. Locations are then
enumerated and turned into `Projection` dicts in Flow JSON form, sorted on field, with the
implicit `flow_document` (root) and `flow_published_at` (UUID timestamp) projections.

Known divergences from Flow (kept small on purpose):

* Only references resolvable within the schema document are followed: JSON-pointer
  fragments, `$id`-named sub-schemas (as in Flow's bundled schemas) and `$anchor`s. Other
  references (remote URLs) are treated as "anything". `flow://write-schema` may be supplied
  through `external`.
* Key locations get `exists: MUST` even when the schema does not require them; Flow would
  reject such a catalog instead (see `key_problems`).
* `not` and `dependentSchemas`/`dependencies` are ignored, as Flow ignores `not`.
* `array.itemTypes` is reported only when the schema constrains items; regex patterns are
  matched with Python's `re`, not Rust's `regex`.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import urldefrag, urljoin

from flow_sdk import json_pointer
from flow_sdk.errors import ProjectionError
from flow_sdk.json_pointer import escape as escape_token
from flow_sdk.json_pointer import parse as parse_pointer

JSON = Any

# Type bits, mirroring Flow's `json::schema::types` set.
ARRAY = 1
BOOLEAN = 2
FRACTIONAL = 4
INTEGER = 8
NULL = 16
OBJECT = 32
STRING = 64
NUMBER = INTEGER | FRACTIONAL
ANY = ARRAY | BOOLEAN | FRACTIONAL | INTEGER | NULL | OBJECT | STRING
INVALID = 0

_TYPE_BITS = {
    "array": ARRAY,
    "boolean": BOOLEAN,
    "fractional": FRACTIONAL,
    "integer": INTEGER,
    "null": NULL,
    "number": NUMBER,
    "object": OBJECT,
    "string": STRING,
}

FLOW_DOCUMENT = "flow_document"
FLOW_PUBLISHED_AT = "flow_published_at"
UUID_PTR = "/_meta/uuid"
# An explicit projection of this pointer means "the publication time inside the UUID".
UUID_DATE_TIME_PTR = "/_meta/uuid/date-time"

# Marks a reduction or redaction that differs between union branches.
MULTIPLE = "multiple"

_REDUCE_NAMES = {
    "append": "REDUCE_APPEND",
    "firstWriteWins": "REDUCE_FIRST_WRITE_WINS",
    "lastWriteWins": "REDUCE_LAST_WRITE_WINS",
    "maximize": "REDUCE_MAXIMIZE",
    "merge": "REDUCE_MERGE",
    "minimize": "REDUCE_MINIMIZE",
    "set": "REDUCE_SET",
    "sum": "REDUCE_SUM",
    "jsonSchemaMerge": "REDUCE_JSON_SCHEMA_MERGE",
    MULTIPLE: "REDUCE_MULTIPLE",
}
_REDACT_NAMES = {"block": "REDACT_BLOCK", "sha256": "REDACT_SHA256", MULTIPLE: "REDACT_MULTIPLE"}


def type_names(bits: int) -> list[str]:
    """Type names of a type set, in Flow's order (alphabetical, `number` after `null`)."""
    out: list[str] = []
    if bits & ARRAY:
        out.append("array")
    if bits & BOOLEAN:
        out.append("boolean")
    if bits & FRACTIONAL and not bits & INTEGER:
        out.append("fractional")
    if bits & INTEGER and not bits & FRACTIONAL:
        out.append("integer")
    if bits & NULL:
        out.append("null")
    if bits & NUMBER == NUMBER:
        out.append("number")
    if bits & OBJECT:
        out.append("object")
    if bits & STRING:
        out.append("string")
    return out


def _value_type(value: JSON) -> int:
    """The type bit of one JSON value (integral floats count as integers, as in Flow)."""
    if value is None:
        return NULL
    if isinstance(value, bool):
        return BOOLEAN
    if isinstance(value, int):
        return INTEGER
    if isinstance(value, float):
        return INTEGER if math.isfinite(value) and value.is_integer() else FRACTIONAL
    if isinstance(value, str):
        return STRING
    if isinstance(value, list):
        return ARRAY
    return OBJECT


def _compare_key(value: JSON) -> tuple[Any, ...]:
    """A sort key giving Flow's JSON value order: null < bool < number < string < array < object."""
    if value is None:
        return (0,)
    if isinstance(value, bool):
        return (1, value)
    if isinstance(value, int | float):
        return (2, value)
    if isinstance(value, str):
        return (3, value)
    if isinstance(value, list):
        return (4, [_compare_key(v) for v in value])
    return (5, sorted((k, _compare_key(v)) for k, v in value.items()))


# --------------------------------------------------------------------------------------
# Shapes


@dataclass
class StringShape:
    """String facets of a location."""

    content_encoding: str | None = None
    content_type: str | None = None
    format: str | None = None
    max_length: int | None = None
    min_length: int = 0


@dataclass
class NumericShape:
    """Numeric bounds of a location."""

    minimum: int | float | None = None
    maximum: int | float | None = None


@dataclass
class ArrayShape:
    """Array facets of a location: bounds, tuple items and additional items."""

    min_items: int = 0
    max_items: int | None = None
    tuple: list[Shape] = field(default_factory=list)
    additional: Shape | None = None


@dataclass
class ObjProperty:
    """A named property of an object location."""

    name: str
    required: bool
    shape: Shape


@dataclass
class ObjShape:
    """Object facets: named properties (sorted by name), patterns, additional properties."""

    properties: list[ObjProperty] = field(default_factory=list)
    patterns: list[tuple[str, Shape]] = field(default_factory=list)
    additional: Shape | None = None


@dataclass
class Shape:
    """What a document location may be, as far as its schema says."""

    type_: int = ANY
    enum: list[JSON] | None = None
    title: str | None = None
    description: str | None = None
    # A 1-tuple so that a `null` default is distinguishable from no default.
    default: tuple[JSON] | None = None
    secret: bool | None = None
    reduce: str | None = None
    redact: str | None = None
    string: StringShape = field(default_factory=StringShape)
    numeric: NumericShape = field(default_factory=NumericShape)
    array: ArrayShape = field(default_factory=ArrayShape)
    object: ObjShape = field(default_factory=ObjShape)


def _first(lhs: Any, rhs: Any) -> Any:
    """Option::or: the left value when set, else the right one."""
    return lhs if lhs is not None else rhs


def _same(lhs: Any, rhs: Any) -> Any:
    """Keep a value only when both sides agree on it."""
    return lhs if lhs == rhs else None


def _tight_max(lhs: int | float | None, rhs: int | float | None) -> int | float | None:
    """The smaller of two optional upper bounds (either may be absent)."""
    if lhs is None:
        return rhs
    if rhs is None:
        return lhs
    return min(lhs, rhs)


def _tight_min(lhs: int | float | None, rhs: int | float | None) -> int | float | None:
    """The larger of two optional lower bounds (either may be absent)."""
    if lhs is None:
        return rhs
    if rhs is None:
        return lhs
    return max(lhs, rhs)


def _loose_max(lhs: int | float | None, rhs: int | float | None) -> int | float | None:
    """The larger of two upper bounds; unbounded when either is."""
    return None if lhs is None or rhs is None else max(lhs, rhs)


def _loose_min(lhs: int | float | None, rhs: int | float | None) -> int | float | None:
    """The smaller of two lower bounds; unbounded when either is."""
    return None if lhs is None or rhs is None else min(lhs, rhs)


def _int_or_none(value: int | float | None) -> int | None:
    """Coerce an optional bound back to int (lengths and item counts are integral)."""
    return None if value is None else int(value)


def _filter_enum(type_: int, values: list[JSON]) -> list[JSON]:
    """Enum variants that the type set admits."""
    return [v for v in values if _value_type(v) & type_]


def _enum_types(values: list[JSON]) -> int:
    """Type set of an enum's variants."""
    bits = 0
    for v in values:
        bits |= _value_type(v)
    return bits


def _impute(name: str, obj: ObjShape) -> Shape | None:
    """The shape a property would take on a side that does not name it (None: unconstrained)."""
    for pattern, shape in obj.patterns:
        if _regex(pattern).search(name):
            return shape
    return obj.additional


@functools.lru_cache(maxsize=256)
def _regex(pattern: str) -> re.Pattern[str]:
    """Compile a schema regex, falling back to a never-matching one when Python rejects it."""
    try:
        return re.compile(pattern)
    except re.error:
        return re.compile(r"(?!x)x")


def intersect(lhs: Shape, rhs: Shape) -> Shape:
    """Shape of a location constrained by both sides (JSON Schema `allOf`)."""
    type_ = lhs.type_ & rhs.type_
    enum: list[JSON] | None
    if lhs.enum is None and rhs.enum is None:
        enum = None
    elif lhs.enum is None or rhs.enum is None:
        enum = _filter_enum(type_, lhs.enum if lhs.enum is not None else rhs.enum or [])
    else:
        rkeys = {repr(_compare_key(v)) for v in rhs.enum}
        enum = _filter_enum(type_, [v for v in lhs.enum if repr(_compare_key(v)) in rkeys])
    if enum is not None:
        type_ &= _enum_types(enum)

    # Facets survive only where both sides allow the type.
    string = StringShape()
    if lhs.type_ & STRING and rhs.type_ & STRING:
        ls, rs = lhs.string, rhs.string
        string = StringShape(
            content_encoding=_first(ls.content_encoding, rs.content_encoding),
            content_type=_first(ls.content_type, rs.content_type),
            format=_first(ls.format, rs.format),
            max_length=_int_or_none(_tight_max(ls.max_length, rs.max_length)),
            min_length=max(ls.min_length, rs.min_length),
        )
    numeric = NumericShape()
    if lhs.type_ & NUMBER and rhs.type_ & NUMBER:
        numeric = NumericShape(
            minimum=_tight_min(lhs.numeric.minimum, rhs.numeric.minimum),
            maximum=_tight_max(lhs.numeric.maximum, rhs.numeric.maximum),
        )
    array = ArrayShape()
    if lhs.type_ & ARRAY and rhs.type_ & ARRAY:
        array = _intersect_array(lhs.array, rhs.array)
    obj = ObjShape()
    if lhs.type_ & OBJECT and rhs.type_ & OBJECT:
        obj = _intersect_object(lhs.object, rhs.object)

    return Shape(
        type_=type_,
        enum=enum,
        title=_first(lhs.title, rhs.title),
        description=_first(lhs.description, rhs.description),
        default=_first(lhs.default, rhs.default),
        secret=_first(lhs.secret, rhs.secret),
        reduce=_first(lhs.reduce, rhs.reduce),
        redact=_first(lhs.redact, rhs.redact),
        string=string,
        numeric=numeric,
        array=array,
        object=obj,
    )


def _intersect_optional(lhs: Shape | None, rhs: Shape | None) -> Shape | None:
    """Intersect two optional shapes where None means unconstrained."""
    if lhs is None:
        return rhs
    if rhs is None:
        return lhs
    return intersect(lhs, rhs)


def _intersect_array(lhs: ArrayShape, rhs: ArrayShape) -> ArrayShape:
    """Most restrictive combination of two array facets."""
    tuple_: list[Shape] = []
    for i in range(max(len(lhs.tuple), len(rhs.tuple))):
        left = lhs.tuple[i] if i < len(lhs.tuple) else lhs.additional
        right = rhs.tuple[i] if i < len(rhs.tuple) else rhs.additional
        merged = _intersect_optional(left, right)
        tuple_.append(merged if merged is not None else Shape())
    max_items = _tight_max(lhs.max_items, rhs.max_items)
    return ArrayShape(
        min_items=max(lhs.min_items, rhs.min_items),
        max_items=_int_or_none(max_items),
        tuple=tuple_,
        additional=_intersect_optional(lhs.additional, rhs.additional),
    )


def _intersect_object(lhs: ObjShape, rhs: ObjShape) -> ObjShape:
    """Most restrictive combination of two object facets (properties of both sides)."""
    left = {p.name: p for p in lhs.properties}
    right = {p.name: p for p in rhs.properties}
    props: list[ObjProperty] = []
    for name in sorted(left.keys() | right.keys()):
        lp, rp = left.get(name), right.get(name)
        if lp is not None and rp is not None:
            props.append(ObjProperty(name, lp.required or rp.required, intersect(lp.shape, rp.shape)))
        elif lp is not None:
            other = _impute(name, rhs)
            props.append(replace(lp, shape=lp.shape if other is None else intersect(lp.shape, other)))
        elif rp is not None:
            other = _impute(name, lhs)
            props.append(replace(rp, shape=rp.shape if other is None else intersect(other, rp.shape)))
    patterns = dict(lhs.patterns)
    for pattern, shape in rhs.patterns:
        patterns[pattern] = intersect(patterns[pattern], shape) if pattern in patterns else shape
    return ObjShape(
        properties=props,
        patterns=sorted(patterns.items()),
        additional=_intersect_optional(lhs.additional, rhs.additional),
    )


def union(lhs: Shape, rhs: Shape) -> Shape:
    """Shape of a location that satisfies either side (JSON Schema `anyOf`/`oneOf`)."""
    if lhs.type_ == INVALID:
        return rhs
    if rhs.type_ == INVALID:
        return lhs

    enum: list[JSON] | None = None
    if lhs.enum is not None and rhs.enum is not None:
        merged = {repr(_compare_key(v)): v for v in [*lhs.enum, *rhs.enum]}
        enum = sorted(merged.values(), key=_compare_key)

    def pick(lt: int, rt: int, lv: Any, rv: Any, join: Callable[[Any, Any], Any]) -> Any:
        if lhs.type_ & lt and rhs.type_ & rt:
            return join(lv, rv)
        return lv if lhs.type_ & lt else rv

    string = pick(STRING, STRING, lhs.string, rhs.string, _union_string)
    numeric = pick(
        NUMBER,
        NUMBER,
        lhs.numeric,
        rhs.numeric,
        lambda a, b: NumericShape(_loose_min(a.minimum, b.minimum), _loose_max(a.maximum, b.maximum)),
    )
    array = pick(ARRAY, ARRAY, lhs.array, rhs.array, _union_array)
    obj = pick(OBJECT, OBJECT, lhs.object, rhs.object, _union_object)

    return Shape(
        type_=lhs.type_ | rhs.type_,
        enum=enum,
        title=_same(lhs.title, rhs.title),
        description=_same(lhs.description, rhs.description),
        default=_same(lhs.default, rhs.default),
        secret=_same(lhs.secret, rhs.secret),
        reduce=_union_marker(lhs.reduce, rhs.reduce),
        redact=_union_marker(lhs.redact, rhs.redact),
        string=string,
        numeric=numeric,
        array=array,
        object=obj,
    )


def _union_marker(lhs: str | None, rhs: str | None) -> str | None:
    """Union of reduce/redact strategies: unset wins, differing strategies are `multiple`."""
    if lhs == rhs:
        return lhs
    if lhs is None or rhs is None:
        return None
    return MULTIPLE


def _union_string(lhs: StringShape, rhs: StringShape) -> StringShape:
    """Least restrictive combination of two string facets."""
    fmt = _same(lhs.format, rhs.format)
    if {lhs.format, rhs.format} == {"integer", "number"}:
        fmt = "number"
    max_length = _loose_max(lhs.max_length, rhs.max_length)
    return StringShape(
        content_encoding=_same(lhs.content_encoding, rhs.content_encoding),
        content_type=_same(lhs.content_type, rhs.content_type),
        format=fmt,
        max_length=_int_or_none(max_length),
        min_length=min(lhs.min_length, rhs.min_length),
    )


def _union_optional(lhs: Shape | None, rhs: Shape | None) -> Shape | None:
    """Union of two optional shapes where None means unconstrained."""
    if lhs is None or rhs is None:
        return None
    return union(lhs, rhs)


def _union_array(lhs: ArrayShape, rhs: ArrayShape) -> ArrayShape:
    """Least restrictive combination of two array facets."""
    tuple_: list[Shape] = []
    for i in range(max(len(lhs.tuple), len(rhs.tuple))):
        left = lhs.tuple[i] if i < len(lhs.tuple) else lhs.additional
        right = rhs.tuple[i] if i < len(rhs.tuple) else rhs.additional
        merged = _union_optional(left, right)
        if merged is None:
            break  # Items past the shorter, open-ended tuple are unconstrained.
        tuple_.append(merged)
    max_items = _loose_max(lhs.max_items, rhs.max_items)
    return ArrayShape(
        min_items=min(lhs.min_items, rhs.min_items),
        max_items=_int_or_none(max_items),
        tuple=tuple_,
        additional=_union_optional(lhs.additional, rhs.additional),
    )


def _union_object(lhs: ObjShape, rhs: ObjShape) -> ObjShape:
    """Least restrictive combination of two object facets."""
    left = {p.name: p for p in lhs.properties}
    right = {p.name: p for p in rhs.properties}
    props: list[ObjProperty] = []
    for name in sorted(left.keys() | right.keys()):
        lp, rp = left.get(name), right.get(name)
        if lp is not None and rp is not None:
            props.append(ObjProperty(name, lp.required and rp.required, union(lp.shape, rp.shape)))
            continue
        present = lp if lp is not None else rp
        assert present is not None
        other = _impute(name, rhs if lp is not None else lhs)
        if other is not None:  # A property unconstrained on one side is unconstrained overall.
            props.append(ObjProperty(name, False, union(present.shape, other)))
    rpatterns = dict(rhs.patterns)
    patterns: list[tuple[str, Shape]] = []
    for pattern, shape in lhs.patterns:
        if pattern in rpatterns:
            patterns.append((pattern, union(shape, rpatterns.pop(pattern))))
        elif rhs.additional is not None:
            patterns.append((pattern, union(shape, rhs.additional)))
    for pattern, shape in rpatterns.items():
        if lhs.additional is not None:
            patterns.append((pattern, union(lhs.additional, shape)))
    return ObjShape(
        properties=props,
        patterns=sorted(patterns, key=lambda p: p[0]),
        additional=_union_optional(lhs.additional, rhs.additional),
    )


# --------------------------------------------------------------------------------------
# Schema -> Shape


class SchemaIndex:
    """Resolves `$ref`s of one schema document: `$id`-named resources, anchors and pointers."""

    ROOT_URI = "flow://schema"

    def __init__(self, schema: JSON, external: Mapping[str, JSON] | None = None) -> None:
        self.resources: dict[str, JSON] = {}
        self.anchors: dict[str, JSON] = {}
        for uri, doc in (external or {}).items():
            self.resources[urldefrag(uri)[0]] = doc
            self._walk(doc, urldefrag(uri)[0])
        base = self.ROOT_URI
        if isinstance(schema, dict) and isinstance(schema.get("$id"), str):
            base = join_uri(self.ROOT_URI, schema["$id"])
        self.root_uri = urldefrag(base)[0]
        self.resources[self.root_uri] = schema
        self._walk(schema, self.root_uri)

    def _walk(self, node: JSON, base: str) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("$id"), str):
                base = urldefrag(join_uri(base, node["$id"]))[0]
                self.resources.setdefault(base, node)
            anchor = node.get("$anchor")
            if isinstance(anchor, str):
                self.anchors[f"{base}#{anchor}"] = node
            for key, value in node.items():
                if key in ("enum", "const", "default", "examples"):
                    continue  # Literal values, not sub-schemas.
                self._walk(value, base)
        elif isinstance(node, list):
            for item in node:
                self._walk(item, base)

    def base_of(self, node: JSON, base: str) -> str:
        """The base URI in effect inside `node`, given the enclosing base."""
        node_id = node.get("$id") if isinstance(node, dict) else None
        if isinstance(node_id, str):
            return str(urldefrag(join_uri(base, node_id))[0])
        return base

    def fetch(self, uri: str) -> JSON | None:
        """The schema a fully resolved URI names, or None."""
        doc_uri, fragment = urldefrag(uri)
        if uri in self.anchors:
            return self.anchors[uri]
        doc = self.resources.get(doc_uri)
        if doc is None:
            return None
        if not fragment:
            return doc
        if not fragment.startswith("/"):
            return self.anchors.get(f"{doc_uri}#{fragment}")
        found: JSON = json_pointer.lookup(doc, parse_pointer(_unquote(fragment)))
        return found


_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")


def join_uri(base: str, ref: str) -> str:
    """Resolve `ref` against `base`, for any scheme (urljoin ignores unknown ones like flow://)."""
    if _SCHEME.match(ref):
        return ref
    if ref.startswith("#"):
        return urldefrag(base)[0] + ref
    match = _SCHEME.match(base)
    if match is None:
        return urljoin(base, ref)
    # Borrow a scheme urljoin understands, then put the real one back.
    scheme = match.group(0)
    joined = urljoin("https:" + base[len(scheme) :], ref)
    return scheme + joined[len("https:") :]


def _unquote(fragment: str) -> str:
    """Percent-decode a URI fragment (JSON pointers in `$ref` are URI-encoded)."""
    from urllib.parse import unquote

    return unquote(fragment)


def infer_shape(schema: JSON, external: Mapping[str, JSON] | None = None) -> Shape:
    """Reduce a JSON schema document to the Shape of its root location."""
    index = SchemaIndex(schema, external)
    return _infer(schema, index.root_uri, index, [])


def _infer(schema: JSON, base: str, index: SchemaIndex, visited: list[str]) -> Shape:
    """Shape of one (sub-)schema; `visited` holds the `$ref`s being expanded, to stop recursion."""
    if schema is True or schema == {}:
        return Shape()
    if schema is False:
        return Shape(type_=INVALID)
    if not isinstance(schema, dict):
        return Shape()
    base = index.base_of(schema, base)
    shape = Shape()

    def sub(node: JSON) -> Shape:
        return _infer(node, base, index, visited)

    type_ = schema.get("type")
    if isinstance(type_, str):
        shape.type_ = _TYPE_BITS.get(type_, ANY)
    elif isinstance(type_, list):
        shape.type_ = 0
        for name in type_:
            shape.type_ |= _TYPE_BITS.get(name, 0) if isinstance(name, str) else 0

    if "const" in schema:
        shape.enum = [schema["const"]]
    elif isinstance(schema.get("enum"), list):
        shape.enum = sorted(schema["enum"], key=_compare_key)

    if isinstance(schema.get("maxLength"), int):
        shape.string.max_length = schema["maxLength"]
    if isinstance(schema.get("minLength"), int):
        shape.string.min_length = schema["minLength"]
    for key in ("minimum", "maximum"):
        value = schema.get(key)
        if isinstance(value, int | float) and not isinstance(value, bool):
            setattr(shape.numeric, key, value)

    reduce = schema.get("reduce")
    if isinstance(reduce, dict) and isinstance(reduce.get("strategy"), str):
        shape.reduce = reduce["strategy"]
    redact = schema.get("redact")
    if isinstance(redact, dict) and isinstance(redact.get("strategy"), str):
        shape.redact = redact["strategy"]
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
    unevaluated_props = sub(schema["unevaluatedProperties"]) if "unevaluatedProperties" in schema else None
    unevaluated_items = sub(schema["unevaluatedItems"]) if "unevaluatedItems" in schema else None

    # Named properties must also satisfy the patterns they match.
    for prop in shape.object.properties:
        for pattern, pshape in shape.object.patterns:
            if _regex(pattern).search(prop.name):
                prop.shape = intersect(prop.shape, pshape)

    if shape.enum is not None:
        shape.enum = _filter_enum(shape.type_, shape.enum)
        shape.type_ &= _enum_types(shape.enum)

    ref = schema.get("$ref")
    if isinstance(ref, str):
        uri = join_uri(base, ref)
        if uri in visited:
            referent = Shape()  # A recursive reference: stop expanding here.
        else:
            target = index.fetch(uri)
            if target is None:
                referent = Shape()
            else:
                visited.append(uri)
                referent = _infer(target, urldefrag(uri)[0], index, visited)
                visited.pop()
        shape = intersect(shape, referent)

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

    # Unevaluated keywords act like additional ones where nothing more specific applies.
    if unevaluated_props is not None and shape.object.additional is None:
        shape.object.additional = unevaluated_props
    if unevaluated_items is not None and shape.array.additional is None:
        shape.array.additional = unevaluated_items
    return shape


def _list(value: JSON) -> list[JSON]:
    """The value when it is a list, else empty."""
    return value if isinstance(value, list) else []


# --------------------------------------------------------------------------------------
# Pointers and locations

MUST = "MUST"
MAY = "MAY"
IMPLICIT = "IMPLICIT"
CANNOT = "CANNOT"
_EXISTS_RANK = {MUST: 0, MAY: 1, IMPLICIT: 2, CANNOT: 3}


def _extend(parent: str, child: str) -> str:
    """Existence of a child location given its parent's: the weaker of the two."""
    return parent if _EXISTS_RANK[parent] >= _EXISTS_RANK[child] else child


def _is_index(token: str) -> bool:
    """Whether a pointer token reads as an array index."""
    return token == "0" or (token.isdigit() and not token.startswith("0"))


def locate(shape: Shape, ptr: str) -> tuple[Shape, str]:
    """The shape at a pointer and whether it MUST, MAY, IMPLICIT(ly) or CANNOT exist."""
    exists = MUST
    for token in parse_pointer(ptr):
        shape, step = _locate_token(shape, token)
        exists = _extend(exists, step)
    if shape.type_ == INVALID:
        exists = CANNOT
    return shape, exists


def _locate_token(shape: Shape, token: str) -> tuple[Shape, str]:
    """Step into one token of a pointer."""
    if _is_index(token) and shape.type_ & ARRAY:
        index, arr = int(token), shape.array
        if shape.type_ == ARRAY and index < arr.min_items:
            exists = MUST
        elif arr.max_items is not None and index >= arr.max_items:
            exists = CANNOT
        elif arr.max_items is not None or index < len(arr.tuple) or arr.additional is not None:
            exists = MAY
        else:
            exists = IMPLICIT
        if index < len(arr.tuple):
            return arr.tuple[index], exists
        return (arr.additional or Shape()), exists
    if token == "-" and shape.type_ & ARRAY:
        return (shape.array.additional or Shape()), CANNOT
    if shape.type_ & OBJECT:
        for prop in shape.object.properties:
            if prop.name == token:
                return prop.shape, MUST if shape.type_ == OBJECT and prop.required else MAY
        for pattern, pshape in shape.object.patterns:
            if _regex(pattern).search(token):
                return pshape, MAY
        if shape.object.additional is not None:
            return shape.object.additional, MAY
        return Shape(), IMPLICIT
    return Shape(), CANNOT


@dataclass(frozen=True)
class Location:
    """One enumerated location of a shape."""

    ptr: str
    pattern: bool
    shape: Shape
    exists: str


def locations(shape: Shape) -> list[Location]:
    """All locations of a shape (root first, then properties by name, patterns, items)."""
    out: list[Location] = []
    _walk_locations(shape, "", MUST, False, out, 0)
    return out


# Shapes are finite trees (recursive $refs are cut), but bound depth anyway for safety.
_MAX_DEPTH = 64


def _walk_locations(shape: Shape, ptr: str, exists: str, pattern: bool, out: list[Location], depth: int) -> None:
    """Depth-first enumeration in Flow's order."""
    if shape.type_ == INVALID:
        exists = CANNOT
    out.append(Location(ptr, pattern, shape, exists))
    if depth >= _MAX_DEPTH:
        return
    for prop in shape.object.properties:
        child = MUST if shape.type_ == OBJECT and prop.required else MAY
        _walk_locations(prop.shape, f"{ptr}/{escape_token(prop.name)}", _extend(exists, child), pattern, out, depth + 1)
    for regex, pshape in shape.object.patterns:
        _walk_locations(pshape, f"{ptr}/{escape_token(regex)}", _extend(exists, MAY), True, out, depth + 1)
    if shape.object.additional is not None:
        _walk_locations(shape.object.additional, f"{ptr}/*", _extend(exists, MAY), True, out, depth + 1)
    for index, item in enumerate(shape.array.tuple):
        child = MUST if shape.type_ == ARRAY and index < shape.array.min_items else MAY
        _walk_locations(item, f"{ptr}/{index}", _extend(exists, child), pattern, out, depth + 1)
    if shape.array.additional is not None:
        _walk_locations(shape.array.additional, f"{ptr}/-", _extend(exists, MAY), True, out, depth + 1)


# --------------------------------------------------------------------------------------
# Shape -> Inference / Projection


def _number(value: int | float) -> float:
    """Numeric bounds are doubles in the protocol."""
    return float(value)


def inference(shape: Shape, exists: str) -> dict[str, JSON]:
    """The `Inference` of a location in Flow JSON form (defaults omitted)."""
    out: dict[str, JSON] = {}
    types = type_names(shape.type_)
    if types:
        out["types"] = types
    if shape.type_ & STRING:
        string: dict[str, JSON] = {}
        if shape.string.content_type:
            string["contentType"] = shape.string.content_type
        if shape.string.format:
            string["format"] = shape.string.format
        if shape.string.content_encoding:
            string["contentEncoding"] = shape.string.content_encoding
        if shape.string.max_length:
            string["maxLength"] = shape.string.max_length
        out["string"] = string
    if shape.title:
        out["title"] = shape.title
    if shape.description:
        out["description"] = shape.description
    if shape.default is not None:
        out["default"] = shape.default[0]
    if shape.secret:
        out["secret"] = True
    out["exists"] = exists
    if shape.type_ & NUMBER:
        numeric: dict[str, JSON] = {}
        if shape.numeric.minimum is not None:
            numeric["hasMinimum"] = True
            if shape.numeric.minimum != 0:
                numeric["minimum"] = _number(shape.numeric.minimum)
        if shape.numeric.maximum is not None:
            numeric["hasMaximum"] = True
            if shape.numeric.maximum != 0:
                numeric["maximum"] = _number(shape.numeric.maximum)
        out["numeric"] = numeric
    if shape.type_ & ARRAY:
        array: dict[str, JSON] = {}
        if shape.array.min_items:
            array["minItems"] = shape.array.min_items
        if shape.array.max_items is not None:
            array["hasMaxItems"] = True
            if shape.array.max_items:
                array["maxItems"] = shape.array.max_items
        item_types = _item_types(shape.array)
        if item_types:
            array["itemTypes"] = item_types
        out["array"] = array
    if shape.enum is not None:
        out["enum"] = list(shape.enum)
    if shape.reduce in _REDUCE_NAMES:
        out["reduce"] = _REDUCE_NAMES[shape.reduce]
    if shape.redact in _REDACT_NAMES:
        out["redact"] = _REDACT_NAMES[shape.redact]
    if shape.type_ & STRING and shape.string.content_type:
        out["contentMediaType"] = shape.string.content_type
    return out


def _item_types(array: ArrayShape) -> list[str]:
    """Types any item may take, when items are constrained at all."""
    if array.additional is None and not array.tuple:
        return []
    bits = 0
    for item in array.tuple:
        bits |= item.type_
    bits |= array.additional.type_ if array.additional is not None else ANY
    return type_names(bits)


def published_at_inference() -> dict[str, JSON]:
    """The fixed inference of the UUID publication timestamp (`flow_published_at`)."""
    return {
        "types": ["string"],
        "string": {"format": "date-time", "contentEncoding": "uuid"},
        "title": "Flow Publication Time",
        "description": "Flow publication date-time of this document",
        "exists": MUST,
    }


@dataclass(frozen=True)
class ExplicitProjection:
    """A projection named in the catalog: field -> location, maybe a partition."""

    field: str
    location: str
    partition: bool = False


def _projection(
    ptr: str,
    field_: str,
    inf: dict[str, JSON],
    *,
    explicit: bool = False,
    primary: bool = False,
    partition: bool = False,
) -> dict[str, JSON]:
    """A Projection dict in proto field order, defaults omitted."""
    out: dict[str, JSON] = {}
    if ptr:
        out["ptr"] = ptr
    out["field"] = field_
    if explicit:
        out["explicit"] = True
    if partition:
        out["isPartitionKey"] = True
    if primary:
        out["isPrimaryKey"] = True
    out["inference"] = inf
    return out


def build_projections(
    schema: JSON,
    key: Sequence[str],
    explicit: Sequence[ExplicitProjection] = (),
    *,
    external: Mapping[str, JSON] | None = None,
) -> list[dict[str, JSON]]:
    """The projections Flow builds for a collection: explicit, key, inferred and implicit ones.

    Sorted on field; for a field named twice, the explicit projection wins over the key
    projection, which wins over the inferred one (as in Flow's stable sort and dedup).
    """
    shape = infer_shape(schema, external)
    key_set = set(key)
    rows: list[dict[str, JSON]] = []
    saw_root = saw_published = False

    for proj in explicit:
        if proj.location == "":
            saw_root = True
        elif proj.location == UUID_DATE_TIME_PTR and not proj.partition:
            saw_published = True
            rows.append(_projection(UUID_PTR, proj.field, published_at_inference(), explicit=True))
            continue
        located, exists = locate(shape, proj.location)
        if proj.location in key_set and exists != CANNOT:
            exists = MUST
        rows.append(
            _projection(
                proj.location,
                proj.field,
                inference(located, exists),
                explicit=True,
                primary=proj.location in key_set,
                partition=proj.partition,
            )
        )
    if not saw_root:
        rows.append(_projection("", FLOW_DOCUMENT, inference(*locate(shape, ""))))
    if not saw_published:
        rows.append(_projection(UUID_PTR, FLOW_PUBLISHED_AT, published_at_inference()))
    for ptr in key:
        located, exists = locate(shape, ptr)
        rows.append(_projection(ptr, ptr[1:], inference(located, MUST if exists != CANNOT else exists), primary=True))
    for loc in locations(shape):
        if loc.pattern or loc.ptr == "":
            continue
        name = loc.ptr[1:]
        if name == FLOW_DOCUMENT:
            continue  # Would collide with the implicit root projection.
        rows.append(_projection(loc.ptr, name, inference(loc.shape, loc.exists)))

    rows.sort(key=lambda r: r["field"])  # Stable: explicit, then key, then inferred.
    out: list[dict[str, JSON]] = []
    for row in rows:
        if out and out[-1]["field"] == row["field"]:
            if out[-1].get("ptr", "") != row.get("ptr", ""):
                raise ProjectionError(
                    f"projection {row['field']!r} re-maps the canonical field of location "
                    f"{row.get('ptr', '')!r} to {out[-1].get('ptr', '')!r}"
                )
            continue
        out.append(row)
    return out


def key_problems(schema: JSON, key: Sequence[str], external: Mapping[str, JSON] | None = None) -> list[str]:
    """Reasons the key cannot work with this schema (bad pointer, cannot exist, not a scalar)."""
    shape = infer_shape(schema, external)
    problems: list[str] = []
    for ptr in key:
        try:
            parse_pointer(ptr)
        except ValueError as exc:
            problems.append(str(exc))
            continue
        if ptr == "":
            problems.append("the document root cannot be a key")
            continue
        located, exists = locate(shape, ptr)
        if exists == CANNOT:
            problems.append(f"key location {ptr!r} cannot exist in the schema")
        elif located.type_ & (OBJECT | ARRAY):
            problems.append(f"key location {ptr!r} may be an object or array, which cannot be a key")
    return problems
