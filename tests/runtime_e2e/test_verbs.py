"""source-bigdata through every runtime verb, from its test.flow.yaml."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from flow_sdk.runtime.storage import journal

from .conftest import BIGDATA, bigdata_catalog, run_flow_sdk

pytestmark = pytest.mark.e2e

COLLECTIONS = ["acmeCo/bigdata/users", "acmeCo/bigdata/orders", "acmeCo/bigdata/events"]


def test_raw_spec_discover_validate_apply(tmp_path: Path) -> None:
    catalog = str(bigdata_catalog(tmp_path))
    spec = run_flow_sdk("raw", "spec", "--source", catalog, "--capture", BIGDATA)
    assert spec.returncode == 0, spec.stderr
    body = json.loads(spec.stdout)
    assert body["protocol"] == 3032023
    assert body["configSchema"]["required"] == ["data_name"]
    assert spec.stdout.startswith("{\n  "), "pretty-printed like flowctl raw"

    discovered = json.loads(run_flow_sdk("raw", "discover", "--source", catalog, "--capture", BIGDATA).stdout)
    names = [b["recommendedName"] for b in discovered["bindings"]]
    assert names == ["users", "orders", "events"]
    assert discovered["bindings"][0]["key"] == ["/id"]

    validated = json.loads(run_flow_sdk("raw", "validate", "--source", catalog, "--capture", BIGDATA).stdout)
    assert [b["resourcePath"] for b in validated["bindings"]] == [["users"], ["orders"], ["events"]]

    applied = run_flow_sdk("raw", "apply", "--source", catalog, "--capture", BIGDATA)
    assert applied.returncode == 0, applied.stderr
    assert isinstance(json.loads(applied.stdout), dict)


def test_discover_writes_bindings_and_schemas(tmp_path: Path) -> None:
    catalog = bigdata_catalog(tmp_path, bindings=1)  # users bound; orders and events to discover
    doc = yaml.safe_load(catalog.read_text())
    del doc["collections"]["acmeCo/bigdata/orders"], doc["collections"]["acmeCo/bigdata/events"]
    catalog.write_text(yaml.safe_dump(doc, sort_keys=False))

    done = run_flow_sdk("discover", "--source", str(catalog), "--capture", BIGDATA)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["addedBindings"] == ["acmeCo/bigdata/orders", "acmeCo/bigdata/events"]
    assert report["keptBindings"] == 1

    written = yaml.safe_load(catalog.read_text())
    bindings = written["captures"][BIGDATA]["bindings"]
    assert [b["target"] for b in bindings] == COLLECTIONS
    assert bindings[0] == doc["captures"][BIGDATA]["bindings"][0], "the existing binding is kept as it was"
    orders = written["collections"]["acmeCo/bigdata/orders"]
    assert orders["key"] == ["/id"]
    assert orders["schema"] == "orders.schema.yaml"
    schema = yaml.safe_load((tmp_path / "orders.schema.yaml").read_text())
    assert "amount" in schema["properties"]

    # The written catalog is complete: the new bindings validate, and a second discover adds nothing.
    again = json.loads(run_flow_sdk("discover", "--source", str(catalog), "--capture", BIGDATA).stdout)
    assert again["addedBindings"] == [] and again["keptBindings"] == 3


def _preview_lines(stdout: str) -> list[list[object]]:
    return [json.loads(line) for line in stdout.splitlines()]


def test_preview_sessions_limit_and_state(tmp_path: Path) -> None:
    catalog = str(bigdata_catalog(tmp_path, records=200))
    one = run_flow_sdk("preview", "--source", catalog, "--name", BIGDATA, "--output-state")
    assert one.returncode == 0, one.stderr
    lines = _preview_lines(one.stdout)
    docs = [line for line in lines if line[0] != "connectorState"]
    states = [line[1] for line in lines if line[0] == "connectorState"]
    assert len(docs) == 600
    assert {c for c, _ in docs} == set(COLLECTIONS)
    assert states and all(isinstance(s, dict) and "updated" in s for s in states)
    assert "step: preview" in one.stderr and "documents" in one.stderr

    # A second session reopens with the reduced state: incremental streams resume past their cursor,
    # the full-refresh stream captures everything again.
    two = _preview_lines(run_flow_sdk("preview", "--source", catalog, "--name", BIGDATA, "--sessions", "2").stdout)
    per = {c: sum(1 for name, _ in two if name == c) for c in COLLECTIONS}
    assert per == {"acmeCo/bigdata/users": 200, "acmeCo/bigdata/orders": 200, "acmeCo/bigdata/events": 400}

    limited = run_flow_sdk("preview", "--source", catalog, "--name", BIGDATA, "--limit", "25", "--no-progress")
    assert limited.returncode == 0, limited.stderr
    assert len(_preview_lines(limited.stdout)) == 25


def test_capture_into_journals_and_resume(tmp_path: Path) -> None:
    catalog = str(bigdata_catalog(tmp_path, records=500, bindings=2))
    state = tmp_path / "state"
    first = run_flow_sdk("capture", "--source", catalog, "--name", BIGDATA, "--state-dir", str(state))
    assert first.returncode == 0, first.stderr
    assert "step: capture" in first.stderr
    users = journal.journal_path(state, "acmeCo/bigdata/users")
    assert users.name == "acmeCo%2Fbigdata%2Fusers.jsonl"
    ids = [doc["id"] for _, doc in journal.read_documents(users)]
    assert ids == list(range(1, 501))

    # Running again resumes from the committed cursor: nothing new, nothing repeated.
    second = run_flow_sdk("capture", "--source", catalog, "--name", BIGDATA, "--state-dir", str(state))
    assert second.returncode == 0, second.stderr
    assert [doc["id"] for _, doc in journal.read_documents(users)] == ids


def test_preview_over_the_protobuf_codec(tmp_path: Path) -> None:
    catalog = bigdata_catalog(tmp_path, records=50)
    doc = yaml.safe_load(catalog.read_text())
    doc["captures"][BIGDATA]["endpoint"]["local"]["protobuf"] = True
    catalog.write_text(yaml.safe_dump(doc, sort_keys=False))
    done = run_flow_sdk("preview", "--source", str(catalog), "--name", BIGDATA, "--no-progress")
    assert done.returncode == 0, done.stderr
    lines = _preview_lines(done.stdout)
    assert len(lines) == 150
    assert lines[0] == ["acmeCo/bigdata/users", lines[0][1]] and lines[0][1]["id"] == 1  # type: ignore[index]


def test_discover_keeps_the_authors_comments_and_layout(tmp_path: Path) -> None:
    """Discover edits the catalog round trip: comments, flow mappings and quoting stay as written."""
    doc = yaml.safe_load(bigdata_catalog(tmp_path, bindings=1).read_text())
    endpoint = json.dumps(doc["captures"][BIGDATA]["endpoint"])  # JSON is YAML: one flow-style line
    users = json.dumps(doc["collections"]["acmeCo/bigdata/users"])
    text = (
        "# Our capture of the demo API. Keep this header.\n"
        "captures:\n"
        f"  {BIGDATA}:\n"
        f"    endpoint: {endpoint}  # local dev endpoint\n"
        "    bindings:\n"
        "      # users: the only stream we had at first\n"
        "      - resource: {stream: users, syncMode: incremental, cursorField: [updated_at]}\n"
        "        target: 'acmeCo/bigdata/users'\n"
        "collections:\n"
        f"  acmeCo/bigdata/users: {users}  # hand-tuned schema\n"
    )
    catalog = tmp_path / "flow.yaml"
    catalog.write_text(text)
    done = run_flow_sdk("discover", "--source", str(catalog), "--capture", BIGDATA)
    assert done.returncode == 0, done.stderr
    written = catalog.read_text()
    for kept in [
        "# Our capture of the demo API. Keep this header.\n",
        "  # local dev endpoint\n",
        "      # users: the only stream we had at first\n"
        "      - resource: {stream: users, syncMode: incremental, cursorField: [updated_at]}\n"
        "        target: 'acmeCo/bigdata/users'\n",
        "  # hand-tuned schema\n",
    ]:
        assert kept in written, (kept, written)
    parsed = yaml.safe_load(written)
    assert [b["target"] for b in parsed["captures"][BIGDATA]["bindings"]] == COLLECTIONS
    assert parsed["collections"]["acmeCo/bigdata/orders"]["schema"] == "orders.schema.yaml"
