"""Load Flow catalog files (`flow.yaml`, `test.flow.yaml`, JSON or YAML) into typed definitions.

Field names and defaults follow Flow's catalog models (`crates/models`): collections with
`schema` or `writeSchema`+`readSchema`, `key` and `projections`; captures with an
`endpoint` (`connector` or `local`), `bindings` of `{resource, target, disable, backfill}`
and `interval` (default 5m); materializations with `bindings` of `{resource, source,
disable, priority, fields, backfill}`. `import`ed files are loaded once each, in order, and
import cycles are tolerated. Strings where a schema, config or resource is expected name a
file relative to the catalog file that holds them (an optional `#/json/pointer` fragment
selects part of it). sops-encrypted configs are decrypted with the `sops` binary.

Every problem is a `ConfigError` whose message starts with the file it was found in.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import yaml

from flow_sdk import json_pointer
from flow_sdk.errors import ConfigError
from flow_sdk.json_pointer import parse as parse_pointer
from flow_sdk.runtime.catalog import sops as sops_mod
from flow_sdk.runtime.schema.projections import ExplicitProjection

# Marks a pointer that leads nowhere (JSON null is a value).
_MISSING = object()

JSON = Any

DEFAULT_INTERVAL_SECONDS = 300

_T = TypeVar("_T")


# --------------------------------------------------------------------------------------
# Definitions


@dataclass(frozen=True)
class LocalEndpoint:
    """A connector run as a local command (`endpoint.local`)."""

    command: list[str]
    config: JSON
    env: dict[str, str]
    protobuf: bool
    source: Path
    # The still-encrypted config when it was sops-encrypted (becomes `sealedConfig`).
    sealed_config: JSON = None

    connector_type = "LOCAL"


@dataclass(frozen=True)
class ImageEndpoint:
    """A connector run from a container image (`endpoint.connector`)."""

    image: str
    config: JSON
    source: Path
    sealed_config: JSON = None

    connector_type = "IMAGE"


Endpoint = LocalEndpoint | ImageEndpoint


@dataclass(frozen=True)
class CollectionDef:
    """A collection: schemas, key and explicit projections."""

    name: str
    source: Path
    key: list[str]
    schema: JSON = None
    write_schema_: JSON = None
    read_schema_: JSON = None
    projections: list[ExplicitProjection] = field(default_factory=list)
    derive: JSON = None

    @property
    def write_schema(self) -> JSON:
        """The schema documents are validated against when written."""
        return self.schema if self.schema is not None else self.write_schema_

    @property
    def read_schema(self) -> JSON:
        """The schema documents are read with (the write schema unless given apart)."""
        return self.schema if self.schema is not None else self.read_schema_

    @property
    def has_read_schema(self) -> bool:
        """Whether a distinct read schema was given."""
        return self.schema is None


@dataclass(frozen=True)
class CaptureBindingDef:
    """One binding of a capture: a resource captured into a collection."""

    resource: JSON
    target: str
    backfill: int = 0
    disable: bool = False


@dataclass(frozen=True)
class CaptureDef:
    """A capture task."""

    name: str
    source: Path
    endpoint: Endpoint
    bindings: list[CaptureBindingDef]
    interval_seconds: int = DEFAULT_INTERVAL_SECONDS
    shards: dict[str, JSON] = field(default_factory=dict)
    auto_discover: JSON = None
    redact_salt: str | None = None


@dataclass(frozen=True)
class FieldsDef:
    """Field selection of a materialization binding (`fields`)."""

    recommended: bool | int = True
    require: dict[str, JSON] = field(default_factory=dict)
    exclude: list[str] = field(default_factory=list)
    group_by: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class SourceDef:
    """The collection a materialization binding reads, with optional partition and time bounds."""

    name: str
    partitions: JSON = None
    not_before: str | None = None
    not_after: str | None = None


@dataclass(frozen=True)
class MaterializationBindingDef:
    """One binding of a materialization: a collection materialized into a resource."""

    resource: JSON
    source: SourceDef
    fields: FieldsDef = field(default_factory=FieldsDef)
    backfill: int = 0
    disable: bool = False
    priority: int = 0
    on_incompatible_schema_change: str | None = None


@dataclass(frozen=True)
class MaterializationDef:
    """A materialization task."""

    name: str
    source: Path
    endpoint: Endpoint
    bindings: list[MaterializationBindingDef]
    shards: dict[str, JSON] = field(default_factory=dict)
    source_capture: JSON = None


@dataclass(frozen=True)
class Catalog:
    """Everything defined by a root catalog file and the files it imports."""

    root: Path
    files: list[Path]
    collections: dict[str, CollectionDef]
    captures: dict[str, CaptureDef]
    materializations: dict[str, MaterializationDef]
    tests: dict[str, JSON] = field(default_factory=dict)

    def collection(self, name: str) -> CollectionDef:
        """The named collection, or a ConfigError."""
        return _lookup(self.collections, name, "collection", self.root)

    def capture(self, name: str) -> CaptureDef:
        """The named capture, or a ConfigError."""
        return _lookup(self.captures, name, "capture", self.root)

    def materialization(self, name: str) -> MaterializationDef:
        """The named materialization, or a ConfigError."""
        return _lookup(self.materializations, name, "materialization", self.root)

    def task_kind(self, name: str) -> str:
        """`capture` or `materialization`, for a task defined in this catalog."""
        if name in self.captures:
            return "capture"
        if name in self.materializations:
            return "materialization"
        raise ConfigError(f"{self.root}: no capture or materialization named {name!r}", fields={"file": str(self.root)})


def _lookup(table: Mapping[str, _T], name: str, what: str, root: Path) -> _T:
    """Look a name up, with an error listing what exists."""
    try:
        return table[name]
    except KeyError:
        known = ", ".join(sorted(table)) or "none"
        raise ConfigError(f"{root}: no {what} named {name!r} (defined: {known})", fields={"file": str(root)}) from None


# --------------------------------------------------------------------------------------
# Reading files


class _Loader(yaml.SafeLoader):
    """A safe YAML loader that keeps timestamps as strings, as JSON has no datetime."""


_Loader.yaml_implicit_resolvers = {
    key: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _error(path: Path, problem: str) -> ConfigError:
    """A ConfigError naming the file at fault."""
    return ConfigError(f"{path}: {problem}", fields={"file": str(path)})


def read_document(path: Path) -> JSON:
    """Parse a YAML or JSON file (by extension; YAML otherwise, as YAML reads JSON too)."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise _error(path, "file not found") from None
    except OSError as exc:
        raise _error(path, f"cannot read file: {exc.strerror or exc}") from None
    try:
        if path.suffix.lower() == ".json":
            return json.loads(text)
        return yaml.load(text, Loader=_Loader)  # A SafeLoader subclass: no arbitrary objects.
    except (ValueError, yaml.YAMLError) as exc:
        raise _error(path, f"cannot parse file: {exc}") from None


def _resolve_reference(origin: Path, reference: str, what: str) -> tuple[Path, JSON]:
    """Load `file[#/pointer]` relative to the catalog file `origin`."""
    if re.match(r"^[A-Za-z][A-Za-z0-9+.-]+://", reference) and not reference.startswith("file://"):
        raise _error(origin, f"{what} {reference!r}: only local files can be referenced")
    ref = reference.removeprefix("file://")
    location, _, fragment = ref.partition("#")
    path = (origin.parent / location).resolve() if location else origin
    if location and not path.is_file():
        raise _error(origin, f"{what} file {location!r} not found (looked for {path})")
    doc = read_document(path)
    if fragment:
        try:
            tokens = parse_pointer(fragment)
        except ValueError as exc:
            raise _error(origin, f"{what} {reference!r}: {exc}") from None
        found = json_pointer.lookup(doc, tokens, _MISSING)
        if found is _MISSING:
            raise _error(origin, f"{what} {reference!r}: fragment does not exist in {path}")
        doc = found
    return path, doc


# --------------------------------------------------------------------------------------
# Validation helpers

_TOP_LEVEL = {
    "$schema",
    "import",
    "collections",
    "captures",
    "materializations",
    "tests",
    "storageMappings",
}
_NAME = re.compile(r"^[\w\-.]+(/[\w\-.]+)*$", re.UNICODE)


def _check_keys(path: Path, where: str, obj: Mapping[str, JSON], allowed: set[str]) -> None:
    """Reject unknown properties (Flow's models deny unknown fields)."""
    unknown = sorted(set(obj) - allowed)
    if unknown:
        raise _error(path, f"{where}: unknown propert{'y' if len(unknown) == 1 else 'ies'} {', '.join(unknown)}")


def _mapping(path: Path, where: str, value: JSON) -> dict[str, JSON]:
    """The value as a mapping, or a ConfigError."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise _error(path, f"{where}: expected a mapping, got {type(value).__name__}")
    return value


def _list(path: Path, where: str, value: JSON) -> list[JSON]:
    """The value as a list, or a ConfigError."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise _error(path, f"{where}: expected a list, got {type(value).__name__}")
    return value


def _string(path: Path, where: str, value: JSON) -> str:
    """The value as a non-empty string, or a ConfigError."""
    if not isinstance(value, str) or not value:
        raise _error(path, f"{where}: expected a non-empty string")
    return value


def _count(path: Path, where: str, value: JSON) -> int:
    """The value as a non-negative integer (absent means 0)."""
    if value is None:
        return 0
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise _error(path, f"{where}: expected a non-negative integer")
    return value


def _flag(path: Path, where: str, value: JSON) -> bool:
    """The value as a boolean (absent means false)."""
    if value is None:
        return False
    if not isinstance(value, bool):
        raise _error(path, f"{where}: expected true or false")
    return value


def _name(path: Path, what: str, value: str) -> str:
    """Check a catalog name (collection, capture, ...) is well formed."""
    if not _NAME.match(value):
        raise _error(path, f"{what} name {value!r} is invalid (use letters, digits, -_. and / separators)")
    return value


def _pointer(path: Path, where: str, value: JSON, *, allow_root: bool = True) -> str:
    """Check a JSON pointer is well formed."""
    if not isinstance(value, str):
        raise _error(path, f"{where}: expected a JSON pointer string")
    try:
        parse_pointer(value)
    except ValueError as exc:
        raise _error(path, f"{where}: {exc}") from None
    if not allow_root and value == "":
        raise _error(path, f"{where}: the document root is not allowed here")
    return value


_DURATION_UNITS = {
    "ms": 0.001,
    "msec": 0.001,
    "s": 1,
    "sec": 1,
    "secs": 1,
    "second": 1,
    "seconds": 1,
    "m": 60,
    "min": 60,
    "mins": 60,
    "minute": 60,
    "minutes": 60,
    "h": 3600,
    "hr": 3600,
    "hrs": 3600,
    "hour": 3600,
    "hours": 3600,
    "d": 86400,
    "day": 86400,
    "days": 86400,
}


def parse_duration(text: str) -> float:
    """Parse a humantime duration (`5m`, `1h 30m`, `90s`) into seconds; ValueError if malformed."""
    parts = re.findall(r"(\d+(?:\.\d+)?)\s*([a-zA-Z]+)", text)
    if not parts or re.sub(r"(\d+(?:\.\d+)?)\s*([a-zA-Z]+)|\s+", "", text):
        raise ValueError(f"invalid duration {text!r}")
    total = 0.0
    for number, unit in parts:
        if unit not in _DURATION_UNITS:
            raise ValueError(f"invalid duration unit {unit!r} in {text!r}")
        total += float(number) * _DURATION_UNITS[unit]
    return total


# --------------------------------------------------------------------------------------
# Loading


@dataclass
class _Builder:
    """Accumulates definitions across imported files."""

    files: list[Path] = field(default_factory=list)
    collections: dict[str, CollectionDef] = field(default_factory=dict)
    captures: dict[str, CaptureDef] = field(default_factory=dict)
    materializations: dict[str, MaterializationDef] = field(default_factory=dict)
    tests: dict[str, JSON] = field(default_factory=dict)
    origins: dict[tuple[str, str], Path] = field(default_factory=dict)

    def claim(self, path: Path, what: str, name: str) -> None:
        """Record where a name is defined; a second definition is an error."""
        prior = self.origins.get((what, name))
        if prior is not None:
            raise _error(path, f"{what} {name!r} is already defined in {prior}")
        self.origins[(what, name)] = path


def load_catalog(path: str | Path, *, decrypt: bool = True) -> Catalog:
    """Load a catalog file and everything it imports; `decrypt=False` leaves sops configs sealed."""
    root = Path(path).resolve()
    if not root.is_file():
        raise _error(root, "catalog file not found")
    builder = _Builder()
    pending = [root]
    seen: set[Path] = set()
    while pending:
        current = pending.pop(0)
        if current in seen:
            continue  # Imports may form cycles; each file is read once.
        seen.add(current)
        builder.files.append(current)
        doc = read_document(current)
        if doc is None:
            continue
        top = _mapping(current, "catalog", doc)
        _check_keys(current, "catalog", top, _TOP_LEVEL)
        for index, item in enumerate(_list(current, "import", top.get("import"))):
            reference = _string(current, f"import[{index}]", item).removeprefix("file://")
            target = (current.parent / reference).resolve()
            if not target.is_file():
                raise _error(current, f"import {reference!r} not found (looked for {target})")
            pending.append(target)
        _load_collections(builder, current, _mapping(current, "collections", top.get("collections")))
        _load_captures(builder, current, _mapping(current, "captures", top.get("captures")), decrypt)
        _load_materializations(
            builder, current, _mapping(current, "materializations", top.get("materializations")), decrypt
        )
        for name, test in _mapping(current, "tests", top.get("tests")).items():
            builder.claim(current, "test", name)
            builder.tests[name] = test

    catalog = Catalog(
        root=root,
        files=builder.files,
        collections=builder.collections,
        captures=builder.captures,
        materializations=builder.materializations,
        tests=builder.tests,
    )
    _check_references(catalog)
    return catalog


def _load_schema(path: Path, where: str, value: JSON) -> JSON:
    """An inline schema, or one loaded from a file reference."""
    if isinstance(value, str):
        return _resolve_reference(path, value, where)[1]
    if isinstance(value, dict | bool):
        return value
    raise _error(path, f"{where}: expected a schema mapping or a file path")


_COLLECTION_KEYS = {
    "schema",
    "writeSchema",
    "readSchema",
    "key",
    "projections",
    "journals",
    "derive",
    "derivation",
    "expectPubId",
    "delete",
    "reset",
}


def _load_collections(builder: _Builder, path: Path, collections: dict[str, JSON]) -> None:
    """Read the `collections` section of one file."""
    for name, raw in collections.items():
        where = f"collection {name!r}"
        _name(path, "collection", name)
        spec = _mapping(path, where, raw)
        _check_keys(path, where, spec, _COLLECTION_KEYS)
        builder.claim(path, "collection", name)

        has = ("schema" in spec, "writeSchema" in spec, "readSchema" in spec)
        if has == (True, False, False):
            schema, write, read = _load_schema(path, f"{where} schema", spec["schema"]), None, None
        elif has == (False, True, True):
            schema = None
            write = _load_schema(path, f"{where} writeSchema", spec["writeSchema"])
            read = _load_schema(path, f"{where} readSchema", spec["readSchema"])
        else:
            raise _error(path, f"{where}: give either `schema`, or both `writeSchema` and `readSchema`")

        key = [
            _pointer(path, f"{where} key[{i}]", ptr, allow_root=False)
            for i, ptr in enumerate(_list(path, f"{where} key", spec.get("key")))
        ]
        if not key:
            raise _error(path, f"{where}: `key` is missing or empty")

        projections: list[ExplicitProjection] = []
        for fname, proj in _mapping(path, f"{where} projections", spec.get("projections")).items():
            pwhere = f"{where} projection {fname!r}"
            if isinstance(proj, str):
                projections.append(ExplicitProjection(fname, _pointer(path, pwhere, proj)))
                continue
            pspec = _mapping(path, pwhere, proj)
            _check_keys(path, pwhere, pspec, {"location", "partition"})
            location = _pointer(path, f"{pwhere} location", pspec.get("location"))
            projections.append(
                ExplicitProjection(fname, location, _flag(path, f"{pwhere} partition", pspec.get("partition")))
            )

        builder.collections[name] = CollectionDef(
            name=name,
            source=path,
            key=key,
            schema=schema,
            write_schema_=write,
            read_schema_=read,
            projections=projections,
            derive=spec.get("derive", spec.get("derivation")),
        )


def _load_config(path: Path, where: str, value: JSON, decrypt: bool) -> tuple[JSON, JSON]:
    """A connector config (inline or by file), decrypted when sealed: (config, sealed config)."""
    if isinstance(value, str):
        config_path, config = _resolve_reference(path, value, f"{where} config")
        if sops_mod.is_encrypted(config):
            if not decrypt:
                return config, config
            return sops_mod.decrypt_file(config_path, sealed=config), config
        return config, None
    if not isinstance(value, dict):
        raise _error(path, f"{where}: `config` must be a mapping or a file path")
    if sops_mod.is_encrypted(value):
        if not decrypt:
            return value, value
        return sops_mod.decrypt_document(value, path), value
    return value, None


def _load_endpoint(path: Path, where: str, raw: JSON, decrypt: bool) -> Endpoint:
    """Read an `endpoint` stanza: exactly one of `local` or `connector`."""
    endpoint = _mapping(path, f"{where} endpoint", raw)
    if not endpoint:
        raise _error(path, f"{where}: `endpoint` is missing")
    kinds = sorted(endpoint)
    if len(kinds) != 1 or kinds[0] not in ("local", "connector", "flowSink"):
        raise _error(path, f"{where}: endpoint must have exactly one of `local` or `connector` (got {kinds})")
    kind = kinds[0]
    spec = _mapping(path, f"{where} endpoint.{kind}", endpoint[kind])
    if kind == "local":
        _check_keys(path, f"{where} endpoint.local", spec, {"command", "config", "env", "protobuf"})
        command = _list(path, f"{where} endpoint.local.command", spec.get("command"))
        if not command or not all(isinstance(c, str) for c in command):
            raise _error(path, f"{where}: endpoint.local.command must be a non-empty list of strings")
        if "config" not in spec:
            raise _error(path, f"{where}: endpoint.local.config is missing")
        env = _mapping(path, f"{where} endpoint.local.env", spec.get("env"))
        if not all(isinstance(v, str) for v in env.values()):
            raise _error(path, f"{where}: endpoint.local.env values must be strings")
        config, sealed = _load_config(path, where, spec["config"], decrypt)
        return LocalEndpoint(
            command=list(command),
            config=config,
            env=dict(env),
            protobuf=_flag(path, f"{where} endpoint.local.protobuf", spec.get("protobuf")),
            source=path,
            sealed_config=sealed,
        )
    _check_keys(path, f"{where} endpoint.connector", spec, {"image", "config"})
    image = _string(path, f"{where} endpoint.connector.image", spec.get("image"))
    if "config" not in spec:
        raise _error(path, f"{where}: endpoint.connector.config is missing")
    config, sealed = _load_config(path, where, spec["config"], decrypt)
    return ImageEndpoint(image=image, config=config, source=path, sealed_config=sealed)


def _load_resource(path: Path, where: str, value: JSON) -> JSON:
    """A binding resource: inline mapping, or a file reference."""
    if isinstance(value, str):
        value = _resolve_reference(path, value, f"{where} resource")[1]
    if not isinstance(value, dict):
        raise _error(path, f"{where}: `resource` must be a mapping or a file path")
    return value


_CAPTURE_KEYS = {
    "autoDiscover",
    "endpoint",
    "secrets",
    "bindings",
    "interval",
    "redactSalt",
    "shards",
    "expectPubId",
    "delete",
    "reset",
}


def _load_captures(builder: _Builder, path: Path, captures: dict[str, JSON], decrypt: bool) -> None:
    """Read the `captures` section of one file."""
    for name, raw in captures.items():
        where = f"capture {name!r}"
        _name(path, "capture", name)
        spec = _mapping(path, where, raw)
        _check_keys(path, where, spec, _CAPTURE_KEYS)
        builder.claim(path, "capture", name)
        endpoint = _load_endpoint(path, where, spec.get("endpoint"), decrypt)

        bindings: list[CaptureBindingDef] = []
        for i, braw in enumerate(_list(path, f"{where} bindings", spec.get("bindings"))):
            bwhere = f"{where} bindings[{i}]"
            binding = _mapping(path, bwhere, braw)
            _check_keys(path, bwhere, binding, {"resource", "target", "disable", "backfill"})
            if "resource" not in binding:
                raise _error(path, f"{bwhere}: `resource` is missing")
            disable = _flag(path, f"{bwhere} disable", binding.get("disable"))
            target = binding.get("target")
            if target is None and not disable:
                raise _error(path, f"{bwhere}: `target` is missing")
            bindings.append(
                CaptureBindingDef(
                    resource=_load_resource(path, bwhere, binding["resource"]),
                    target=_string(path, f"{bwhere} target", target) if target is not None else "",
                    backfill=_count(path, f"{bwhere} backfill", binding.get("backfill")),
                    disable=disable,
                )
            )

        interval = spec.get("interval", DEFAULT_INTERVAL_SECONDS)
        if isinstance(interval, str):
            try:
                interval = parse_duration(interval)
            except ValueError as exc:
                raise _error(path, f"{where} interval: {exc}") from None
        if isinstance(interval, bool) or not isinstance(interval, int | float) or interval < 0:
            raise _error(path, f"{where} interval: expected a duration like `5m`")
        salt = spec.get("redactSalt")
        builder.captures[name] = CaptureDef(
            name=name,
            source=path,
            endpoint=endpoint,
            bindings=bindings,
            interval_seconds=int(interval),
            shards=_mapping(path, f"{where} shards", spec.get("shards")),
            auto_discover=spec.get("autoDiscover"),
            redact_salt=_string(path, f"{where} redactSalt", salt) if salt is not None else None,
        )


_MATERIALIZATION_KEYS = {
    "source",
    "sourceCapture",
    "onIncompatibleSchemaChange",
    "endpoint",
    "bindings",
    "shards",
    "expectPubId",
    "delete",
    "triggers",
}
_BINDING_KEYS = {"resource", "source", "disable", "priority", "fields", "backfill", "onIncompatibleSchemaChange"}


def _load_source(path: Path, where: str, value: JSON) -> SourceDef:
    """A binding `source`: a collection name, or `{name, partitions, notBefore, notAfter}`."""
    if isinstance(value, str):
        return SourceDef(name=_string(path, where, value))
    spec = _mapping(path, where, value)
    _check_keys(path, where, spec, {"name", "partitions", "notBefore", "notAfter"})
    not_before, not_after = spec.get("notBefore"), spec.get("notAfter")
    return SourceDef(
        name=_string(path, f"{where} name", spec.get("name")),
        partitions=spec.get("partitions"),
        not_before=_string(path, f"{where} notBefore", not_before) if not_before is not None else None,
        not_after=_string(path, f"{where} notAfter", not_after) if not_after is not None else None,
    )


def _load_fields(path: Path, where: str, value: JSON) -> FieldsDef:
    """A binding `fields` stanza (`include` is the older name of `require`)."""
    if value is None:
        return FieldsDef()
    spec = _mapping(path, where, value)
    _check_keys(path, where, spec, {"recommended", "require", "include", "exclude", "groupBy"})
    if "recommended" not in spec:
        raise _error(path, f"{where}: `recommended` is missing")
    recommended = spec["recommended"]
    if not isinstance(recommended, bool | int) or (not isinstance(recommended, bool) and recommended < 0):
        raise _error(path, f"{where} recommended: expected true, false or a depth")
    require = dict(_mapping(path, f"{where} require", spec.get("include")))
    require.update(_mapping(path, f"{where} require", spec.get("require")))
    exclude = [_string(path, f"{where} exclude", f) for f in _list(path, f"{where} exclude", spec.get("exclude"))]
    group_by = [_string(path, f"{where} groupBy", f) for f in _list(path, f"{where} groupBy", spec.get("groupBy"))]
    return FieldsDef(recommended=recommended, require=require, exclude=exclude, group_by=group_by)


def _load_materializations(builder: _Builder, path: Path, items: dict[str, JSON], decrypt: bool) -> None:
    """Read the `materializations` section of one file."""
    for name, raw in items.items():
        where = f"materialization {name!r}"
        _name(path, "materialization", name)
        spec = _mapping(path, where, raw)
        _check_keys(path, where, spec, _MATERIALIZATION_KEYS)
        builder.claim(path, "materialization", name)
        endpoint = _load_endpoint(path, where, spec.get("endpoint"), decrypt)

        bindings: list[MaterializationBindingDef] = []
        for i, braw in enumerate(_list(path, f"{where} bindings", spec.get("bindings"))):
            bwhere = f"{where} bindings[{i}]"
            binding = _mapping(path, bwhere, braw)
            _check_keys(path, bwhere, binding, _BINDING_KEYS)
            for required in ("resource", "source"):
                if required not in binding:
                    raise _error(path, f"{bwhere}: `{required}` is missing")
            policy = binding.get("onIncompatibleSchemaChange")
            bindings.append(
                MaterializationBindingDef(
                    resource=_load_resource(path, bwhere, binding["resource"]),
                    source=_load_source(path, f"{bwhere} source", binding["source"]),
                    fields=_load_fields(path, f"{bwhere} fields", binding.get("fields")),
                    backfill=_count(path, f"{bwhere} backfill", binding.get("backfill")),
                    disable=_flag(path, f"{bwhere} disable", binding.get("disable")),
                    priority=_count(path, f"{bwhere} priority", binding.get("priority")),
                    on_incompatible_schema_change=policy if isinstance(policy, str) else None,
                )
            )
        builder.materializations[name] = MaterializationDef(
            name=name,
            source=path,
            endpoint=endpoint,
            bindings=bindings,
            shards=_mapping(path, f"{where} shards", spec.get("shards")),
            source_capture=spec.get("source", spec.get("sourceCapture")),
        )


def _check_references(catalog: Catalog) -> None:
    """Every enabled binding must name a collection the catalog defines."""
    for capture in catalog.captures.values():
        for i, cb in enumerate(capture.bindings):
            if not cb.disable and cb.target not in catalog.collections:
                raise _error(
                    capture.source,
                    f"capture {capture.name!r} bindings[{i}]: target collection {cb.target!r} is not defined",
                )
    for mat in catalog.materializations.values():
        for i, mb in enumerate(mat.bindings):
            if not mb.disable and mb.source.name not in catalog.collections:
                raise _error(
                    mat.source,
                    f"materialization {mat.name!r} bindings[{i}]: source collection {mb.source.name!r} is not defined",
                )
