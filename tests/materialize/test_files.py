"""materialize-files (idempotent replay) over real subprocesses, including SIGKILL and replay."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import orjson
import pytest

from .helpers import (
    ConnectorProcess,
    binding,
    checkpoint,
    collection,
    materialization,
    open_request,
    projection,
    reduce_state,
    store,
)

MODULE = "materialize-files"
pytestmark = [pytest.mark.e2e, pytest.mark.timeout(120)]


def spec(root: Path, fmt: str = "jsonl") -> dict[str, Any]:
    return materialization(
        {"directory": str(root), "format": fmt},
        [
            binding({"path": "users"}, ["users"], delta=True),
            binding({"path": "nested/events"}, ["nested/events"], delta=True, values=[], document="flow_document"),
        ],
    )


def one_shot(request: dict[str, Any]) -> dict[str, Any]:
    p = ConnectorProcess(MODULE)
    p.send(request)
    msg = p.recv()
    rc, rest, err = p.finish()
    assert rc == 0 and rest == [], err
    return msg


def data_files(directory: Path) -> list[Path]:
    return sorted(p for p in directory.iterdir() if not p.name.startswith("_"))


def lines(path: Path) -> list[Any]:
    return [orjson.loads(line) for line in path.read_bytes().splitlines()]


def run_until_started_commit(p: ConnectorProcess, stores: list[dict[str, Any]], offset: int) -> dict[str, Any]:
    """One transaction up to startedCommit; returns the startedCommit body."""
    p.send({"acknowledge": {}})
    p.recv_kind("acknowledged")
    p.send({"flush": {}})
    p.recv_kind("flushed")
    p.send(*stores, {"startCommit": {"runtimeCheckpoint": checkpoint(offset)}})
    return p.recv_kind("startedCommit")


TXN1 = [
    store(0, {"id": 1, "name": "ann"}),
    store(1, {"id": 7, "kind": "x"}, values=()),
    store(0, {"id": 2, "name": "bob"}),
]
TXN2 = [store(0, {"id": 3, "name": "cy"})]


@pytest.fixture()
def root(tmp_path: Path) -> Path:
    out = tmp_path / "out"
    applied = one_shot({"apply": {"materialization": spec(out), "version": "v1"}})["applied"]
    assert "created directory" in applied["actionDescription"]
    return out


def test_crash_after_started_commit_then_replay(root: Path) -> None:
    p = ConnectorProcess(MODULE)
    p.send(open_request(spec(root)))
    assert p.recv_kind("opened") == {}
    started = run_until_started_commit(p, TXN1, 100)
    state = reduce_state(None, started["state"])
    (ops,) = state["pending"].values()
    assert len(ops) == 2
    p.kill()  # the recovery log committed the transaction, the connector never saw acknowledge

    assert data_files(root / "users") == []  # staged, not yet published
    staged = list((root / ".flow-staging").rglob("*.jsonl"))
    assert len(staged) == 2

    # The restarted session publishes the pending files before answering opened.
    p = ConnectorProcess(MODULE)
    p.send(open_request(spec(root), state))
    assert p.recv_kind("opened") == {}
    (users,) = data_files(root / "users")
    assert lines(users) == [
        {"id": 1, "name": "ann", "flow_document": {"id": 1, "name": "ann"}},
        {"id": 2, "name": "bob", "flow_document": {"id": 2, "name": "bob"}},
    ]
    (events,) = data_files(root / "nested" / "events")
    assert lines(events) == [{"id": 7, "flow_document": {"id": 7, "kind": "x"}}]
    # ...and the first acknowledge clears the pending operations from the state.
    p.send({"acknowledge": {}})
    ack = p.recv_kind("acknowledged")
    state = reduce_state(state, ack["state"])
    assert state == {"pending": {}}
    rc, _, err = p.finish()
    assert rc == 0, err

    # A stale state (pending ops already applied) is harmless: applying twice changes nothing.
    stale = reduce_state(None, started["state"])
    p = ConnectorProcess(MODULE)
    p.send(open_request(spec(root), stale))
    p.recv_kind("opened")
    p.finish()
    assert data_files(root / "users") == [users]
    assert len(lines(users)) == 2


def test_crash_before_commit_drops_staged_files_and_replays_exactly(root: Path) -> None:
    p = ConnectorProcess(MODULE)
    p.send(open_request(spec(root)))
    p.recv_kind("opened")
    started = run_until_started_commit(p, TXN1, 100)
    p.send({"acknowledge": {}})
    state = reduce_state(reduce_state(None, started["state"]), p.recv_kind("acknowledged")["state"])
    assert len(data_files(root / "users")) == 1  # published at acknowledge

    p.send({"flush": {}})
    p.recv_kind("flushed")
    p.send(*TXN2)  # dies before startCommit: the transaction never committed
    p.kill()

    p = ConnectorProcess(MODULE)
    p.send(open_request(spec(root), state))
    p.recv_kind("opened")
    assert list((root / ".flow-staging").rglob("*.jsonl")) == []  # the orphan is gone
    started = run_until_started_commit(p, TXN2, 200)  # the runtime replays the transaction
    p.send({"acknowledge": {}})
    p.recv_kind("acknowledged")
    rc, _, err = p.finish()
    assert rc == 0, err
    files = data_files(root / "users")
    assert [[row["id"] for row in lines(f)] for f in files] == [[1, 2], [3]]


def test_apply_publishes_pending_files(root: Path) -> None:
    p = ConnectorProcess(MODULE)
    p.send(open_request(spec(root)))
    p.recv_kind("opened")
    state = reduce_state(None, run_until_started_commit(p, TXN2, 100)["state"])
    p.kill()
    applied = one_shot({"apply": {"materialization": spec(root), "version": "v2", "state": state}})["applied"]
    assert "published" in applied["actionDescription"]
    assert reduce_state(state, applied["state"]) == {"pending": {}}
    (users,) = data_files(root / "users")
    assert [row["id"] for row in lines(users)] == [3]


def test_csv_files_and_incompatible_recorded_column(tmp_path: Path) -> None:
    root = tmp_path / "csv"
    one_shot({"apply": {"materialization": spec(root, "csv"), "version": "v1"}})
    p = ConnectorProcess(MODULE)
    p.send(open_request(spec(root, "csv")))
    p.recv_kind("opened")
    run_until_started_commit(p, [store(0, {"id": 1, "name": "a,b"}), store(0, {"id": 2, "name": None})], 10)
    p.send({"acknowledge": {}})
    p.recv_kind("acknowledged")
    p.finish()
    (users,) = data_files(root / "users")
    with users.open(newline="") as f:
        assert list(csv.reader(f)) == [
            ["id", "name", "flow_document"],
            ["1", "a,b", '{"id":1,"name":"a,b"}'],
            ["2", "", '{"id":2,"name":null}'],
        ]

    # The collection's `name` became an integer: the recorded string column can't take it.
    coll = collection(extra=[projection("blank", "/blank", ["null"])])
    coll["projections"][1] = projection("name", "/name", ["integer"])
    msg = one_shot(
        {
            "validate": {
                "name": "acmeCo/mat",
                "config": {"directory": str(root), "format": "csv"},
                "bindings": [{"resourceConfig": {"path": "users"}, "collection": coll, "groupBy": ["id"]}],
            }
        }
    )
    (validated,) = msg["validated"]["bindings"]
    assert validated["deltaUpdates"] is True
    assert validated["resourcePath"] == ["users"]
    got = [(c["field"], c["constraint"]["type"]) for c in validated["projectionConstraints"]]
    assert got == [
        ("id", "FIELD_REQUIRED"),
        ("name", "FIELD_OPTIONAL"),
        ("name", "INCOMPATIBLE"),
        ("flow_document", "FIELD_REQUIRED"),
        ("blank", "FIELD_FORBIDDEN"),
    ]
    reason = next(
        c["constraint"]["reason"]
        for c in validated["projectionConstraints"]
        if c["constraint"]["type"] == "INCOMPATIBLE"
    )
    assert "existing column has type string" in reason


def test_bad_config_is_a_clear_error(tmp_path: Path) -> None:
    p = ConnectorProcess(MODULE)
    p.send({"validate": {"name": "m", "config": {"format": "xml"}, "bindings": []}})
    rc, responses, err = p.finish()
    assert rc == 1 and responses == []
    assert "configuration error" in err and "directory" in err
