"""Airbyte `spec` -> Flow capture `spec`: config schema, resource config schema, resource path pointers."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

# A binding names one Airbyte stream and how to sync it.
RESOURCE_CONFIG_SCHEMA: dict[str, Any] = {
    "$schema": "http://json-schema.org/draft-07/schema#",
    "title": "Airbyte Stream",
    "type": "object",
    "properties": {
        "stream": {"type": "string", "title": "Stream", "description": "Name of the Airbyte stream."},
        "syncMode": {
            "type": "string",
            "title": "Sync Mode",
            "enum": ["incremental", "full_refresh"],
            "description": "Read only new records (incremental) or the whole stream on every run (full_refresh).",
        },
        "namespace": {"type": "string", "title": "Namespace", "description": "Namespace of the stream, if any."},
        "cursorField": {
            "type": "array",
            "items": {"type": "string"},
            "title": "Cursor Field",
            "description": "Path of the cursor, for sources whose cursor the user chooses.",
        },
    },
    "required": ["stream", "syncMode"],
    "additionalProperties": False,
}

RESOURCE_PATH_POINTERS: list[str] = ["/namespace", "/stream"]


def flow_config_schema(connection_specification: Any) -> Any:
    """The Flow endpoint config schema of an Airbyte `connectionSpecification`.

    A copy, in which every `airbyte_secret: true` also carries Flow's `secret: true` so the
    runtime and UI treat the field as a secret.
    """
    if isinstance(connection_specification, Mapping):
        out = {key: flow_config_schema(value) for key, value in connection_specification.items()}
        if out.get("airbyte_secret") is True:
            out["secret"] = True
        return out
    if isinstance(connection_specification, list):
        return [flow_config_schema(item) for item in connection_specification]
    return connection_specification


def flow_spec(
    airbyte_spec: Mapping[str, Any], *, documentation_url: str | None = None, oauth2: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """The Flow `spec` fields of an Airbyte ConnectorSpecification (without `protocol`).

    `documentation_url` overrides the source's own; `oauth2` (Flow's OAuth2 spec) is passed through.
    """
    body: dict[str, Any] = {
        "configSchema": flow_config_schema(airbyte_spec.get("connectionSpecification") or {"type": "object"}),
        "resourceConfigSchema": RESOURCE_CONFIG_SCHEMA,
        "documentationUrl": documentation_url or str(airbyte_spec.get("documentationUrl") or ""),
        "resourcePathPointers": list(RESOURCE_PATH_POINTERS),
    }
    if oauth2 is not None:
        body["oauth2"] = dict(oauth2)
    return body
