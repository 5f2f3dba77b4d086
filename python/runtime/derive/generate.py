"""`flow-sdk generate`: typed modules for the `using: python` derivations of a catalog.

For derived collection `acme/sums` it writes `flow_generated/python/acme/sums.py` beside the
root catalog file, holding `Document` (the collection's write schema), `Source{Transform}` (each
source collection's read schema), `Read{Transform}` (a read of that transform, its `.doc` typed)
and `IDerivation` (one abstract method per transform, in snake_case). A derivation whose module
file does not exist yet gets a stub implementing `Derivation(IDerivation)`. Output is
deterministic and files are only rewritten when their content changes; module files that exist
are never touched.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from flow_sdk.derive.naming import pascal_case, snake_case
from flow_sdk.errors import ConfigError
from flow_sdk.runtime.catalog.loader import Catalog, load_catalog
from flow_sdk.runtime.derive.codegen import ModelWriter, field_identifier
from flow_sdk.runtime.derive.spec import DerivationDef, derivations

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


def _methods(derivation: DerivationDef) -> list[_Method]:
    methods: list[_Method] = []
    seen: dict[str, str] = {}
    for transform in derivation.transforms:
        method = snake_case(transform.name)
        if method in _BASE_METHODS:
            raise ConfigError(
                f"{derivation.collection.source}: derivation {derivation.name!r} transform {transform.name!r} would be "
                f"method {method}(), which Derivation already defines: rename the transform"
            )
        if method in seen:
            raise ConfigError(
                f"{derivation.collection.source}: derivation {derivation.name!r} transforms {seen[method]!r} and "
                f"{transform.name!r} both become method {method}(): rename one"
            )
        seen[method] = transform.name
        pascal = pascal_case(transform.name)
        methods.append(_Method(transform.name, transform.source, method, f"Read{pascal}", f"Source{pascal}"))
    return methods


def render_types(catalog: Catalog, derivation: DerivationDef) -> str:
    """The source of the generated types module of one derivation."""
    methods = _methods(derivation)
    writer = ModelWriter()
    writer.reserve([*_FIXED_NAMES, *(m.read for m in methods)])
    parts = [_HEADER.format(name=derivation.name)]
    writer.root(derivation.collection.write_schema, "Document")
    parts.append(f"# Documents of the derived collection {derivation.name} (its write schema).\n" + writer.source())
    for method in methods:
        writer.classes.clear()
        writer.root(catalog.collections[method.source].read_schema, method.model)
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
    parts.append(_interface(derivation, methods))
    exported = sorted({*_FIXED_NAMES, "Document", *(m.model for m in methods), *(m.read for m in methods)})
    parts.append("__all__ = [\n" + "".join(f"    {json.dumps(name)},\n" for name in exported) + "]\n")
    return "\n\n".join(part.rstrip("\n") + "\n" for part in parts)


def _interface(derivation: DerivationDef, methods: list[_Method]) -> str:
    table = "".join(
        f"        Transform({json.dumps(m.transform)}, {json.dumps(m.method)}, {m.read}),\n" for m in methods
    )
    lines = [
        "class IDerivation(Derivation):",
        f'    """The derivation of {derivation.name}: implement one method per transform (`async def` or `def`)."""',
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


def render_stub(derivation: DerivationDef) -> str:
    """A starting module for a derivation: `Derivation(IDerivation)` with each method unimplemented."""
    methods = _methods(derivation)
    imports = ", ".join(sorted({"Document", "IDerivation", *(m.read for m in methods)}))
    lines = [
        f'"""Derivation {derivation.name}: one method per transform (a stub from `flow-sdk generate`)."""',
        "",
        "from __future__ import annotations",
        "",
        f"from {module_name(derivation.name)} import {imports}",
        "",
        "",
        "class Derivation(IDerivation):",
        f'    """Derives {derivation.name}."""',
    ]
    for m in methods:
        lines += [
            "",
            f"    async def {m.method}(self, read: {m.read}) -> list[Document]:",
            f'        raise NotImplementedError("{m.method} is not implemented yet")',
        ]
    return "\n".join(lines) + "\n"


@dataclass
class Generated:
    """What one `generate` run did: files written, and files already up to date."""

    written: list[Path] = field(default_factory=list)
    unchanged: list[Path] = field(default_factory=list)


def _write(path: Path, text: str, result: Generated) -> None:
    if path.is_file() and path.read_text(encoding="utf-8") == text:
        result.unchanged.append(path)
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(text, encoding="utf-8")
    temporary.replace(path)
    result.written.append(path)


def generate(source: str | Path, project_root: Path | None = None) -> Generated:
    """Write the types of every `using: python` derivation of the catalog at `source`, and missing stubs.

    Types go under `project_root` (default: the directory of the catalog file) in `flow_generated/python/`.
    """
    catalog = load_catalog(source, decrypt=False)
    root = project_root or catalog.root.parent
    result = Generated()
    for derivation in derivations(catalog):
        if derivation.connector != "python":
            continue
        _write(root / module_file(derivation.name), render_types(catalog, derivation), result)
        module = derivation.module_path
        if module is not None and not module.exists():
            _write(module, render_stub(derivation), result)
    return result
