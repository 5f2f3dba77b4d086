"""`flow-sdk run`: the whole catalog as one supervised pipeline."""

from __future__ import annotations

import argparse

from flow_sdk.runtime.cli.args import Command, add_source, add_timeout, positive_float, positive_int


def run_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments of `flow-sdk run`."""
    add_source(parser)
    parser.add_argument(
        "--state-dir",
        help="where journals and the recovery log live (default: .state/<catalog name> next to the catalog)",
    )
    parser.add_argument(
        "--follow",
        action="store_true",
        help="keep capturing (a session per capture interval) and materializing until interrupted",
    )
    parser.add_argument(
        "--max-txn-docs", type=positive_int, default=None, help="materializations: documents per transaction at most"
    )
    parser.add_argument(
        "--poll",
        type=positive_float,
        default=0.1,
        metavar="SECONDS",
        help="how often a caught-up materialization checks the journals for new documents",
    )
    add_timeout(parser)
    parser.add_argument("--no-progress", action="store_true", help="no progress display (the summary still prints)")


def run(args: argparse.Namespace) -> int:
    """Handler of `flow-sdk run`: 0 when done, 130 when stopped by SIGINT/SIGTERM."""
    from flow_sdk.runtime.pipeline.supervisor import run_pipeline

    result = run_pipeline(
        args.source,
        args.state_dir,
        follow=args.follow,
        timeout=args.timeout,
        max_txn_docs=args.max_txn_docs,
        poll=args.poll,
        show_progress=not args.no_progress,
    )
    return 130 if result.interrupted else 0


COMMANDS = (
    Command(
        "run",
        "run every capture and materialization of a catalog as one pipeline, resuming from its state directory",
        run_arguments,
        run,
    ),
)
