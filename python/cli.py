"""The `flow-sdk` console script; the verbs live in `flow_sdk.runtime.cli`."""

from __future__ import annotations

from flow_sdk.runtime.cli.main import build_parser, main

__all__ = ["build_parser", "main"]
