"""Fixtures of the Singer shim's tests: peer virtualenvs, catalogs in temporary folders, the `flow-sdk` CLI."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from flow_sdk.runtime.storage import journal

from .peers import REPO, peer_venv

HERE = Path(__file__).resolve().parent
TAP_JSONL = "tap-jsonl==0.3.1"
SINGER_PYTHON = "singer-python==6.8.0"


@pytest.fixture(scope="session")
def jsonl_venv() -> Path:
    """A virtualenv with flow-sdk (editable, with the singer extra) and the real tap-jsonl from PyPI."""
    return peer_venv("tap-jsonl", [TAP_JSONL], with_repo="singer")


@pytest.fixture(scope="session")
def singer_python_venv() -> Path:
    """A virtualenv with singer-python only: the older library our own small tap is written on."""
    return peer_venv("singer-python", [SINGER_PYTHON])


def flow_sdk_argv(*args: str) -> list[str]:
    """`flow-sdk` run with the test interpreter."""
    return [sys.executable, "-c", "from flow_sdk.cli import main; main()", *args]


def run_flow_sdk(*args: str, timeout: float = 180) -> subprocess.CompletedProcess[str]:
    """Run `flow-sdk` to completion, capturing its output."""
    return subprocess.run(flow_sdk_argv(*args), capture_output=True, text=True, timeout=timeout, check=False)


def write_catalog(
    path: Path, name: str, endpoint: dict[str, Any], bindings: list[dict[str, Any]], collections: dict[str, Any]
) -> Path:
    """A catalog with one capture `name` and its collections."""
    doc = {"captures": {name: {"endpoint": endpoint, "bindings": bindings}}, "collections": collections}
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    return path


def journal_docs(state: Path, collection: str) -> list[Any]:
    """The committed documents of a collection's journal (empty when it has none yet)."""
    path = journal.journal_path(state, collection)
    return [doc for _, doc in journal.read_documents(path)] if path.exists() else []


__all__ = ["HERE", "REPO"]
