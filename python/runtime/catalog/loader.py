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

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flow_sdk.runtime.catalog import sops as sops_mod
from flow_sdk.runtime.catalog.models import (
    DEFAULT_INTERVAL_SECONDS,
    CaptureBindingDef,
    CaptureDef,
    Catalog,
    CollectionDef,
    Endpoint,
    FieldsDef,
    ImageEndpoint,
    LocalEndpoint,
    MaterializationBindingDef,
    MaterializationDef,
    SourceDef,
)
from flow_sdk.runtime.catalog.reading import (
    as_count,
    as_flag,
    as_list,
    as_mapping,
    as_string,
    check_keys,
    check_name,
    check_pointer,
    file_error,
    parse_duration,
    read_document,
    resolve_reference,
)
from flow_sdk.runtime.schema.projections import ExplicitProjection

# The names the rest of the runtime imports from here.
__all__ = [
    "DEFAULT_INTERVAL_SECONDS",
    "CaptureBindingDef",
    "CaptureDef",
    "Catalog",
    "CollectionDef",
    "Endpoint",
    "FieldsDef",
    "ImageEndpoint",
    "LocalEndpoint",
    "MaterializationBindingDef",
    "MaterializationDef",
    "SourceDef",
    "load_catalog",
    "parse_duration",
    "read_document",
]

JSON = Any

_TOP_LEVEL = {
    "$schema",
    "import",
    "collections",
    "captures",
    "materializations",
    "tests",
    "storageMappings",
}


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
            raise file_error(path, f"{what} {name!r} is already defined in {prior}")
        self.origins[(what, name)] = path

    def entry(self, path: Path, what: str, name: str, raw: JSON, allowed: set[str]) -> tuple[str, dict[str, JSON]]:
        """Check and claim one named definition of a section: (how messages name it, its mapping)."""
        where = f"{what} {name!r}"
        check_name(path, what, name)
        spec = as_mapping(path, where, raw)
        check_keys(path, where, spec, allowed)
        self.claim(path, what, name)
        return where, spec


def _bindings(
    path: Path, where: str, spec: dict[str, JSON], allowed: set[str], required: tuple[str, ...]
) -> Iterator[tuple[str, dict[str, JSON]]]:
    """The `bindings` of a task, each checked for unknown and missing properties: (how messages name it, mapping)."""
    for i, raw in enumerate(as_list(path, f"{where} bindings", spec.get("bindings"))):
        bwhere = f"{where} bindings[{i}]"
        binding = as_mapping(path, bwhere, raw)
        check_keys(path, bwhere, binding, allowed)
        for name in required:
            if name not in binding:
                raise file_error(path, f"{bwhere}: `{name}` is missing")
        yield bwhere, binding


def load_catalog(path: str | Path, *, decrypt: bool = True) -> Catalog:
    """Load a catalog file and everything it imports; `decrypt=False` leaves sops configs sealed."""
    root = Path(path).resolve()
    if not root.is_file():
        raise file_error(root, "catalog file not found")
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
        top = as_mapping(current, "catalog", doc)
        check_keys(current, "catalog", top, _TOP_LEVEL)
        for index, item in enumerate(as_list(current, "import", top.get("import"))):
            reference = as_string(current, f"import[{index}]", item).removeprefix("file://")
            target = (current.parent / reference).resolve()
            if not target.is_file():
                raise file_error(current, f"import {reference!r} not found (looked for {target})")
            pending.append(target)
        _load_collections(builder, current, as_mapping(current, "collections", top.get("collections")))
        _load_captures(builder, current, as_mapping(current, "captures", top.get("captures")), decrypt)
        _load_materializations(
            builder, current, as_mapping(current, "materializations", top.get("materializations")), decrypt
        )
        for name, test in as_mapping(current, "tests", top.get("tests")).items():
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
        return resolve_reference(path, value, where)[1]
    if isinstance(value, dict | bool):
        return value
    raise file_error(path, f"{where}: expected a schema mapping or a file path")


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
        where, spec = builder.entry(path, "collection", name, raw, _COLLECTION_KEYS)

        has = ("schema" in spec, "writeSchema" in spec, "readSchema" in spec)
        if has == (True, False, False):
            schema, write, read = _load_schema(path, f"{where} schema", spec["schema"]), None, None
        elif has == (False, True, True):
            schema = None
            write = _load_schema(path, f"{where} writeSchema", spec["writeSchema"])
            read = _load_schema(path, f"{where} readSchema", spec["readSchema"])
        else:
            raise file_error(path, f"{where}: give either `schema`, or both `writeSchema` and `readSchema`")

        key = [
            check_pointer(path, f"{where} key[{i}]", ptr, allow_root=False)
            for i, ptr in enumerate(as_list(path, f"{where} key", spec.get("key")))
        ]
        if not key:
            raise file_error(path, f"{where}: `key` is missing or empty")

        projections: list[ExplicitProjection] = []
        for fname, proj in as_mapping(path, f"{where} projections", spec.get("projections")).items():
            pwhere = f"{where} projection {fname!r}"
            if isinstance(proj, str):
                projections.append(ExplicitProjection(fname, check_pointer(path, pwhere, proj)))
                continue
            pspec = as_mapping(path, pwhere, proj)
            check_keys(path, pwhere, pspec, {"location", "partition"})
            location = check_pointer(path, f"{pwhere} location", pspec.get("location"))
            projections.append(
                ExplicitProjection(fname, location, as_flag(path, f"{pwhere} partition", pspec.get("partition")))
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
        config_path, config = resolve_reference(path, value, f"{where} config")
        if sops_mod.is_encrypted(config):
            if not decrypt:
                return config, config
            return sops_mod.decrypt_file(config_path, sealed=config), config
        return config, None
    if not isinstance(value, dict):
        raise file_error(path, f"{where}: `config` must be a mapping or a file path")
    if sops_mod.is_encrypted(value):
        if not decrypt:
            return value, value
        return sops_mod.decrypt_document(value, path), value
    return value, None


# `airbyte:` and `singer:` endpoints run the source through its shim as a local command.
SHIM_MODULES = {"airbyte": "flow_sdk.shim_airbyte_cdk", "singer": "flow_sdk.shim_singer_sdk"}


def _shim_command(path: Path, where: str, kind: str, spec: dict[str, Any]) -> list[str]:
    """The local command of an `airbyte: {command | image}` or `singer: {command, catalogFlag?}` endpoint."""
    allowed = {"command", "config", "env"} | ({"image"} if kind == "airbyte" else {"catalogFlag"})
    check_keys(path, f"{where} endpoint.{kind}", spec, allowed)
    base = ["python", "-m", SHIM_MODULES[kind]]
    image = spec.get("image")
    if image is not None:
        if "command" in spec:
            raise file_error(path, f"{where}: endpoint.airbyte needs `command` or `image`, not both")
        return [*base, "--image", as_string(path, f"{where} endpoint.airbyte.image", image)]
    command = as_list(path, f"{where} endpoint.{kind}.command", spec.get("command"))
    if not command or not all(isinstance(c, str) for c in command):
        raise file_error(path, f"{where}: endpoint.{kind}.command must be a non-empty list of strings")
    flag = spec.get("catalogFlag", "--catalog")
    if flag not in ("--catalog", "--properties"):
        raise file_error(path, f"{where}: endpoint.singer.catalogFlag must be --catalog or --properties, not {flag!r}")
    return [*base, *(["--properties"] if flag == "--properties" else []), "--", *command]


def _load_endpoint(path: Path, where: str, raw: JSON, decrypt: bool) -> Endpoint:
    """Read an `endpoint` stanza: exactly one of `local` or `connector`."""
    endpoint = as_mapping(path, f"{where} endpoint", raw)
    if not endpoint:
        raise file_error(path, f"{where}: `endpoint` is missing")
    kinds = sorted(endpoint)
    if len(kinds) != 1 or kinds[0] not in ("local", "connector", "flowSink", *SHIM_MODULES):
        raise file_error(
            path, f"{where}: endpoint needs exactly one of `local`, `connector`, `airbyte` or `singer` (got {kinds})"
        )
    kind = kinds[0]
    spec = as_mapping(path, f"{where} endpoint.{kind}", endpoint[kind])
    if kind in SHIM_MODULES:
        kept = {key: value for key, value in spec.items() if key in ("config", "env")}
        spec = {**kept, "command": _shim_command(path, where, kind, spec)}
        kind = "local"
    if kind == "local":
        check_keys(path, f"{where} endpoint.local", spec, {"command", "config", "env", "protobuf"})
        command = as_list(path, f"{where} endpoint.local.command", spec.get("command"))
        if not command or not all(isinstance(c, str) for c in command):
            raise file_error(path, f"{where}: endpoint.local.command must be a non-empty list of strings")
        if "config" not in spec:
            raise file_error(path, f"{where}: endpoint.local.config is missing")
        env = as_mapping(path, f"{where} endpoint.local.env", spec.get("env"))
        if not all(isinstance(v, str) for v in env.values()):
            raise file_error(path, f"{where}: endpoint.local.env values must be strings")
        config, sealed = _load_config(path, where, spec["config"], decrypt)
        return LocalEndpoint(
            command=list(command),
            config=config,
            env=dict(env),
            protobuf=as_flag(path, f"{where} endpoint.local.protobuf", spec.get("protobuf")),
            source=path,
            sealed_config=sealed,
        )
    check_keys(path, f"{where} endpoint.connector", spec, {"image", "config"})
    image = as_string(path, f"{where} endpoint.connector.image", spec.get("image"))
    if "config" not in spec:
        raise file_error(path, f"{where}: endpoint.connector.config is missing")
    config, sealed = _load_config(path, where, spec["config"], decrypt)
    return ImageEndpoint(image=image, config=config, source=path, sealed_config=sealed)


def _load_resource(path: Path, where: str, value: JSON) -> JSON:
    """A binding resource: inline mapping, or a file reference."""
    if isinstance(value, str):
        value = resolve_reference(path, value, f"{where} resource")[1]
    if not isinstance(value, dict):
        raise file_error(path, f"{where}: `resource` must be a mapping or a file path")
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
        where, spec = builder.entry(path, "capture", name, raw, _CAPTURE_KEYS)
        endpoint = _load_endpoint(path, where, spec.get("endpoint"), decrypt)
        bindings = [
            _capture_binding(path, bwhere, binding)
            for bwhere, binding in _bindings(path, where, spec, _CAPTURE_BINDING_KEYS, ("resource",))
        ]
        salt = spec.get("redactSalt")
        builder.captures[name] = CaptureDef(
            name=name,
            source=path,
            endpoint=endpoint,
            bindings=bindings,
            interval_seconds=_interval(path, f"{where} interval", spec.get("interval", DEFAULT_INTERVAL_SECONDS)),
            shards=as_mapping(path, f"{where} shards", spec.get("shards")),
            auto_discover=spec.get("autoDiscover"),
            redact_salt=as_string(path, f"{where} redactSalt", salt) if salt is not None else None,
        )


def _capture_binding(path: Path, where: str, binding: dict[str, JSON]) -> CaptureBindingDef:
    """One capture binding; a disabled one may leave out its `target`."""
    disable = as_flag(path, f"{where} disable", binding.get("disable"))
    target = binding.get("target")
    if target is None and not disable:
        raise file_error(path, f"{where}: `target` is missing")
    return CaptureBindingDef(
        resource=_load_resource(path, where, binding["resource"]),
        target=as_string(path, f"{where} target", target) if target is not None else "",
        backfill=as_count(path, f"{where} backfill", binding.get("backfill")),
        disable=disable,
    )


def _interval(path: Path, where: str, value: JSON) -> int:
    """A capture's polling interval in whole seconds: a humantime duration (`5m`) or a number."""
    if isinstance(value, str):
        try:
            value = parse_duration(value)
        except ValueError as exc:
            raise file_error(path, f"{where}: {exc}") from None
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise file_error(path, f"{where}: expected a duration like `5m`")
    return int(value)


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
_CAPTURE_BINDING_KEYS = {"resource", "target", "disable", "backfill"}
_BINDING_KEYS = {"resource", "source", "disable", "priority", "fields", "backfill", "onIncompatibleSchemaChange"}


def _load_source(path: Path, where: str, value: JSON) -> SourceDef:
    """A binding `source`: a collection name, or `{name, partitions, notBefore, notAfter}`."""
    if isinstance(value, str):
        return SourceDef(name=as_string(path, where, value))
    spec = as_mapping(path, where, value)
    check_keys(path, where, spec, {"name", "partitions", "notBefore", "notAfter"})
    not_before, not_after = spec.get("notBefore"), spec.get("notAfter")
    return SourceDef(
        name=as_string(path, f"{where} name", spec.get("name")),
        partitions=spec.get("partitions"),
        not_before=as_string(path, f"{where} notBefore", not_before) if not_before is not None else None,
        not_after=as_string(path, f"{where} notAfter", not_after) if not_after is not None else None,
    )


def _load_fields(path: Path, where: str, value: JSON) -> FieldsDef:
    """A binding `fields` stanza (`include` is the older name of `require`)."""
    if value is None:
        return FieldsDef()
    spec = as_mapping(path, where, value)
    check_keys(path, where, spec, {"recommended", "require", "include", "exclude", "groupBy"})
    if "recommended" not in spec:
        raise file_error(path, f"{where}: `recommended` is missing")
    recommended = spec["recommended"]
    if not isinstance(recommended, bool | int) or (not isinstance(recommended, bool) and recommended < 0):
        raise file_error(path, f"{where} recommended: expected true, false or a depth")
    require = dict(as_mapping(path, f"{where} require", spec.get("include")))
    require.update(as_mapping(path, f"{where} require", spec.get("require")))
    exclude = [as_string(path, f"{where} exclude", f) for f in as_list(path, f"{where} exclude", spec.get("exclude"))]
    group_by = [as_string(path, f"{where} groupBy", f) for f in as_list(path, f"{where} groupBy", spec.get("groupBy"))]
    return FieldsDef(recommended=recommended, require=require, exclude=exclude, group_by=group_by)


def _load_materializations(builder: _Builder, path: Path, items: dict[str, JSON], decrypt: bool) -> None:
    """Read the `materializations` section of one file."""
    for name, raw in items.items():
        where, spec = builder.entry(path, "materialization", name, raw, _MATERIALIZATION_KEYS)
        endpoint = _load_endpoint(path, where, spec.get("endpoint"), decrypt)
        bindings = [
            _materialization_binding(path, bwhere, binding)
            for bwhere, binding in _bindings(path, where, spec, _BINDING_KEYS, ("resource", "source"))
        ]
        builder.materializations[name] = MaterializationDef(
            name=name,
            source=path,
            endpoint=endpoint,
            bindings=bindings,
            shards=as_mapping(path, f"{where} shards", spec.get("shards")),
            source_capture=spec.get("source", spec.get("sourceCapture")),
        )


def _materialization_binding(path: Path, where: str, binding: dict[str, JSON]) -> MaterializationBindingDef:
    """One materialization binding."""
    policy = binding.get("onIncompatibleSchemaChange")
    return MaterializationBindingDef(
        resource=_load_resource(path, where, binding["resource"]),
        source=_load_source(path, f"{where} source", binding["source"]),
        fields=_load_fields(path, f"{where} fields", binding.get("fields")),
        backfill=as_count(path, f"{where} backfill", binding.get("backfill")),
        disable=as_flag(path, f"{where} disable", binding.get("disable")),
        priority=as_count(path, f"{where} priority", binding.get("priority")),
        on_incompatible_schema_change=policy if isinstance(policy, str) else None,
    )


def _check_references(catalog: Catalog) -> None:
    """Every enabled binding must name a collection the catalog defines."""
    for capture in catalog.captures.values():
        for i, cb in enumerate(capture.bindings):
            if not cb.disable and cb.target not in catalog.collections:
                raise file_error(
                    capture.source,
                    f"capture {capture.name!r} bindings[{i}]: target collection {cb.target!r} is not defined",
                )
    for mat in catalog.materializations.values():
        for i, mb in enumerate(mat.bindings):
            if not mb.disable and mb.source.name not in catalog.collections:
                raise file_error(
                    mat.source,
                    f"materialization {mat.name!r} bindings[{i}]: source collection {mb.source.name!r} is not defined",
                )
