"""Airbyte catalogs <-> Flow bindings: discovered bindings, validation, the configured catalog."""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from typing import Any

from flow_sdk.errors import ConfigError
from flow_sdk.json_pointer import format_path, parse

ROW_ID_POINTER = "/_meta/row_id"

_META_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "op": {"enum": ["c", "u", "d"], "description": "Change operation: create, update or delete."},
        "row_id": {"type": "integer", "description": "Counter of the records this binding has captured."},
    },
    "required": ["op", "row_id"],
}


def key_pointers(primary_key: Sequence[Sequence[str]] | None) -> list[str]:
    """JSON pointers of an Airbyte `source_defined_primary_key` (a list of field paths)."""
    return [format_path(path) for path in primary_key or [] if path]


def _require(schema: dict[str, Any], path: Sequence[str]) -> None:
    """Make every property along `path` required and the key's leaf non-null, where the schema declares it."""
    node = schema
    for token in path:
        props = node.get("properties")
        if not isinstance(props, dict) or not isinstance(props.get(token), dict):
            return
        required = node.setdefault("required", [])
        if token not in required:
            required.append(token)
        node = props[token]
    kind = node.get("type")
    if isinstance(kind, list) and "null" in kind:
        node["type"] = [t for t in kind if t != "null"]


def document_schema(stream: Mapping[str, Any]) -> dict[str, Any]:
    """A stream's Flow document schema: its JSON schema, keys required, plus `_meta` (op, row_id)."""
    schema = copy.deepcopy(dict(stream.get("json_schema") or {}))
    schema.setdefault("type", "object")
    schema.pop("$schema", None)
    for path in stream.get("source_defined_primary_key") or []:
        _require(schema, path)
    schema.setdefault("properties", {})["_meta"] = _META_SCHEMA
    required = schema.setdefault("required", [])
    if "_meta" not in required:
        required.append("_meta")
    return schema


def resource_config(stream: Mapping[str, Any]) -> dict[str, Any]:
    """The recommended resource config of a discovered stream (incremental when it supports it)."""
    modes = stream.get("supported_sync_modes") or ["full_refresh"]
    config: dict[str, Any] = {
        "stream": stream["name"],
        "syncMode": "incremental" if "incremental" in modes else "full_refresh",
    }
    if stream.get("namespace"):
        config["namespace"] = stream["namespace"]
    if config["syncMode"] == "incremental" and stream.get("default_cursor_field"):
        config["cursorField"] = list(stream["default_cursor_field"])
    return config


def discovered_binding(stream: Mapping[str, Any]) -> dict[str, Any]:
    """One Flow discovered binding of an Airbyte stream; a stream without a primary key keys on `_meta/row_id`."""
    keys = key_pointers(stream.get("source_defined_primary_key"))
    binding: dict[str, Any] = {
        "recommendedName": stream["name"],
        "resourceConfig": resource_config(stream),
        "documentSchema": document_schema(stream),
        "key": keys or [ROW_ID_POINTER],
    }
    if not keys:
        binding["isFallbackKey"] = True
    return binding


def discovered_bindings(catalog: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The Flow discovered bindings of an Airbyte catalog, one per stream."""
    return [discovered_binding(stream) for stream in catalog.get("streams") or []]


def _stream_id(namespace: Any, name: Any) -> str:
    return f"{namespace}.{name}" if namespace else str(name)


def check_resources(catalog: Mapping[str, Any], resources: Sequence[Mapping[str, Any]]) -> None:
    """Raise ConfigError naming every binding whose stream is unknown or whose sync mode the stream lacks."""
    streams = {(s.get("namespace") or None, s["name"]): s for s in catalog.get("streams") or []}
    problems = []
    for index, resource in enumerate(resources):
        ident = (resource.get("namespace") or None, resource.get("stream"))
        stream = streams.get(ident)
        if stream is None:
            known = ", ".join(sorted(_stream_id(*k) for k in streams)) or "none"
            problems.append(f"binding {index}: unknown stream {_stream_id(*ident)!r} (the source has: {known})")
            continue
        modes = stream.get("supported_sync_modes") or ["full_refresh"]
        if resource.get("syncMode") not in modes:
            problems.append(
                f"binding {index}: stream {_stream_id(*ident)!r} does not support syncMode "
                f"{resource.get('syncMode')!r} (it supports {', '.join(modes)})"
            )
    if problems:
        raise ConfigError("; ".join(problems))


def _without_meta(schema: Any) -> dict[str, Any]:
    if not isinstance(schema, dict):
        return {"type": "object"}
    out = dict(schema)
    props = out.get("properties")
    if isinstance(props, dict) and "_meta" in props:
        out["properties"] = {k: v for k, v in props.items() if k != "_meta"}
        out["required"] = [r for r in out.get("required") or [] if r != "_meta"]
    return out


def configured_stream(resource: Mapping[str, Any], json_schema: Any, primary_key: Sequence[str]) -> dict[str, Any]:
    """An Airbyte ConfiguredAirbyteStream of one binding (its collection schema without `_meta`)."""
    mode = resource.get("syncMode", "full_refresh")
    stream: dict[str, Any] = {
        "name": resource["stream"],
        "json_schema": _without_meta(json_schema),
        "supported_sync_modes": [mode],
    }
    if resource.get("namespace"):
        stream["namespace"] = resource["namespace"]
    keys = [p for p in primary_key if p != ROW_ID_POINTER]
    configured: dict[str, Any] = {
        "stream": stream,
        "sync_mode": mode,
        "destination_sync_mode": "append_dedup" if keys and mode == "incremental" else "append",
        "cursor_field": list(resource.get("cursorField") or []),
    }
    if keys:
        configured["primary_key"] = [list(parse(p)) for p in keys]
    return configured


def configured_catalog(bindings: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """The ConfiguredAirbyteCatalog of an `open` request's bindings."""
    streams = []
    for binding in bindings:
        collection = binding.get("collection") or {}
        schema = collection.get("writeSchema") or collection.get("schema") or {}
        streams.append(configured_stream(binding.get("resourceConfig") or {}, schema, collection.get("key") or []))
    return {"streams": streams}


def sourced_schemas(catalog: Mapping[str, Any], bound: Sequence[tuple[str | None, str]]) -> dict[int, dict[str, Any]]:
    """The document schema of each bound `(namespace, stream)` the catalog declares, by binding index."""
    streams = {(s.get("namespace") or None, s["name"]): s for s in catalog.get("streams") or []}
    out = {}
    for index, ident in enumerate(bound):
        stream = streams.get(ident)
        if stream is not None and stream.get("json_schema"):
            out[index] = document_schema(stream)
    return out
