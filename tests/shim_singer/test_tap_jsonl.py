"""The real PyPI tap `tap-jsonl` (singer-sdk) through the local runtime, in process and as a command."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from flow_sdk.runtime.storage.recovery_log import RecoveryLog

from .conftest import journal_docs, run_flow_sdk
from .jsonl_catalog import EVENTS, NAME, jsonl_catalog, write_jsonl

pytestmark = pytest.mark.peer
MODES = ["in-process", "command"]
T0 = 1_700_000_000


@pytest.mark.parametrize("mode", MODES)
def test_spec_discover_validate(tmp_path: Path, jsonl_venv: Path, mode: str) -> None:
    write_jsonl(tmp_path, "a.jsonl", range(1, 4), T0)
    catalog = str(jsonl_catalog(tmp_path, jsonl_venv, mode))

    spec = run_flow_sdk("raw", "spec", "--source", catalog, "--capture", NAME)
    assert spec.returncode == 0, spec.stderr
    body = json.loads(spec.stdout)
    assert "path" in body["configSchema"]["required"] and "primary_keys" in body["configSchema"]["properties"]
    assert body["resourceConfigSchema"]["required"] == ["tap_stream_id"]
    assert body["resourcePathPointers"] == ["/tap_stream_id"]

    discovered = run_flow_sdk("raw", "discover", "--source", catalog, "--capture", NAME)
    assert discovered.returncode == 0, discovered.stderr
    (events,) = json.loads(discovered.stdout)["bindings"]
    assert events["recommendedName"] == "events" and events["key"] == ["/id"]
    assert events["resourceConfig"] == {
        "tap_stream_id": "events",
        "replication_method": "INCREMENTAL",
        "replication_key": "_sdc_last_modified",
    }
    assert {"id", "name", "amount", "_sdc_last_modified"} <= set(events["documentSchema"]["properties"])

    validated = run_flow_sdk("raw", "validate", "--source", catalog, "--capture", NAME)
    assert validated.returncode == 0, validated.stderr
    assert json.loads(validated.stdout)["bindings"] == [{"resourcePath": ["events"]}]


@pytest.mark.parametrize(
    ("resource", "message"),
    [
        (
            {"tap_stream_id": "events", "replication_method": "INCREMENTAL"},
            "INCREMENTAL replication needs a replication_key",
        ),
        ({"tap_stream_id": "orders"}, "the tap has no stream 'orders' (it has: events)"),
    ],
)
def test_validate_rejects_bad_bindings(
    tmp_path: Path, jsonl_venv: Path, resource: dict[str, str], message: str
) -> None:
    write_jsonl(tmp_path, "a.jsonl", range(1, 4), T0)
    path = jsonl_catalog(tmp_path, jsonl_venv, "in-process")
    doc = yaml.safe_load(path.read_text())
    doc["captures"][NAME]["bindings"][0]["resource"] = resource
    path.write_text(yaml.safe_dump(doc))
    done = run_flow_sdk("raw", "validate", "--source", str(path), "--capture", NAME)
    assert done.returncode != 0
    assert message in done.stderr


def test_discover_reports_config_errors(tmp_path: Path, jsonl_venv: Path) -> None:
    # In process the tap's settings schema is the endpoint config schema, checked before the tap runs.
    catalog = str(jsonl_catalog(tmp_path, jsonl_venv, "in-process", emit_state_every="often"))
    done = run_flow_sdk("raw", "discover", "--source", catalog, "--capture", NAME)
    assert done.returncode != 0
    assert "/emit_state_every: 'often' is not of type 'integer', 'null'" in done.stderr


@pytest.mark.parametrize("mode", MODES)
def test_capture_and_resume_from_the_taps_bookmark(tmp_path: Path, jsonl_venv: Path, mode: str) -> None:
    state = tmp_path / "state"
    write_jsonl(tmp_path, "a.jsonl", range(1, 1201), T0)
    catalog = str(jsonl_catalog(tmp_path, jsonl_venv, mode))
    first = run_flow_sdk("capture", "--source", catalog, "--name", NAME, "--state-dir", str(state))
    assert first.returncode == 0, first.stderr
    assert [d["id"] for d in journal_docs(state, EVENTS)] == list(range(1, 1201))
    assert "METRIC" not in first.stderr or mode == "command", "metrics lines stay out of our log at info level"

    log = RecoveryLog(state)
    saved, _, _ = log.state(NAME)
    log.close()
    bookmark = saved["bindingStateV1"]["events"]["bookmark"]
    assert bookmark["replication_key"] == "_sdc_last_modified"
    assert bookmark["replication_key_value"] == "2023-11-14T22:13:20+00:00"

    write_jsonl(tmp_path, "b.jsonl", range(1201, 1501), T0 + 60)
    second = run_flow_sdk("capture", "--source", catalog, "--name", NAME, "--state-dir", str(state))
    assert second.returncode == 0, second.stderr
    # The tap is handed back exactly the bookmark it wrote...
    assert "Starting incremental sync with bookmark value: 2023-11-14T22:13:20+00:00" in second.stderr
    ids = [d["id"] for d in journal_docs(state, EVENTS)]
    assert sorted(set(ids)) == list(range(1, 1501))
    # ...but tap-jsonl 0.3.1 reads its per-file bookmark from a key singer-sdk never writes, so it
    # re-reads a.jsonl on every run (the collection's key /id reduces those repeats).
    assert ids[1200:] == list(range(1, 1501))


def test_a_raised_backfill_counter_reads_the_stream_anew(tmp_path: Path, jsonl_venv: Path) -> None:
    state = tmp_path / "state"
    write_jsonl(tmp_path, "a.jsonl", range(1, 11), T0)
    first = run_flow_sdk(
        "capture",
        "--source",
        str(jsonl_catalog(tmp_path, jsonl_venv, "in-process")),
        "--name",
        NAME,
        "--state-dir",
        str(state),
    )
    assert first.returncode == 0, first.stderr
    again = jsonl_catalog(tmp_path, jsonl_venv, "in-process", backfill=1)
    second = run_flow_sdk("capture", "--source", str(again), "--name", NAME, "--state-dir", str(state))
    assert second.returncode == 0, second.stderr
    assert "Starting incremental sync with bookmark value: None" in second.stderr
    log = RecoveryLog(state)
    saved, _, _ = log.state(NAME)
    log.close()
    assert list(saved["bindingStateV1"]) == ["events.v1"], "the old state key is dropped"


@pytest.mark.parametrize("mode", MODES)
def test_a_failing_tap_fails_the_capture_with_its_message(tmp_path: Path, jsonl_venv: Path, mode: str) -> None:
    write_jsonl(tmp_path, "a.jsonl", range(1, 4), T0)
    (tmp_path / "data" / "z.jsonl").mkdir()  # matches the glob; discovery samples only the first file
    catalog = str(jsonl_catalog(tmp_path, jsonl_venv, mode, schema_sample_files=1))
    done = run_flow_sdk("capture", "--source", catalog, "--name", NAME, "--state-dir", str(tmp_path / "state"))
    assert done.returncode != 0
    assert "Is a directory" in done.stderr and "z.jsonl" in done.stderr
