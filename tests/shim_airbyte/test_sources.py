"""Real Airbyte sources from PyPI through the local runtime, in process and in command mode.

airbyte-source-faker (incremental, with state) and airbyte-source-hardcoded-records (full
refresh, no primary key) come from the peer virtualenv; the counter source is ours, on the real
airbyte-cdk, to cover GLOBAL and LEGACY state, a failing check and an error TRACE.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from .helpers import (
    COUNTER,
    FAKER,
    HARDCODED,
    MODES,
    counter_catalog,
    faker_catalog,
    hardcoded_catalog,
    journal_docs,
    run_flow_sdk,
)

pytestmark = [pytest.mark.peer, pytest.mark.timeout(900)]

FAKER_CONFIG: dict[str, Any] = {
    "count": 250,
    "seed": 3,
    "records_per_slice": 100,
    "parallelism": 2,
    "always_updated": False,
}


def _ok(done: Any) -> Any:
    assert done.returncode == 0, done.stderr[-3000:]
    return done


@pytest.mark.parametrize("mode", MODES)
def test_faker_spec_discover_validate(tmp_path: Path, peer: Path, mode: str) -> None:
    catalog = str(faker_catalog(tmp_path, peer, mode, FAKER_CONFIG, ["users", "products", "purchases"]))
    spec = json.loads(_ok(run_flow_sdk("raw", "spec", "--source", catalog, "--capture", FAKER)).stdout)
    assert spec["configSchema"]["properties"]["count"]["type"] == "integer"
    assert spec["resourceConfigSchema"]["required"] == ["stream", "syncMode"]
    assert spec["resourcePathPointers"] == ["/namespace", "/stream"]
    assert "faker" in spec["documentationUrl"]

    discovered = json.loads(_ok(run_flow_sdk("raw", "discover", "--source", catalog, "--capture", FAKER)).stdout)
    by_name = {b["recommendedName"]: b for b in discovered["bindings"]}
    assert set(by_name) == {"users", "products", "purchases"}
    for binding in by_name.values():
        assert binding["key"] == ["/id"]
        assert binding["resourceConfig"]["syncMode"] == "incremental"
        assert binding["resourceConfig"]["cursorField"] == ["updated_at"]
        assert "_meta" in binding["documentSchema"]["properties"]

    validated = json.loads(_ok(run_flow_sdk("raw", "validate", "--source", catalog, "--capture", FAKER)).stdout)
    assert [b["resourcePath"] for b in validated["bindings"]] == [["users"], ["products"], ["purchases"]]

    doc = yaml.safe_load(Path(catalog).read_text())
    doc["captures"][FAKER]["bindings"][1]["resource"] = {"stream": "nope", "syncMode": "incremental"}
    doc["captures"][FAKER]["bindings"][2]["resource"]["syncMode"] = "full_refresh"  # supported: no complaint
    Path(catalog).write_text(yaml.safe_dump(doc))
    bad = run_flow_sdk("raw", "validate", "--source", catalog, "--capture", FAKER)
    assert bad.returncode != 0
    assert "binding 1: unknown stream 'nope'" in bad.stderr and "binding 2" not in bad.stderr


@pytest.mark.parametrize("mode", MODES)
def test_faker_capture_then_resume_emits_nothing_checkpointed(tmp_path: Path, peer: Path, mode: str) -> None:
    catalog = str(faker_catalog(tmp_path, peer, mode, FAKER_CONFIG, ["users", "products"]))
    state = str(tmp_path / "state")
    _ok(run_flow_sdk("capture", "--source", catalog, "--name", FAKER, "--state-dir", state, "--no-progress"))
    users = journal_docs(Path(state), "acmeCo/faker/users")
    assert [d["id"] for d in users] == list(range(1, 251))
    assert [(d["_meta"]["op"], d["_meta"]["row_id"]) for d in users] == [("u", n) for n in range(250)]
    products = journal_docs(Path(state), "acmeCo/faker/products")
    assert products and len({d["id"] for d in products}) == len(products)

    _ok(run_flow_sdk("capture", "--source", catalog, "--name", FAKER, "--state-dir", state, "--no-progress"))
    assert journal_docs(Path(state), "acmeCo/faker/users") == users
    assert journal_docs(Path(state), "acmeCo/faker/products") == products


@pytest.mark.parametrize("mode", MODES)
def test_hardcoded_records_fallback_key_and_full_refresh(tmp_path: Path, peer: Path, mode: str) -> None:
    catalog = str(hardcoded_catalog(tmp_path, peer, mode, count=30))
    discovered = json.loads(_ok(run_flow_sdk("raw", "discover", "--source", catalog, "--capture", HARDCODED)).stdout)
    assert {b["recommendedName"] for b in discovered["bindings"]} == {"products", "customers", "dummy_fields"}
    for binding in discovered["bindings"]:
        assert binding["key"] == ["/_meta/row_id"] and binding["isFallbackKey"] is True
        assert binding["resourceConfig"]["syncMode"] == "full_refresh"

    doc = yaml.safe_load(Path(catalog).read_text())
    doc["captures"][HARDCODED]["bindings"][0]["resource"]["syncMode"] = "incremental"
    Path(tmp_path / "bad.flow.yaml").write_text(yaml.safe_dump(doc))
    bad = run_flow_sdk("raw", "validate", "--source", str(tmp_path / "bad.flow.yaml"), "--capture", HARDCODED)
    assert "stream 'products' does not support syncMode 'incremental' (it supports full_refresh)" in bad.stderr

    state = str(tmp_path / "state")
    for _ in range(2):
        _ok(run_flow_sdk("capture", "--source", catalog, "--name", HARDCODED, "--state-dir", state, "--no-progress"))
    for stream in ("products", "customers", "dummy_fields"):
        docs = journal_docs(Path(state), f"acmeCo/hardcoded/{stream}")
        # Each full refresh captures every record again, with row ids starting over (same keys).
        assert [d["_meta"]["row_id"] for d in docs] == list(range(30)) * 2
        assert {d["_meta"]["op"] for d in docs} == {"c"}


@pytest.mark.parametrize("state_type", ["STREAM", "GLOBAL", "LEGACY"])
@pytest.mark.parametrize("mode", MODES)
def test_counter_state_types_resume_exactly(tmp_path: Path, peer: Path, mode: str, state_type: str) -> None:
    config = {"count": 40, "every": 10, "state_type": state_type}
    catalog = counter_catalog(tmp_path, peer, mode, config)
    state = str(tmp_path / "state")
    first = _ok(run_flow_sdk("capture", "--source", str(catalog), "--name", COUNTER, "--state-dir", state))
    assert "a stray print from the counter source" in first.stderr

    # More data at the source: the next capture resumes after id 40, with nothing repeated or lost.
    catalog = counter_catalog(tmp_path, peer, mode, {**config, "count": 70})
    second = _ok(run_flow_sdk("capture", "--source", str(catalog), "--name", COUNTER, "--state-dir", state))
    assert "counter resumes at {'alpha': 40, 'beta': 40}" in second.stderr
    for stream in ("alpha", "beta"):
        docs = journal_docs(Path(state), f"acmeCo/counter/{stream}")
        assert [d["id"] for d in docs] == list(range(1, 71))
        assert [d["_meta"]["row_id"] for d in docs] == list(range(70))

    # A raised backfill counter on alpha resets its state and row counter; beta carries on.
    doc = yaml.safe_load(catalog.read_text())
    doc["captures"][COUNTER]["bindings"][0]["backfill"] = 1
    catalog.write_text(yaml.safe_dump(doc))
    _ok(run_flow_sdk("capture", "--source", str(catalog), "--name", COUNTER, "--state-dir", state))
    alpha = journal_docs(Path(state), "acmeCo/counter/alpha")
    assert [d["id"] for d in alpha] == list(range(1, 71)) * 2
    assert [d["_meta"]["row_id"] for d in alpha[70:]] == list(range(70))
    assert len(journal_docs(Path(state), "acmeCo/counter/beta")) == 70


@pytest.mark.parametrize("mode", MODES)
def test_counter_secrets_failing_check_and_error_trace(tmp_path: Path, peer: Path, mode: str) -> None:
    catalog = str(counter_catalog(tmp_path, peer, mode, {"count": 10, "fail_check": True}))
    spec = json.loads(_ok(run_flow_sdk("raw", "spec", "--source", catalog, "--capture", COUNTER)).stdout)
    assert spec["configSchema"]["properties"]["token"]["secret"] is True
    refused = run_flow_sdk("raw", "discover", "--source", catalog, "--capture", COUNTER)
    assert refused.returncode != 0 and "the counter refuses fail_check=true" in refused.stderr

    catalog = str(counter_catalog(tmp_path, peer, mode, {"count": 10, "fail_at": 5}))
    failed = run_flow_sdk("capture", "--source", catalog, "--name", COUNTER, "--state-dir", str(tmp_path / "s"))
    assert failed.returncode != 0 and "the counter failed at 5" in failed.stderr
