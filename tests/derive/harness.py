"""Runs the `using: python` derivation connector as a process, for the derive tests."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import orjson

Completed = subprocess.CompletedProcess[bytes]


def python_module(
    cwd: Path, requests: list[dict[str, Any]], timeout: float = 300
) -> subprocess.CompletedProcess[bytes]:
    """Run `python -m flow_sdk.derive.python_module` in `cwd` on `requests` (JSON lines) to its exit."""
    return subprocess.run(
        [sys.executable, "-m", "flow_sdk.derive.python_module"],
        input=b"".join(orjson.dumps(r) + b"\n" for r in requests),
        cwd=cwd,
        capture_output=True,
        timeout=timeout,
        check=False,
    )
