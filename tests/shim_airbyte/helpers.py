"""Shared pieces of the Airbyte shim tests: the peer virtualenv, catalogs, and the CLI."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
PEER = "airbyte"
# flow-sdk with its airbyte extra beside the two real PyPI sources: in-process mode runs in this
# virtualenv; command mode runs its `source-faker` / `source-hardcoded-records` entry points from
# flow-sdk's own virtualenv, which has no airbyte-cdk.
REQUIREMENTS = [
    "-e",
    f"{REPO}[airbyte]",
    "airbyte-source-faker==7.2.1",
    "airbyte-source-hardcoded-records>=0.0.37",
]

FAKER = "acmeCo/faker/source-airbyte-faker"
HARDCODED = "acmeCo/hardcoded/source-hardcoded-records"
COUNTER = "acmeCo/counter/source-counter"
MODES = ("in_process", "command")


def flow_sdk_argv(*args: str) -> list[str]:
    """The command line running `flow-sdk` with the test interpreter."""
    return [sys.executable, "-c", "from flow_sdk.cli import main; main()", *args]


def run_flow_sdk(*args: str, timeout: float = 240) -> subprocess.CompletedProcess[str]:
    """Run `flow-sdk` to completion, capturing its output."""
    return subprocess.run(flow_sdk_argv(*args), capture_output=True, text=True, timeout=timeout, check=False)


def _collection(key: list[str], properties: dict[str, Any]) -> dict[str, Any]:
    meta = {
        "type": "object",
        "required": ["op", "row_id"],
        "properties": {"op": {"enum": ["c", "u", "d"]}, "row_id": {"type": "integer"}},
    }
    return {
        "key": key,
        "schema": {"type": "object", "required": ["_meta"], "properties": {**properties, "_meta": meta}},
    }


def faker_catalog(directory: Path, peer: Path, mode: str, config: dict[str, Any], streams: list[str]) -> Path:
    """source-airbyte-faker's test.flow.yaml adapted to `mode` and `streams`, written to `directory`."""
    doc = yaml.safe_load((REPO / "source-airbyte-faker" / "test.flow.yaml").read_text())
    capture = doc["captures"][FAKER]
    local = capture["endpoint"]["local"]
    local["config"] = config
    local["env"] = {"PYTHONPATH": str(REPO)}
    if mode == "in_process":
        local["command"] = [str(peer), "-m", "source-airbyte-faker"]
    else:
        local["env"]["AIRBYTE_SOURCE_FAKER"] = str(peer.parent / "source-faker")
    capture["bindings"] = [b for b in capture["bindings"] if b["resource"]["stream"] in streams]
    path = directory / "flow.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    return path


def hardcoded_catalog(directory: Path, peer: Path, mode: str, count: int) -> Path:
    """airbyte-source-hardcoded-records' three full-refresh streams, keyed by the fallback row id."""
    if mode == "in_process":
        command = [str(peer), str(HERE / "run_hardcoded.py")]
    else:
        command = ["python", "-m", "flow_sdk.shim_airbyte_cdk", "--", str(peer.parent / "source-hardcoded-records")]
    streams = ("products", "customers", "dummy_fields")
    doc = {
        "captures": {
            HARDCODED: {
                "endpoint": {"local": {"command": command, "config": {"count": count}}},
                "bindings": [
                    {"resource": {"stream": s, "syncMode": "full_refresh"}, "target": f"acmeCo/hardcoded/{s}"}
                    for s in streams
                ],
            }
        },
        "collections": {f"acmeCo/hardcoded/{s}": _collection(["/_meta/row_id"], {}) for s in streams},
    }
    path = directory / "hardcoded.flow.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    return path


def counter_catalog(directory: Path, peer: Path, mode: str, config: dict[str, Any]) -> Path:
    """The counter source (tests/shim_airbyte/counter_source.py), both streams incremental."""
    source = str(HERE / "counter_source.py")
    if mode == "in_process":
        command = [str(peer), source]
    else:
        command = ["python", "-m", "flow_sdk.shim_airbyte_cdk", "--", str(peer), source]
    doc = {
        "captures": {
            COUNTER: {
                "endpoint": {"local": {"command": command, "config": config}},
                "bindings": [
                    {"resource": {"stream": s, "syncMode": "incremental"}, "target": f"acmeCo/counter/{s}"}
                    for s in ("alpha", "beta")
                ],
            }
        },
        "collections": {
            f"acmeCo/counter/{s}": _collection(["/id"], {"id": {"type": "integer"}}) for s in ("alpha", "beta")
        },
    }
    path = directory / "counter.flow.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    return path


def journal_docs(state: Path, collection: str) -> list[Any]:
    """The committed documents of a collection's journal."""
    from flow_sdk.runtime.storage import journal

    path = journal.journal_path(state, collection)
    return [doc for _, doc in journal.read_documents(path)] if path.exists() else []
