"""Benchmark of materialize-postgres against bare psycopg and meltanolabs-target-postgres, on the same rows.

Run from the repository root (after `bench/materialize_postgres/setup.sh` for the Singer target):

    .venv/bin/python bench/materialize_postgres/run.py [--rows 1000000] [--loads 100000] [--singer-rows 100000]

The connector runs as a subprocess speaking the protocol (JSON codec) with its stdin read from a file
of requests generated up front; rates come from the times its responses appear on stdout. The
baselines run in this process with psycopg on the same server and the same rows. PostgreSQL is
embedded unless FLOW_SDK_TEST_POSTGRES_DSN names a server.
"""

from __future__ import annotations

import argparse
import os
import resource
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
COLUMNS = "id BIGINT NOT NULL, name TEXT NOT NULL, score DOUBLE PRECISION NOT NULL, active BOOLEAN NOT NULL," \
    " created TIMESTAMPTZ NOT NULL, flow_document JSONB NOT NULL"
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
        "bindings": [{
            "resourceConfig": {"table": "bench"},
            "resourcePath": ["public", "bench"],
            "collection": collection,
            "fieldSelection": {"keys": ["id"], "values": ["name", "score", "active", "created"],
                               "document": "flow_document"},
        }],
    }


def _store(doc: dict[str, Any], exists: bool) -> bytes:
    body: dict[str, Any] = {"key": [doc["id"]], "values": [doc["name"], doc["score"], doc["active"], doc["created"]],
                            "doc": doc}
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
    config: dict[str, Any] = {"address": f"{host}:{p['port']}" if p.get("port") else host,
                              "user": p.get("user") or "postgres", "database": p["dbname"]}
    if p.get("password"):
        config["password"] = p["password"]
    return config


def run_connector(dsn: str, requests: Path) -> dict[str, float]:
    """Run the connector over the request file; time each response; report rates and peak RSS."""
    env = dict(os.environ, FLOW_SDK_CODEC="json", PYTHONPATH=str(ROOT))
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f"CREATE TABLE bench ({COLUMNS}, PRIMARY KEY (id))".encode())
    times: list[tuple[str, float]] = []
    with requests.open("rb") as stdin:
        proc = subprocess.Popen([sys.executable, "-m", "materialize-postgres"], cwd=ROOT, env=env,
                                stdin=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        assert proc.stdout is not None
        counts: dict[str, int] = {}
        phase = ["open"]
        peaks: dict[str, float] = {}
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
            kind = next(iter(orjson.loads(raw)))
            counts[kind] = counts.get(kind, 0) + 1
            if kind != "loaded":
                times.append((f"{kind}{counts[kind]}", time.perf_counter()))
                phase[0] = f"{kind}{counts[kind]}"
        _, err = proc.communicate()
        sampler.join()
    if proc.returncode != 0:
        raise SystemExit(f"connector failed ({proc.returncode}): {err.decode()[-2000:]}")
    peak_rss_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    t = dict(times)
    return {
        "store_s": t["startedCommit1"] - t["flushed1"],
        "load_s": t["flushed2"] - t["acknowledged2"],
        "update_s": t["startedCommit2"] - t["flushed2"],
        "loaded": counts.get("loaded", 0),
        "peak_rss_mb": peak_rss_mb,
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


def bare_copy(dsn: str, rows: int) -> tuple[float, float]:
    """Seconds for bare psycopg COPY FROM STDIN of the rows into fresh tables: (write_row, text lines).

    The rows (with each document's JSON text) are built before timing; the text variant formats each
    row with one f-string (this data needs no escaping) and writes 128 KiB chunks.
    """
    data = list(_rows(1, rows))
    out = []
    with psycopg.connect(dsn) as conn:
        for table in ("bare_rows", "bare"):
            conn.execute(f"CREATE TABLE {table} ({COLUMNS}, PRIMARY KEY (id))".encode())
            conn.commit()
        start = time.perf_counter()
        with conn.cursor() as cur, cur.copy(f"COPY bare_rows ({NAMES}) FROM STDIN".encode()) as copy:
            for row in data:
                copy.write_row(row)
        conn.commit()
        out.append(time.perf_counter() - start)
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
        out.append(time.perf_counter() - start)
    return out[0], out[1]


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
    config = {"sqlalchemy_url": f"postgresql+psycopg://{p.get('user') or 'postgres'}@/{p['dbname']}"
                                f"?host={p.get('host')}" + (f"&port={p['port']}" if p.get("port") else ""),
              "default_target_schema": "singer", "add_record_metadata": False, "activate_version": False}
    (workdir / "singer.json").write_bytes(orjson.dumps(config))
    messages = workdir / "singer.jsonl"
    schema = {"type": "object", "properties": {
        "id": {"type": "integer"}, "name": {"type": "string"}, "score": {"type": "number"},
        "active": {"type": "boolean"}, "created": {"type": "string", "format": "date-time"}}}
    with messages.open("wb") as out:
        header = {"type": "SCHEMA", "stream": "users", "schema": schema, "key_properties": ["id"]}
        out.write(orjson.dumps(header) + b"\n")
        for i in range(rows):
            out.write(orjson.dumps({"type": "RECORD", "stream": "users", "record": document(i, 1)}) + b"\n")
        out.write(orjson.dumps({"type": "STATE", "value": {"done": True}}) + b"\n")
    with messages.open("rb") as stdin:
        start = time.perf_counter()
        done = subprocess.run([str(TARGET_POSTGRES), "--config", str(workdir / "singer.json")], stdin=stdin,
                              capture_output=True, check=False)
        elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"target-postgres failed: {done.stderr.decode()[-2000:]}")
    with psycopg.connect(dsn) as conn:
        count = conn.execute(b"SELECT count(*) FROM singer.users").fetchone()
    assert count is not None and count[0] == rows, count
    return elapsed


def main() -> None:
    """Run every measurement once and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--loads", type=int, default=100_000)
    parser.add_argument("--singer-rows", type=int, default=100_000)
    args = parser.parse_args()
    with postgres.server() as server, tempfile.TemporaryDirectory(prefix="bench-mpg-") as tmp:
        work = Path(tmp)
        dsn = postgres.fresh_database(server, "bench")
        requests = work / "requests.jsonl"
        write_requests(requests, spec(endpoint(dsn)), args.rows, args.loads)
        print(f"requests file: {requests.stat().st_size / 1e6:.0f} MB, {args.rows} rows, {args.loads} loads")
        c = run_connector(dsn, requests)
        assert c["loaded"] == args.loads, c
        rows_s, copy_s = bare_copy(dsn, args.rows)
        upsert_s = bare_upsert(dsn, args.rows)
        load_s = bare_load(dsn, args.rows, args.loads)
        singer_s = singer(dsn, args.singer_rows, work)

    def rate(n: float, s: float) -> float:
        return n / s

    n, k = args.rows, args.loads
    print(f"store new    connector {rate(n, c['store_s']):>10,.0f} rows/s | bare text COPY   {rate(n, copy_s):>10,.0f}"
          f" rows/s | ratio {copy_s / c['store_s']:.2f} (target >= 0.70)")
    print(f"store new    connector {rate(n, c['store_s']):>10,.0f} rows/s | COPY write_row   {rate(n, rows_s):>10,.0f}"
          f" rows/s | ratio {rows_s / c['store_s']:.2f}")
    print(f"update       connector {rate(n, c['update_s']):>10,.0f} rows/s"
          f" | COPY+upsert      {rate(n, upsert_s):>10,.0f}"
          f" rows/s | ratio {upsert_s / c['update_s']:.2f} (target >= 0.70)")
    print(f"load         connector {rate(k, c['load_s']):>10,.0f} keys/s | temp-table join  {rate(k, load_s):>10,.0f}"
          f" keys/s | ratio {load_s / c['load_s']:.2f} (target >= 0.70)")
    if singer_s is not None:
        s_rate = rate(args.singer_rows, singer_s)
        print(f"store new    connector {rate(n, c['store_s']):>10,.0f} rows/s | target-postgres  {s_rate:>10,.0f}"
              f" rows/s ({args.singer_rows} records) | ratio {rate(n, c['store_s']) / s_rate:.1f}x (target >= 15x)")
    print(f"peak RSS of the connector while storing {n} documents in one transaction: {c['store_rss_mb']:.0f} MiB"
          " (target < 300)")
    print(f"peak RSS of the connector over the whole session (incl. {k} loads): {c['peak_rss_mb']:.0f} MiB;"
          f" during the loads {c['load_rss_mb']:.0f} MiB")


if __name__ == "__main__":
    main()
