"""Singer settings and catalogs as Flow sees them: spec schemas, discovered bindings, stream selection.

Pure functions over JSON values; both the in-process and the command mode use them. A Singer
catalog entry may come in the singer-sdk shape (`key_properties`, metadata with
`valid-replication-keys`, `forced-replication-method`) or the older singer-python shape (keys and
replication settings only in the breadcrumb-`[]` metadata, `selected` in the schema).
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..errors import ConfigError, RemoteProtocolError
from ..json_pointer import format_path

INCREMENTAL = "INCREMENTAL"
FULL_TABLE = "FULL_TABLE"
REPLICATION_METHODS = (INCREMENTAL, FULL_TABLE)
# The key of streams without `key_properties`: a per-binding counter the shim writes into each document.
ROW_ID_POINTER = "/_meta/row_id"

RESOURCE_CONFIG_SCHEMA: dict[str, Any] = {
    "type": "object",
    "title": "Singer stream",
    "properties": {
        "tap_stream_id": {"type": "string", "title": "Stream", "description": "The tap_stream_id of the stream."},
        "replication_method": {
            "type": "string",
            "enum": list(REPLICATION_METHODS),
            "default": FULL_TABLE,
            "title": "Replication method",
            "description": "INCREMENTAL resumes from the tap's bookmark; FULL_TABLE reads the stream anew each run.",
        },
        "replication_key": {
            "type": "string",
            "title": "Replication key",
            "description": "The field the tap bookmarks INCREMENTAL progress by.",
        },
    },
    "required": ["tap_stream_id"],
    "additionalProperties": False,
}
RESOURCE_PATH_POINTERS = ["/tap_stream_id"]


@dataclass(frozen=True)
class StreamInfo:
    """One stream of a tap's catalog, with the settings Flow needs from it."""

    tap_stream_id: str
    schema: dict[str, Any]
    key_properties: list[str]
    replication_keys: list[str]
    forced_method: str | None
    parent: str | None


@dataclass(frozen=True)
class Selection:
    """A bound stream: how the capture asks the tap to replicate it."""

    tap_stream_id: str
    method: str
    replication_key: str | None


def config_schema(settings: Any) -> dict[str, Any]:
    """The endpoint config schema from a tap's settings schema, its secrets marked `secret: true`.

    singer-sdk marks a secret with `writeOnly: true` (and `secret: true`); Flow reads `secret`.
    """
    if not isinstance(settings, dict) or not settings:
        return {"type": "object"}
    schema = copy.deepcopy(settings)
    _mark_secrets(schema)
    schema.setdefault("type", "object")
    return schema


def _mark_secrets(schema: Any) -> None:
    if isinstance(schema, dict):
        if schema.get("writeOnly") is True:
            schema["secret"] = True
        for value in schema.values():
            _mark_secrets(value)
    elif isinstance(schema, list):
        for item in schema:
            _mark_secrets(item)


def _root_metadata(entry: Mapping[str, Any]) -> dict[str, Any]:
    for item in entry.get("metadata") or []:
        if isinstance(item, dict) and list(item.get("breadcrumb") or []) == []:
            meta = item.get("metadata")
            return meta if isinstance(meta, dict) else {}
    return {}


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [str(v) for v in value]
    return []


def catalog_streams(catalog: Any) -> list[StreamInfo]:
    """The streams of a tap's catalog (`{"streams": [...]}`); RemoteProtocolError when it is malformed."""
    streams = catalog.get("streams") if isinstance(catalog, dict) else None
    if not isinstance(streams, list):
        raise RemoteProtocolError("the tap's catalog has no `streams` array", expected="{streams: [...]}")
    out = []
    for index, entry in enumerate(streams):
        if not isinstance(entry, dict) or not isinstance(entry.get("tap_stream_id") or entry.get("stream"), str):
            raise RemoteProtocolError(f"the tap's catalog stream {index} has no tap_stream_id")
        meta = _root_metadata(entry)
        keys = entry.get("key_properties")
        if keys is None:
            keys = meta.get("table-key-properties")
        replication_keys = _strings(meta.get("valid-replication-keys")) or _strings(entry.get("replication_key"))
        schema = entry.get("schema")
        out.append(
            StreamInfo(
                tap_stream_id=str(entry.get("tap_stream_id") or entry.get("stream")),
                schema=schema if isinstance(schema, dict) else {},
                key_properties=_strings(keys),
                replication_keys=replication_keys,
                forced_method=meta.get("forced-replication-method") or None,
                parent=meta.get("parent-tap-stream-id") or None,
            )
        )
    return out


def key_pointers(stream: StreamInfo) -> list[str]:
    """The collection key of a stream: its key properties as JSON pointers, or the row-id fallback."""
    if not stream.key_properties:
        return [ROW_ID_POINTER]
    return [format_path([field]) for field in stream.key_properties]


def document_schema(stream: StreamInfo) -> dict[str, Any]:
    """A stream's collection schema: the tap's schema with its key fields required (and `_meta/row_id`)."""
    schema = copy.deepcopy(stream.schema) or {"type": "object"}
    schema.pop("selected", None)
    if not stream.key_properties:
        properties = schema.setdefault("properties", {})
        properties["_meta"] = {
            "type": "object",
            "properties": {"row_id": {"type": "integer", "description": "The record's sequence in its binding."}},
            "required": ["row_id"],
        }
        required = ["_meta"]
    else:
        required = list(stream.key_properties)
    schema["required"] = sorted({*schema.get("required", []), *required})
    return schema


def default_method(stream: StreamInfo) -> str:
    """The replication method a discovered binding proposes."""
    if stream.forced_method in REPLICATION_METHODS:
        return str(stream.forced_method)
    return INCREMENTAL if stream.replication_keys else FULL_TABLE


def discovered_bindings(catalog: Any) -> list[dict[str, Any]]:
    """The `discovered` bindings of a tap's catalog (child streams too), in the tap's order."""
    bindings = []
    for stream in catalog_streams(catalog):
        method = default_method(stream)
        resource: dict[str, Any] = {"tap_stream_id": stream.tap_stream_id, "replication_method": method}
        if method == INCREMENTAL and stream.replication_keys:
            resource["replication_key"] = stream.replication_keys[0]
        binding: dict[str, Any] = {
            "recommendedName": stream.tap_stream_id,
            "resourceConfig": resource,
            "documentSchema": document_schema(stream),
            "key": key_pointers(stream),
            "resourcePath": [stream.tap_stream_id],
        }
        if not stream.key_properties:
            binding["isFallbackKey"] = True
        bindings.append(binding)
    return bindings


def selections(streams: Sequence[StreamInfo], resources: Sequence[Mapping[str, Any]]) -> list[Selection]:
    """Check the resource configs of bindings against the tap's streams; ConfigError naming the binding."""
    known = {s.tap_stream_id: s for s in streams}
    out = []
    for index, resource in enumerate(resources):
        name = resource.get("tap_stream_id")
        stream = known.get(name) if isinstance(name, str) else None
        if stream is None:
            raise ConfigError(
                f"binding {index}: the tap has no stream {name!r} (it has: {', '.join(sorted(known)) or 'none'})"
            )
        method = resource.get("replication_method") or FULL_TABLE
        if method not in REPLICATION_METHODS:
            raise ConfigError(f"binding {index} ({name}): replication_method must be one of {REPLICATION_METHODS}")
        key = resource.get("replication_key") or None
        if method == INCREMENTAL and not key:
            raise ConfigError(f"binding {index} ({name}): INCREMENTAL replication needs a replication_key")
        if key and stream.replication_keys and key not in stream.replication_keys:
            raise ConfigError(
                f"binding {index} ({name}): replication_key {key!r} is not one the tap offers "
                f"({', '.join(stream.replication_keys)})"
            )
        out.append(Selection(stream.tap_stream_id, method, key if method == INCREMENTAL else None))
    return out


def selected_catalog(catalog: Any, chosen: Sequence[Selection]) -> dict[str, Any]:
    """The tap's catalog with exactly the `chosen` streams selected, in every shape taps read.

    Sets breadcrumb-`[]` metadata (`selected`, `replication-method`, `replication-key`), the
    entry's own `replication_method`/`replication_key`, `selected` in the schema (older taps), and
    selects each available property.
    """
    by_id = {s.tap_stream_id: s for s in chosen}
    out = copy.deepcopy(catalog)
    for entry in out.get("streams") or []:
        pick = by_id.get(entry.get("tap_stream_id") or entry.get("stream"))
        _select_entry(entry, pick)
    return dict(out)


def _select_entry(entry: dict[str, Any], pick: Selection | None) -> None:
    selected = pick is not None
    metadata = entry.setdefault("metadata", [])
    if not any(list(item.get("breadcrumb") or []) == [] for item in metadata):
        metadata.append({"breadcrumb": [], "metadata": {}})
    for item in metadata:
        meta = item.setdefault("metadata", {})
        crumb = list(item.get("breadcrumb") or [])
        if crumb == []:
            meta["selected"] = selected
            if pick is not None:
                meta["replication-method"] = pick.method
                if pick.replication_key:
                    meta["replication-key"] = pick.replication_key
                else:
                    meta.pop("replication-key", None)
        elif meta.get("inclusion") != "unsupported":
            meta["selected"] = selected
    if isinstance(entry.get("schema"), dict):
        entry["schema"]["selected"] = selected
    if pick is not None:
        entry["replication_method"] = pick.method
        if pick.replication_key:
            entry["replication_key"] = pick.replication_key
        else:
            entry.pop("replication_key", None)
