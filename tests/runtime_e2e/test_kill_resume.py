"""SIGKILL `flow-sdk capture` at random moments of a long incremental run: journals stay exact."""

from __future__ import annotations

import contextlib
import os
import random
import signal
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest

from flow_sdk.runtime.storage import journal

from .conftest import BIGDATA, bigdata_catalog, flow_sdk_argv, run_flow_sdk

pytestmark = pytest.mark.campaign

KILLS = 50
RECORDS = 400_000  # per stream; two incremental streams
COLLECTIONS = ("acmeCo/bigdata/users", "acmeCo/bigdata/orders")


def _sizes(state: Path) -> int:
    return sum(p.stat().st_size for p in (state / "journals").glob("*.jsonl")) if (state / "journals").exists() else 0


def _uncommitted_bytes(state: Path) -> int:
    """Bytes in the journals past their committed offsets (a torn/uncommitted append)."""
    if not (state / "recovery.db").exists():
        return 0
    db = sqlite3.connect(state / "recovery.db")
    committed = dict(db.execute("SELECT collection, committed FROM journals").fetchall())
    db.close()
    total = 0
    for collection in COLLECTIONS:
        path = journal.journal_path(state, collection)
        if path.exists():
            total += path.stat().st_size - committed.get(collection, 0)
    return total


def test_random_sigkills_never_lose_or_duplicate(tmp_path: Path) -> None:
    rng = random.Random(20261121)
    catalog = str(bigdata_catalog(tmp_path, records=RECORDS, bindings=2))
    state = tmp_path / "state"
    argv = flow_sdk_argv("capture", "--source", catalog, "--name", BIGDATA, "--state-dir", str(state), "--no-progress")
    kills = mid_stream = torn = finished = 0
    while kills < KILLS:
        before = _sizes(state)
        proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        if rng.random() < 0.2:
            time.sleep(rng.uniform(0.0, 1.2))  # anywhere, startup included
        else:
            deadline = time.monotonic() + 30
            while _sizes(state) == before and proc.poll() is None and time.monotonic() < deadline:
                time.sleep(0.005)
            time.sleep(rng.uniform(0.0, 0.12))
            mid_stream += 1
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
            kills += 1
        else:
            finished += 1
        proc.wait()
        # The connector child is orphaned by the kill; end it too (same session as the runtime).
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        torn += _uncommitted_bytes(state) > 0

    final = run_flow_sdk("capture", "--source", catalog, "--name", BIGDATA, "--state-dir", str(state), timeout=180)
    assert final.returncode == 0, final.stderr

    counts = {}
    for collection in COLLECTIONS:
        ids = [doc["id"] for _, doc in journal.read_documents(journal.journal_path(state, collection))]
        counts[collection] = len(ids)
        assert ids == list(range(1, RECORDS + 1)), f"{collection}: {len(ids)} documents, {len(set(ids))} distinct"
    print(
        f"\nkills={kills} (mid-stream {mid_stream}), runs that finished on their own={finished}, "
        f"kills that left an uncommitted tail={torn}, documents per journal={counts}"
    )
