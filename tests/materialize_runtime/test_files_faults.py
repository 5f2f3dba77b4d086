"""materialize-files (idempotent replay) through `flow-sdk materialize`, with SIGKILLs at every phase."""

from __future__ import annotations

import random
from collections import Counter
from pathlib import Path

import orjson
import pytest

from .helpers import FaultCampaign, KillWindow, run_killed_randomly, runtime_argv, write_catalog, write_fixture

pytestmark = [pytest.mark.campaign, pytest.mark.timeout(240)]

DOCS = 1500
# No loads: materialize-files is delta-updates only (the `load` phase is covered by the SQLite test).
# PHASE:N = the N-th time in one runtime process (`opened` happens once per process, and the first
# `acknowledge` is the one for the recovered commit).
FAULTS = (
    "opened:1",
    "flushed:2",
    "store:7",
    "store:30",
    "startedCommit:2",
    "commit:2",
    "acknowledge:1",
    "acknowledge:3",
)


def published_ids(out: Path) -> Counter[int]:
    """How many rows hold each id across every published file."""
    ids: Counter[int] = Counter()
    for path in (out / "users").glob("*.jsonl"):
        for line in path.read_bytes().splitlines():
            ids[orjson.loads(line)["id"]] += 1
    return ids


@pytest.mark.parametrize("target", ["runtime", "connector", "group"])
def test_files_exactly_once_under_phase_faults(tmp_path: Path, target: str) -> None:
    out = tmp_path / "out"
    catalog = write_catalog(
        tmp_path, ["python", "-m", "materialize-files"], {"directory": str(out), "format": "jsonl"}, {"path": "users"}
    )
    fixture = write_fixture(tmp_path / "docs.jsonl", [{"id": i, "name": f"user {i}"} for i in range(DOCS)])
    campaign = FaultCampaign(
        runtime_argv(catalog, tmp_path / "state", "--fixture", str(fixture), "--max-txn-docs", "25")
    )
    for fault in FAULTS:
        campaign.inject(f"{fault}:{target}")
    summary = campaign.finish()
    ids = published_ids(out)
    missing = DOCS - len(ids)
    duplicated = sum(n - 1 for n in ids.values())
    print(
        f"\nfiles/{target}: kills={campaign.kills} documents={DOCS} rows={sum(ids.values())} "
        f"missing={missing} duplicated={duplicated} last-run transactions={summary['transactions']}"
    )
    assert campaign.kills == len(FAULTS)
    assert missing == 0 and duplicated == 0
    assert set(ids) == set(range(DOCS))
    assert not list((out / ".flow-staging").rglob("*.jsonl")), "staged files left behind"


def test_files_exactly_once_under_random_group_kills(tmp_path: Path) -> None:
    # Each campaign kills a fresh run at random moments until it completes; campaigns repeat until
    # enough kills landed, so the count does not depend on how fast this machine happens to be.
    rng = random.Random(7)
    kills = campaigns = 0
    while kills < 8 and campaigns < 6:
        campaigns += 1
        root = tmp_path / f"campaign-{campaigns}"
        root.mkdir()
        out = root / "out"
        catalog = write_catalog(
            root, ["python", "-m", "materialize-files"], {"directory": str(out), "format": "jsonl"}, {"path": "users"}
        )
        fixture = write_fixture(root / "docs.jsonl", [{"id": i, "name": f"user {i}"} for i in range(DOCS)])
        argv = runtime_argv(catalog, root / "state", "--fixture", str(fixture), "--max-txn-docs", "10")
        window, published = KillWindow(0.2, 1.5), 0
        while run_killed_randomly(argv, rng, window.low, window.high):
            kills += 1
            now = len(published_ids(out))
            window.observe(now > published)
            published = max(published, now)
        summary = FaultCampaign(argv).finish()
        ids = published_ids(out)
        missing = DOCS - len(ids)
        duplicated = sum(n - 1 for n in ids.values())
        print(
            f"\nfiles/random campaign {campaigns}: kills so far={kills} documents={DOCS} rows={sum(ids.values())} "
            f"missing={missing} duplicated={duplicated} last-run transactions={summary['transactions']}"
        )
        assert missing == 0 and duplicated == 0
    assert kills >= 8
