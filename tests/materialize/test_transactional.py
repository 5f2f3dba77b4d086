"""The Transactional strategy, through the SQLite test destination run as a real subprocess."""

from __future__ import annotations

import base64
import os
import sqlite3
import struct
import subprocess
import sys
from pathlib import Path
from typing import Any

import orjson
import pytest

from flow_sdk import protojson

from .helpers import REPO, ConnectorProcess, binding, checkpoint, materialization, open_request, projection, store

MODULE = "tests.materialize.sqlite_dest"
pytestmark = [pytest.mark.e2e, pytest.mark.timeout(120)]


def spec(db: Path) -> dict[str, Any]:
    return materialization({"path": str(db)}, [binding({"table": "things"}, ["things"])])


def one_shot(request: dict[str, Any]) -> dict[str, Any]:
    p = ConnectorProcess(MODULE)
    p.send(request)
    msg = p.recv()
    rc, rest, err = p.finish()
    assert rc == 0 and rest == [], err
    return msg


def rows(db: Path) -> list[tuple[Any, ...]]:
    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT id, name, flow_document FROM things ORDER BY id").fetchall()


def commit_txn(
    p: ConnectorProcess,
    stores: list[dict[str, Any]],
    offset: int,
    loads: tuple[dict[str, Any], ...] | list[dict[str, Any]] = (),
) -> list[dict[str, Any]]:
    """Acknowledge, load, flush, store, startCommit; returns the loaded responses."""
    p.send({"acknowledge": {}})
    assert p.recv_kind("acknowledged") == {}
    p.send(*loads, {"flush": {}})
    loaded = []
    while True:
        msg = p.recv()
        if "flushed" in msg:
            break
        loaded.append(msg["loaded"])
    p.send(*stores, {"startCommit": {"runtimeCheckpoint": checkpoint(offset)}})
    assert p.recv_kind("startedCommit") == {}
    return loaded


@pytest.fixture()
def db(tmp_path: Path) -> Path:
    path = tmp_path / "dest.db"
    applied = one_shot({"apply": {"materialization": spec(path), "version": "v1"}})
    assert "CREATE TABLE" in applied["applied"]["actionDescription"]
    return path


def test_session_loads_stores_and_recovers_checkpoint(db: Path) -> None:
    p = ConnectorProcess(MODULE)
    p.send(open_request(spec(db)))
    assert p.recv_kind("opened") == {}  # nothing stored yet: the runtime uses its recovery log
    commit_txn(p, [store(0, {"id": 1, "name": "a"}), store(0, {"id": 2, "name": "b"})], 100)
    loaded = commit_txn(
        p,
        [store(0, {"id": 1, "name": "a2"}, exists=True), store(0, {"id": 2, "name": "b"}, exists=True, delete=True)],
        200,
        loads=[{"load": {"key": [1]}}, {"load": {"key": [2]}}, {"load": {"key": [3]}}],
    )
    assert sorted(orjson.dumps(m["doc"]) for m in loaded) == [b'{"id":1,"name":"a"}', b'{"id":2,"name":"b"}']
    rc, rest, err = p.finish()
    assert rc == 0 and rest == [], err
    assert rows(db) == [(1, "a2", '{"id":1,"name":"a2"}')]

    # A new session recovers the checkpoint the destination committed with the data.
    p = ConnectorProcess(MODULE)
    p.send(open_request(spec(db)))
    assert p.recv_kind("opened") == {"runtimeCheckpoint": checkpoint(200)}
    p.finish()


def test_uncommitted_stores_are_invisible_after_crash(db: Path) -> None:
    p = ConnectorProcess(MODULE)
    p.send(open_request(spec(db)))
    p.recv_kind("opened")
    commit_txn(p, [store(0, {"id": 1, "name": "a"})], 100)
    p.send({"acknowledge": {}})
    p.recv_kind("acknowledged")
    p.send({"flush": {}})
    p.recv_kind("flushed")
    p.send(store(0, {"id": 2, "name": "b"}))  # no startCommit: the process dies mid-transaction
    p.kill()
    assert [r[0] for r in rows(db)] == [1]
    p = ConnectorProcess(MODULE)
    p.send(open_request(spec(db)))
    assert p.recv_kind("opened") == {"runtimeCheckpoint": checkpoint(100)}
    p.finish()


def test_fenced_off_session_fails_without_committing(db: Path) -> None:
    zombie = ConnectorProcess(MODULE)
    zombie.send(open_request(spec(db)))
    zombie.recv_kind("opened")
    commit_txn(zombie, [store(0, {"id": 1, "name": "a"})], 100)

    # A newer session of the same key range opens and fences the zombie off.
    fresh = ConnectorProcess(MODULE)
    fresh.send(open_request(spec(db)))
    assert fresh.recv_kind("opened") == {"runtimeCheckpoint": checkpoint(100)}

    zombie.send(
        {"acknowledge": {}},
        {"flush": {}},
        store(0, {"id": 9, "name": "zombie"}),
        {"startCommit": {"runtimeCheckpoint": checkpoint(999)}},
    )
    rc, responses, err = zombie.finish()
    assert rc == 1
    assert [list(r) for r in responses] == [["acknowledged"], ["flushed"]]  # never startedCommit
    assert "fenced off" in err
    assert [r[0] for r in rows(db)] == [1]

    commit_txn(fresh, [store(0, {"id": 2, "name": "b"})], 150)
    fresh.finish()
    p = ConnectorProcess(MODULE)
    p.send(open_request(spec(db)))
    assert p.recv_kind("opened") == {"runtimeCheckpoint": checkpoint(150)}
    p.finish()


def test_protocol_violation_exits_with_clear_error(db: Path) -> None:
    p = ConnectorProcess(MODULE)
    p.send(open_request(spec(db)), {"acknowledge": {}}, store(0, {"id": 1, "name": "a"}))
    rc, responses, err = p.finish()
    assert rc == 1
    assert [list(r) for r in responses] == [["opened"], ["acknowledged"]]
    record = orjson.loads(err.strip().splitlines()[-1])
    assert record["level"] == "error"
    assert "protocol error" in record["msg"]
    assert record["fields"]["received"] == "store"
    assert record["fields"]["expected"] == "load | flush"


def test_validate_reports_incompatible_existing_column(db: Path) -> None:
    coll = {
        "name": "acmeCo/things",
        "key": ["/id"],
        "projections": [
            projection("id", "/id", ["integer"], key=True),
            projection("name", "/name", ["integer"]),  # the table has name TEXT
            projection("flow_document", "", ["object"]),
            projection("extra", "/extra", ["null"]),
        ],
    }
    msg = one_shot(
        {
            "validate": {
                "name": "acmeCo/mat",
                "config": {"path": str(db)},
                "bindings": [{"resourceConfig": {"table": "things"}, "collection": coll, "groupBy": ["id"]}],
            }
        }
    )
    (validated,) = msg["validated"]["bindings"]
    assert validated["resourcePath"] == ["things"]
    got = [(c["field"], c["constraint"]["type"]) for c in validated["projectionConstraints"]]
    assert got == [
        ("id", "FIELD_REQUIRED"),
        ("name", "FIELD_OPTIONAL"),
        ("name", "INCOMPATIBLE"),
        ("flow_document", "FIELD_REQUIRED"),
        ("extra", "FIELD_FORBIDDEN"),
    ]


def test_spec_carries_protocol_and_annotations(tmp_path: Path) -> None:
    msg = one_shot({"spec": {"connectorType": "LOCAL", "config": {}}})["spec"]
    assert msg["protocol"] == 3032023
    assert msg["resourceConfigSchema"]["properties"]["table"]["x-collection-name"] is True
    assert msg["resourceConfigSchema"]["properties"]["delta"]["x-delta-updates"] is True


def test_eof_ends_cleanly_mid_transaction(db: Path) -> None:
    p = ConnectorProcess(MODULE)
    p.send(open_request(spec(db)), {"acknowledge": {}}, {"load": {"key": [1]}})
    rc, responses, err = p.finish()
    assert rc == 0, err
    assert [list(r) for r in responses] == [["opened"], ["acknowledged"]]


def _packed(*elements: bytes) -> str:
    return base64.b64encode(b"".join(elements)).decode()


def test_protobuf_codec_with_packed_keys(db: Path) -> None:
    """The same session in the protobuf codec: packed keys and values, length-prefixed frames."""

    def frame(msg: dict[str, Any]) -> bytes:
        payload = protojson.encode("materialize", "request", msg)
        return struct.pack("<I", len(payload)) + payload

    one = b"\x15\x01"  # the tuple element for the integer 1
    requests = [
        open_request(spec(db)),
        {"acknowledge": {}},
        {"flush": {}},
        {"store": {"keyPacked": _packed(one), "valuesPacked": _packed(b"\x02ann\x00"), "doc": {"id": 1, "n": 1}}},
        {"startCommit": {"runtimeCheckpoint": checkpoint(5)}},
        {"acknowledge": {}},
        {"load": {"keyPacked": _packed(one)}},
        {"load": {"keyPacked": _packed(b"\x15\x02")}},
        {"flush": {}},
    ]
    proc = subprocess.run(
        [sys.executable, "-m", MODULE],
        cwd=REPO,
        input=b"".join(frame(m) for m in requests),
        capture_output=True,
        env={**os.environ, "FLOW_SDK_CODEC": "proto"},
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr.decode()
    out, responses = proc.stdout, []
    while out:
        (size,) = struct.unpack("<I", out[:4])
        responses.append(protojson.decode("materialize", "response", out[4 : 4 + size]))
        out = out[4 + size :]
    assert [next(iter(r)) for r in responses] == [
        "opened",
        "acknowledged",
        "flushed",
        "startedCommit",
        "acknowledged",
        "loaded",
        "flushed",
    ]
    assert responses[5] == {"loaded": {"doc": {"id": 1, "n": 1}}}
    assert rows(db) == [(1, "ann", '{"id":1,"n":1}')]
