"""source-singer-jsonl's test.flow.yaml, adapted to run tap-jsonl from its peer virtualenv over the test's files."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import yaml

from .peers import REPO

NAME = "acmeCo/singer/source-singer-jsonl"
EVENTS = "acmeCo/singer/events"


def jsonl_catalog(directory: Path, venv: Path, mode: str, *, backfill: int = 0, **config: Any) -> Path:
    """The example catalog, its capture run in `mode` ("in-process" or "command") over `directory/data/*.jsonl`."""
    doc = yaml.safe_load((REPO / "source-singer-jsonl" / "test.flow.yaml").read_text())
    capture = doc["captures"][NAME]
    local = capture["endpoint"]["local"]
    if mode == "in-process":
        local["command"] = [str(venv / "bin" / "python"), "-m", "source-singer-jsonl"]
        local["env"] = {"PYTHONPATH": str(REPO)}
    else:
        # The shim runs with the test's interpreter; the tap is only an executable of another virtualenv.
        local["command"] = ["python", "-m", "flow_sdk.shim_singer_sdk", "--", str(venv / "bin" / "tap-jsonl")]
        local.pop("env", None)
    local["config"] = {**local["config"], "path": str(directory / "data" / "*.jsonl"), **config}
    if backfill:
        capture["bindings"][0]["backfill"] = backfill
    path = directory / f"{mode}.flow.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    return path


def write_jsonl(directory: Path, name: str, ids: range, mtime: int) -> None:
    """A JSONL file of one record per id under `directory/data`, its modification time set to `mtime`."""
    data = directory / "data"
    data.mkdir(exist_ok=True)
    path = data / name
    path.write_text("".join(json.dumps({"id": i, "name": f"event {i}", "amount": i / 4}) + "\n" for i in ids))
    os.utime(path, (mtime, mtime))
