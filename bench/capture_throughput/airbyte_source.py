"""A minimal airbyte-cdk source emitting the same documents (runs in bench/.venvs/airbyte-cdk).

Usage: airbyte_source.py COUNT WORKDIR (writes config and catalog there, then runs `read`).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from airbyte_cdk.entrypoint import launch
from airbyte_cdk.models import ConnectorSpecification
from airbyte_cdk.sources import AbstractSource
from airbyte_cdk.sources.streams import Stream
from common import documents

SCHEMA = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "updated_at": {"type": "integer"},
        "name": {"type": "string"},
        "email": {"type": "string"},
        "country": {"type": "string"},
        "score": {"type": "number"},
        "active": {"type": "boolean"},
    },
}


class Users(Stream):
    """The users stream."""

    primary_key = "id"

    def __init__(self, count: int) -> None:
        self.count = count

    def get_json_schema(self) -> Mapping[str, Any]:
        return SCHEMA

    def read_records(
        self, sync_mode: Any, cursor_field: Any = None, stream_slice: Any = None, stream_state: Any = None
    ) -> Iterable[Mapping[str, Any]]:
        yield from documents(self.count)


class Bench(AbstractSource):
    """One stream."""

    def spec(self, logger: Any) -> ConnectorSpecification:
        return ConnectorSpecification(connectionSpecification={"type": "object"})

    def check_connection(self, logger: Any, config: Mapping[str, Any]) -> tuple[bool, Any]:
        return True, None

    def streams(self, config: Mapping[str, Any]) -> list[Stream]:
        return [Users(int(config["count"]))]


if __name__ == "__main__":
    count, work = int(sys.argv[1]), Path(sys.argv[2])
    (work / "config.json").write_text(json.dumps({"count": count}))
    stream = {"name": "users", "json_schema": SCHEMA, "supported_sync_modes": ["full_refresh"]}
    catalog = {"streams": [{"stream": stream, "sync_mode": "full_refresh", "destination_sync_mode": "overwrite"}]}
    (work / "catalog.json").write_text(json.dumps(catalog))
    launch(Bench(), ["read", "--config", str(work / "config.json"), "--catalog", str(work / "catalog.json")])
