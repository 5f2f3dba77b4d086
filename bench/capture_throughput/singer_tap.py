"""A minimal singer-sdk tap emitting the same documents (runs in bench/.venvs/singer-sdk).

Usage: singer_tap.py COUNT WORKDIR (writes the config there, then runs the tap).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from common import documents
from singer_sdk import Stream, Tap
from singer_sdk import typing as th


class Users(Stream):
    """The users stream."""

    name = "users"
    primary_keys = ["id"]
    schema = th.PropertiesList(
        th.Property("id", th.IntegerType),
        th.Property("updated_at", th.IntegerType),
        th.Property("name", th.StringType),
        th.Property("email", th.StringType),
        th.Property("country", th.StringType),
        th.Property("score", th.NumberType),
        th.Property("active", th.BooleanType),
    ).to_dict()

    def get_records(self, context: Any) -> Iterable[dict[str, Any]]:
        yield from documents(int(self.config["count"]))


class BenchTap(Tap):
    """One stream."""

    name = "tap-bench"
    config_jsonschema = th.PropertiesList(th.Property("count", th.IntegerType)).to_dict()

    def discover_streams(self) -> list[Stream]:
        return [Users(self)]


if __name__ == "__main__":
    count, work = int(sys.argv[1]), Path(sys.argv[2])
    (work / "config.json").write_text(json.dumps({"count": count}))
    sys.argv = [sys.argv[0], "--config", str(work / "config.json")]
    BenchTap.cli()
