"""Helpers for the runtime's end-to-end tests: catalogs in temporary directories, and the CLI."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
BIGDATA = "acmeCo/bigdata/source-bigdata"
BAD = "test/bad"


def flow_sdk_argv(*args: str) -> list[str]:
    """The command line running `flow-sdk` with the test interpreter."""
    return [sys.executable, "-c", "from flow_sdk.cli import main; main()", *args]


def run_flow_sdk(*args: str, timeout: float = 120, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run `flow-sdk` to completion, capturing its output."""
    return subprocess.run(flow_sdk_argv(*args), capture_output=True, text=True, timeout=timeout, cwd=cwd, check=False)


def bigdata_catalog(directory: Path, *, records: int = 1000, bindings: int = 3) -> Path:
    """source-bigdata's test.flow.yaml copied to `directory`, runnable from there."""
    doc = yaml.safe_load((REPO / "source-bigdata" / "test.flow.yaml").read_text())
    capture = doc["captures"][BIGDATA]
    local = capture["endpoint"]["local"]
    local["config"]["records_per_stream"] = records
    # The command is `python -m source-bigdata`; its working directory is the catalog's.
    local["env"] = {**(local.get("env") or {}), "PYTHONPATH": str(REPO)}
    capture["bindings"] = capture["bindings"][:bindings]
    path = directory / "flow.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    return path


def bad_catalog(directory: Path, mode: str, state_dir: Path | None = None) -> Path:
    """A catalog whose capture runs the misbehaving test connector in `mode`."""
    shutil.copy(HERE / "bad_connector.py", directory / "bad_connector.py")
    env = {"BAD_MODE": mode}
    if state_dir is not None:
        env["STATE_DIR"] = str(state_dir)
    doc: dict[str, Any] = {
        "captures": {
            BAD: {
                "endpoint": {"local": {"command": ["python", "bad_connector.py"], "config": {}, "env": env}},
                "bindings": [{"resource": {"stream": "things"}, "target": "test/things"}],
            }
        },
        "collections": {
            "test/things": {
                "key": ["/id"],
                "schema": {
                    "type": "object",
                    "properties": {"id": {"type": "integer"}, "n": {"type": "integer"}},
                    "required": ["id"],
                },
            }
        },
    }
    path = directory / f"{mode}.flow.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    return path


@pytest.fixture
def bad(tmp_path: Path) -> Callable[..., Path]:
    """Make a misbehaving-connector catalog in the test's directory."""
    return lambda mode, state_dir=None: bad_catalog(tmp_path, mode, state_dir)
