"""Argument types shared by the runtime's `flow-sdk` verbs."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import NamedTuple

Handler = Callable[[argparse.Namespace], int]


class Command(NamedTuple):
    """One `flow-sdk` verb: its name, one-line help, how it declares its arguments, and its handler."""

    name: str
    help: str
    add_arguments: Callable[[argparse.ArgumentParser], None]
    handler: Handler


def positive_int(text: str) -> int:
    """An argparse type: an integer greater than 0."""
    value = int(text)
    if value <= 0:
        raise argparse.ArgumentTypeError("must be greater than 0")
    return value


def positive_float(text: str) -> float:
    """An argparse type: a number greater than 0."""
    value = float(text)
    if value <= 0:
        raise argparse.ArgumentTypeError("must be greater than 0")
    return value


def add_source(parser: argparse.ArgumentParser) -> None:
    """`--source FILE`: the catalog every runtime verb reads."""
    parser.add_argument("--source", required=True, help="the Flow catalog file (YAML or JSON)")


def add_timeout(parser: argparse.ArgumentParser) -> None:
    """`--timeout SECONDS`: the connector inactivity limit."""
    parser.add_argument(
        "--timeout",
        type=positive_float,
        default=None,
        metavar="SECONDS",
        help="kill a connector that produces no message for this long",
    )
