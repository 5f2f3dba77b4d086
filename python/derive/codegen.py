"""JSON schema -> pydantic model source code, for the typed modules `flow-sdk generate` writes.

One `ModelWriter` renders the models of one generated module. Each object schema becomes a
class (`extra='allow'`, as documents may carry more than their schema names); nested objects are
named after their parent and property (`Document` + `address` -> `DocumentAddress`), `$ref`
targets after the anchor or the last pointer token of the reference, and a schema reached twice
through the same `$ref` is one class. `type` lists, `oneOf` and `anyOf` become unions, `enum`
and `const` become `typing.Literal`s, `allOf` branches are merged into one object, arrays become
`list[...]`, and what cannot be typed more precisely is `typing.Any`. Optional properties
default to None. The output is deterministic: properties are sorted, classes are emitted
children first in the order they are first reached.
"""

from __future__ import annotations

import json
import keyword
from collections.abc import Mapping
from typing import Any
from urllib.parse import urldefrag

import pydantic

from ..runtime.schema.refs import SchemaIndex, join_uri
from .naming import pascal_case

_SCALARS = {"string": "str", "integer": "int", "number": "float", "boolean": "bool", "null": "None"}
_RESERVED = frozenset(dir(pydantic.BaseModel))
_MAX_DEPTH = 64


def field_identifier(name: str) -> str:
    """A Python attribute name for property `name` (the property is kept as the field's alias)."""
    ident = "".join(c if c.isalnum() or c == "_" else "_" for c in name) or "_"
    if ident[0].isdigit():
        ident = "_" + ident
    ident = ident.lstrip("_") or "field"
    if ident[0].isdigit():
        ident = "f_" + ident
    if keyword.iskeyword(ident) or ident in _RESERVED:
        ident += "_"
    return ident


def python_literal(value: str | int | bool) -> str:
    """Python source for a JSON scalar, strings double-quoted as a formatter writes them."""
    return json.dumps(value) if isinstance(value, str) else repr(value)


def _union(members: list[str]) -> str:
    unique = list(dict.fromkeys(members))
    if "typing.Any" in unique:
        return "typing.Any"
    return " | ".join(unique) if unique else "typing.Any"


def _literal(values: list[Any]) -> str | None:
    """`typing.Literal[...]` of scalar values (None when a value cannot be a Literal)."""
    literals: list[str] = []
    has_none = False
    for value in values:
        if value is None:
            has_none = True
        elif isinstance(value, bool | int | str) and not isinstance(value, float):
            literals.append(python_literal(value))
        else:
            return None
    parts = [f"typing.Literal[{', '.join(dict.fromkeys(literals))}]"] if literals else []
    return _union([*parts, *(["None"] if has_none else [])])


class ModelWriter:
    """Renders pydantic models for schemas into one module's source."""

    def __init__(self) -> None:
        self.classes: list[str] = []  # class sources, in emission order
        self._names: set[str] = set()
        self._by_target: dict[int, str] = {}  # id() of a $ref's target schema -> its type expression
        self._prefix = ""  # the root being rendered names the classes of its `$ref` targets

    def reserve(self, names: list[str]) -> None:
        """Keep `names` from being used for rendered classes (the module defines or imports them)."""
        self._names.update(names)

    def _claim(self, wanted: str) -> str:
        name, n = wanted, 2
        while name in self._names:
            name, n = f"{wanted}{n}", n + 1
        self._names.add(name)
        return name

    def root(self, schema: Any, name: str) -> str:
        """Render `schema` as class `name` when it is an object, else as an alias `name`; returns `name`."""
        index = SchemaIndex(schema)
        self._prefix, self._by_target = name, {}
        if _is_object(_merged(schema, index.root_uri, index)):
            self._claim(name)
            self._object(schema, index.root_uri, index, name, 0)
        else:
            expr = self.type_of(schema, index.root_uri, index, name, 0)
            self._claim(name)
            self.classes.append(f"{name}: typing.TypeAlias = {expr}\n")
        return name

    def type_of(self, schema: Any, base: str, index: SchemaIndex, hint: str, depth: int) -> str:
        """The type expression of `schema`; nested objects are rendered as classes named from `hint`."""
        if depth > _MAX_DEPTH or schema is True or not isinstance(schema, Mapping) or not schema:
            return "typing.Any"
        base = index.base_of(schema, base)
        ref = schema.get("$ref")
        if isinstance(ref, str) and len(schema.keys() - {"$ref", "title", "description", "$comment"}) == 0:
            return self._reference(ref, base, index, depth)
        if "const" in schema:
            return _literal([schema["const"]]) or "typing.Any"
        if isinstance(schema.get("enum"), list):
            return _literal(schema["enum"]) or "typing.Any"
        for combinator in ("oneOf", "anyOf"):
            branches = schema.get(combinator)
            if isinstance(branches, list) and branches:
                rest = {k: v for k, v in schema.items() if k != combinator}
                members = [
                    self.type_of(
                        {**rest, **b} if isinstance(b, Mapping) else b, base, index, f"{hint}{i + 1}", depth + 1
                    )
                    for i, b in enumerate(branches)
                ]
                return _union(members)
        merged = _merged(schema, base, index)
        types = _types(merged)
        members = []
        for kind in types:
            if kind == "object":
                members.append(self._object(merged, base, index, self._claim(hint), depth))
            elif kind == "array":
                members.append(self._array(merged, base, index, hint, depth))
            else:
                members.append(_SCALARS.get(kind, "typing.Any"))
        return _union(members)

    def _reference(self, ref: str, base: str, index: SchemaIndex, depth: int) -> str:
        uri = join_uri(base, ref)
        target = index.fetch(uri)
        if target is None:
            return "typing.Any"
        # By target, not URI: `#Anchor` and `#/$defs/x` may name the same schema.
        known = self._by_target.get(id(target))
        if known is not None:
            return known
        fragment = urldefrag(uri)[1]
        hint = self._prefix + pascal_case(
            fragment.rsplit("/", 1)[-1] if fragment else urldefrag(uri)[0].rsplit("/", 1)[-1]
        )
        target_base = urldefrag(uri)[0]
        if _is_object(_merged(target, target_base, index)):
            # Claim the name before rendering, so a recursive reference resolves to it.
            name = self._claim(hint)
            self._by_target[id(target)] = name
            rendered = self._object(target, target_base, index, name, depth + 1)
            self._by_target[id(target)] = rendered
            return rendered
        self._by_target[id(target)] = "typing.Any"  # a cycle through non-object schemas
        expr = self.type_of(target, target_base, index, hint, depth + 1)
        self._by_target[id(target)] = expr
        return expr

    def _array(self, schema: Mapping[str, Any], base: str, index: SchemaIndex, hint: str, depth: int) -> str:
        items = schema.get("items")
        if isinstance(items, Mapping) and "prefixItems" not in schema:
            return f"list[{self.type_of(items, base, index, hint + 'Item', depth + 1)}]"
        return "list[typing.Any]"

    def _object(self, schema: Any, base: str, index: SchemaIndex, name: str, depth: int) -> str:
        merged = _merged(schema, base, index)
        properties = merged.get("properties") or {}
        required = set(merged.get("required") or [])
        additional = merged.get("additionalProperties")
        if not properties and isinstance(additional, Mapping) and additional:
            value = self.type_of(additional, base, index, name + "Value", depth + 1)
            self._names.discard(name)
            return f"dict[str, {value}]"
        lines = [f"class {name}(pydantic.BaseModel):"]
        title = merged.get("title") or merged.get("description")
        if isinstance(title, str) and title.strip():
            lines.append(f"    {_docstring(title)}")
            lines.append("")
        lines.append(
            '    model_config = pydantic.ConfigDict(extra="allow", populate_by_name=True, protected_namespaces=())'
        )
        used: set[str] = set()
        for prop in sorted(properties):
            ident = field_identifier(prop)
            while ident in used:
                ident += "_"
            used.add(ident)
            annotation = self.type_of(properties[prop], base, index, name + pascal_case(prop), depth + 1)
            lines.append(_field(ident, prop, annotation, prop in required))
        self.classes.append("\n".join(lines) + "\n")
        return name

    def source(self) -> str:
        """Every rendered class and alias, separated as a formatter would."""
        return "\n\n".join(self.classes)

    def model_names(self) -> list[str]:
        """Names of the rendered classes (not the aliases), in order."""
        return [c.split("(", 1)[0].removeprefix("class ") for c in self.classes if c.startswith("class ")]


def _docstring(text: str) -> str:
    flat = " ".join(text.strip().split()).replace("\\", "\\\\").replace('"', '\\"')
    return f'"""{flat}"""'


def _field(ident: str, prop: str, annotation: str, required: bool) -> str:
    alias = f"alias={python_literal(prop)}" if ident != prop else ""
    if required:
        if alias:
            return f"    {ident}: {annotation} = pydantic.Field({alias})"
        return f"    {ident}: {annotation}"
    if annotation != "typing.Any" and "None" not in annotation.split(" | "):
        annotation = f"{annotation} | None"
    if alias:
        return f"    {ident}: {annotation} = pydantic.Field(default=None, {alias})"
    return f"    {ident}: {annotation} = None"


def _types(schema: Mapping[str, Any]) -> list[str]:
    """The JSON types a schema admits, in a stable order (all of them when it does not say)."""
    declared = schema.get("type")
    if isinstance(declared, str):
        return [declared]
    if isinstance(declared, list):
        return [t for t in ("object", "array", "string", "integer", "number", "boolean", "null") if t in declared]
    if "properties" in schema or "additionalProperties" in schema or "required" in schema:
        return ["object"]
    if "items" in schema:
        return ["array"]
    return ["any"]


def _is_object(schema: Mapping[str, Any]) -> bool:
    return _types(schema) == ["object"]


def _merged(schema: Any, base: str, index: SchemaIndex, depth: int = 0) -> dict[str, Any]:
    """`schema` with its `allOf` branches (and `$ref` beside other keywords) folded in: properties
    and required are unioned, and other keywords taken from the first schema that sets them."""
    if not isinstance(schema, Mapping) or depth > _MAX_DEPTH:
        return {}
    base = index.base_of(schema, base)
    out = {k: v for k, v in schema.items() if k not in ("allOf", "$ref")}
    parts: list[Any] = list(schema.get("allOf") or [])
    ref = schema.get("$ref")
    if isinstance(ref, str):
        parts.append({"$ref": ref})
    for part in parts:
        if isinstance(part, Mapping) and isinstance(part.get("$ref"), str) and len(part) == 1:
            uri = join_uri(base, part["$ref"])
            resolved = _merged(index.fetch(uri), urldefrag(uri)[0], index, depth + 1)
        else:
            resolved = _merged(part, base, index, depth + 1)
        props = {**(resolved.get("properties") or {}), **(out.get("properties") or {})}
        required = sorted(set(resolved.get("required") or []) | set(out.get("required") or []))
        for key, value in resolved.items():
            out.setdefault(key, value)
        if props:
            out["properties"] = props
        if required:
            out["required"] = required
    return out
