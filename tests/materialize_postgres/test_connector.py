"""The connector against a real PostgreSQL: validate, apply and schema evolution, stores and loads."""

from __future__ import annotations

import base64
from typing import Any

import psycopg
import psycopg.sql
import pytest

from flow_sdk.errors import ConnectorError

from .helpers import (
    FULL_RANGE,
    binding,
    checkpoint,
    collection,
    materialization,
    projection,
    serve,
    store,
    transaction,
)

pytestmark = pytest.mark.e2e


def columns_of(dsn: str, table: str, schema: str = "public") -> dict[str, tuple[str, bool]]:
    """name -> (type, nullable) of a table's columns."""
    with psycopg.connect(dsn) as conn:
        rows = conn.execute(
            b"SELECT a.attname, format_type(a.atttypid, a.atttypmod), NOT a.attnotnull FROM pg_attribute a"
            b" JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace"
            b" WHERE n.nspname = %s AND c.relname = %s AND a.attnum > 0 AND NOT a.attisdropped",
            (schema, table),
        ).fetchall()
    return {name: (type_, nullable) for name, type_, nullable in rows}


def validate(config: dict[str, Any], bindings: list[dict[str, Any]], last: Any = None) -> list[dict[str, Any]]:
    """The validated bindings for these materialization bindings."""
    request: dict[str, Any] = {
        "name": "acmeCo/m",
        "config": config,
        "bindings": [
            {"resourceConfig": b["resourceConfig"], "collection": b["collection"], "backfill": b.get("backfill", 0)}
            for b in bindings
        ],
    }
    if last is not None:
        request["lastMaterialization"] = last
    return serve([{"validate": request}])[0]["validated"]["bindings"]  # type: ignore[no-any-return]


def constraint_types(validated: dict[str, Any]) -> dict[str, list[str]]:
    """field -> its constraint types."""
    out: dict[str, list[str]] = {}
    for c in validated.get("projectionConstraints") or []:
        out.setdefault(c["field"], []).append(c["constraint"]["type"])
    return out


def apply(spec: dict[str, Any], last: Any = None, dry_run: bool = False) -> str:
    """Apply and return the action description."""
    request: dict[str, Any] = {"materialization": spec}
    if last is not None:
        request["lastMaterialization"] = last
    if dry_run:
        request["dryRun"] = True
    return serve([{"apply": request}])[0]["applied"].get("actionDescription", "")  # type: ignore[no-any-return]


V1 = collection(
    "acmeCo/evolve",
    [
        projection("id", ["integer"], key=True),
        projection("name", ["string"]),
        projection("n", ["integer"]),
    ],
)


def test_apply_is_idempotent_and_dry_run_changes_nothing(endpoint: dict[str, Any], pg_dsn: str) -> None:
    """A dry run describes the DDL; the real apply runs it; a second apply has nothing to do."""
    spec = materialization(endpoint, [binding(V1, "evolve")])
    described = apply(spec, dry_run=True)
    assert 'CREATE TABLE IF NOT EXISTS "public"."evolve"' in described
    assert columns_of(pg_dsn, "evolve") == {}
    assert "create table public.evolve" in apply(spec)
    assert columns_of(pg_dsn, "evolve") == {
        "id": ("bigint", False),
        "name": ("text", False),
        "n": ("bigint", False),
        "flow_document": ("jsonb", False),
    }
    assert apply(spec) == ""


def test_schema_evolution(endpoint: dict[str, Any], pg_dsn: str) -> None:
    """New field, field becoming optional, widened type, incompatible change, backfill."""
    v1 = materialization(endpoint, [binding(V1, "evolve")])
    apply(v1)
    serve(
        [
            {"open": {"materialization": v1, "range": FULL_RANGE}},
            *transaction(1, [], [store([1], ["a", 5], {"id": 1, "name": "a", "n": 5})]),
        ]
    )

    # v2: `extra` is new, `name` became optional, `n` widened from integer to number.
    v2_collection = collection(
        "acmeCo/evolve",
        [
            projection("id", ["integer"], key=True),
            projection("name", ["string", "null"], required=False),
            projection("n", ["number"]),
            projection("extra", ["string"], fmt="date-time", required=False),
        ],
    )
    v2 = materialization(endpoint, [binding(v2_collection, "evolve")])
    validated = validate(endpoint, v2["bindings"], last=v1)[0]
    assert not any("INCOMPATIBLE" in types for types in constraint_types(validated).values())
    description = apply(v2, last=v1)
    assert "add column extra" in description
    assert "allow nulls in column name" in description
    assert "widen column n of public.evolve from bigint to double precision" in description
    assert columns_of(pg_dsn, "evolve") == {
        "id": ("bigint", False),
        "name": ("text", True),
        "n": ("double precision", False),
        "flow_document": ("jsonb", False),
        "extra": ("timestamp with time zone", True),
    }
    serve(
        [
            {"open": {"materialization": v2, "range": FULL_RANGE}},
            *transaction(2, [], [store([2], [None, 2.5, "2024-01-02T03:04:05Z"], {"id": 2, "n": 2.5})]),
        ]
    )
    with psycopg.connect(pg_dsn) as conn:
        assert conn.execute(b"SELECT id, name, n FROM evolve ORDER BY id").fetchall() == [(1, "a", 5.0), (2, None, 2.5)]

    # v3: `n` becomes a string: the existing double precision column can't hold it.
    v3_collection = collection(
        "acmeCo/evolve",
        [
            projection("id", ["integer"], key=True),
            projection("name", ["string", "null"], required=False),
            projection("n", ["string"]),
        ],
    )
    v3 = materialization(endpoint, [binding(v3_collection, "evolve")])
    assert constraint_types(validate(endpoint, v3["bindings"], last=v2)[0])["n"] == ["FIELD_OPTIONAL", "INCOMPATIBLE"]
    with pytest.raises(ConnectorError, match="backfill the binding"):
        apply(v3, last=v2)

    # Backfill: the counter rises, the incompatibility clears, the table is re-created empty.
    v3b = materialization(endpoint, [binding(v3_collection, "evolve", backfill=1)])
    assert "INCOMPATIBLE" not in constraint_types(validate(endpoint, v3b["bindings"], last=v2)[0])["n"]
    assert "drop table public.evolve to backfill it" in apply(v3b, last=v2)
    assert columns_of(pg_dsn, "evolve")["n"] == ("text", False)
    with psycopg.connect(pg_dsn) as conn:
        assert conn.execute(b"SELECT count(*) FROM evolve").fetchone() == (0,)


HOSTILE = collection(
    "acmeCo/hostile",
    [
        projection('k"ey; DROP TABLE x; --', ["string"], key=True),
        projection("select", ["integer", "null"], required=False),
        projection("späce ünï 表", ["string"], fmt="uuid"),
        projection("blob", ["string"], encoding="base64", required=False),
        projection("amount", ["string"], fmt="number"),
        projection("when", ["string"], fmt="date"),
        projection("obj", ["object", "array", "null"], required=False),
    ],
)


@pytest.mark.parametrize("hard_delete", [False, True])
def test_hostile_names_and_values_round_trip(endpoint: dict[str, Any], pg_dsn: str, hard_delete: bool) -> None:
    """Quotes, semicolons, unicode and reserved words in table/field names; escapes in values; deletes."""
    config = endpoint | {"hardDelete": hard_delete, "schema": 'sch"ema; --'}
    spec = materialization(config, [binding(HOSTILE, 'ta"ble; DROP TABLE users; --', schema='sch"ema; --')])
    apply(spec)
    weird = 'tab\there\nnewline \\backslash "quote" ;'
    doc1 = {"k": weird, "obj": {"nested": weird}}
    doc2 = {"k": "b"}
    stores = [
        store(
            [weird],
            [
                7,
                "6f1c1b1e-7c44-4a5e-9a3c-2b0e1f0a9d11",
                base64.b64encode(b"\x00\x01\xff").decode(),
                "12345678901234567890.5",
                "2024-02-29",
                {"nested": weird},
            ],
            doc1,
        ),
        store(["b"], [None, "6f1c1b1e-7c44-4a5e-9a3c-2b0e1f0a9d12", None, "1", "2024-03-01", None], doc2),
    ]
    responses = serve(
        [
            {"open": {"materialization": spec, "range": FULL_RANGE}},
            *transaction(1, [], stores),
            *transaction(
                2,
                [(0, [weird]), (0, ["b"]), (0, ["missing"])],
                [
                    store(
                        ["b"],
                        [None, "6f1c1b1e-7c44-4a5e-9a3c-2b0e1f0a9d12", None, "1", "2024-03-01", None],
                        {"k": "b", "_meta": {"op": "d"}},
                        exists=True,
                        delete=True,
                    ),
                ],
            ),
        ]
    )
    loaded = [r["loaded"]["doc"] for r in responses if "loaded" in r]
    assert sorted(loaded, key=str) == sorted([doc1, doc2], key=str)
    with psycopg.connect(pg_dsn) as conn:
        rows = conn.execute(
            psycopg.sql.SQL("SELECT * FROM {} ORDER BY 1 DESC").format(
                psycopg.sql.Identifier('sch"ema; --', 'ta"ble; DROP TABLE users; --')
            )
        ).fetchall()
    first = rows[0]
    assert first[0] == weird and first[1] == 7 and str(first[2]).endswith("9d11")
    assert bytes(first[3]) == b"\x00\x01\xff" and str(first[4]) == "12345678901234567890.5"
    assert first[6] == {"nested": weird} and first[7] == doc1
    if hard_delete:
        assert len(rows) == 1
    else:
        assert len(rows) == 2 and rows[1][-1] == {"k": "b", "_meta": {"op": "d"}}


def test_delta_updates_append(endpoint: dict[str, Any], pg_dsn: str) -> None:
    """Delta-updates bindings append every store; validate reports delta updates; no primary key."""
    events = collection("acmeCo/events", [projection("id", ["integer"], key=True), projection("v", ["integer"])])
    b = binding(events, "events", delta=True)
    assert validate(endpoint, [b])[0]["deltaUpdates"] is True
    spec = materialization(endpoint, [b])
    apply(spec)
    serve(
        [
            {"open": {"materialization": spec, "range": FULL_RANGE}},
            *transaction(1, [], [store([1], [1], {"id": 1, "v": 1})]),
            *transaction(2, [], [store([1], [2], {"id": 1, "v": 2})]),
        ]
    )
    with psycopg.connect(pg_dsn) as conn:
        assert conn.execute(b"SELECT id, v FROM events ORDER BY v").fetchall() == [(1, 1), (1, 2)]


def test_validate_constraints(endpoint: dict[str, Any]) -> None:
    """Keys and the document are required, other fields optional, always-null fields forbidden."""
    c = collection(
        "acmeCo/c",
        [
            projection("id", ["integer"], key=True),
            projection("x", ["string"]),
            projection("nothing", ["null"], required=False),
        ],
    )
    validated = validate(endpoint, [binding(c, "c")])[0]
    assert validated["resourcePath"] == ["public", "c"]
    assert constraint_types(validated) == {
        "id": ["FIELD_REQUIRED"],
        "x": ["FIELD_OPTIONAL"],
        "nothing": ["FIELD_FORBIDDEN"],
        "flow_document": ["FIELD_REQUIRED"],
    }


def test_split_shard_inherits_parent_checkpoint(endpoint: dict[str, Any]) -> None:
    """Open over a sub-range takes the narrowest covering row's checkpoint, then its own."""
    c = collection("acmeCo/c", [projection("id", ["integer"], key=True)])
    spec = materialization(endpoint, [binding(c, "c")])
    apply(spec)
    serve([{"open": {"materialization": spec, "range": FULL_RANGE}}, *transaction(7, [], [])])
    left = {"keyBegin": 0, "keyEnd": 0x7FFFFFFF}
    assert opened_checkpoint(spec, left) == checkpoint(7)
    serve([{"open": {"materialization": spec, "range": left}}, *transaction(8, [], [])])
    assert opened_checkpoint(spec, left) == checkpoint(8)
    assert opened_checkpoint(spec, {"keyBegin": 0x80000000, "keyEnd": 0xFFFFFFFF}) == checkpoint(7)


def opened_checkpoint(spec: dict[str, Any], key_range: dict[str, Any]) -> Any:
    """The runtime checkpoint an Open over `key_range` returns."""
    return serve([{"open": {"materialization": spec, "range": key_range}}])[0]["opened"].get("runtimeCheckpoint")


def test_interleaved_bindings_in_one_batch(endpoint: dict[str, Any], pg_dsn: str) -> None:
    """Loads and stores alternating between two bindings (inserts, updates, deletes mixed) in one batch."""
    coll_a = collection("acmeCo/a", [projection("id", ["integer"], key=True), projection("v", ["string"])])
    coll_b = collection("acmeCo/b", [projection("id", ["integer"], key=True), projection("v", ["string"])])
    spec = materialization(endpoint | {"hardDelete": True}, [binding(coll_a, "ia"), binding(coll_b, "ib")])
    apply(spec)
    n = 600
    first = [store([i], [f"v{i}"], {"id": i, "v": f"v{i}"}, binding=i % 2) for i in range(n)]
    second = [
        store([i], [f"w{i}"], {"id": i, "v": f"w{i}"}, binding=i % 2, exists=True, delete=i % 5 == 0)
        for i in range(n)
        if i % 3
    ] + [store([n + 1], ["new"], {"id": n + 1, "v": "new"}, binding=1)]
    responses = serve(
        [
            {"open": {"materialization": spec, "range": FULL_RANGE}},
            *transaction(1, [], first),
            *transaction(2, [(i % 2, [i]) for i in range(n)] + [(1, [n + 5])], second),
        ]
    )
    loaded = [r["loaded"] for r in responses if "loaded" in r]
    assert sorted((d.get("binding", 0), d["doc"]["id"], d["doc"]["v"]) for d in loaded) == sorted(
        (i % 2, i, f"v{i}") for i in range(n)
    )
    with psycopg.connect(pg_dsn) as conn:
        a = dict(conn.execute(b"SELECT id, v FROM ia").fetchall())
        b = dict(conn.execute(b"SELECT id, v FROM ib").fetchall())

    # Ids not divisible by 3 were updated, or deleted when divisible by 5; the others keep their first value.
    def expected(parity: int) -> dict[int, str]:
        return {i: f"w{i}" if i % 3 else f"v{i}" for i in range(parity, n, 2) if not (i % 3 and i % 5 == 0)}

    assert a == expected(0)
    assert b == {**expected(1), n + 1: "new"}
