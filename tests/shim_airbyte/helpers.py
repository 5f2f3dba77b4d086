"""Shared pieces of the Airbyte shim tests: the peer virtualenv, catalogs, and the CLI."""

from __future__ import annotations

from pathlib import Path

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
