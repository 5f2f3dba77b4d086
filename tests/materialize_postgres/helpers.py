"""Builders of Flow JSON form specs and drivers of the connector over the protocol, for these tests."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import orjson

from .conftest import REPO, connector_module

MATERIALIZATION = "acmeCo/tests/materialize-postgres"
FULL_RANGE = {"keyBegin": 0, "keyEnd": 4294967295, "rClockBegin": 0, "rClockEnd": 4294967295}


def projection(
    field: str,
    types: Sequence[str],
    *,
    required: bool = True,
    key: bool = False,
    fmt: str = "",
    encoding: str = "",
    numeric: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """A projection of top-level property `field` with the given inferred types."""
    inference: dict[str, Any] = {"types": list(types), "exists": "MUST" if required else "MAY"}
    if "string" in types:
        inference["string"] = {k: v for k, v in (("format", fmt), ("contentEncoding", encoding)) if v}
    if numeric:
        inference["numeric"] = dict(numeric)
    out: dict[str, Any] = {
        "field": field,
        "ptr": "/" + field.replace("~", "~0").replace("/", "~1"),
        "inference": inference,
    }
    if key:
        out["isPrimaryKey"] = True
    return out


def collection(name: str, projections: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """A CollectionSpec with the given projections plus the root document as `flow_document`."""
    keys = [p["ptr"] for p in projections if p.get("isPrimaryKey")]
    root = {"field": "flow_document", "ptr": "", "inference": {"types": ["object"], "exists": "MUST"}}
    return {"name": name, "key": keys, "projections": [*projections, root], "writeSchema": {"type": "object"}}


def binding(
    coll: Mapping[str, Any],
    table: str,
    *,
    values: Sequence[str] | None = None,
    delta: bool = False,
    schema: str = "public",
    backfill: int = 0,
) -> dict[str, Any]:
    """A materialization binding selecting the keys, `values` (default: every other field) and the document."""
    keys = [p["field"] for p in coll["projections"] if p.get("isPrimaryKey")]
    if values is None:
        values = [p["field"] for p in coll["projections"] if not p.get("isPrimaryKey") and p["ptr"]]
    resource: dict[str, Any] = {"table": table, "schema": schema}
    if delta:
        resource["delta_updates"] = True
    out: dict[str, Any] = {
        "resourceConfig": resource,
        "resourcePath": [schema, table],
        "collection": coll,
        "fieldSelection": {"keys": keys, "values": list(values), "document": "flow_document"},
    }
    if delta:
        out["deltaUpdates"] = True
    if backfill:
        out["backfill"] = backfill
    return out


def materialization(config: Mapping[str, Any], bindings: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """A MaterializationSpec."""
    return {"name": MATERIALIZATION, "connectorType": "LOCAL", "config": dict(config), "bindings": list(bindings)}


def checkpoint(n: int) -> dict[str, Any]:
    """A distinguishable consumer.Checkpoint (journal read-through offset n)."""
    return {"sources": {"acmeCo/tests/source;x": {"readThrough": str(n)}}}


def transaction(
    n: int, loads: Iterable[tuple[int, list[Any]]], stores: Iterable[dict[str, Any]]
) -> list[dict[str, Any]]:
    """The requests of one transaction: acknowledge, loads, flush, stores, startCommit(checkpoint n)."""
    out: list[dict[str, Any]] = [{"acknowledge": {}}]
    out += [{"load": {"binding": b, "key": k}} for b, k in loads]
    out.append({"flush": {}})
    out += [{"store": s} for s in stores]
    out.append({"startCommit": {"runtimeCheckpoint": checkpoint(n)}})
    return out


def store(
    key: list[Any], values: list[Any], doc: Any, *, binding: int = 0, exists: bool = False, delete: bool = False
) -> dict[str, Any]:
    """A store request body."""
    out: dict[str, Any] = {"key": key, "values": values, "doc": doc}
    if binding:
        out["binding"] = binding
    if exists:
        out["exists"] = True
    if delete:
        out["delete"] = True
    return out


def encode(messages: Iterable[Mapping[str, Any]]) -> bytes:
    """JSON lines."""
    return b"".join(orjson.dumps(m) + b"\n" for m in messages)


def serve(messages: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Run the connector in-process over these requests; returns its responses."""
    connector = connector_module("connector").PostgresConnector()
    out = io.BytesIO()
    connector.serve(io.BytesIO(encode(messages)), out)
    return [orjson.loads(line) for line in out.getvalue().splitlines()]


def spawn() -> subprocess.Popen[bytes]:
    """The connector as a subprocess speaking JSON on stdin/stdout."""
    env = dict(os.environ, FLOW_SDK_CODEC="json")
    return subprocess.Popen(
        [sys.executable, "-m", "materialize-postgres"],
        cwd=str(REPO),
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def kinds(responses: Sequence[Mapping[str, Any]]) -> list[str]:
    """The variant of each response."""
    return [next(iter(r)) for r in responses]


def rows(conn: Any, table: str, order_by: str = "1") -> list[tuple[Any, ...]]:
    """Every row of a table (psycopg connection), ordered."""
    return list(conn.execute(f"SELECT * FROM {table} ORDER BY {order_by}".encode()).fetchall())


class Driver:
    """Talks to a connector subprocess one request at a time (for kills at exact points)."""

    def __init__(self) -> None:
        self.proc = spawn()

    def send(self, *messages: Mapping[str, Any]) -> None:
        """Write requests and flush them to the connector."""
        assert self.proc.stdin is not None
        self.proc.stdin.write(encode(messages))
        self.proc.stdin.flush()

    def expect(self, kind: str) -> dict[str, Any]:
        """Read responses up to the next one of `kind` (skipping loaded/acknowledged/flushed); returns its body."""
        assert self.proc.stdout is not None
        while True:
            line = self.proc.stdout.readline()
            if not line:
                err = self.proc.stderr.read().decode() if self.proc.stderr else ""
                raise AssertionError(f"connector exited before {kind!r}: {err[-2000:]}")
            msg = orjson.loads(line)
            got = next(iter(msg))
            if got == kind:
                return msg[kind]  # type: ignore[no-any-return]
            if got not in ("loaded", "acknowledged", "flushed"):
                raise AssertionError(f"expected {kind!r}, got {msg!r}")

    def kill(self) -> None:
        """SIGKILL: no cleanup of any kind runs in the connector."""
        self.proc.kill()
        self.proc.wait()
        for stream in (self.proc.stdin, self.proc.stdout, self.proc.stderr):
            if stream is not None:
                stream.close()

    def finish(self) -> tuple[int, str]:
        """Close stdin; wait for exit; returns (exit code, stderr)."""
        _, err = self.proc.communicate(timeout=30)
        return self.proc.returncode, err.decode()
