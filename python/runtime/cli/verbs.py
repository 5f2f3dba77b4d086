"""The capture-side verbs of `flow-sdk`: raw, discover, preview, capture.

Local endpoints whose command starts with `python`/`python3` run with the interpreter that runs
`flow-sdk` itself (`sys.executable`): install the connector in the same virtualenv and it works.
"""

from __future__ import annotations

import argparse
import sys

import orjson

from flow_sdk.errors import ConfigError
from flow_sdk.runtime.catalog.loader import load_catalog
from flow_sdk.runtime.cli import materialize as materialize_commands
from flow_sdk.runtime.cli.args import Command, add_source, add_timeout


def _common(parser: argparse.ArgumentParser) -> None:
    add_source(parser)
    add_timeout(parser)


def _print_json(value: object) -> None:
    sys.stdout.buffer.write(orjson.dumps(value, option=orjson.OPT_INDENT_2) + b"\n")
    sys.stdout.flush()


# --- raw --------------------------------------------------------------------------------


def _raw_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("verb", choices=["spec", "discover", "validate", "apply"])
    _common(parser)
    task = parser.add_mutually_exclusive_group(required=True)
    task.add_argument("--capture", help="the capture to address")
    task.add_argument("--materialization", help="the materialization to address (spec, validate, apply)")


def _raw(args: argparse.Namespace) -> int:
    from flow_sdk.runtime.connectors.raw import run_verb

    catalog = load_catalog(args.source)
    name = args.capture or args.materialization
    if args.materialization:
        if args.verb == "discover":
            raise ConfigError("discover applies to captures only: use --capture")
        catalog.materialization(name)
    else:
        catalog.capture(name)
    _print_json(run_verb(args.verb, catalog, name, timeout=args.timeout))
    return 0


# --- discover ---------------------------------------------------------------------------


def _discover_arguments(parser: argparse.ArgumentParser) -> None:
    _common(parser)
    parser.add_argument("--capture", required=True, help="the capture whose connector to ask")
    parser.add_argument(
        "--inline-schemas", action="store_true", help="write collection schemas inline instead of schema files"
    )


def _discover(args: argparse.Namespace) -> int:
    from flow_sdk.runtime.capture.discover import discover

    catalog = load_catalog(args.source)
    result = discover(catalog, args.capture, timeout=args.timeout, inline_schemas=args.inline_schemas)
    _print_json(
        {
            "addedBindings": result.added_bindings,
            "keptBindings": result.kept_bindings,
            "addedCollections": result.added_collections,
            "schemaFiles": [str(p) for p in result.schema_files],
        }
    )
    return 0


# --- preview ----------------------------------------------------------------------------


def _preview_arguments(parser: argparse.ArgumentParser) -> None:
    _common(parser)
    parser.add_argument("--name", required=True, help="the capture (or materialization) to preview")
    parser.add_argument("--sessions", type=int, default=None, help="stop after this many connector sessions")
    parser.add_argument("--limit", type=int, default=None, help="stop after this many documents")
    parser.add_argument("--output-state", action="store_true", help="print checkpoints as well")
    parser.add_argument("--no-progress", action="store_true", help="no progress or summary on stderr")
    materialize_commands.preview_arguments(parser)


def _preview(args: argparse.Namespace) -> int:
    from flow_sdk.runtime.capture.preview import run_preview

    catalog = load_catalog(args.source)
    if catalog.task_kind(args.name) == "materialization":
        return materialize_commands.preview(args)
    catalog.capture(args.name)
    _, progress = run_preview(
        catalog,
        args.name,
        sessions=args.sessions,
        limit=args.limit,
        output_state=args.output_state,
        timeout=args.timeout,
        show_progress=not args.no_progress,
    )
    progress.close(print_summary=not args.no_progress)
    return 0


# --- capture ----------------------------------------------------------------------------


def _capture_arguments(parser: argparse.ArgumentParser) -> None:
    _common(parser)
    parser.add_argument("--name", required=True, help="the capture to run")
    parser.add_argument("--state-dir", required=True, help="where journals and the recovery log live")
    parser.add_argument(
        "--sessions",
        type=int,
        default=1,
        help="connector sessions to run (0: forever, one per capture interval); default 1",
    )
    parser.add_argument("--fsync", action="store_true", help="fsync journals before each commit (power-loss safe)")
    parser.add_argument("--no-progress", action="store_true", help="no progress or summary on stderr")


def _capture(args: argparse.Namespace) -> int:
    from flow_sdk.runtime.capture.run import run_capture

    catalog = load_catalog(args.source)
    catalog.capture(args.name)
    _, progress = run_capture(
        catalog,
        args.name,
        args.state_dir,
        sessions=args.sessions,
        timeout=args.timeout,
        fsync=args.fsync,
        show_progress=not args.no_progress,
    )
    progress.close(print_summary=not args.no_progress)
    return 0


COMMANDS = (
    Command(
        "raw",
        "send one spec, discover, validate or apply request to a catalog task's connector and print the response",
        _raw_arguments,
        _raw,
    ),
    Command(
        "discover",
        "discover a capture's bindings and write them into its catalog file",
        _discover_arguments,
        _discover,
    ),
    Command(
        "preview",
        "run a capture and print its documents, without persisting anything",
        _preview_arguments,
        _preview,
    ),
    Command(
        "capture",
        "run a capture durably into local collection journals, resuming from its recovery log",
        _capture_arguments,
        _capture,
    ),
)
