"""Catalogs, expected rows and a pipeline driver for the `flow-sdk run` tests."""

from __future__ import annotations

import contextlib
import importlib
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import orjson
import yaml

REPO = Path(__file__).resolve().parents[2]
ENTRY = "import sys; from flow_sdk.cli import main; main(sys.argv[1:])"
CAPTURE = "acmeCo/bigdata/source-bigdata"
MATERIALIZATION = "acmeCo/bigdata/materialize-postgres"
generator: Any = importlib.import_module("source-bigdata.generator")

USERS_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["id", "updated_at", "name", "email", "country", "score", "active"],
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
# Documents of one id merge: `items` adds up (a lost or repeated document changes it), every
# other field is the last written value.
ORDERS_SCHEMA: dict[str, Any] = {
    "type": "object",
    "reduce": {"strategy": "merge"},
    "required": ["id", "updated_at", "user_id", "amount", "currency", "status", "items"],
    "properties": {
        "id": {"type": "integer"},
        "updated_at": {"type": "integer"},
        "user_id": {"type": "integer"},
        "amount": {"type": "number"},
        "currency": {"type": "string"},
        "status": {"type": "string"},
        "items": {"type": "integer", "reduce": {"strategy": "sum"}},
    },
}
COLUMNS = {
    "users": ["id", "updated_at", "name", "email", "country", "score", "active"],
    "orders": ["id", "updated_at", "user_id", "amount", "currency", "status", "items"],
}


def endpoint(dsn: str) -> dict[str, Any]:
    """materialize-postgres endpoint config for a DSN."""
    from flow_sdk.testing import postgres

    params = postgres.connect_params(dsn)
    host = params.get("host", "localhost")
    config: dict[str, Any] = {
        "address": f"{host}:{params['port']}" if params.get("port") else host,
        "user": params.get("user", "postgres"),
        "database": params["dbname"],
    }
    if params.get("password"):
        config["password"] = params["password"]
    return config


def source_config(records: int, key_space: int, per_checkpoint: int) -> dict[str, Any]:
    """source-bigdata's config for these tests."""
    return {
        "data_name": "pipeline",
        "seed": 11,
        "records_per_stream": records,
        "records_per_cursor": 10,
        "records_per_checkpoint": per_checkpoint,
        "key_space": key_space,
    }


def write_catalog(directory: Path, dsn: str, config: dict[str, Any]) -> Path:
    """users and orders from source-bigdata, materialized into PostgreSQL tables of the same names."""
    env = {"PYTHONPATH": str(REPO)}
    catalog = {
        "collections": {
            "acmeCo/bigdata/users": {"key": ["/id"], "schema": USERS_SCHEMA},
            "acmeCo/bigdata/orders": {"key": ["/id"], "schema": ORDERS_SCHEMA},
        },
        "captures": {
            CAPTURE: {
                "endpoint": {"local": {"command": ["python", "-m", "source-bigdata"], "env": env, "config": config}},
                "bindings": [
                    {
                        "resource": {"stream": s, "syncMode": "incremental", "cursorField": ["updated_at"]},
                        "target": f"acmeCo/bigdata/{s}",
                    }
                    for s in ("users", "orders")
                ],
            }
        },
        "materializations": {
            MATERIALIZATION: {
                "endpoint": {
                    "local": {"command": ["python", "-m", "materialize-postgres"], "env": env, "config": endpoint(dsn)}
                },
                "bindings": [{"resource": {"table": s}, "source": f"acmeCo/bigdata/{s}"} for s in ("users", "orders")],
            }
        },
    }
    path = directory / "flow.yaml"
    path.write_text(yaml.safe_dump(catalog))
    return path


def run_argv(catalog: Path, state: Path, *extra: str) -> list[str]:
    """The command line of `flow-sdk run` over a catalog and state directory."""
    return [sys.executable, "-c", ENTRY, "run", "--source", str(catalog), "--state-dir", str(state), *extra]


def start(argv: list[str], **kwargs: Any) -> subprocess.Popen[bytes]:
    """Start the pipeline as the leader of a new process group."""
    env = {k: v for k, v in os.environ.items() if k != "FLOW_SDK_FAULT"}
    return subprocess.Popen(argv, env=env, start_new_session=True, **kwargs)


def kill_group(proc: subprocess.Popen[bytes]) -> None:
    """SIGKILL the pipeline's whole process group (a machine crash, as far as it can tell)."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()


class Expected:
    """The reduced rows of a prefix of one stream's records, grown incrementally."""

    def __init__(self, stream: str, config: dict[str, Any]) -> None:
        self.stream = stream
        self.seed = generator.stream_seed(config["seed"], config["data_name"], stream)
        self.per_cursor = config["records_per_cursor"]
        self.key_space = config["key_space"]
        self.columns = COLUMNS[stream]
        self.records = 0
        self.rows: dict[int, tuple[Any, ...]] = {}

    def grow(self, records: int) -> None:
        """Reduce records up to `records` (1-based, inclusive) into the rows."""
        if records <= self.records:
            return
        rows, columns = self.rows, self.columns
        for doc in generator.GENERATORS[self.stream](
            self.seed, self.records + 1, records + 1, self.per_cursor, self.key_space
        ):
            row = tuple(doc[c] for c in columns)
            if self.stream == "orders" and doc["id"] in rows:
                row = (*row[:-1], rows[doc["id"]][-1] + doc["items"])
            rows[doc["id"]] = row
        self.records = records


def committed_records(state: Path, collection: str, checkpoint: Any) -> int:
    """How many journal documents of a collection the destination's checkpoint reads through."""
    from flow_sdk.runtime.storage.journal import journal_path

    through = int(((checkpoint or {}).get("sources") or {}).get(collection, {}).get("readThrough", 0))
    if not through:
        return 0
    with open(journal_path(state, collection), "rb") as f:
        data = f.read(through)
    return data.count(b"\n")


def _exists(conn: Any, table: str) -> bool:
    # to_regclass answers within the current snapshot, without an error that would end it.
    return bool(conn.execute("SELECT to_regclass(%s) IS NOT NULL", (table,)).fetchone()[0])


def destination_checkpoint(conn: Any) -> Any:
    """The runtime checkpoint materialize-postgres committed (None before its first commit)."""
    if not _exists(conn, "flow_checkpoints_v1"):
        return None
    row = conn.execute("SELECT checkpoint FROM flow_checkpoints_v1 WHERE checkpoint IS NOT NULL").fetchone()
    if row is None or not row[0]:
        return None
    return orjson.loads(row[0])


def table_rows(conn: Any, table: str) -> tuple[dict[int, tuple[Any, ...]], int]:
    """(id -> row of the compared columns, rows without a publication time) of a table."""
    if not _exists(conn, table):
        return {}, 0
    found = conn.execute(f"SELECT {', '.join(COLUMNS[table])}, flow_published_at IS NULL FROM {table}").fetchall()
    return {r[0]: tuple(r[:-1]) for r in found}, sum(1 for r in found if r[-1])


def mismatches(expected: dict[int, tuple[Any, ...]], actual: dict[int, tuple[Any, ...]]) -> int:
    """Keys missing, extra, or with another value."""
    return sum(1 for k in expected.keys() | actual.keys() if expected.get(k) != actual.get(k))
