"""Protocol order, state, fixtures, journals, raw verbs and preview of the materialization runtime."""

from __future__ import annotations

import io
import subprocess
from pathlib import Path
from typing import Any

import orjson
import pytest

from flow_sdk.errors import ConfigError, ProtocolError, RemoteProtocolError
from flow_sdk.runtime.catalog.loader import load_catalog
from flow_sdk.runtime.connectors.raw import run_verb
from flow_sdk.runtime.materialize.faults import Fault, parse_faults
from flow_sdk.runtime.materialize.run import preview_materialization, run_materialize
from flow_sdk.runtime.storage import recovery_log
from flow_sdk.runtime.storage.journal import journal_path
from flow_sdk.runtime.storage.journal_reader import load_fixture
from flow_sdk.runtime.storage.materialize_state import MaterializationLog, offsets_of
from flow_sdk.state import apply_connector_state

from .helpers import USERS, runtime_argv, write_catalog, write_fixture

pytestmark = pytest.mark.timeout(120)


# --- state, checkpoints, faults, fixtures ---------------------------------------------------


def test_connector_state_merges_and_replaces() -> None:
    state = {"pending": {"a": [1], "b": [2]}, "keep": 1}
    merged = apply_connector_state(state, {"updated": {"pending": {"a": None}}, "mergePatch": True}, "x")
    assert merged == {"pending": {"b": [2]}, "keep": 1}
    assert apply_connector_state(state, {"updated": {"new": 1}}, "x") == {"new": 1}
    assert apply_connector_state(state, None, "x") is state
    with pytest.raises(ProtocolError):
        apply_connector_state(state, [1], "flushed")


def test_checkpoint_offsets_and_log_roundtrip(tmp_path: Path) -> None:
    log = MaterializationLog(tmp_path, "acmeCo/mat")
    assert log.recover().transactions == 0
    log.commit({"sources": {USERS: {"readThrough": "42"}}}, {"s": 1}, 3)
    log.save_state({"s": 2})
    got = log.recover()
    assert offsets_of(got.checkpoint) == {USERS: 42} and got.state == {"s": 2} and got.transactions == 3
    with pytest.raises(ProtocolError):
        offsets_of({"sources": {USERS: {"readThrough": "x"}}})


def test_fault_spec_parsing() -> None:
    assert parse_faults("store:3, commit:1:connector") == [Fault("store", 3), Fault("commit", 1, "connector")]
    for bad in ("store", "nowhere:1", "store:0", "store:1:moon"):
        with pytest.raises(ConfigError):
            parse_faults(bad)


def test_fixture_formats(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text("acmeCo/users:\n  - {id: 1}\n  - {id: 2}\n")
    (tmp_path / "b.json").write_bytes(orjson.dumps({USERS: [{"id": 1}, {"id": 2}]}))
    (tmp_path / "c.jsonl").write_bytes(b'["acmeCo/users", {"id": 1}]\n["acmeCo/users", {"id": 2}]\n')
    want = {USERS: b'{"id":1}\n{"id":2}\n'}
    for name in ("a.yaml", "b.json", "c.jsonl"):
        assert load_fixture(tmp_path / name) == want
    (tmp_path / "d.jsonl").write_bytes(b'["acmeCo/users", {"id": 1}]\n{"id": 2}\n')
    with pytest.raises(ConfigError, match=r"d\.jsonl:2"):
        load_fixture(tmp_path / "d.jsonl")


# --- end to end with materialize-files over capture-written journals --------------------------


def files_catalog(tmp_path: Path) -> Path:
    return write_catalog(
        tmp_path,
        ["python", "-m", "materialize-files"],
        {"directory": str(tmp_path / "out"), "format": "jsonl"},
        {"path": "users"},
    )


def append_journal(state: Path, docs: list[dict[str, Any]]) -> None:
    """Append and commit documents the way `flow-sdk capture` does."""
    path = journal_path(state, USERS)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("ab") as f:
        f.write(b"".join(orjson.dumps(d) + b"\n" for d in docs))
    log = recovery_log.RecoveryLog(state)
    log.commit("acmeCo/capture", {}, 1, 1, {USERS: (path.name, path.stat().st_size)})
    log.close()


def rows(out: Path) -> list[int]:
    return sorted(
        orjson.loads(line)["id"] for p in (out / "users").glob("*.jsonl") for line in p.read_bytes().splitlines()
    )


@pytest.mark.e2e
def test_reads_committed_journals_and_resumes_beside_a_capture_lock(tmp_path: Path) -> None:
    catalog = load_catalog(files_catalog(tmp_path))
    state = tmp_path / "state"
    append_journal(state, [{"id": i, "name": "x"} for i in range(30)])
    # An uncommitted tail (a capture transaction in flight) must not be read.
    with journal_path(state, USERS).open("ab") as f:
        f.write(b'{"id": 999, "name": "uncommitted"}\n')
    with recovery_log.lock(state):  # a capture holding the directory doesn't block us
        first = run_materialize(catalog, "acmeCo/mat", state)
    assert (first.documents, first.transactions) == (30, 1)
    assert rows(tmp_path / "out") == list(range(30))
    journal_path(state, USERS).write_bytes(journal_path(state, USERS).read_bytes()[:-35])
    append_journal(state, [{"id": i, "name": "y"} for i in range(30, 50)])
    second = run_materialize(catalog, "acmeCo/mat", state)
    assert second.documents == 20 and second.transactions == 2
    assert rows(tmp_path / "out") == list(range(50))
    again = run_materialize(catalog, "acmeCo/mat", state)
    assert again.documents == 0


@pytest.mark.e2e
def test_cli_materialize_and_preview(tmp_path: Path) -> None:
    catalog = files_catalog(tmp_path)
    fixture = write_fixture(tmp_path / "docs.jsonl", [{"id": i, "name": "z"} for i in range(10)])
    done = subprocess.run(
        runtime_argv(catalog, tmp_path / "state", "--fixture", str(fixture), "--max-txn-docs", "4"),
        capture_output=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr.decode()[-2000:]
    summary = orjson.loads(done.stdout.splitlines()[-1])
    assert summary["transactions"] == 3 and summary["stores"] == 10
    assert summary["checkpoint"]["sources"][USERS]["readThrough"] == str(fixture.stat().st_size - 10 * 17)
    out = io.BytesIO()
    result = preview_materialization(load_catalog(catalog), "acmeCo/mat", fixture, transactions=1, out=out)
    lines = [orjson.loads(line) for line in out.getvalue().splitlines()]
    assert result.transactions == 1
    assert [line[0] for line in lines] == ["store"] * 10 + ["commit"]
    assert lines[0][2]["doc"] == {"id": 0, "name": "z"}


@pytest.mark.e2e
def test_raw_validate_and_apply_for_materializations(tmp_path: Path) -> None:
    catalog = load_catalog(files_catalog(tmp_path))
    validated = run_verb("validate", catalog, "acmeCo/mat")
    assert validated["bindings"][0]["deltaUpdates"] is True
    applied = run_verb("apply", catalog, "acmeCo/mat")
    assert "users" in applied.get("actionDescription", "")


# --- protocol violations by a connector -------------------------------------------------------


@pytest.mark.e2e
@pytest.mark.parametrize(
    ("mode", "message"),
    [
        ("loaded_after_flushed", "may not send 'loaded' outside of the load phase"),
        ("started_commit_early", "'startedCommit' without a startCommit"),
        ("unknown_binding", "loaded names binding 5"),
        ("double_opened", "'opened' twice"),
    ],
)
def test_protocol_violations_are_reported(tmp_path: Path, mode: str, message: str) -> None:
    catalog = write_catalog(
        tmp_path, ["python", "-m", "tests.materialize_runtime.fake_connector", mode], {}, {"name": "users"}
    )
    fixture = write_fixture(tmp_path / "docs.jsonl", [{"id": 1, "name": "a"}])
    with pytest.raises(RemoteProtocolError, match=message) as err:
        run_materialize(load_catalog(catalog), "acmeCo/mat", tmp_path / "state", fixture=fixture)
    assert err.value.received is not None
