"""`flow-sdk run` into PostgreSQL, its whole process group SIGKILLed at random moments, 100+ times.

Each campaign captures 200,000 documents (users and orders, 100,000 each over 10,000 ids, so most documents update an
existing key). orders reduce by `merge` with `items` under `sum`: a lost or repeated document
changes a row. After every kill, the tables must hold exactly the reduction of the documents the
destination's own checkpoint reads through (a consistent prefix, nothing lost or doubled), and
after the last run, the reduction of everything. A campaign that completes before all the kills
happened is followed by a fresh one (new database and state), so the kill count does not depend on
how fast the machine is.
"""

from __future__ import annotations

import random
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest

from tests.materialize_runtime.helpers import KillWindow

from .helpers import (
    Expected,
    committed_records,
    destination_checkpoint,
    kill_group,
    mismatches,
    run_argv,
    source_config,
    start,
    table_rows,
    write_catalog,
)

pytestmark = [pytest.mark.campaign, pytest.mark.timeout(600)]
psycopg = pytest.importorskip("psycopg")

RECORDS, KEYS, KILLS = 100_000, 10_000, 100
STREAMS = ("users", "orders")


def check(conn: Any, state: Path, expected: dict[str, Expected]) -> tuple[int, int, int]:
    """(mismatching keys, documents the destination committed, rows without flow_published_at).

    The checkpoint and every table are read in ONE repeatable-read snapshot: a killed connector's
    COMMIT may still complete inside PostgreSQL while we look, and reading the checkpoint and the
    rows in separate snapshots would then compare an old checkpoint with newer rows.
    """
    conn.commit()  # end the previous snapshot; the next statement takes a fresh one
    checkpoint = destination_checkpoint(conn)
    bad = documents = unpublished = 0
    for stream in STREAMS:
        committed = committed_records(state, f"acmeCo/bigdata/{stream}", checkpoint)
        want = expected[stream]
        want.grow(committed)
        rows, nulls = table_rows(conn, stream)
        bad += mismatches(want.rows if committed else {}, rows)
        documents += committed
        unpublished += nulls
    conn.commit()
    return bad, documents, unpublished


def campaign(tmp_path: Path, dsn: str, rng: random.Random, kills_wanted: int) -> dict[str, Any]:
    """One capture-to-PostgreSQL pipeline from scratch, killed until it completes or enough kills happened.

    Then run to completion and checked against the reduction of every document.
    """
    config = source_config(RECORDS, KEYS, per_checkpoint=400)
    catalog = write_catalog(tmp_path, dsn, config)
    state = tmp_path / "state"
    argv = run_argv(catalog, state, "--max-txn-docs", "300", "--no-progress")
    expected = {s: Expected(s, config) for s in STREAMS}
    kills = worst = 0
    progress: list[int] = []
    with psycopg.connect(dsn) as conn:
        conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        window = KillWindow(0.15, 1.75)
        while kills < kills_wanted:
            proc = start(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            try:
                proc.wait(timeout=window.delay(rng))
                break  # finished before the kill: nothing left to do
            except subprocess.TimeoutExpired:
                kill_group(proc)
                kills += 1
            bad, documents, unpublished = check(conn, state, expected)
            worst = max(worst, bad + unpublished)
            window.observe(documents > max(progress, default=0))
            progress.append(documents)
            assert bad == 0, f"after kill {kills}: {bad} rows differ from the committed prefix"
            assert unpublished == 0
        done = subprocess.run(argv, capture_output=True, timeout=300, check=False, start_new_session=True)
        assert done.returncode == 0, done.stderr.decode()[-3000:]
        for stream in STREAMS:
            expected[stream].grow(RECORDS)
        bad, documents, unpublished = check(conn, state, expected)
    return {
        "kills": kills,
        "documents": documents,
        "bad": bad,
        "unpublished": unpublished,
        "worst": worst,
        "progress": progress,
    }


def test_pipeline_exactly_once_under_group_sigkills(tmp_path: Path, pg_server: str) -> None:
    """Campaigns from scratch until 100 kills happened: a fast machine finishes a run in fewer kills."""
    from flow_sdk.testing import postgres

    rng = random.Random(2024)
    results: list[dict[str, Any]] = []
    began = time.monotonic()
    while sum(r["kills"] for r in results) < KILLS:
        n = len(results)
        dsn = postgres.fresh_database(pg_server, f"pipeline_faults_{n}")
        folder = tmp_path / f"campaign{n}"
        folder.mkdir()
        results.append(campaign(folder, dsn, rng, KILLS - sum(r["kills"] for r in results)))
        assert results[-1]["documents"] == 2 * RECORDS
        assert results[-1]["bad"] == 0 and results[-1]["unpublished"] == 0
        assert n < 10, "ten campaigns without reaching the kills wanted: the runs finish before any kill"
    kills = sum(r["kills"] for r in results)
    progress = [p for r in results for p in r["progress"]]
    print(
        f"\npipeline faults: kills={kills} over {len(results)} campaign(s) of {2 * RECORDS:,} documents each "
        f"(documents committed at the kills: min {min(progress, default=0):,}, max {max(progress, default=0):,}) "
        f"mismatches={sum(r['bad'] for r in results)} (worst after a kill: {max(r['worst'] for r in results)}) "
        f"rows-without-published-at={sum(r['unpublished'] for r in results)} "
        f"seconds/kill-cycle={(time.monotonic() - began) / max(kills, 1):.2f}"
    )
    assert kills >= KILLS
    assert max(progress) > 0, "no kill happened after the destination committed anything"
