"""SIGKILL `flow-sdk capture` of an Airbyte source at random moments; then a final run: nothing is lost.

The counter source resumes exactly from its GLOBAL state, so its journals must also hold no
duplicate. airbyte-source-faker (always_updated) re-reads every user on each run, so duplicates
are its own re-emission; none may be missing.
"""

from __future__ import annotations

import contextlib
import os
import random
import signal
import subprocess
import time
from collections import Counter
from pathlib import Path

import pytest

from .helpers import COUNTER, FAKER, counter_catalog, faker_catalog, flow_sdk_argv, journal_docs, run_flow_sdk

pytestmark = [pytest.mark.peer, pytest.mark.campaign, pytest.mark.timeout(900)]
KILLS = 20


def _journal_bytes(state: Path) -> int:
    folder = state / "journals"
    return sum(p.stat().st_size for p in folder.glob("*.jsonl")) if folder.exists() else 0


def _campaign(catalog: Path, name: str, state: Path, seed: int) -> tuple[int, int, int]:
    """Kill the capture KILLS times, most while documents flow; returns (kills, mid-stream kills, finished runs)."""
    rng = random.Random(seed)
    argv = flow_sdk_argv("capture", "--source", str(catalog), "--name", name, "--state-dir", str(state))
    kills = mid_stream = finished = 0
    while kills < KILLS:
        assert finished < 10, f"the capture kept finishing before it could be killed ({kills} kills)"
        before = _journal_bytes(state)
        proc = subprocess.Popen(
            [*argv, "--no-progress"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
        )
        if rng.random() < 0.25:
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=rng.uniform(0.0, 3.0))  # anywhere, startup included
        else:
            deadline = time.monotonic() + 180
            while _journal_bytes(state) == before and proc.poll() is None and time.monotonic() < deadline:
                time.sleep(0.01)
            time.sleep(rng.uniform(0.0, 1.0))
            mid_stream += 1
        if proc.poll() is None:
            kills += 1
        else:
            finished += 1
        # The whole group: the runtime, the shim, and in command mode the source under it.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    final = run_flow_sdk("capture", "--source", str(catalog), "--name", name, "--state-dir", str(state), timeout=600)
    assert final.returncode == 0, final.stderr[-3000:]
    return kills, mid_stream, finished


def test_counter_global_state_in_process_survives_kills_exactly(tmp_path: Path, peer: Path) -> None:
    count = 20_000
    config = {"count": count, "every": 50, "state_type": "GLOBAL", "delay": 0.05}
    catalog = counter_catalog(tmp_path, peer, "in_process", config)
    kills, mid_stream, finished = _campaign(catalog, COUNTER, tmp_path / "state", 1303)
    for stream in ("alpha", "beta"):
        docs = journal_docs(tmp_path / "state", f"acmeCo/counter/{stream}")
        assert [d["id"] for d in docs] == list(range(1, count + 1)), f"{stream}: {len(docs)} documents"
        assert [d["_meta"]["row_id"] for d in docs] == list(range(count))
    print(f"\ncounter GLOBAL in process: kills={kills} (mid-stream {mid_stream}) finished={finished}, 0 lost, 0 dup")


def test_faker_command_mode_survives_kills_without_loss(tmp_path: Path, peer: Path) -> None:
    count = 3000
    config = {"count": count, "seed": 5, "records_per_slice": 100, "parallelism": 2, "always_updated": True}
    catalog = faker_catalog(tmp_path, peer, "command", config, ["users"])
    kills, mid_stream, finished = _campaign(catalog, FAKER, tmp_path / "state", 1304)
    ids = Counter(d["id"] for d in journal_docs(tmp_path / "state", "acmeCo/faker/users"))
    assert set(ids) == set(range(1, count + 1)), f"missing: {sorted(set(range(1, count + 1)) - set(ids))[:20]}"
    print(
        f"\nfaker command mode: kills={kills} (mid-stream {mid_stream}) finished={finished}, "
        f"0 lost, re-emitted by the source={ids.total() - count}"
    )
