"""Resource config schemas and the annotations Flow reads from them.

Flow injects values at locations the resource config schema marks:
`x-collection-name: true` (required: where the collection's name goes, e.g. the table),
`x-schema-name: true` (optional: a schema/namespace), `x-delta-updates: true` (optional:
a boolean toggling delta updates). The resource path of a binding is built from the
values at those locations, in that order.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..errors import ConfigError

ANNOTATIONS = ("x-collection-name", "x-schema-name", "x-delta-updates")


def resource_config_schema(
    properties: Mapping[str, Any],
    *,
    collection_name: str,
    schema_name: str | None = None,
    delta_updates: str | None = None,
    required: tuple[str, ...] = (),
    title: str = "Resource",
) -> dict[str, Any]:
    """An object schema with the given properties, annotated at the named properties."""
    props = {name: dict(schema) for name, schema in properties.items()}
    for annotation, name in (
        ("x-collection-name", collection_name),
        ("x-schema-name", schema_name),
        ("x-delta-updates", delta_updates),
    ):
        if name is None:
            continue
        if name not in props:
            raise ValueError(f"{annotation} names property {name!r}, which the schema doesn't define")
        props[name][annotation] = True
    req = list(dict.fromkeys((collection_name, *required)))
    return {"title": title, "type": "object", "properties": props, "required": req}


def annotated_properties(schema: Mapping[str, Any]) -> dict[str, str]:
    """Map each annotation present in a (flat) resource schema to the property carrying it."""
    out: dict[str, str] = {}
    for name, prop in (schema.get("properties") or {}).items():
        for annotation in ANNOTATIONS:
            if isinstance(prop, Mapping) and prop.get(annotation) is True:
                out[annotation] = name
    return out


def resource_path(config: Mapping[str, Any], schema: Mapping[str, Any]) -> list[str]:
    """A binding's resource path: [schema name,] collection name, from the annotated properties."""
    where = annotated_properties(schema)
    if "x-collection-name" not in where:
        raise ValueError("the resource config schema has no x-collection-name property")
    name = config.get(where["x-collection-name"])
    if not isinstance(name, str) or not name:
        raise ConfigError(f"resource config needs a non-empty {where['x-collection-name']!r}")
    path = [name]
    if "x-schema-name" in where and config.get(where["x-schema-name"]):
        path.insert(0, str(config[where["x-schema-name"]]))
    return path


def delta_updates(config: Mapping[str, Any], schema: Mapping[str, Any], default: bool = False) -> bool:
    """The binding's delta-updates setting from the x-delta-updates property, else `default`."""
    where = annotated_properties(schema)
    if "x-delta-updates" in where and where["x-delta-updates"] in config:
        return bool(config[where["x-delta-updates"]])
    return default
