"""materialize-webhook (at-least-once) and a transactional SQLite destination (exactly-once, with
loads and a `sum` reduction) through `flow-sdk materialize`, with SIGKILLs at every phase."""

from __future__ import annotations

import random
import sqlite3
import threading
from collections import Counter
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import orjson
import pytest

from .helpers import FaultCampaign, run_killed_randomly, runtime_argv, write_catalog, write_fixture

pytestmark = [pytest.mark.campaign, pytest.mark.timeout(240)]


class Receiver:
    """An HTTP endpoint recording every POSTed document id."""

    def __init__(self) -> None:
        self.ids: Counter[int] = Counter()
        lock = threading.Lock()
        ids = self.ids

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = orjson.loads(self.rfile.read(int(self.headers["Content-Length"])))
                with lock:
                    ids.update(doc["id"] for doc in body["documents"])
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/ingest"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture()
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.server.shutdown()


WEBHOOK_FAULTS = ("opened:1", "flushed:2", "store:9", "startedCommit:2", "commit:2", "acknowledge:1", "acknowledge:3")


@pytest.mark.parametrize("target", ["runtime", "connector"])
def test_webhook_at_least_once_under_faults(tmp_path: Path, receiver: Receiver, target: str) -> None:
    docs = 1000
    catalog = write_catalog(
        tmp_path, ["python", "-m", "materialize-webhook"], {"url": receiver.url, "batchSize": 7}, {"name": "users"}
    )
    fixture = write_fixture(tmp_path / "docs.jsonl", [{"id": i, "name": f"user {i}"} for i in range(docs)])
    argv = runtime_argv(catalog, tmp_path / "state", "--fixture", str(fixture), "--max-txn-docs", "20")
    campaign = FaultCampaign(argv)
    for fault in WEBHOOK_FAULTS:
        campaign.inject(f"{fault}:{target}")
    rng = random.Random(3)
    random_kills = sum(run_killed_randomly(argv, rng, 0.6, 1.5) for _ in range(3))
    campaign.finish()
    missing = docs - len(set(receiver.ids) & set(range(docs)))
    duplicated = sum(n - 1 for n in receiver.ids.values())
    print(
        f"\nwebhook/{target}: kills={campaign.kills + random_kills} documents={docs} "
        f"received={sum(receiver.ids.values())} missing={missing} duplicated={duplicated}"
    )
    assert campaign.kills == len(WEBHOOK_FAULTS)
    assert missing == 0
    assert set(receiver.ids) == set(range(docs))


SQLITE_FAULTS = (
    "opened:1",
    "load:5",
    "load:40",
    "flushed:2",
    "store:6",
    "startedCommit:2",
    "commit:2",
    "acknowledge:1",
    "acknowledge:3",
)


@pytest.mark.parametrize("target", ["runtime", "connector", "group"])
def test_sqlite_exactly_once_with_loads_under_faults(tmp_path: Path, target: str) -> None:
    # 1200 documents over 150 keys, each adding n=1: a replayed or lost document changes a sum.
    keys, docs = 150, 1200
    db = tmp_path / "dest.db"
    catalog = write_catalog(
        tmp_path,
        ["python", "-m", "tests.materialize.sqlite_dest"],
        {"path": str(db)},
        {"table": "users"},
        counting=True,
    )
    rng = random.Random(11)
    fixture = write_fixture(tmp_path / "docs.jsonl", [{"id": rng.randrange(keys), "n": 1} for _ in range(docs)])
    expected = Counter(orjson.loads(line)[1]["id"] for line in fixture.read_bytes().splitlines())
    argv = runtime_argv(catalog, tmp_path / "state", "--fixture", str(fixture), "--max-txn-docs", "15")
    campaign = FaultCampaign(argv)
    for fault in SQLITE_FAULTS:
        campaign.inject(f"{fault}:{target}")
    summary = campaign.finish()
    rows = dict(sqlite3.connect(db).execute("SELECT id, n FROM users").fetchall())
    missing = sum(max(0, expected[k] - rows.get(k, 0)) for k in expected)
    duplicated = sum(max(0, rows.get(k, 0) - expected[k]) for k in rows)
    print(
        f"\nsqlite/{target}: kills={campaign.kills} documents={docs} keys={len(rows)} "
        f"missing={missing} duplicated={duplicated} final-run loads={summary['loads']} loaded={summary['loaded']}"
    )
    assert campaign.kills == len(SQLITE_FAULTS)
    assert rows == dict(expected)
    assert summary["loaded"] > 0
