"""Build protocol specs and requests, in Flow JSON form, from a loaded catalog.

`collection_spec`, `capture_spec` and `materialization_spec` give the CollectionSpec,
CaptureSpec and MaterializationSpec dicts Flow would build (without the shard, recovery-log
and partition templates, which only a data plane uses). The `*_request` helpers wrap them
into the request messages of the capture or materialize protocol.

Resource paths come from the connector: pass the `resourcePathPointers` of its Spec
response, or the `resourcePath`s of its Validated response. Without either, a path is
guessed from well-known resource properties (`namespace`, `schema`, `stream`, `table`,
`name`, ...) so a state key is still stable for a given resource.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from typing import Any

from flow_sdk import json_pointer
from flow_sdk.errors import ConfigError, ProjectionError
from flow_sdk.json_pointer import parse as parse_pointer
from flow_sdk.runtime.catalog.loader import (
    Catalog,
    CollectionDef,
    Endpoint,
    FieldsDef,
    MaterializationBindingDef,
)
from flow_sdk.runtime.schema.infer import infer_shape
from flow_sdk.runtime.schema.projections import build_projections, key_problems
from flow_sdk.runtime.schema.shape import OBJECT
from flow_sdk.state import percent_encode, state_key

JSON = Any

UUID_PTR = "/_meta/uuid"
# Flow's fixed acknowledgement document template.
ACK_TEMPLATE: dict[str, JSON] = {"_meta": {"uuid": "DocUUIDPlaceholder-329Bb50aa48EAa9ef", "ack": True}}
WRITE_SCHEMA_URI = "flow://write-schema"
INFERRED_SCHEMA_URI = "flow://inferred-schema"
# The whole key and r-clock space, with zero-valued bounds omitted as in proto3 JSON.
FULL_RANGE: dict[str, int] = {"keyEnd": 0xFFFFFFFF, "rClockEnd": 0xFFFFFFFF}

COLLECTION_LABEL = "estuary.dev/collection"
FIELD_LABEL_PREFIX = "estuary.dev/field/"

_PATH_KEYS = ("namespace", "schema", "stream", "table", "name", "path", "collection", "topic", "index", "bucket")


# --------------------------------------------------------------------------------------
# Encodings


def _encode_partition_value(value: JSON) -> str:
    """A partition label value: strings percent-encoded (keeping `-_.`), others `%_<json>`."""
    if isinstance(value, str):
        return "".join(c if (c.isascii() and c.isalnum()) or c in "-_." else percent_encode(c) for c in value)
    return "%_" + json.dumps(value, separators=(",", ":"))


def _path_component(value: JSON) -> str:
    """A resource path component: strings as they are, other values as compact JSON."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return json.dumps(value, separators=(",", ":"))


def resource_path(resource: JSON, pointers: Sequence[str] | None = None) -> list[str]:
    """The resource path of a binding: from the connector's pointers, else guessed."""
    if pointers is not None:
        return [_path_component(json_pointer.get(resource, ptr)) for ptr in pointers]
    if not isinstance(resource, dict):
        return []
    found = [_path_component(resource[k]) for k in _PATH_KEYS if isinstance(resource.get(k), str | int)]
    if found:
        return found
    return [value for _, value in sorted(resource.items()) if isinstance(value, str)]


def spec_version(spec: Mapping[str, JSON]) -> str:
    """A stable version for a spec (its content hash, formatted like a Flow publication id)."""
    digest = hashlib.sha256(json.dumps(spec, sort_keys=True, separators=(",", ":")).encode()).digest()
    return ":".join(f"{b:02x}" for b in digest[:8])


# --------------------------------------------------------------------------------------
# Collections


def _bundle_read_schema(collection: CollectionDef) -> JSON:
    """The read schema with the write schema (and an empty inferred schema) bundled in, when referenced."""
    read = collection.read_schema
    text = json.dumps(read)
    if not isinstance(read, dict) or (WRITE_SCHEMA_URI not in text and INFERRED_SCHEMA_URI not in text):
        return read
    defs = dict(read.get("$defs", {}))
    if WRITE_SCHEMA_URI in text and WRITE_SCHEMA_URI not in defs:
        write = collection.write_schema
        defs[WRITE_SCHEMA_URI] = {**write, "$id": WRITE_SCHEMA_URI} if isinstance(write, dict) else write
    if INFERRED_SCHEMA_URI in text and INFERRED_SCHEMA_URI not in defs:
        # Nothing is inferred locally: the placeholder admits anything.
        defs[INFERRED_SCHEMA_URI] = {"$id": INFERRED_SCHEMA_URI}
    return {**read, "$defs": defs}


def _check_schema(collection: CollectionDef, which: str, schema: JSON) -> None:
    """A collection schema must describe objects, and locate the key at scalars that always exist."""
    try:
        if infer_shape(schema).type_ != OBJECT:
            _fail(collection, f"the {which} schema must be an object schema (`type: object`)")
        problems = key_problems(schema, collection.key)
    except ProjectionError as exc:
        _fail(collection, f"{which} schema: {exc}")
    if problems:
        _fail(collection, f"{which} schema: " + "; ".join(problems))


def collection_spec(catalog: Catalog, name: str) -> dict[str, JSON]:
    """The CollectionSpec of a catalog collection, in Flow JSON form."""
    collection = catalog.collection(name)
    write = collection.write_schema
    read = _bundle_read_schema(collection) if collection.has_read_schema else None
    effective = read if read is not None else write

    for which, schema in (("write", write), ("read", read)):
        if schema is not None:
            _check_schema(collection, which, schema)
    try:
        projections = build_projections(effective, collection.key, collection.projections)
    except ProjectionError as exc:
        _fail(collection, str(exc))

    spec: dict[str, JSON] = {"name": collection.name, "writeSchema": write}
    if read is not None:
        spec["readSchema"] = read
    spec["key"] = list(collection.key)
    spec["uuidPtr"] = UUID_PTR
    partitions = [p["field"] for p in projections if p.get("isPartitionKey")]
    if partitions:
        spec["partitionFields"] = partitions
    spec["projections"] = projections
    spec["ackTemplate"] = ACK_TEMPLATE
    return spec


def _fail(collection: CollectionDef, problem: str) -> Any:
    """Raise a ConfigError about a collection, naming its file."""
    raise ConfigError(
        f"{collection.source}: collection {collection.name!r}: {problem}",
        fields={"file": str(collection.source), "collection": collection.name},
    )


# --------------------------------------------------------------------------------------
# Captures


def _endpoint_fields(endpoint: Endpoint) -> dict[str, JSON]:
    """`connectorType` and `config` of a task spec."""
    return {"connectorType": endpoint.connector_type, "config": endpoint.config}


def _paths(
    bindings: Sequence[Any],
    pointers: Sequence[str] | None,
    given: Sequence[Sequence[str]] | None,
    task: str,
) -> list[list[str]]:
    """Resource paths of the enabled bindings, from a Validated response or derived."""
    if given is not None:
        if len(given) != len(bindings):
            raise ConfigError(f"{task}: {len(given)} resource paths given for {len(bindings)} enabled bindings")
        return [list(p) for p in given]
    return [resource_path(b.resource, pointers) for b in bindings]


def capture_spec(
    catalog: Catalog,
    name: str,
    resource_path_pointers: Sequence[str] | None = None,
    *,
    resource_paths: Sequence[Sequence[str]] | None = None,
) -> dict[str, JSON]:
    """The CaptureSpec of a catalog capture (enabled bindings only), in Flow JSON form."""
    capture = catalog.capture(name)
    enabled = [b for b in capture.bindings if not b.disable]
    paths = _paths(enabled, resource_path_pointers, resource_paths, f"capture {name!r}")
    collections: dict[str, dict[str, JSON]] = {}
    bindings: list[dict[str, JSON]] = []
    for binding, path in zip(enabled, paths, strict=True):
        if binding.target not in collections:
            collections[binding.target] = collection_spec(catalog, binding.target)
        out: dict[str, JSON] = {"resourceConfig": binding.resource}
        if path:
            out["resourcePath"] = path
        out["collection"] = collections[binding.target]
        if binding.backfill:
            out["backfill"] = binding.backfill
        out["stateKey"] = state_key(path, binding.backfill)
        bindings.append(out)
    spec: dict[str, JSON] = {"name": capture.name, **_endpoint_fields(capture.endpoint)}
    if bindings:
        spec["bindings"] = bindings
    if capture.interval_seconds:
        spec["intervalSeconds"] = capture.interval_seconds
    if capture.redact_salt:
        spec["redactSalt"] = capture.redact_salt
    return spec


# --------------------------------------------------------------------------------------
# Materializations


def partition_selector(collection: str, partitions: JSON) -> dict[str, JSON]:
    """The journal LabelSelector of a binding source (collection label plus partition labels)."""
    include = [{"name": COLLECTION_LABEL, "value": collection}]
    exclude: list[dict[str, str]] = []
    if isinstance(partitions, dict):
        for side, out in (("include", include), ("exclude", exclude)):
            for field_, values in sorted((partitions.get(side) or {}).items()):
                for value in values if isinstance(values, list) else [values]:
                    out.append({"name": FIELD_LABEL_PREFIX + field_, "value": _encode_partition_value(value)})
    include.sort(key=lambda label: (label["name"], label["value"]))
    exclude.sort(key=lambda label: (label["name"], label["value"]))
    return {"include": {"labels": include}, "exclude": {"labels": exclude} if exclude else {}}


def _depth(ptr: str) -> int:
    """Number of tokens in a pointer."""
    return len(parse_pointer(ptr))


def default_field_selection(collection: Mapping[str, JSON], fields: FieldsDef) -> dict[str, JSON]:
    """A FieldSelection for a binding when the connector's constraints are not at hand.

    Keys are `groupBy` (else the collection key's canonical fields); values are the
    recommended fields (leaf locations down to the recommended depth, plus
    `flow_published_at`), plus `require`d fields, less `exclude`d ones; `document` is the
    root projection. This approximates Flow's selection for a connector that accepts every
    field; pass the selection Flow computed when the Validated constraints are known.
    """
    projections: dict[str, dict[str, JSON]] = {p["field"]: p for p in collection["projections"]}
    name = collection["name"]
    for kind, names in (("groupBy", fields.group_by), ("require", list(fields.require)), ("exclude", fields.exclude)):
        unknown = [f for f in names if f not in projections]
        if unknown:
            raise ConfigError(f"collection {name!r} has no field {unknown[0]!r} (named in fields.{kind})")

    keys = list(fields.group_by) or [ptr[1:] for ptr in collection["key"]]
    document = next((f for f, p in projections.items() if p.get("ptr", "") == ""), "")
    limit = None if fields.recommended is True else int(fields.recommended)

    def within(ptr: str) -> bool:
        return limit is None or _depth(ptr) <= limit

    values: set[str] = set()
    if fields.recommended is not False and limit != 0:
        ptrs = [p.get("ptr", "") for p in projections.values()]
        covered = {projections[k].get("ptr", "") for k in keys}
        # One field per location: an explicit (user-named) projection wins over the canonical one.
        ordered = sorted(projections.items(), key=lambda item: (not item[1].get("explicit"), item[0]))
        for field_, proj in ordered:
            ptr = proj.get("ptr", "")
            if field_ in keys or ptr == "" or ptr in covered or not within(ptr):
                continue
            if proj.get("inference", {}).get("exists") == "CANNOT":
                continue
            # A location with selected children is represented by them instead
            # (the publication timestamp is always recommended).
            if ptr != UUID_PTR and any(other.startswith(ptr + "/") and within(other) for other in ptrs):
                continue
            covered.add(ptr)
            values.add(field_)
    values.update(f for f in fields.require if f not in keys)
    values.difference_update(fields.exclude)
    values.discard(document)

    out: dict[str, JSON] = {"keys": keys}
    if values:
        out["values"] = sorted(values)
    if document and document not in fields.exclude:
        out["document"] = document
    config = {f: c for f, c in sorted(fields.require.items()) if c not in (None, {})}
    if config:
        out["fieldConfig"] = config
    return out


def _delta_updates(binding: MaterializationBindingDef) -> bool:
    """Delta updates as the resource config asks (`delta_updates: true`)."""
    return isinstance(binding.resource, dict) and binding.resource.get("delta_updates") is True


def materialization_spec(
    catalog: Catalog,
    name: str,
    field_selections: Sequence[Mapping[str, JSON]] | None = None,
    *,
    resource_path_pointers: Sequence[str] | None = None,
    resource_paths: Sequence[Sequence[str]] | None = None,
    delta_updates: Sequence[bool] | None = None,
) -> dict[str, JSON]:
    """The MaterializationSpec of a catalog materialization (enabled bindings only).

    `field_selections`, `resource_paths` and `delta_updates` are per enabled binding, as
    Flow derives them from the connector's Validated response; when absent, they are
    derived from the catalog alone.
    """
    mat = catalog.materialization(name)
    enabled = [b for b in mat.bindings if not b.disable]
    paths = _paths(enabled, resource_path_pointers, resource_paths, f"materialization {name!r}")
    for given, what in ((field_selections, "field selections"), (delta_updates, "delta-updates flags")):
        if given is not None and len(given) != len(enabled):
            raise ConfigError(f"materialization {name!r}: {len(given)} {what} given for {len(enabled)} bindings")
    collections: dict[str, dict[str, JSON]] = {}
    bindings: list[dict[str, JSON]] = []
    for index, (binding, path) in enumerate(zip(enabled, paths, strict=True)):
        source = binding.source
        if source.name not in collections:
            collections[source.name] = collection_spec(catalog, source.name)
        collection = collections[source.name]
        selection = (
            dict(field_selections[index])
            if field_selections is not None
            else default_field_selection(collection, binding.fields)
        )
        out: dict[str, JSON] = {"resourceConfig": binding.resource}
        if path:
            out["resourcePath"] = path
        out["collection"] = collection
        out["partitionSelector"] = partition_selector(source.name, source.partitions)
        if binding.priority:
            out["priority"] = binding.priority
        out["fieldSelection"] = selection
        if delta_updates[index] if delta_updates is not None else _delta_updates(binding):
            out["deltaUpdates"] = True
        out["journalReadSuffix"] = f"materialize/{mat.name}/{state_key(path, binding.backfill)}"
        if source.not_before:
            out["notBefore"] = source.not_before
        if source.not_after:
            out["notAfter"] = source.not_after
        if binding.backfill:
            out["backfill"] = binding.backfill
        out["stateKey"] = state_key(path, binding.backfill)
        bindings.append(out)
    spec: dict[str, JSON] = {"name": mat.name, **_endpoint_fields(mat.endpoint)}
    if bindings:
        spec["bindings"] = bindings
    return spec


# --------------------------------------------------------------------------------------
# Requests


def _protocol_key(catalog: Catalog, name: str) -> str:
    """The spec key of the task's protocol: `capture` or `materialization`."""
    return catalog.task_kind(name)


def _endpoint(catalog: Catalog, name: str) -> Endpoint:
    """The endpoint of a capture or materialization."""
    if _protocol_key(catalog, name) == "capture":
        return catalog.capture(name).endpoint
    return catalog.materialization(name).endpoint


def _build_spec(catalog: Catalog, name: str) -> dict[str, JSON]:
    """The task's spec with catalog-only defaults."""
    if _protocol_key(catalog, name) == "capture":
        return capture_spec(catalog, name)
    return materialization_spec(catalog, name)


def spec_request(catalog: Catalog, name: str) -> dict[str, JSON]:
    """`{"spec": ...}` for a capture or materialization."""
    return {"spec": _endpoint_fields(_endpoint(catalog, name))}


def discover_request(catalog: Catalog, name: str) -> dict[str, JSON]:
    """`{"discover": ...}` for a capture."""
    capture = catalog.capture(name)
    return {"discover": {"name": capture.name, **_endpoint_fields(capture.endpoint)}}


def _validate_binding(catalog: Catalog, binding: MaterializationBindingDef) -> dict[str, JSON]:
    """One binding of a materialize Validate request."""
    collection = collection_spec(catalog, binding.source.name)
    out: dict[str, JSON] = {"resourceConfig": binding.resource, "collection": collection}
    config = {f: c for f, c in sorted(binding.fields.require.items()) if c is not None}
    if config:
        out["fieldConfig"] = config
    if binding.backfill:
        out["backfill"] = binding.backfill
    out["groupBy"] = list(binding.fields.group_by) or [ptr[1:] for ptr in collection["key"]]
    return out


def validate_request(
    catalog: Catalog,
    name: str,
    *,
    last_spec: Mapping[str, JSON] | None = None,
    last_version: str | None = None,
) -> dict[str, JSON]:
    """`{"validate": ...}` for a capture or materialization (enabled bindings only)."""
    kind = _protocol_key(catalog, name)
    body: dict[str, JSON] = {"name": name, **_endpoint_fields(_endpoint(catalog, name))}
    bindings: list[dict[str, JSON]] = []
    if kind == "capture":
        for cb in catalog.capture(name).bindings:
            if cb.disable:
                continue
            item: dict[str, JSON] = {
                "resourceConfig": cb.resource,
                "collection": collection_spec(catalog, cb.target),
            }
            if cb.backfill:
                item["backfill"] = cb.backfill
            bindings.append(item)
    else:
        mat = catalog.materialization(name)
        bindings = [_validate_binding(catalog, mb) for mb in mat.bindings if not mb.disable]
    if bindings:
        body["bindings"] = bindings
    _put_last(body, kind, last_spec, last_version)
    return {"validate": body}


def _task_body(
    catalog: Catalog, name: str, spec: Mapping[str, JSON] | None, version: str | None
) -> tuple[str, dict[str, JSON]]:
    """(protocol key, `{<key>: spec, version}`): the given spec or the catalog-only one, versioned by its hash."""
    kind = _protocol_key(catalog, name)
    task = dict(spec) if spec is not None else _build_spec(catalog, name)
    return kind, {kind: task, "version": version or spec_version(task)}


def _put_last(body: dict[str, JSON], kind: str, last_spec: Mapping[str, JSON] | None, last_version: str | None) -> None:
    """Add the previously applied spec and version, when there was one."""
    if last_spec is not None:
        body["lastCapture" if kind == "capture" else "lastMaterialization"] = dict(last_spec)
    if last_version:
        body["lastVersion"] = last_version


def apply_request(
    catalog: Catalog,
    name: str,
    *,
    spec: Mapping[str, JSON] | None = None,
    version: str | None = None,
    last_spec: Mapping[str, JSON] | None = None,
    last_version: str | None = None,
    state: JSON = None,
) -> dict[str, JSON]:
    """`{"apply": ...}`; `spec` defaults to the catalog-only spec, `version` to its hash."""
    kind, body = _task_body(catalog, name, spec, version)
    _put_last(body, kind, last_spec, last_version)
    if state is not None:
        body["state"] = state
    return {"apply": body}


def open_request(
    catalog: Catalog,
    name: str,
    *,
    spec: Mapping[str, JSON] | None = None,
    version: str | None = None,
    state: JSON = None,
    range_: Mapping[str, int] | None = None,
) -> dict[str, JSON]:
    """`{"open": ...}` over the full key range; `state` defaults to `{}` (no prior state)."""
    _, body = _task_body(catalog, name, spec, version)
    body["range"] = {k: v for k, v in (range_ or FULL_RANGE).items() if v}
    body["state"] = state if state is not None else {}
    sealed = _endpoint(catalog, name).sealed_config
    if sealed is not None:
        body["sealedConfig"] = sealed
    return {"open": body}
