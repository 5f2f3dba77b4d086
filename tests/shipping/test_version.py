"""`flow-sdk --version` names the installed distribution's version, and costs nothing otherwise."""

from __future__ import annotations

import importlib.metadata
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from flow_sdk.runtime.cli.main import build_parser

from .conftest import ROOT

VERSION = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]


def test_version_prints_the_installed_version() -> None:
    done = subprocess.run(
        [str(Path(sys.executable).with_name("flow-sdk")), "--version"], capture_output=True, text=True, check=False
    )
    assert (done.returncode, done.stdout, done.stderr) == (0, f"flow-sdk {VERSION}\n", "")


def test_the_version_is_looked_up_only_when_asked_for(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(name: str) -> str:
        raise AssertionError(f"metadata of {name} read")

    monkeypatch.setattr(importlib.metadata, "version", refuse)
    args = build_parser().parse_args(["raw", "spec", "--source", "x.flow.yaml", "--capture", "a/b"])
    assert args.command == "raw"
    with pytest.raises(AssertionError, match="metadata of flow-sdk read"):
        build_parser().parse_args(["--version"])
