"""Set a catalog materialization up as Flow does on publish: Validate, select fields, Apply, then Open.

Field selection from the connector's `validated` constraints, per binding: the group-by keys;
the catalog's recommended and `require`d fields (`specs.default_field_selection`) that the
connector allows, plus every field it requires; the root document when the connector lists it.
A field the user requires but the connector forbids (or doesn't list) is a ConfigError, as is
a required key field that is not allowed.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from flow_sdk.errors import ConfigError
from flow_sdk.materialize import response
from flow_sdk.protocol.materialize import parse_body
from flow_sdk.runtime.catalog import specs
from flow_sdk.runtime.catalog.loader import Catalog, FieldsDef
from flow_sdk.runtime.connectors import raw
from flow_sdk.runtime.connectors.process import ConnectorProcess

REQUIRED = frozenset({"FIELD_REQUIRED", "LOCATION_REQUIRED"})
ALLOWED = REQUIRED | {"LOCATION_RECOMMENDED", "FIELD_OPTIONAL"}
BLOCKING = frozenset({"FIELD_FORBIDDEN", "INCOMPATIBLE", "UNSATISFIABLE"})


def constraint_types(validated_binding: response.Validated.Binding) -> dict[str, set[str]]:
    """Field -> every constraint type the connector gave it."""
    out: dict[str, set[str]] = {}
    for item in validated_binding.projection_constraints:
        kind = item.constraint.type.value if item.constraint is not None else "INVALID"
        out.setdefault(item.field, set()).add(kind)
    return out


def select_fields(
    collection: Mapping[str, Any], fields: FieldsDef, validated_binding: response.Validated.Binding, where: str
) -> dict[str, Any]:
    """The FieldSelection of one binding from the catalog's wishes and the connector's constraints."""
    wanted = specs.default_field_selection(collection, fields)
    types = constraint_types(validated_binding)

    def allowed(field: str) -> bool:
        kinds = types.get(field, set())
        return bool(kinds & ALLOWED) and not kinds & BLOCKING

    keys = list(wanted["keys"])
    for f in keys:
        if not allowed(f):
            raise ConfigError(f"{where}: key field {f!r} is not accepted by the connector: {sorted(types.get(f, []))}")
    for f in fields.require:
        if f not in keys and not allowed(f):
            raise ConfigError(f"{where}: field {f!r} is required by the catalog but the connector does not accept it")
    root = next((p["field"] for p in collection["projections"] if p.get("ptr", "") == ""), "")
    values = {f for f in wanted.get("values", []) if allowed(f)}
    values.update(f for f, k in types.items() if k & REQUIRED and f not in keys and not k & BLOCKING)
    values.difference_update(fields.exclude)
    document = wanted.get("document", "")
    if root and root in types and allowed(root) and root not in fields.exclude:
        document = root
    elif document and not allowed(document):
        document = ""
    # Other root projections are not values: the document is stored once.
    values = {f for f in values if f != document and f != root}
    out: dict[str, Any] = {"keys": keys}
    if values:
        out["values"] = sorted(values)
    if document:
        out["document"] = document
    if "fieldConfig" in wanted:
        out["fieldConfig"] = wanted["fieldConfig"]
    return out


@dataclass
class Prepared:
    """A materialization set up with its connector."""

    spec: dict[str, Any]
    version: str
    validated: response.Validated
    applied: response.Applied


def validated_spec(
    catalog: Catalog, name: str, validated: response.Validated, request: Mapping[str, Any]
) -> dict[str, Any]:
    """The MaterializationSpec built from a Validated response."""
    request_bindings: Sequence[Mapping[str, Any]] = request["validate"].get("bindings") or []
    paths = raw.validated_paths(validated.to_flow_json(), len(request_bindings))
    enabled = [b for b in catalog.materialization(name).bindings if not b.disable]
    selections = []
    deltas = []
    for index, (vb, rb, cb) in enumerate(zip(validated.bindings, request_bindings, enabled, strict=True)):
        where = f"materialization {name!r} binding {index} ({cb.source.name})"
        selections.append(select_fields(rb["collection"], cb.fields, vb, where))
        asked = isinstance(cb.resource, dict) and cb.resource.get("delta_updates") is True
        deltas.append(vb.delta_updates or asked)
    return specs.materialization_spec(catalog, name, selections, resource_paths=paths, delta_updates=deltas)


def request_digest(request: Mapping[str, Any]) -> str:
    """A digest of a Validate request: equal digests mean the same task, config and bindings."""
    return hashlib.sha256(orjson.dumps(request, option=orjson.OPT_SORT_KEYS)).hexdigest()


def cached_response(cache: Path | None, digest: str) -> dict[str, Any] | None:
    """The Validated response recorded for a request digest, if the cache file holds it."""
    if cache is None:
        return None
    try:
        entry = orjson.loads(cache.read_bytes())
    except (OSError, orjson.JSONDecodeError):
        return None
    if not isinstance(entry, dict) or entry.get("digest") != digest or not isinstance(entry.get("validated"), dict):
        return None
    return entry["validated"]  # type: ignore[no-any-return]


def remember_response(cache: Path, digest: str, validated: Mapping[str, Any]) -> None:
    """Record a task's Validated response under its request digest (atomically)."""
    cache.parent.mkdir(parents=True, exist_ok=True)
    partial = cache.with_name(cache.name + ".tmp")
    partial.write_bytes(orjson.dumps({"digest": digest, "validated": validated}))
    os.replace(partial, cache)  # atomic: a crash leaves the old entry or the new one


def prepare(
    catalog: Catalog,
    name: str,
    start: Callable[[], ConnectorProcess],
    *,
    state: Any = None,
    apply: bool = True,
    cache: Path | None = None,
) -> Prepared:
    """Validate, build the spec, and (unless `apply` is false) Apply it with the last state.

    With a `cache` file, a task whose Validate request is unchanged since its last successful
    Apply is neither validated nor applied again (Flow, too, applies on publish, not per run):
    restarts skip two connector launches. Any change to the catalog entry or config re-runs both.
    """
    request = specs.validate_request(catalog, name)
    digest = request_digest(request)
    known = cached_response(cache, digest) if apply else None
    validated_json = known if known is not None else raw.unary(start, request)
    validated = parse_body(response.Validated, validated_json)
    spec = validated_spec(catalog, name, validated, request)
    version = specs.spec_version(spec)
    applied = response.Applied()
    if apply and known is None:
        request = specs.apply_request(catalog, name, spec=spec, version=version, state=state)
        applied = parse_body(response.Applied, raw.unary(start, request))
        if cache is not None:
            remember_response(cache, digest, validated_json)
    return Prepared(spec, version, validated, applied)
