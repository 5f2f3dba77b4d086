"""`flow-sdk run` into PostgreSQL, its whole process group SIGKILLed at random moments, 100+ times.

200,000 documents (users and orders, 100,000 each over 10,000 ids, so most documents update an
existing key). orders reduce by `merge` with `items` under `sum`: a lost or repeated document
changes a row. After every kill, the tables must hold exactly the reduction of the documents the
destination's own checkpoint reads through (a consistent prefix, nothing lost or doubled), and
after the last run, the reduction of everything.
"""

from __future__ import annotations

import random
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest

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

pytestmark = pytest.mark.timeout(600)
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


def test_pipeline_exactly_once_under_group_sigkills(tmp_path: Path, pg_server: str) -> None:
    from flow_sdk.testing import postgres

    dsn = postgres.fresh_database(pg_server, "pipeline_faults")
    config = source_config(RECORDS, KEYS, per_checkpoint=400)
    catalog = write_catalog(tmp_path, dsn, config)
    state = tmp_path / "state"
    argv = run_argv(catalog, state, "--max-txn-docs", "300", "--no-progress")
    expected = {s: Expected(s, config) for s in STREAMS}
    rng = random.Random(2024)
    kills = completed = 0
    worst = 0
    progress: list[int] = []
    began = time.monotonic()
    with psycopg.connect(dsn) as conn:
        conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        while kills < KILLS:
            proc = start(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            try:
                proc.wait(timeout=rng.uniform(0.15, 1.75))
                completed += 1  # finished before the kill: nothing left to do
                break
            except subprocess.TimeoutExpired:
                kill_group(proc)
                kills += 1
            bad, documents, unpublished = check(conn, state, expected)
            worst = max(worst, bad + unpublished)
            progress.append(documents)
            assert bad == 0, f"after kill {kills}: {bad} rows differ from the committed prefix"
            assert unpublished == 0
        cycle = (time.monotonic() - began) / max(kills, 1)
        done = subprocess.run(argv, capture_output=True, timeout=300, check=False, start_new_session=True)
        assert done.returncode == 0, done.stderr.decode()[-3000:]
        bad, documents, unpublished = check(conn, state, expected)
    for stream in STREAMS:
        expected[stream].grow(RECORDS)
    print(
        f"\npipeline faults: kills={kills} documents={documents:,} (of {2 * RECORDS:,}; at the kills: "
        f"min {min(progress, default=0):,}, max {max(progress, default=0):,}) mismatches={bad} "
        f"(worst after a kill: {worst}) rows-without-published-at={unpublished} seconds/kill-cycle={cycle:.2f}"
    )
    assert kills >= KILLS
    assert documents == 2 * RECORDS
    assert bad == 0 and unpublished == 0
    assert progress[-1] > 0, "no kill happened after the destination committed anything"
