"""The `flow-sdk` command line: every verb, imported explicitly, in the order a user meets them."""

from __future__ import annotations

import argparse
import importlib.metadata
from collections.abc import Sequence

from flow_sdk import entrypoint, log
from flow_sdk.runtime.cli import codec, generate, materialize, run, verbs
from flow_sdk.runtime.cli.args import Command, Handler

# Verbs in the order of the help screen: author's loop first (discover, preview), then running.
VERBS: tuple[Command, ...] = (
    *verbs.COMMANDS,
    *materialize.COMMANDS,
    *run.COMMANDS,
    *generate.COMMANDS,
    *codec.COMMANDS,
)


def installed_version() -> str:
    """The version of the installed `flow-sdk` distribution, or "unknown" when it is not installed (a bare checkout)."""
    try:
        return importlib.metadata.version("flow-sdk")
    except importlib.metadata.PackageNotFoundError:
        return "unknown (not installed)"


class _VersionAction(argparse.Action):
    """`--version`: print `flow-sdk VERSION` and exit.

    Unlike argparse's own version action, the version is looked up only when asked for: reading
    distribution metadata costs tens of milliseconds that every other run would pay at start.
    """

    def __init__(self, option_strings: Sequence[str], dest: str = argparse.SUPPRESS) -> None:
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS, help="print the version and exit")

    def __call__(self, parser: argparse.ArgumentParser, *args: object) -> None:
        print(f"{parser.prog} {installed_version()}")  # on stdout, as argparse's own version action does
        parser.exit()


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every verb of `VERBS`."""
    parser = argparse.ArgumentParser(prog="flow-sdk", description="Build and run Estuary Flow connectors locally.")
    parser.add_argument("--version", action=_VersionAction)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for command in VERBS:
        verb = sub.add_parser(command.name, help=command.help, description=command.help)
        command.add_arguments(verb)
        verb.set_defaults(handler=command.handler)
    return parser


def main(argv: Sequence[str] | None = None) -> None:
    """Entry point of the `flow-sdk` console script (never returns)."""
    log.configure()
    args = build_parser().parse_args(argv)
    handler: Handler = args.handler
    entrypoint.run(lambda: handler(args))
