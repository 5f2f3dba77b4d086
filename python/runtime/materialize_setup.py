"""Set a catalog materialization up as Flow does on publish: Validate, select fields, Apply, then Open.

Field selection from the connector's `validated` constraints, per binding: the group-by keys;
the catalog's recommended and `require`d fields (`specs.default_field_selection`) that the
connector allows, plus every field it requires; the root document when the connector lists it.
A field the user requires but the connector forbids (or doesn't list) is a ConfigError, as is
a required key field that is not allowed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..errors import ConfigError
from . import raw, specs
from .catalog import Catalog, FieldsDef
from .connector_process import ConnectorProcess

REQUIRED = frozenset({"FIELD_REQUIRED", "LOCATION_REQUIRED"})
ALLOWED = REQUIRED | {"LOCATION_RECOMMENDED", "FIELD_OPTIONAL"}
BLOCKING = frozenset({"FIELD_FORBIDDEN", "INCOMPATIBLE", "UNSATISFIABLE"})


def constraint_types(validated_binding: Mapping[str, Any]) -> dict[str, set[str]]:
    """Field -> every constraint type the connector gave it."""
    out: dict[str, set[str]] = {}
    for item in validated_binding.get("projectionConstraints") or []:
        kind = (item.get("constraint") or {}).get("type", "INVALID")
        out.setdefault(item["field"], set()).add(kind)
    return out


def select_fields(
    collection: Mapping[str, Any], fields: FieldsDef, validated_binding: Mapping[str, Any], where: str
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
    validated: dict[str, Any]
    applied: dict[str, Any]


def validated_spec(
    catalog: Catalog, name: str, validated: Mapping[str, Any], request: Mapping[str, Any]
) -> dict[str, Any]:
    """The MaterializationSpec built from a Validated response."""
    request_bindings: Sequence[Mapping[str, Any]] = request["validate"].get("bindings") or []
    paths = raw.validated_paths(validated, len(request_bindings))
    enabled = [b for b in catalog.materialization(name).bindings if not b.disable]
    selections = []
    deltas = []
    for index, (vb, rb, cb) in enumerate(
        zip(validated.get("bindings") or [], request_bindings, enabled, strict=True)
    ):
        where = f"materialization {name!r} binding {index} ({cb.source.name})"
        selections.append(select_fields(rb["collection"], cb.fields, vb, where))
        asked = isinstance(cb.resource, dict) and cb.resource.get("delta_updates") is True
        deltas.append(bool(vb.get("deltaUpdates")) or asked)
    return specs.materialization_spec(
        catalog, name, selections, resource_paths=paths, delta_updates=deltas
    )


def prepare(
    catalog: Catalog, name: str, start: Callable[[], ConnectorProcess], *, state: Any = None, apply: bool = True
) -> Prepared:
    """Validate, build the spec, and (unless `apply` is false) Apply it with the last state."""
    request = specs.validate_request(catalog, name)
    validated = raw.unary(start, request)
    spec = validated_spec(catalog, name, validated, request)
    version = specs.spec_version(spec)
    applied: dict[str, Any] = {}
    if apply:
        applied = raw.unary(start, specs.apply_request(catalog, name, spec=spec, version=version, state=state))
    return Prepared(spec, version, validated, applied)
