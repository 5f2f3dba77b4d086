"""Build the projections Flow derives for a collection, from its JSON schema and key.

The schema is reduced to a shape (`flow_sdk.runtime.schema.infer`); its locations are then
enumerated and turned into `Projection` dicts in Flow JSON form, sorted on field, with the
implicit `flow_document` (root) and `flow_published_at` (UUID timestamp) projections.

Known divergences from Flow (kept small on purpose):

* Key locations get `exists: MUST` even when the schema does not require them; Flow would
  reject such a catalog instead (see `key_problems`).
* `array.itemTypes` is reported only when the schema constrains items; regex patterns are
  matched with Python's `re`, not Rust's `regex`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from flow_sdk.errors import ProjectionError
from flow_sdk.json_pointer import escape as escape_token
from flow_sdk.json_pointer import parse as parse_pointer
from flow_sdk.runtime.schema.infer import infer_shape
from flow_sdk.runtime.schema.shape import (
    ANY,
    ARRAY,
    INVALID,
    MULTIPLE,
    NUMBER,
    OBJECT,
    STRING,
    ArrayShape,
    Shape,
    compile_regex,
    type_names,
)

JSON = Any

FLOW_DOCUMENT = "flow_document"
FLOW_PUBLISHED_AT = "flow_published_at"
UUID_PTR = "/_meta/uuid"
# An explicit projection of this pointer means "the publication time inside the UUID".
UUID_DATE_TIME_PTR = "/_meta/uuid/date-time"

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
            if compile_regex(pattern).search(token):
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
    """The `Inference` of a location in Flow JSON form (defaults omitted, proto field order)."""
    out: dict[str, JSON] = {}
    types = type_names(shape.type_)
    if types:
        out["types"] = types
    if shape.type_ & STRING:
        out["string"] = _string_inference(shape)
    _put(out, "title", shape.title or None)
    _put(out, "description", shape.description or None)
    if shape.default is not None:
        out["default"] = shape.default[0]
    _put(out, "secret", True if shape.secret else None)
    out["exists"] = exists
    if shape.type_ & NUMBER:
        out["numeric"] = _numeric_inference(shape)
    if shape.type_ & ARRAY:
        out["array"] = _array_inference(shape.array)
    _put(out, "enum", None if shape.enum is None else list(shape.enum))
    _put(out, "reduce", _REDUCE_NAMES.get(shape.reduce or ""))
    _put(out, "redact", _REDACT_NAMES.get(shape.redact or ""))
    if shape.type_ & STRING:
        _put(out, "contentMediaType", shape.string.content_type or None)
    return out


def _put(out: dict[str, JSON], name: str, value: JSON) -> None:
    """Set a field unless its value is None (unset)."""
    if value is not None:
        out[name] = value


def _string_inference(shape: Shape) -> dict[str, JSON]:
    """The `string` part of an Inference (empty facets omitted)."""
    out: dict[str, JSON] = {}
    _put(out, "contentType", shape.string.content_type or None)
    _put(out, "format", shape.string.format or None)
    _put(out, "contentEncoding", shape.string.content_encoding or None)
    _put(out, "maxLength", shape.string.max_length or None)
    return out


def _numeric_inference(shape: Shape) -> dict[str, JSON]:
    """The `numeric` part of an Inference: whether bounds exist, and their non-zero values."""
    out: dict[str, JSON] = {}
    for name, bound in (("Minimum", shape.numeric.minimum), ("Maximum", shape.numeric.maximum)):
        if bound is not None:
            out[f"has{name}"] = True
            if bound != 0:
                out[name.lower()] = _number(bound)
    return out


def _array_inference(array: ArrayShape) -> dict[str, JSON]:
    """The `array` part of an Inference."""
    out: dict[str, JSON] = {}
    _put(out, "minItems", array.min_items or None)
    if array.max_items is not None:
        out["hasMaxItems"] = True
        _put(out, "maxItems", array.max_items or None)
    _put(out, "itemTypes", _item_types(array) or None)
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
