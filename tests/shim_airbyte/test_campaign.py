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


def _campaign(catalog: Path, name: str, state: Path, seed: int) -> tuple[int, int]:
    """Kill the capture KILLS times at random moments; returns (kills, runs that finished first)."""
    rng = random.Random(seed)
    argv = flow_sdk_argv("capture", "--source", str(catalog), "--name", name, "--state-dir", str(state))
    kills = finished = 0
    while kills < KILLS:
        proc = subprocess.Popen(
            [*argv, "--no-progress"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
        )
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=rng.uniform(0.5, 5.0))
        if proc.poll() is None:
            kills += 1
        else:
            finished += 1
        # The whole group: the runtime, the shim, and in command mode the source under it.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        time.sleep(0.05)
    final = run_flow_sdk("capture", "--source", str(catalog), "--name", name, "--state-dir", str(state), timeout=600)
    assert final.returncode == 0, final.stderr[-3000:]
    return kills, finished


def test_counter_global_state_in_process_survives_kills_exactly(tmp_path: Path, peer: Path) -> None:
    count = 3000
    config = {"count": count, "every": 25, "state_type": "GLOBAL", "delay": 0.03}
    catalog = counter_catalog(tmp_path, peer, "in_process", config)
    kills, finished = _campaign(catalog, COUNTER, tmp_path / "state", 1303)
    for stream in ("alpha", "beta"):
        docs = journal_docs(tmp_path / "state", f"acmeCo/counter/{stream}")
        assert [d["id"] for d in docs] == list(range(1, count + 1)), f"{stream}: {len(docs)} documents"
        assert [d["_meta"]["row_id"] for d in docs] == list(range(count))
    print(f"\ncounter GLOBAL in process: kills={kills} finished-before-kill={finished}, 0 lost, 0 duplicated")


def test_faker_command_mode_survives_kills_without_loss(tmp_path: Path, peer: Path) -> None:
    count = 3000
    config = {"count": count, "seed": 5, "records_per_slice": 100, "parallelism": 2, "always_updated": True}
    catalog = faker_catalog(tmp_path, peer, "command", config, ["users"])
    kills, finished = _campaign(catalog, FAKER, tmp_path / "state", 1304)
    ids = Counter(d["id"] for d in journal_docs(tmp_path / "state", "acmeCo/faker/users"))
    assert set(ids) == set(range(1, count + 1)), f"missing: {sorted(set(range(1, count + 1)) - set(ids))[:20]}"
    print(
        f"\nfaker command mode: kills={kills} finished-before-kill={finished}, 0 lost, re-emitted={ids.total() - count}"
    )
