"""airbyte-source-faker through `flow-sdk run` into materialize-postgres (embedded PostgreSQL)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from tests.pipeline.helpers import endpoint

from .helpers import REPO, faker_catalog, run_flow_sdk

pytestmark = [pytest.mark.peer, pytest.mark.timeout(900)]


def test_faker_preview_and_run_into_postgres(tmp_path: Path, peer: Path, pg_server: str) -> None:
    import psycopg

    config = {"count": 300, "seed": 9, "records_per_slice": 100, "parallelism": 2, "always_updated": False}
    catalog = faker_catalog(tmp_path, peer, "in_process", config, ["users", "products"])
    preview = run_flow_sdk("preview", "--source", str(catalog), "--name", "acmeCo/faker/source-airbyte-faker")
    assert preview.returncode == 0, preview.stderr[-3000:]
    assert sum(1 for line in preview.stdout.splitlines() if json.loads(line)[0] == "acmeCo/faker/users") == 300

    doc = yaml.safe_load(catalog.read_text())
    doc["materializations"] = {
        "acmeCo/faker/materialize-postgres": {
            "endpoint": {
                "local": {
                    "command": ["python", "-m", "materialize-postgres"],
                    "env": {"PYTHONPATH": str(REPO)},
                    "config": endpoint(pg_server),
                }
            },
            "bindings": [
                {"resource": {"table": f"faker_{s}"}, "source": f"acmeCo/faker/{s}"} for s in ("users", "products")
            ],
        }
    }
    catalog.write_text(yaml.safe_dump(doc))
    state = str(tmp_path / "state")
    for _ in range(2):  # the second run resumes: nothing new, nothing repeated
        done = run_flow_sdk("run", "--source", str(catalog), "--state-dir", state, "--no-progress", timeout=600)
        assert done.returncode == 0, done.stderr[-3000:]
    with psycopg.connect(pg_server) as conn:
        users = conn.execute("SELECT id, updated_at FROM faker_users ORDER BY id").fetchall()
        products = conn.execute("SELECT count(*) FROM faker_products").fetchone()
    assert [u[0] for u in users] == list(range(1, 301))
    assert all(u[1] for u in users)
    assert products is not None and products[0] > 0
