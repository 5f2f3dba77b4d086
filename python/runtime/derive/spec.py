"""The derivations of a loaded catalog, parsed from each collection's `derive` block.

The catalog loader keeps a collection's `derive` block as raw JSON; this module reads what the
derive steps need from it: which connector runs it (`using: python` with a module file or an
inline module and its dependencies, or `using: local` with a command) and its transforms, each
with its source collection and shuffle. Problems are ConfigErrors naming the file and place.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flow_sdk.errors import ConfigError
from flow_sdk.runtime.catalog.loader import Catalog, CollectionDef

_DERIVE_KEYS = {"using", "transforms", "shards", "shuffleKeyTypes"}
_TRANSFORM_KEYS = {"name", "source", "shuffle", "lambda", "priority", "readDelay", "disable", "backfill"}


@dataclass(frozen=True)
class TransformDef:
    """One transform: its name, the collection it reads, and how reads are shuffled."""

    name: str
    source: str
    # `["/ptr", ...]` for `shuffle: {key: [...]}`, None for `shuffle: any` (or a lambda).
    shuffle_key: list[str] | None
    lambda_: Any = None
    disable: bool = False


@dataclass(frozen=True)
class DerivationDef:
    """A derived collection and how it is computed."""

    collection: CollectionDef
    # "python" or "local".
    connector: str
    transforms: list[TransformDef]
    # using: python
    module: str | None = None  # a file path relative to `collection.source`, or the module's text
    dependencies: dict[str, str] = field(default_factory=dict)
    # using: local
    command: list[str] = field(default_factory=list)
    config: Any = None

    @property
    def name(self) -> str:
        """The derived collection's name."""
        return self.collection.name

    @property
    def module_is_inline(self) -> bool:
        """Whether `module` is Python source rather than a file name (Flow's rule: it spans lines)."""
        return self.module is not None and "\n" in self.module

    @property
    def module_path(self) -> Path | None:
        """The module file, resolved against the catalog file that declares the derivation."""
        if self.module is None or self.module_is_inline:
            return None
        return (self.collection.source.parent / self.module.removeprefix("file://")).resolve()


def _fail(collection: CollectionDef, problem: str) -> ConfigError:
    return ConfigError(f"{collection.source}: collection {collection.name!r} derive: {problem}")


def _mapping(collection: CollectionDef, where: str, value: Any) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise _fail(collection, f"{where} must be a mapping")
    unknown = sorted(set(value) - _KNOWN.get(where, set(value)))
    if unknown:
        raise _fail(collection, f"{where} has unknown properties: {', '.join(unknown)}")
    return value


_KNOWN = {
    "derive": _DERIVE_KEYS,
    "using.python": {"module", "dependencies"},
    "using.local": {"command", "config", "env", "protobuf"},
}


def _transform(collection: CollectionDef, index: int, raw: Any) -> TransformDef:
    where = f"transforms[{index}]"
    spec = _mapping(collection, where, raw)
    unknown = sorted(set(spec) - _TRANSFORM_KEYS)
    if unknown:
        raise _fail(collection, f"{where} has unknown properties: {', '.join(unknown)}")
    name = spec.get("name")
    if not isinstance(name, str) or not name:
        raise _fail(collection, f"{where}.name must be a non-empty string")
    source = spec.get("source")
    if isinstance(source, Mapping):
        source = source.get("name")
    if not isinstance(source, str) or not source:
        raise _fail(collection, f"transform {name!r}: source must name a collection")
    shuffle = spec.get("shuffle", "any")
    key: list[str] | None = None
    if isinstance(shuffle, Mapping) and "key" in shuffle:
        key = shuffle["key"]
        if not isinstance(key, list) or not key or not all(isinstance(p, str) and p.startswith("/") for p in key):
            raise _fail(collection, f"transform {name!r}: shuffle.key must be a non-empty list of JSON pointers")
    elif shuffle != "any" and not (isinstance(shuffle, Mapping) and "lambda" in shuffle):
        raise _fail(collection, f"transform {name!r}: shuffle must be `any`, {{key: [...]}} or {{lambda: ...}}")
    return TransformDef(name, source, key, spec.get("lambda"), bool(spec.get("disable", False)))


def parse_derivation(collection: CollectionDef) -> DerivationDef:
    """The derivation of `collection` (which must have a `derive` block)."""
    spec = _mapping(collection, "derive", collection.derive)
    using = spec.get("using")
    if not isinstance(using, Mapping) or len(using) != 1:
        raise _fail(collection, "`using` must name exactly one connector: `python` or `local`")
    raw_transforms = spec.get("transforms")
    if not isinstance(raw_transforms, list) or not raw_transforms:
        raise _fail(collection, "`transforms` must be a non-empty list")
    transforms = [_transform(collection, i, t) for i, t in enumerate(raw_transforms)]
    names = [t.name for t in transforms]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise _fail(collection, f"transform names must be unique: {', '.join(duplicates)}")
    if "python" in using:
        python = _mapping(collection, "using.python", using["python"])
        module = python.get("module")
        if not isinstance(module, str) or not module.strip():
            raise _fail(collection, "using.python.module must be a file name or the module's source")
        deps = python.get("dependencies") or {}
        if not isinstance(deps, Mapping) or not all(isinstance(v, str) for v in deps.values()):
            raise _fail(collection, "using.python.dependencies must map package names to version specifiers")
        return DerivationDef(collection, "python", transforms, module=module, dependencies=dict(deps))
    if "local" in using:
        local = _mapping(collection, "using.local", using["local"])
        command = local.get("command")
        if not isinstance(command, list) or not command or not all(isinstance(c, str) for c in command):
            raise _fail(collection, "using.local.command must be a non-empty list of strings")
        return DerivationDef(collection, "local", transforms, command=list(command), config=local.get("config"))
    raise _fail(collection, f"unsupported connector `using: {next(iter(using))}` (supported: python, local)")


def derivations(catalog: Catalog) -> list[DerivationDef]:
    """Every derivation of the catalog, sorted by collection name; sources must be catalog collections."""
    found = []
    for name in sorted(catalog.collections):
        collection = catalog.collections[name]
        if collection.derive is None:
            continue
        derivation = parse_derivation(collection)
        for transform in derivation.transforms:
            if transform.source not in catalog.collections:
                raise _fail(collection, f"transform {transform.name!r} reads unknown collection {transform.source!r}")
        found.append(derivation)
    return found
