"""Projections and field selections turned into destination columns, and JSON-type mapping hooks.

The column helpers work on Flow JSON form dicts (`Projection`, `FieldSelection`, `CollectionSpec`);
`collection_json` turns a typed CollectionSpec into that form once per binding. Nothing here
touches documents.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, Protocol, overload

from ..errors import ConfigError
from ..flow import CollectionSpec, FieldSelection, binding_collection


class _WireBinding(Protocol):
    """A wire-model binding that names its collection inline or by index (Validate's and a spec's)."""

    @property
    def collection(self) -> CollectionSpec | None: ...

    @property
    def collection_index(self) -> int: ...


Role = Literal["key", "value", "document"]
# JSON types a projection may have, plus "multiple" for a value that can be several (non-null) types.
JSON_TYPES = ("string", "integer", "number", "boolean", "object", "array", "null", "multiple")


@dataclass(frozen=True, slots=True)
class FieldType:
    """The effective JSON type of a projection: one type (or "multiple"), nullability and string format."""

    json_type: str
    nullable: bool
    must_exist: bool
    format: str | None = None
    content_encoding: str | None = None

    def describe(self) -> str:
        """Human text like 'string (date-time), nullable'."""
        text = self.json_type + (f" ({self.format})" if self.format else "")
        return text + (", nullable" if self.nullable else "")


def field_type(projection: Mapping[str, Any]) -> FieldType:
    """The effective type of a projection, from its inference."""
    inference = projection.get("inference") or {}
    types = set(inference.get("types") or [])
    nullable = "null" in types or inference.get("exists") != "MUST"
    types.discard("null")
    # An integer is also a number; "integer or number" is a number column.
    if types == {"integer", "number"}:
        types = {"number"}
    if not types:
        json_type = "null"
    elif len(types) == 1:
        (json_type,) = types
    else:
        json_type = "multiple"
    string = inference.get("string") or {}
    return FieldType(
        json_type=json_type,
        nullable=nullable,
        must_exist=inference.get("exists") == "MUST",
        format=(string.get("format") or None) if json_type == "string" else None,
        content_encoding=(string.get("contentEncoding") or None) if json_type == "string" else None,
    )


class TypeMapper:
    """Maps a projection to a destination type name; None means the destination can't store it.

    `table` maps JSON types (see JSON_TYPES) to destination types; `formats` maps string formats
    (e.g. "date-time") to destination types and wins over `table["string"]`. Subclass and override
    `map` for anything more involved (lengths, numeric bounds, content encodings).
    """

    def __init__(self, table: Mapping[str, str], formats: Mapping[str, str] | None = None) -> None:
        self.table = dict(table)
        self.formats = dict(formats or {})

    def map(self, projection: Mapping[str, Any]) -> str | None:
        """The destination type for a projection, or None if unsupported."""
        ft = field_type(projection)
        if ft.json_type == "string" and ft.format and ft.format in self.formats:
            return self.formats[ft.format]
        return self.table.get(ft.json_type)

    def __call__(self, projection: Mapping[str, Any]) -> str | None:
        return self.map(projection)


TypeMap = Callable[[Mapping[str, Any]], "str | None"]


@dataclass(frozen=True, slots=True)
class Column:
    """One selected field, in the order Store messages carry it."""

    field: str
    ptr: str
    role: Role
    projection: Mapping[str, Any]
    type: FieldType

    @property
    def is_key(self) -> bool:
        """Whether this column is part of the group-by key."""
        return self.role == "key"


def projections_by_field(collection: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    """The collection's projections, indexed by field name."""
    return {p["field"]: p for p in collection.get("projections") or [] if "field" in p}


def columns(
    field_selection: FieldSelection | Mapping[str, Any] | None, collection: CollectionSpec | Mapping[str, Any]
) -> list[Column]:
    """The ordered columns of a binding: keys, then values, then the root document (if selected).

    This is exactly the order of a Store's `key` + `values` + `doc`, so
    `zip(columns, [*store.key, *store.values, store.doc])` pairs each value with its column
    (drop the document column when `field_selection.document` is empty).
    """
    coll = collection_json(collection)
    selection = field_selection.to_flow_json() if isinstance(field_selection, FieldSelection) else field_selection or {}
    by_field = projections_by_field(coll)
    out: list[Column] = []

    def add(name: str, role: Role) -> None:
        projection = by_field.get(name)
        if projection is None:
            raise ConfigError(f"field {name!r} is selected for collection {coll.get('name')!r} but has no projection")
        out.append(Column(name, projection.get("ptr", ""), role, projection, field_type(projection)))

    for name in selection.get("keys") or []:
        add(name, "key")
    for name in selection.get("values") or []:
        add(name, "value")
    if selection.get("document"):
        add(selection["document"], "document")
    return out


@overload
def resolve_collection(binding: Mapping[str, Any], linked: Sequence[Mapping[str, Any]] | None) -> Mapping[str, Any]: ...


@overload
def resolve_collection(binding: _WireBinding, linked: Sequence[CollectionSpec] | None) -> CollectionSpec: ...


def resolve_collection(binding: Any, linked: Sequence[Any] | None) -> Any:
    """A binding's collection: inlined, or `linkedCollections[collectionIndex]` of its request or spec.

    Works on Flow JSON dicts (returns the dict) and on wire models (`Validate.Binding` or
    `MaterializationSpec.Binding`: returns the CollectionSpec); see `flow_sdk.flow.binding_collection`.
    """
    return binding_collection(binding, linked or ())


def collection_json(collection: CollectionSpec | Mapping[str, Any]) -> Mapping[str, Any]:
    """A collection in Flow JSON form (the column and constraint helpers read that form)."""
    return collection.to_flow_json() if isinstance(collection, CollectionSpec) else collection
