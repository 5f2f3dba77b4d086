"""Resource config schemas and the annotations Flow reads from them.

Flow injects values at locations the resource config schema marks:
`x-collection-name: true` (required: where the collection's name goes, e.g. the table),
`x-schema-name: true` (optional: a schema/namespace), `x-delta-updates: true` (optional:
a boolean toggling delta updates). The resource path of a binding is built from the
values at those locations, in that order.

With a typed resource model, declare those properties with `collection_name_field`,
`schema_name_field` and `delta_updates_field`; `resource_path` and `delta_updates` then read the
model instance.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pydantic

from ..config import model_schema
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


def no_null_default(schema: dict[str, Any]) -> None:
    """A `json_schema_extra` hook: drop `"default": null` (an optional field whose schema has no null type)."""
    if "default" in schema and schema["default"] is None:
        del schema["default"]


def _annotated_field(annotation: str, default: Any, kwargs: dict[str, Any]) -> Any:
    extra = dict(kwargs.pop("json_schema_extra", None) or {})
    extra[annotation] = True

    def schema_extra(schema: dict[str, Any]) -> None:
        schema.update(extra)
        no_null_default(schema)

    return pydantic.Field(default, json_schema_extra=schema_extra, **kwargs)


def collection_name_field(default: Any = ..., **kwargs: Any) -> Any:
    """A resource model field marked `x-collection-name` (Flow puts the collection's name there)."""
    return _annotated_field("x-collection-name", default, kwargs)


def schema_name_field(default: Any = None, **kwargs: Any) -> Any:
    """A resource model field marked `x-schema-name` (a schema or namespace of the resource)."""
    return _annotated_field("x-schema-name", default, kwargs)


def delta_updates_field(default: bool = False, **kwargs: Any) -> Any:
    """A resource model field marked `x-delta-updates` (the binding's delta-updates toggle)."""
    return _annotated_field("x-delta-updates", default, kwargs)


def _config_and_schema(
    config: pydantic.BaseModel | Mapping[str, Any], schema: Mapping[str, Any] | None
) -> tuple[Mapping[str, Any], Mapping[str, Any]]:
    if isinstance(config, pydantic.BaseModel):
        return config.model_dump(by_alias=True), schema or model_schema(type(config))
    if schema is None:
        raise TypeError("a resource config dict needs its schema")
    return config, schema


def annotated_properties(schema: Mapping[str, Any]) -> dict[str, str]:
    """Map each annotation present in a (flat) resource schema to the property carrying it."""
    out: dict[str, str] = {}
    for name, prop in (schema.get("properties") or {}).items():
        for annotation in ANNOTATIONS:
            if isinstance(prop, Mapping) and prop.get(annotation) is True:
                out[annotation] = name
    return out


def resource_path(config: pydantic.BaseModel | Mapping[str, Any], schema: Mapping[str, Any] | None = None) -> list[str]:
    """A binding's resource path: [schema name,] collection name, from the annotated properties.

    `config` is a resource model instance (its own schema is used) or a dict with its `schema`.
    """
    config, schema = _config_and_schema(config, schema)
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


def delta_updates(
    config: pydantic.BaseModel | Mapping[str, Any], schema: Mapping[str, Any] | None = None, default: bool = False
) -> bool:
    """The binding's delta-updates setting from the x-delta-updates property, else `default`."""
    config, schema = _config_and_schema(config, schema)
    where = annotated_properties(schema)
    if "x-delta-updates" in where and where["x-delta-updates"] in config:
        return bool(config[where["x-delta-updates"]])
    return default
