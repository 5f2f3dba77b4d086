"""Command mode with a tap written on singer-python (its own virtualenv): older catalog and message shapes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from .conftest import HERE, journal_docs, run_flow_sdk, write_catalog

NAME = "acmeCo/counter/source-singer"
COUNTER, TICKS = "acmeCo/counter/counter", "acmeCo/counter/ticks"
pytestmark = pytest.mark.peer


def _catalog(tmp: Path, venv: Path, config: dict[str, Any]) -> str:
    tap = [str(venv / "bin" / "python"), str(HERE / "peer_taps" / "tap_counter.py")]
    endpoint = {
        "local": {"command": ["python", "-m", "flow_sdk.shim_singer_sdk", "--properties", "--", *tap], "config": config}
    }
    bindings = [
        {
            "resource": {"tap_stream_id": "counter", "replication_method": "INCREMENTAL", "replication_key": "id"},
            "target": COUNTER,
        },
        {"resource": {"tap_stream_id": "ticks", "replication_method": "FULL_TABLE"}, "target": TICKS},
    ]
    collections = {
        COUNTER: {
            "key": ["/id"],
            "schema": {
                "type": "object",
                "required": ["id"],
                "properties": {
                    "id": {"type": "integer"},
                    "square": {"type": "integer"},
                    "label": {"type": ["null", "string"]},
                },
            },
        },
        TICKS: {
            "key": ["/_meta/row_id"],
            "schema": {
                "type": "object",
                "required": ["_meta"],
                "properties": {
                    "tick": {"type": "integer"},
                    "_meta": {"type": "object", "required": ["row_id"], "properties": {"row_id": {"type": "integer"}}},
                },
            },
        },
    }
    return str(write_catalog(tmp / "flow.yaml", NAME, endpoint, bindings, collections))


def test_discover_validate_with_older_shapes(tmp_path: Path, singer_python_venv: Path) -> None:
    catalog = _catalog(tmp_path, singer_python_venv, {"count": 10})
    done = run_flow_sdk("raw", "discover", "--source", catalog, "--capture", NAME)
    assert done.returncode == 0, done.stderr
    counter, ticks = json.loads(done.stdout)["bindings"]
    assert counter["key"] == ["/id"] and counter["resourceConfig"]["replication_key"] == "id"
    assert ticks["key"] == ["/_meta/row_id"] and ticks["isFallbackKey"] is True
    assert ticks["resourceConfig"]["replication_method"] == "FULL_TABLE"
    validated = run_flow_sdk("raw", "validate", "--source", catalog, "--capture", NAME)
    assert validated.returncode == 0, validated.stderr
    assert json.loads(validated.stdout)["bindings"] == [{"resourcePath": ["counter"]}, {"resourcePath": ["ticks"]}]


def test_capture_then_incremental_resume_emits_each_record_once(tmp_path: Path, singer_python_venv: Path) -> None:
    state = tmp_path / "state"
    catalog = _catalog(tmp_path, singer_python_venv, {"count": 250, "state_every": 100})
    first = run_flow_sdk("capture", "--source", catalog, "--name", NAME, "--state-dir", str(state))
    assert first.returncode == 0, first.stderr
    assert [d["id"] for d in journal_docs(state, COUNTER)] == list(range(1, 251))
    assert [(d["tick"], d["_meta"]["row_id"]) for d in journal_docs(state, TICKS)] == [(0, 1), (1, 2), (2, 3)]
    assert "counter starts after id 0" in first.stderr, "the tap's log lines are forwarded"

    catalog = _catalog(tmp_path, singer_python_venv, {"count": 400, "state_every": 100})
    second = run_flow_sdk("capture", "--source", catalog, "--name", NAME, "--state-dir", str(state))
    assert second.returncode == 0, second.stderr
    assert "counter starts after id 250" in second.stderr
    assert [d["id"] for d in journal_docs(state, COUNTER)] == list(range(1, 401)), "each record exactly once"
    # FULL_TABLE reads the stream again; the fallback key keeps counting, so no document replaces another.
    assert [d["_meta"]["row_id"] for d in journal_docs(state, TICKS)] == [1, 2, 3, 4, 5, 6]


def test_a_failing_tap_fails_the_capture_with_its_message(tmp_path: Path, singer_python_venv: Path) -> None:
    state = tmp_path / "state"
    catalog = _catalog(tmp_path, singer_python_venv, {"count": 500, "state_every": 100, "fail_at": 321})
    done = run_flow_sdk("capture", "--source", catalog, "--name", NAME, "--state-dir", str(state))
    assert done.returncode != 0
    assert "the counter source went away at id 321" in done.stderr
    # What was checkpointed before the failure stays committed, and nothing after it.
    assert [d["id"] for d in journal_docs(state, COUNTER)] == list(range(1, 301))


def test_discover_reports_the_taps_own_error(tmp_path: Path, singer_python_venv: Path) -> None:
    catalog = _catalog(tmp_path, singer_python_venv, {"counted": 10})
    done = run_flow_sdk("raw", "discover", "--source", catalog, "--capture", NAME)
    assert done.returncode != 0
    assert "the tap's discovery failed (exit code 1)" in done.stderr
    assert "Config is missing required keys: ['count']" in done.stderr
