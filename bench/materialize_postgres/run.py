"""Benchmark of materialize-postgres against bare psycopg and meltanolabs-target-postgres, on the same rows.

Run from the repository root (after `bench/materialize_postgres/setup.sh` for the Singer target):

    .venv/bin/python bench/materialize_postgres/run.py [--rows 1000000] [--loads 100000] [--singer-rows 100000] \
        [--rounds 5]

The connector runs as a subprocess speaking the protocol (JSON codec) with its stdin read from a file
of requests generated up front; rates come from the times its responses appear on stdout. The
baselines run in this process with psycopg on the same server and the same rows. PostgreSQL is
embedded unless FLOW_SDK_TEST_POSTGRES_DSN names a server.

The machine is usually shared, so the connector and the baselines run in interleaved rounds
(connector, baselines, connector, baselines, ...) and each target reports the median ratio over
the rounds, and the best.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import psutil
import psycopg
from psycopg.conninfo import conninfo_to_dict

from flow_sdk.testing import postgres

ROOT = Path(__file__).resolve().parents[2]
TARGET_POSTGRES = ROOT / "bench" / ".venvs" / "target-postgres" / "bin" / "target-postgres"
COLUMNS = (
    "id BIGINT NOT NULL, name TEXT NOT NULL, score DOUBLE PRECISION NOT NULL, active BOOLEAN NOT NULL,"
    " created TIMESTAMPTZ NOT NULL, flow_document JSONB NOT NULL"
)
NAMES = "id, name, score, active, created, flow_document"


def document(i: int, version: int) -> dict[str, Any]:
    """Row i of the data set (version 1 is the insert, 2 the update)."""
    return {
        "id": i,
        "name": f"user-{i}-v{version}",
        "score": i * 0.25 + version,
        "active": (i + version) % 2 == 0,
        "created": f"2024-05-{1 + i % 28:02d}T07:08:{i % 60:02d}Z",
    }


def _projection(field: str, types: list[str], key: bool = False, fmt: str = "") -> dict[str, Any]:
    inference: dict[str, Any] = {"types": types, "exists": "MUST"}
    if fmt:
        inference["string"] = {"format": fmt}
    out: dict[str, Any] = {"field": field, "ptr": "/" + field, "inference": inference}
    if key:
        out["isPrimaryKey"] = True
    return out


def spec(config: dict[str, Any]) -> dict[str, Any]:
    """The benchmark's materialization: one binding, table `bench`."""
    collection = {
        "name": "acmeCo/bench/users",
        "key": ["/id"],
        "projections": [
            _projection("id", ["integer"], key=True),
            _projection("name", ["string"]),
            _projection("score", ["number"]),
            _projection("active", ["boolean"]),
            _projection("created", ["string"], fmt="date-time"),
            {"field": "flow_document", "ptr": "", "inference": {"types": ["object"], "exists": "MUST"}},
        ],
    }
    return {
        "name": "acmeCo/bench/materialize-postgres",
        "config": config,
        "bindings": [
            {
                "resourceConfig": {"table": "bench"},
                "resourcePath": ["public", "bench"],
                "collection": collection,
                "fieldSelection": {
                    "keys": ["id"],
                    "values": ["name", "score", "active", "created"],
                    "document": "flow_document",
                },
            }
        ],
    }


def _store(doc: dict[str, Any], exists: bool) -> bytes:
    body: dict[str, Any] = {
        "key": [doc["id"]],
        "values": [doc["name"], doc["score"], doc["active"], doc["created"]],
        "doc": doc,
    }
    if exists:
        body["exists"] = True
    return orjson.dumps({"store": body})


def write_requests(path: Path, materialization: dict[str, Any], rows: int, loads: int) -> None:
    """The whole session up front: open; txn 1 stores new rows; txn 2 loads keys and updates every row."""
    full = {"keyBegin": 0, "keyEnd": 4294967295, "rClockBegin": 0, "rClockEnd": 4294967295}
    with path.open("wb") as out:

        def line(msg: dict[str, Any]) -> None:
            out.write(orjson.dumps(msg) + b"\n")

        line({"open": {"materialization": materialization, "range": full}})
        line({"acknowledge": {}})
        line({"flush": {}})
        for i in range(rows):
            out.write(_store(document(i, 1), False) + b"\n")
        line({"startCommit": {"runtimeCheckpoint": {"sources": {"bench;x": {"readThrough": "1"}}}}})
        line({"acknowledge": {}})
        step = max(rows // loads, 1)
        for i in range(0, rows, step)[:loads]:
            line({"load": {"key": [i]}})
        line({"flush": {}})
        for i in range(rows):
            out.write(_store(document(i, 2), True) + b"\n")
        line({"startCommit": {"runtimeCheckpoint": {"sources": {"bench;x": {"readThrough": "2"}}}}})
        line({"acknowledge": {}})


def endpoint(dsn: str) -> dict[str, Any]:
    """The connector's endpoint config for a DSN."""
    p = conninfo_to_dict(dsn)
    host = str(p.get("host") or "localhost")
    config: dict[str, Any] = {
        "address": f"{host}:{p['port']}" if p.get("port") else host,
        "user": p.get("user") or "postgres",
        "database": p["dbname"],
    }
    if p.get("password"):
        config["password"] = p["password"]
    return config


def run_connector(dsn: str, requests: Path) -> dict[str, float]:
    """Run the connector over the request file; time each response; report rates and peak RSS."""
    env = dict(os.environ, FLOW_SDK_CODEC="json", PYTHONPATH=str(ROOT))
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(b"DROP TABLE IF EXISTS bench, flow_checkpoints_v1")
        conn.execute(f"CREATE TABLE bench ({COLUMNS}, PRIMARY KEY (id))".encode())
    times: list[tuple[str, float]] = []
    with requests.open("rb") as stdin:
        proc = subprocess.Popen(
            [sys.executable, "-m", "materialize-postgres"],
            cwd=ROOT,
            env=env,
            stdin=stdin,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        assert proc.stdout is not None
        counts: dict[str, int] = {}
        phase = ["open"]
        peaks: dict[str, float] = {}
        cpu_at: dict[str, float] = {}  # the connector's CPU seconds when each response was seen
        watched = psutil.Process(proc.pid)

        def sample() -> None:  # RSS every 20 ms, attributed to the phase the last response began
            while proc.poll() is None:
                try:
                    rss = watched.memory_info().rss / 2**20
                except psutil.Error:
                    return
                peaks[phase[0]] = max(peaks.get(phase[0], 0.0), rss)
                time.sleep(0.02)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        for raw in proc.stdout:
            # Count `loaded` lines without parsing them: this reader shares the CPUs with the connector.
            kind = "loaded" if raw.startswith(b'{"loaded"') else next(iter(orjson.loads(raw)))
            counts[kind] = counts.get(kind, 0) + 1
            if kind != "loaded":
                times.append((f"{kind}{counts[kind]}", time.perf_counter()))
                phase[0] = f"{kind}{counts[kind]}"
                with contextlib.suppress(psutil.Error):
                    cpu = watched.cpu_times()
                    cpu_at[phase[0]] = cpu.user + cpu.system
        _, err = proc.communicate()
        sampler.join()
    if proc.returncode != 0:
        raise SystemExit(f"connector failed ({proc.returncode}): {err.decode()[-2000:]}")
    t = dict(times)
    return {
        "store_s": t["startedCommit1"] - t["flushed1"],
        "load_s": t["flushed2"] - t["acknowledged2"],
        "update_s": t["startedCommit2"] - t["flushed2"],
        "loaded": counts.get("loaded", 0),
        "peak_rss_mb": max(peaks.values(), default=0.0),
        "store_cpu_s": cpu_at["startedCommit1"] - cpu_at["flushed1"],
        "update_cpu_s": cpu_at["startedCommit2"] - cpu_at["flushed2"],
        "store_rss_mb": peaks.get("flushed1", 0.0),  # sampled from flushed to startedCommit of txn 1
        "load_rss_mb": peaks.get("acknowledged2", 0.0),
    }


def _rows(version: int, n: int) -> Iterator[tuple[Any, ...]]:
    for i in range(n):
        d = document(i, version)
        yield d["id"], d["name"], d["score"], d["active"], d["created"], orjson.dumps(d).decode()


def _text_line(row: tuple[Any, ...]) -> str:
    i, name, score, active, created, doc = row
    return f"{i}\t{name}\t{score}\t{'t' if active else 'f'}\t{created}\t{doc}\n"


def _fresh_table(conn: psycopg.Connection[Any], table: str) -> None:
    conn.execute(f"DROP TABLE IF EXISTS {table}".encode())
    conn.execute(f"CREATE TABLE {table} ({COLUMNS}, PRIMARY KEY (id))".encode())
    conn.commit()


def bare_copy_rows(dsn: str, data: list[tuple[Any, ...]]) -> float:
    """Seconds for psycopg `write_row` COPY of prepared rows (each with its document text) into a fresh table."""
    with psycopg.connect(dsn) as conn:
        _fresh_table(conn, "bare_rows")
        start = time.perf_counter()
        with conn.cursor() as cur, cur.copy(f"COPY bare_rows ({NAMES}) FROM STDIN".encode()) as copy:
            for row in data:
                copy.write_row(row)
        conn.commit()
        return time.perf_counter() - start


def bare_copy(dsn: str, data: list[tuple[Any, ...]]) -> float:
    """Seconds for bare text COPY of prepared rows into a fresh table `bare` (which the other baselines use).

    Each row is formatted with one f-string (this data needs no escaping) and written in chunks of 1000.
    """
    with psycopg.connect(dsn) as conn:
        _fresh_table(conn, "bare")
        start = time.perf_counter()
        with conn.cursor() as cur, cur.copy(f"COPY bare ({NAMES}) FROM STDIN".encode()) as copy:
            chunk: list[str] = []
            for row in data:
                chunk.append(_text_line(row))
                if len(chunk) == 1000:
                    copy.write("".join(chunk))
                    chunk.clear()
            copy.write("".join(chunk))
        conn.commit()
        return time.perf_counter() - start


def bare_upsert(dsn: str, rows: int) -> float:
    """Seconds for COPY into a temp staging table plus one INSERT ... ON CONFLICT, of the updated rows."""
    with psycopg.connect(dsn) as conn:
        start = time.perf_counter()
        conn.execute(f"CREATE TEMP TABLE stage ({COLUMNS})".encode())
        with conn.cursor() as cur, cur.copy(f"COPY stage ({NAMES}) FROM STDIN".encode()) as copy:
            for row in _rows(2, rows):
                copy.write_row(row)
        conn.execute(
            f"INSERT INTO bare ({NAMES}) SELECT {NAMES} FROM stage ON CONFLICT (id) DO UPDATE SET"
            " name = EXCLUDED.name, score = EXCLUDED.score, active = EXCLUDED.active, created = EXCLUDED.created,"
            " flow_document = EXCLUDED.flow_document".encode()
        )
        conn.commit()
        return time.perf_counter() - start


def bare_load(dsn: str, rows: int, loads: int) -> float:
    """Seconds to COPY keys into a temp table, join, and fetch every document."""
    step = max(rows // loads, 1)
    with psycopg.connect(dsn) as conn:
        start = time.perf_counter()
        conn.execute(b"CREATE TEMP TABLE keys (id BIGINT)")
        with conn.cursor() as cur:
            with cur.copy(b"COPY keys (id) FROM STDIN") as copy:
                for i in range(0, rows, step)[:loads]:
                    copy.write_row((i,))
            n = 0
            for _ in cur.stream(b"SELECT b.flow_document::text FROM bare b JOIN keys k ON b.id = k.id", size=2000):
                n += 1
        conn.commit()
        assert n == loads, n
        return time.perf_counter() - start


def singer(dsn: str, rows: int, workdir: Path) -> float | None:
    """Seconds for meltanolabs-target-postgres to load the first `rows` documents (None if not installed)."""
    if not TARGET_POSTGRES.exists():
        print("meltanolabs-target-postgres is not installed: run bench/materialize_postgres/setup.sh", file=sys.stderr)
        return None
    p = conninfo_to_dict(dsn)
    config = {
        "sqlalchemy_url": f"postgresql+psycopg://{p.get('user') or 'postgres'}@/{p['dbname']}"
        f"?host={p.get('host')}" + (f"&port={p['port']}" if p.get("port") else ""),
        "default_target_schema": "singer",
        "add_record_metadata": False,
        "activate_version": False,
    }
    (workdir / "singer.json").write_bytes(orjson.dumps(config))
    messages = workdir / "singer.jsonl"
    schema = {
        "type": "object",
        "properties": {
            "id": {"type": "integer"},
            "name": {"type": "string"},
            "score": {"type": "number"},
            "active": {"type": "boolean"},
            "created": {"type": "string", "format": "date-time"},
        },
    }
    with messages.open("wb") as out:
        header = {"type": "SCHEMA", "stream": "users", "schema": schema, "key_properties": ["id"]}
        out.write(orjson.dumps(header) + b"\n")
        for i in range(rows):
            out.write(orjson.dumps({"type": "RECORD", "stream": "users", "record": document(i, 1)}) + b"\n")
        out.write(orjson.dumps({"type": "STATE", "value": {"done": True}}) + b"\n")
    with messages.open("rb") as stdin:
        start = time.perf_counter()
        done = subprocess.run(
            [str(TARGET_POSTGRES), "--config", str(workdir / "singer.json")],
            stdin=stdin,
            capture_output=True,
            check=False,
        )
        elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"target-postgres failed: {done.stderr.decode()[-2000:]}")
    with psycopg.connect(dsn) as conn:
        count = conn.execute(b"SELECT count(*) FROM singer.users").fetchone()
    assert count is not None and count[0] == rows, count
    return elapsed


def _median(values: list[float]) -> float:
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def main() -> None:
    """Run the connector and its baselines in interleaved rounds; print median and best ratios."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--loads", type=int, default=100_000)
    parser.add_argument("--singer-rows", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=5, help="connector, baselines, connector, baselines, ...")
    args = parser.parse_args()
    n, k = args.rows, args.loads
    # Per round: connector seconds and baseline seconds for each target.
    store: list[tuple[float, float]] = []
    update: list[tuple[float, float]] = []
    load: list[tuple[float, float]] = []
    rss: list[float] = []
    peak_rss: list[float] = []
    cpu: list[tuple[float, float]] = []
    with postgres.server() as server, tempfile.TemporaryDirectory(prefix="bench-mpg-") as tmp:
        work = Path(tmp)
        dsn = postgres.fresh_database(server, "bench")
        requests = work / "requests.jsonl"
        write_requests(requests, spec(endpoint(dsn)), n, k)
        print(f"requests file: {requests.stat().st_size / 1e6:.0f} MB, {n} rows, {k} loads, {args.rounds} rounds")
        data = list(_rows(1, n))
        rows_s = bare_copy_rows(dsn, data)  # reported once, not a target
        for r in range(args.rounds):
            c = run_connector(dsn, requests)
            assert c["loaded"] == k, c
            copy_s = bare_copy(dsn, data)
            upsert_s = bare_upsert(dsn, n)
            load_s = bare_load(dsn, n, k)
            store.append((c["store_s"], copy_s))
            update.append((c["update_s"], upsert_s))
            load.append((c["load_s"], load_s))
            rss.append(c["store_rss_mb"])
            cpu.append((c["store_cpu_s"], c["update_cpu_s"]))
            peak_rss.append(c["peak_rss_mb"])
            print(
                f"round {r + 1}: store {copy_s / c['store_s']:.2f}, update {upsert_s / c['update_s']:.2f},"
                f" load {load_s / c['load_s']:.2f}",
                flush=True,
            )
        del data
        singer_s = singer(dsn, args.singer_rows, work)

    def line(what: str, unit: str, count: int, pairs: list[tuple[float, float]], baseline: str) -> float:
        ratios = [b / c for c, b in pairs]
        ours = _median([count / c for c, _ in pairs])
        theirs = _median([count / b for _, b in pairs])
        print(
            f"{what:<12} connector {ours:>10,.0f} {unit} | {baseline:<16} {theirs:>10,.0f} {unit}"
            f" | ratio median {_median(ratios):.2f}, best {max(ratios):.2f} (target >= 0.70)"
        )
        return ours

    print(f"medians over {args.rounds} interleaved rounds:")
    store_rate = line("store new", "rows/s", n, store, "bare text COPY")
    print(
        f"{'store new':<12} connector {store_rate:>10,.0f} rows/s | {'COPY write_row':<16} {n / rows_s:>10,.0f}"
        f" rows/s | ratio {store_rate / (n / rows_s):.2f} (one run, not a target)"
    )
    line("update", "rows/s", n, update, "COPY+upsert")
    line("load", "keys/s", k, load, "temp-table join")
    if singer_s is not None:
        s_rate = args.singer_rows / singer_s
        best = max(n / c for c, _ in store)
        print(
            f"{'store new':<12} connector {store_rate:>10,.0f} rows/s | {'target-postgres':<16} {s_rate:>10,.0f}"
            f" rows/s ({args.singer_rows} records) | ratio median {store_rate / s_rate:.1f}x,"
            f" best {best / s_rate:.1f}x (target >= 15x)"
        )
    print(
        f"connector CPU per row (median): store {_median([c for c, _ in cpu]) / n * 1e6:.2f} µs,"
        f" update {_median([u for _, u in cpu]) / n * 1e6:.2f} µs"
    )
    print(
        f"peak RSS of the connector while storing {n} documents in one transaction: {max(rss):.0f} MiB (target < 300)"
    )
    print(
        f"peak RSS of the connector over the whole session (incl. {k} loads): {max(peak_rss):.0f} MiB"
        " (sampled every 20 ms)"
    )


if __name__ == "__main__":
    main()
