"""Shapes: what a document location may be, and how shapes combine (Flow's `doc::Shape` rules).

A `Shape` holds the types, annotations and nested locations a location may take. `intersect`
is the shape of a location constrained by two schemas at once (JSON Schema `allOf`, `$ref`);
`union` is the shape of a location that satisfies either (`anyOf`, `oneOf`, `if/then/else`).
Schemas are turned into shapes by `flow_sdk.runtime.schema.infer`.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from typing import Any

from flow_sdk.runtime.schema.ordering import compare, sort_key

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

TYPE_BITS = {
    "array": ARRAY,
    "boolean": BOOLEAN,
    "fractional": FRACTIONAL,
    "integer": INTEGER,
    "null": NULL,
    "number": NUMBER,
    "object": OBJECT,
    "string": STRING,
}


# Marks a reduction or redaction that differs between union branches.
MULTIPLE = "multiple"


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


def sorted_enum(values: list[JSON]) -> list[JSON]:
    """Enum variants in Flow's value order, each once."""
    out: list[JSON] = []
    for value in sorted(values, key=sort_key):
        if not out or compare(out[-1], value) != 0:
            out.append(value)
    return out


def filter_enum(type_: int, values: list[JSON]) -> list[JSON]:
    """Enum variants that the type set admits."""
    return [v for v in values if _value_type(v) & type_]


def enum_types(values: list[JSON]) -> int:
    """Type set of an enum's variants."""
    bits = 0
    for v in values:
        bits |= _value_type(v)
    return bits


def _impute(name: str, obj: ObjShape) -> Shape | None:
    """The shape a property would take on a side that does not name it (None: unconstrained)."""
    for pattern, shape in obj.patterns:
        if compile_regex(pattern).search(name):
            return shape
    return obj.additional


@functools.lru_cache(maxsize=256)
def compile_regex(pattern: str) -> re.Pattern[str]:
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
        enum = filter_enum(type_, lhs.enum if lhs.enum is not None else rhs.enum or [])
    else:
        enum = filter_enum(type_, [v for v in lhs.enum if any(compare(v, r) == 0 for r in rhs.enum)])
    if enum is not None:
        type_ &= enum_types(enum)

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


def _tuple_pairs(lhs: ArrayShape, rhs: ArrayShape) -> Iterator[tuple[Shape | None, Shape | None]]:
    """The item shapes of both sides at each tuple position (a side's additional items past its tuple)."""
    for i in range(max(len(lhs.tuple), len(rhs.tuple))):
        left = lhs.tuple[i] if i < len(lhs.tuple) else lhs.additional
        right = rhs.tuple[i] if i < len(rhs.tuple) else rhs.additional
        yield left, right


def _intersect_array(lhs: ArrayShape, rhs: ArrayShape) -> ArrayShape:
    """Most restrictive combination of two array facets."""
    tuple_: list[Shape] = []
    for left, right in _tuple_pairs(lhs, rhs):
        merged = _intersect_optional(left, right)
        tuple_.append(merged if merged is not None else Shape())
    max_items = _tight_max(lhs.max_items, rhs.max_items)
    return ArrayShape(
        min_items=max(lhs.min_items, rhs.min_items),
        max_items=_int_or_none(max_items),
        tuple=tuple_,
        additional=_intersect_optional(lhs.additional, rhs.additional),
    )


def _property_pairs(lhs: ObjShape, rhs: ObjShape) -> Iterator[tuple[str, ObjProperty | None, ObjProperty | None]]:
    """Each property name either side names, by name, with its property on each side (None where unnamed)."""
    left = {p.name: p for p in lhs.properties}
    right = {p.name: p for p in rhs.properties}
    for name in sorted(left.keys() | right.keys()):
        yield name, left.get(name), right.get(name)


def _intersect_object(lhs: ObjShape, rhs: ObjShape) -> ObjShape:
    """Most restrictive combination of two object facets (properties of both sides)."""
    props: list[ObjProperty] = []
    for name, lp, rp in _property_pairs(lhs, rhs):
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
        enum = sorted_enum([*lhs.enum, *rhs.enum])

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
    for left, right in _tuple_pairs(lhs, rhs):
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
    props: list[ObjProperty] = []
    for name, lp, rp in _property_pairs(lhs, rhs):
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
