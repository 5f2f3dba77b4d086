"""`flow-sdk generate`: write the typed modules of a catalog's Python derivations."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from flow_sdk.runtime.cli.args import Command, add_source


def _arguments(parser: argparse.ArgumentParser) -> None:
    add_source(parser)
    parser.add_argument(
        "--project-root",
        type=Path,
        default=None,
        help="where flow_generated/python/ goes (default: the directory of the catalog file)",
    )


def generate(args: argparse.Namespace) -> int:
    """Generate, then list each file written (and say so when everything was up to date)."""
    from flow_sdk.runtime.derive.generate import generate as run_generate

    result = run_generate(args.source, args.project_root)
    for path in result.written:
        sys.stdout.write(f"wrote {path}\n")
    if not result.written:
        sys.stdout.write(f"up to date ({len(result.unchanged)} files)\n")
    return 0


COMMANDS = (
    Command(
        "generate",
        "write typed pydantic models (and missing module stubs) for the catalog's `using: python` derivations",
        _arguments,
        generate,
    ),
)
