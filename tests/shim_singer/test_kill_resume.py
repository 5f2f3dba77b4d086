"""SIGKILL a tap-jsonl capture (in process and as a command) at random moments: nothing committed is lost or torn.

tap-jsonl re-reads every file each run (once per state partition it is handed back, even), so
the check after each kill is the one that can fail:
a file whose bookmark the committed state holds must have every record in the committed journal
(state never runs ahead of documents), and the journal holds only whole, valid documents.
"""

from __future__ import annotations

import contextlib
import os
import random
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest

from flow_sdk.runtime.storage.recovery_log import RecoveryLog

from .conftest import flow_sdk_argv, journal_docs, run_flow_sdk
from .jsonl_catalog import EVENTS, NAME, jsonl_catalog, write_jsonl

pytestmark = [pytest.mark.peer, pytest.mark.campaign]
KILLS = 20
FILES, PER_FILE = 6, 5000
T0 = 1_700_000_000


def _journal_size(state: Path) -> int:
    return sum(p.stat().st_size for p in (state / "journals").glob("*.jsonl")) if (state / "journals").exists() else 0


def _committed_state(state: Path) -> Any:
    if not (state / "recovery.db").exists():
        return {}
    log = RecoveryLog(state)
    try:
        return log.state(NAME)[0]
    finally:
        log.close()


def _check_state_not_ahead(state: Path, files: dict[str, range]) -> int:
    """Every file the committed bookmark finished has all its records committed; returns how many it finished."""
    bookmark = (_committed_state(state).get("bindingStateV1") or {}).get("events", {}).get("bookmark") or {}
    ids = {d["id"] for d in journal_docs(state, EVENTS)}
    finished = 0
    for partition in bookmark.get("partitions") or []:
        if "replication_key_value" in partition:
            wanted = files[partition["context"]["_sdc_filename"]]
            assert set(wanted) <= ids, f"state committed for {partition['context']} ahead of its documents"
            finished += 1
    return finished


def test_random_sigkills_lose_nothing(tmp_path: Path, jsonl_venv: Path) -> None:
    rng = random.Random(20261203)
    files = {}
    for n in range(FILES):
        ids = range(n * PER_FILE + 1, (n + 1) * PER_FILE + 1)
        write_jsonl(tmp_path, f"f{n:03}.jsonl", ids, T0 + n)
        files[str(tmp_path / "data" / f"f{n:03}.jsonl")] = ids
    state = tmp_path / "state"
    catalogs = {mode: str(jsonl_catalog(tmp_path, jsonl_venv, mode)) for mode in ("in-process", "command")}
    kills = finished_runs = bookmarked = 0
    while kills < KILLS:
        mode = "in-process" if kills % 2 == 0 else "command"
        argv = flow_sdk_argv(
            "capture", "--source", catalogs[mode], "--name", NAME, "--state-dir", str(state), "--no-progress"
        )
        before = _journal_size(state)
        proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        if rng.random() < 0.25:
            time.sleep(rng.uniform(0.0, 2.0))  # anywhere, startup included
        else:
            deadline = time.monotonic() + 30
            while _journal_size(state) == before and proc.poll() is None and time.monotonic() < deadline:
                time.sleep(0.005)
            time.sleep(rng.uniform(0.0, 0.5))
        if proc.poll() is None:
            kills += 1
        else:
            finished_runs += 1
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)  # the runtime, the shim and (as a command) the tap
        proc.wait()
        bookmarked = max(bookmarked, _check_state_not_ahead(state, files))

    final = run_flow_sdk(
        "capture", "--source", catalogs["in-process"], "--name", NAME, "--state-dir", str(state), timeout=300
    )
    assert final.returncode == 0, final.stderr
    assert _check_state_not_ahead(state, files) == FILES
    ids = [d["id"] for d in journal_docs(state, EVENTS)]
    assert set(ids) == set(range(1, FILES * PER_FILE + 1)), "0 lost"
    print(f"\nkills={kills}, runs that finished first={finished_runs}, documents={len(ids)} ({len(set(ids))} distinct)")
