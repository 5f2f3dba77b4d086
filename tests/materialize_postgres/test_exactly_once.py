"""Exactly-once under SIGKILL at every phase of a transaction, and a zombie session fenced off."""

from __future__ import annotations

import time
from typing import Any

import psycopg
import pytest

from flow_sdk.testing import postgres

from .helpers import (
    FULL_RANGE,
    Driver,
    binding,
    checkpoint,
    collection,
    materialization,
    projection,
    serve,
    store,
)

pytestmark = pytest.mark.campaign

ITEMS = collection(
    "acmeCo/items",
    [
        projection("id", ["integer"], key=True),
        projection("name", ["string"]),
        projection("n", ["integer", "null"], required=False),
    ],
)


def doc(i: int, version: int) -> dict[str, Any]:
    """Item i at a version."""
    return {"id": i, "name": f"item {i} v{version}", "n": i * version}


def txn1() -> list[dict[str, Any]]:
    """Insert items 0..199."""
    return [store([i], [doc(i, 1)["name"], doc(i, 1)["n"]], doc(i, 1)) for i in range(200)]


TXN2_LOADS = [(0, [i]) for i in [*range(100), *range(200, 250)]]


def txn2() -> list[dict[str, Any]]:
    """Update 0..49, delete 50..59, insert 200..249."""
    out = [store([i], [doc(i, 2)["name"], doc(i, 2)["n"]], doc(i, 2), exists=True) for i in range(50)]
    out += [store([i], [None, None], {"id": i, "_meta": {"op": "d"}}, exists=True, delete=True) for i in range(50, 60)]
    out += [store([i], [doc(i, 2)["name"], doc(i, 2)["n"]], doc(i, 2)) for i in range(200, 250)]
    return out


EXPECTED = {
    **{i: doc(i, 2) for i in range(50)},
    **{i: doc(i, 1) for i in range(60, 200)},
    **{i: doc(i, 2) for i in range(200, 250)},
}


def table(dsn: str) -> dict[int, Any]:
    """id -> flow_document of every row, after checking the columns agree with the document."""
    with psycopg.connect(dsn) as conn:
        out = {}
        for i, name, n, document in conn.execute(b"SELECT id, name, n, flow_document FROM items"):
            if "_meta" not in document:  # soft-deleted rows keep their last column values
                assert (name, n) == (document["name"], document["n"])
            out[i] = document
        return out


def begin_txn2(d: Driver) -> None:
    """Acknowledge txn 1 and start txn 2 (its first half of loads)."""
    d.send({"acknowledge": {}})
    d.expect("acknowledged")
    d.send(*[{"load": {"binding": b, "key": k}} for b, k in TXN2_LOADS[:75]])


PHASES = ["during-loads", "after-flush", "mid-store", "after-startedCommit"]


@pytest.mark.parametrize("phase", PHASES)
def test_sigkill_then_recover(phase: str, pg_server: str, endpoint_for: Any) -> None:
    """Kill the connector at `phase` of txn 2, reopen, replay if needed: the table holds exactly txn 1 + txn 2."""
    dsn = postgres.fresh_database(pg_server)
    config = endpoint_for(dsn) | {"hardDelete": True}
    spec = materialization(config, [binding(ITEMS, "items")])
    serve([{"apply": {"materialization": spec}}])

    d = Driver()
    d.send({"open": {"materialization": spec, "range": FULL_RANGE}})
    d.expect("opened")
    d.send(
        {"acknowledge": {}},
        {"flush": {}},
        *[{"store": s} for s in txn1()],
        {"startCommit": {"runtimeCheckpoint": checkpoint(1)}},
    )
    d.expect("acknowledged")
    d.expect("flushed")
    d.expect("startedCommit")

    begin_txn2(d)
    if phase == "during-loads":
        time.sleep(0.3)
    else:
        d.send(*[{"load": {"binding": b, "key": k}} for b, k in TXN2_LOADS[75:]], {"flush": {}})
        d.expect("flushed")
        stores = txn2()
        if phase == "mid-store":
            d.send(*[{"store": s} for s in stores[:30]])
            time.sleep(0.3)
        elif phase == "after-startedCommit":
            d.send(*[{"store": s} for s in stores], {"startCommit": {"runtimeCheckpoint": checkpoint(2)}})
            d.expect("startedCommit")
    d.kill()

    # Recovery: the destination's checkpoint says which transaction it holds.
    r = Driver()
    r.send({"open": {"materialization": spec, "range": FULL_RANGE}})
    recovered = r.expect("opened").get("runtimeCheckpoint")
    committed = phase == "after-startedCommit"
    assert recovered == checkpoint(2 if committed else 1)
    replayed_loads = 0
    r.send({"acknowledge": {}})
    r.expect("acknowledged")
    if not committed:
        # The runtime replays txn 2 from checkpoint 1: the loads must see txn 1 only.
        r.send(*[{"load": {"binding": b, "key": k}} for b, k in TXN2_LOADS], {"flush": {}})
        assert r.proc.stdout is not None
        while True:
            line = r.proc.stdout.readline()
            if line.startswith(b'{"loaded"'):
                replayed_loads += 1
                continue
            assert line.startswith(b'{"flushed"'), line
            break
        assert replayed_loads == 100
        r.send(*[{"store": s} for s in txn2()], {"startCommit": {"runtimeCheckpoint": checkpoint(2)}})
        r.expect("startedCommit")
    code, err = r.finish()
    assert code == 0, err

    rows = table(dsn)
    assert rows == EXPECTED
    print(
        f"\n[exactly-once] killed {phase}: reopened at readThrough "
        f"{recovered['sources']['acmeCo/tests/source;x']['readThrough']}, replayed txn 2: {not committed} "
        f"({replayed_loads} loads answered), table rows {len(rows)} == expected {len(EXPECTED)}"
    )


def test_zombie_session_is_fenced_off(pg_server: str, endpoint_for: Any) -> None:
    """A session still running after a newer one opened can't commit, and commits nothing."""
    dsn = postgres.fresh_database(pg_server)
    spec = materialization(endpoint_for(dsn), [binding(ITEMS, "items")])
    serve([{"apply": {"materialization": spec}}])
    serve(
        [
            {"open": {"materialization": spec, "range": FULL_RANGE}},
            {"acknowledge": {}},
            {"flush": {}},
            *[{"store": s} for s in txn1()],
            {"startCommit": {"runtimeCheckpoint": checkpoint(1)}},
        ]
    )

    zombie = Driver()
    zombie.send({"open": {"materialization": spec, "range": FULL_RANGE}})
    zombie.expect("opened")
    zombie.send({"acknowledge": {}}, {"flush": {}}, *[{"store": s} for s in txn2()[50:]])
    zombie.expect("acknowledged")
    zombie.expect("flushed")

    # A newer session over half the key range (a split child) opens: it inherits checkpoint 1.
    child_range = {"keyBegin": 0, "keyEnd": 0x7FFFFFFF, "rClockBegin": 0, "rClockEnd": 4294967295}
    newer = Driver()
    newer.send({"open": {"materialization": spec, "range": child_range}})
    assert newer.expect("opened") == {"runtimeCheckpoint": checkpoint(1)}

    zombie.send({"startCommit": {"runtimeCheckpoint": checkpoint(2)}})
    zombie_code, err = zombie.finish()
    assert zombie_code != 0
    assert "fenced off by a newer session" in err
    assert table(dsn) == {i: doc(i, 1) for i in range(200)}  # nothing of the zombie's transaction

    newer.send(
        {"acknowledge": {}},
        {"flush": {}},
        *[{"store": s} for s in txn2()],
        {"startCommit": {"runtimeCheckpoint": checkpoint(2)}},
    )
    newer.expect("startedCommit")
    code, newer_err = newer.finish()
    assert code == 0, newer_err
    rows = table(dsn)
    assert {i: rows[i] for i in range(200) if i not in range(50, 60)} == {
        i: doc(i, 2 if i < 50 else 1) for i in range(200) if i not in range(50, 60)
    }
    assert all(rows[i]["_meta"] == {"op": "d"} for i in range(50, 60))  # soft deletes keep the row
    print(
        f"\n[zombie] commit refused (exit {zombie_code}), zombie's rows committed: 0; newer session committed "
        f"{len(rows)} rows"
    )
