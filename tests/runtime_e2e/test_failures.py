"""Misbehaving connectors get clear, specific errors; explicit acknowledgements follow commits."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from flow_sdk.runtime.storage import journal
from flow_sdk.runtime.storage.recovery_log import RecoveryLog

from .conftest import BAD, run_flow_sdk

pytestmark = pytest.mark.e2e


def _error(stderr: str) -> str:
    """The message of the last error record on stderr."""
    records = [json.loads(line) for line in stderr.splitlines() if line.startswith("{")]
    errors = [r for r in records if r.get("level") == "error"]
    assert errors, stderr
    return str(errors[-1]["msg"])


def _preview(catalog: Path, *extra: str) -> tuple[int, str, str]:
    done = run_flow_sdk("preview", "--source", str(catalog), "--name", BAD, *extra, timeout=60)
    return done.returncode, done.stdout, done.stderr


def test_schema_violation_names_collection_key_and_pointer(bad: Callable[..., Path]) -> None:
    code, stdout, stderr = _preview(bad("schema"))
    assert code == 1
    message = _error(stderr)
    assert "'test/things'" in message and "[7]" in message and "'/n'" in message, message
    assert stdout == "", "nothing of the failed transaction is printed"


def test_nonzero_exit_reports_code_and_last_error(bad: Callable[..., Path]) -> None:
    code, _, stderr = _preview(bad("exit"))
    assert code == 1
    message = _error(stderr)
    assert "exited with code 3" in message and "database exploded" in message, message


def test_crash_mid_line_reports_the_exit_not_the_torn_line(bad: Callable[..., Path]) -> None:
    code, _, stderr = _preview(bad("crash_torn"))
    assert code == 1
    message = _error(stderr)
    assert "exited with code 2" in message and "MemoryError: out of memory" in message, message


def test_hanging_connector_is_killed_after_timeout(bad: Callable[..., Path]) -> None:
    began = time.monotonic()
    code, _, stderr = _preview(bad("hang"), "--timeout", "1.5")
    assert code == 1
    assert time.monotonic() - began < 30
    message = _error(stderr)
    assert "no message for 1.5 seconds" in message and "killed" in message, message


def test_garbage_output_is_a_protocol_error_with_line_and_excerpt(bad: Callable[..., Path]) -> None:
    code, _, stderr = _preview(bad("garbage"), "--timeout", "20")
    assert code == 1
    message = _error(stderr)
    assert message.startswith("protocol error:"), message
    assert "line 3" in message and "this is not json" in message, message


@pytest.mark.parametrize(
    ("mode", "expected"),
    [
        ("before_opened", "response 'captured' before 'opened'"),
        ("binding", "names binding 5, but the capture has 1 binding(s)"),
        ("bad_state", "state.updated must be a JSON object"),
        ("array", "line 2: expected a JSON object (one message), got list"),
        ("wrong_variant_session", "response 'validated' is not valid in phase streaming"),
        ("null_checkpoint", "a capture response must set exactly one variant"),
    ],
)
def test_protocol_order_violations(bad: Callable[..., Path], mode: str, expected: str) -> None:
    code, _, stderr = _preview(bad(mode))
    assert code == 1
    message = _error(stderr)
    assert message.startswith("protocol error:") and expected in message, message


def test_wrong_response_variant_for_request(bad: Callable[..., Path]) -> None:
    done = run_flow_sdk("raw", "spec", "--source", str(bad("wrong_variant")), "--capture", BAD)
    assert done.returncode == 1
    message = _error(done.stderr)
    assert "response `validated` is not valid for request `spec`" in message and "expected spec" in message


def test_image_endpoint_without_docker_suggests_local(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    catalog = tmp_path / "image.flow.yaml"
    catalog.write_text(
        "captures:\n  test/img:\n    endpoint:\n      connector: {image: 'ghcr.io/estuary/source-x:dev', config: {}}\n"
        "    bindings: []\n"
    )
    monkeypatch.setenv("PATH", str(tmp_path))  # no docker binary: no engine reachable
    done = run_flow_sdk("raw", "spec", "--source", str(catalog), "--capture", "test/img")
    assert done.returncode == 1
    message = _error(done.stderr)
    assert "no docker engine is reachable" in message and "`local` endpoint" in message, message


def test_merge_patches_reduce_state_and_uncheckpointed_docs_are_dropped(
    bad: Callable[..., Path], tmp_path: Path
) -> None:
    state_dir = tmp_path / "state"
    done = run_flow_sdk("capture", "--source", str(bad("merge")), "--name", BAD, "--state-dir", str(state_dir))
    assert done.returncode == 0, done.stderr
    log = RecoveryLog(state_dir)
    state, checkpoints, _ = log.state(BAD)
    log.close()
    assert state == {"a": 1, "b": {"d": 2}}
    assert checkpoints == 2
    docs = [doc for _, doc in journal.read_documents(journal.journal_path(state_dir, "test/things"))]
    uuids = [doc.pop("_meta")["uuid"] for doc in docs]  # journals are stamped with /_meta/uuid
    assert docs == [{"id": 1}, {"id": 2}]
    assert len(set(uuids)) == 2


def test_explicit_acknowledgements_follow_the_commit(bad: Callable[..., Path], tmp_path: Path) -> None:
    state_dir = tmp_path / "state"
    catalog = bad("acks", state_dir)
    done = run_flow_sdk("capture", "--source", str(catalog), "--name", BAD, "--state-dir", str(state_dir))
    assert done.returncode == 0, done.stderr
    acks = [json.loads(line)["msg"] for line in done.stderr.splitlines() if '"ack ' in line]
    # The journal keeps each document's text as the connector wrote it (`{"id": N}`, with a space) and
    # splices the UUID in first: `{"_meta":{"uuid":"<36 characters>"},"id": N}\n` (66 bytes). Ack N
    # arrives once N lines are committed.
    assert acks == [f"ack {i} {{'acknowledge': {{'checkpoints': 1}}}} committed={66 * i}" for i in range(1, 4)], acks


def test_other_variants_and_own_meta_among_captured_documents(bad: Callable[..., Path], tmp_path: Path) -> None:
    """Documents around other variants keep their order; a document's own `_meta` keeps its fields."""
    state_dir = tmp_path / "state"
    done = run_flow_sdk("capture", "--source", str(bad("mixed")), "--name", BAD, "--state-dir", str(state_dir))
    assert done.returncode == 0, done.stderr
    docs = [doc for _, doc in journal.read_documents(journal.journal_path(state_dir, "test/things"))]
    metas = [doc.pop("_meta") for doc in docs]
    assert docs == [{"id": 1}, {"id": 2}, {"id": 3}]
    assert metas[1]["op"] == "d" and len({m["uuid"] for m in metas}) == 3
