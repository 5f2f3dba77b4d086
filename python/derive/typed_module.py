"""The typed module of a `using: python` derivation: its source, rendered from schemas alone.

For derived collection `acme/sums` the module is `acme.sums` (file
`flow_generated/python/acme/sums.py`) and holds `Document` (the collection's write schema),
`Source{Transform}` (each source collection's read schema), `Read{Transform}` (a read of that
transform, its `.doc` typed) and `IDerivation` (one abstract method per transform, in
snake_case). The same text comes from a catalog (`flow-sdk generate`) or from a `validate` or
`open` request (the connector), so generated files and the connector always agree.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import ConfigError
from ..flow import binding_collection
from .codegen import ModelWriter, field_identifier
from .naming import pascal_case, snake_case

GENERATED_DIR = Path("flow_generated") / "python"
# Names a generated module imports or defines besides its models.
_FIXED_NAMES = ("ConnectorState", "Derivation", "IDerivation", "Open", "StartCommit", "StartedCommit", "Transform")
# Methods of `Derivation` that a transform method may not shadow.
_BASE_METHODS = frozenset({"flush", "start_commit", "reset", "open"})

_HEADER = '''"""Typed models of derivation {name}: written by `flow-sdk generate` from the catalog, do not edit."""

from __future__ import annotations

import abc
import typing
from collections.abc import Awaitable

import pydantic

from flow_sdk.derive import ConnectorState, Derivation, Open, StartCommit, StartedCommit, Transform
'''


@dataclass(frozen=True)
class TransformTypes:
    """What the types of one transform are rendered from: its name, source collection and its read schema."""

    name: str
    source: str
    schema: Any


@dataclass(frozen=True)
class DerivationTypes:
    """What a derivation's module is rendered from: the derived collection, its write schema, its transforms."""

    name: str
    schema: Any
    transforms: Sequence[TransformTypes]

    @classmethod
    def from_request(cls, body: Mapping[str, Any]) -> DerivationTypes:
        """From a `validate` or `open` request body (inline or linked source collections)."""
        collection = body.get("collection") or {}
        derivation = collection.get("derivation") or {}
        linked = body.get("linkedCollections") or derivation.get("linkedCollections") or []
        raw = body.get("transforms") if "transforms" in body else derivation.get("transforms")
        transforms = []
        for transform in raw or []:
            source = (
                binding_collection(transform, linked, where="transforms") if linked else transform.get("collection")
            )
            source = source or {}
            schema = source.get("readSchema") if source.get("readSchema") is not None else source.get("writeSchema")
            transforms.append(TransformTypes(str(transform.get("name", "")), str(source.get("name", "")), schema))
        return cls(str(collection.get("name", "")), collection.get("writeSchema"), transforms)


def module_name(collection: str) -> str:
    """The dotted module of a derived collection's types (`acme/sums` -> `acme.sums`)."""
    return ".".join(field_identifier(part) for part in collection.split("/"))


def module_file(collection: str) -> Path:
    """The generated file of a derived collection, relative to the project root."""
    return GENERATED_DIR.joinpath(*module_name(collection).split(".")).with_suffix(".py")


@dataclass(frozen=True)
class _Method:
    transform: str
    source: str
    method: str
    read: str
    model: str


def _methods(types: DerivationTypes) -> list[_Method]:
    methods: list[_Method] = []
    seen: dict[str, str] = {}
    for transform in types.transforms:
        method = snake_case(transform.name)
        if method in _BASE_METHODS:
            raise ConfigError(
                f"derivation {types.name!r} transform {transform.name!r} would be method {method}(), "
                "which Derivation already defines: rename the transform"
            )
        if method in seen:
            raise ConfigError(
                f"derivation {types.name!r} transforms {seen[method]!r} and {transform.name!r} both become "
                f"method {method}(): rename one"
            )
        seen[method] = transform.name
        pascal = pascal_case(transform.name)
        methods.append(_Method(transform.name, transform.source, method, f"Read{pascal}", f"Source{pascal}"))
    return methods


def render_types(types: DerivationTypes) -> str:
    """The source of the typed module of one derivation."""
    methods = _methods(types)
    writer = ModelWriter()
    writer.reserve([*_FIXED_NAMES, *(m.read for m in methods)])
    parts = [_HEADER.format(name=types.name)]
    writer.root(types.schema, "Document")
    parts.append(f"# Documents of the derived collection {types.name} (its write schema).\n" + writer.source())
    for method, transform in zip(methods, types.transforms, strict=True):
        writer.classes.clear()
        writer.root(transform.schema, method.model)
        comment = (
            f"# Documents read by transform {json.dumps(method.transform)} from {method.source} (its read schema).\n"
        )
        parts.append(comment + writer.source())
    for method in methods:
        parts.append(
            f"class {method.read}(pydantic.BaseModel):\n"
            f'    """A document read by transform {json.dumps(method.transform)} from {method.source}."""\n\n'
            f"    doc: {method.model}\n"
        )
    parts.append(_interface(types, methods))
    exported = sorted({*_FIXED_NAMES, "Document", *(m.model for m in methods), *(m.read for m in methods)})
    parts.append("__all__ = [\n" + "".join(f"    {json.dumps(name)},\n" for name in exported) + "]\n")
    return "\n\n".join(part.rstrip("\n") + "\n" for part in parts)


def _interface(types: DerivationTypes, methods: list[_Method]) -> str:
    table = "".join(
        f"        Transform({json.dumps(m.transform)}, {json.dumps(m.method)}, {m.read}),\n" for m in methods
    )
    lines = [
        "class IDerivation(Derivation):",
        f'    """The derivation of {types.name}: implement one method per transform (`async def` or `def`)."""',
        "",
        f"    TRANSFORMS: typing.ClassVar[tuple[Transform, ...]] = (\n{table}    )",
    ]
    for m in methods:
        lines += [
            "",
            "    @abc.abstractmethod",
            f"    def {m.method}(self, read: {m.read}) -> list[Document] | Awaitable[list[Document]]:",
            f'        """Documents derived from one read of transform {json.dumps(m.transform)} ({m.source})."""',
        ]
    lines += [
        "",
        "    def flush(self) -> list[Document] | Awaitable[list[Document]]:",
        '        """Documents to publish at the end of the transaction (none by default)."""',
        "        return []",
    ]
    return "\n".join(lines) + "\n"


def render_stub(types: DerivationTypes) -> str:
    """A starting module for a derivation: `Derivation(IDerivation)` with each method unimplemented."""
    methods = _methods(types)
    imports = ", ".join(sorted({"Document", "IDerivation", *(m.read for m in methods)}))
    lines = [
        f'"""Derivation {types.name}: one method per transform (a stub from `flow-sdk generate`)."""',
        "",
        "from __future__ import annotations",
        "",
        f"from {module_name(types.name)} import {imports}",
        "",
        "",
        "class Derivation(IDerivation):",
        f'    """Derives {types.name}."""',
    ]
    for m in methods:
        lines += [
            "",
            f"    async def {m.method}(self, read: {m.read}) -> list[Document]:",
            f'        raise NotImplementedError("{m.method} is not implemented yet")',
        ]
    return "\n".join(lines) + "\n"
