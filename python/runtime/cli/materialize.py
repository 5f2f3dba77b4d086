"""`flow-sdk materialize`: run a materialization from local journals (or a fixture)."""

from __future__ import annotations

import argparse
import sys

import orjson

from flow_sdk.runtime.catalog.loader import load_catalog
from flow_sdk.runtime.cli.args import Command, add_source, add_timeout, positive_float, positive_int


def materialize_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments of `flow-sdk materialize`."""
    from flow_sdk.runtime.materialize.run import DEFAULT_MAX_BYTES, DEFAULT_MAX_DOCS

    add_source(parser)
    parser.add_argument("--name", required=True, help="the materialization to run")
    parser.add_argument("--state-dir", required=True, help="where journals and the recovery log live")
    parser.add_argument(
        "--fixture",
        help="read documents from this file (mapping collection -> documents, or JSON lines "
        '["collection", doc]) instead of the journals of `flow-sdk capture`',
    )
    parser.add_argument(
        "--max-txn-docs", type=positive_int, default=DEFAULT_MAX_DOCS, help="documents per transaction at most"
    )
    parser.add_argument(
        "--max-txn-bytes", type=positive_int, default=DEFAULT_MAX_BYTES, help="journal bytes per transaction at most"
    )
    parser.add_argument("--transactions", type=positive_int, default=None, help="stop after this many transactions")
    parser.add_argument(
        "--poll",
        type=positive_float,
        default=None,
        metavar="SECONDS",
        help="when caught up, wait for new journal data (checking this often) instead of exiting",
    )
    add_timeout(parser)


def materialize(args: argparse.Namespace) -> int:
    """Handler of `flow-sdk materialize`: prints a JSON summary on stdout."""
    from flow_sdk.runtime.materialize.run import Limits, poll_every, run_materialize

    catalog = load_catalog(args.source)
    result = run_materialize(
        catalog,
        args.name,
        args.state_dir,
        fixture=args.fixture,
        limits=Limits(args.max_txn_docs, args.max_txn_bytes),
        timeout=args.timeout,
        max_transactions=args.transactions,
        follow=poll_every(args.poll) if args.poll else None,
    )
    summary = {
        "transactions": result.transactions,
        "documents": result.documents,
        "loads": result.loads,
        "loaded": result.loaded,
        "stores": result.stores,
        "deletes": result.deletes,
        "checkpoint": result.checkpoint,
    }
    sys.stdout.buffer.write(orjson.dumps(summary) + b"\n")
    sys.stdout.flush()
    return 0


def preview_arguments(parser: argparse.ArgumentParser) -> None:
    """Extra `flow-sdk preview` arguments for materializations (`--fixture`, `--transactions`)."""
    parser.add_argument("--fixture", help="materializations: the documents to materialize")
    parser.add_argument("--transactions", type=positive_int, default=None, help="materializations: at most this many")


def preview(args: argparse.Namespace) -> int:
    """`flow-sdk preview --name MATERIALIZATION --fixture FILE`: print loads, stores and commits."""
    from flow_sdk.errors import ConfigError
    from flow_sdk.runtime.materialize.run import preview_materialization

    if not getattr(args, "fixture", None):
        raise ConfigError("previewing a materialization needs --fixture FILE (documents per collection)")
    catalog = load_catalog(args.source)
    preview_materialization(
        catalog, args.name, args.fixture, transactions=getattr(args, "transactions", None), timeout=args.timeout
    )
    return 0


COMMANDS = (
    Command(
        "materialize",
        "run a materialization from local collection journals (or a fixture), resuming from its recovery log",
        materialize_arguments,
        materialize,
    ),
)
