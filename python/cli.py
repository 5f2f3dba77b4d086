"""The `flow-sdk` command line."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

from . import entrypoint, log
from .stdio import Codec

Handler = Callable[[argparse.Namespace], int]

# Subcommands contributed by other modules: (name, help, add_arguments, handler).
_EXTRA_COMMANDS: list[tuple[str, str, Callable[[argparse.ArgumentParser], None], Handler]] = []


def register_command(
    name: str, help_text: str, add_arguments: Callable[[argparse.ArgumentParser], None], handler: Handler
) -> None:
    """Add a subcommand to `flow-sdk` (used by the runtime modules)."""
    _EXTRA_COMMANDS.append((name, help_text, add_arguments, handler))


def _codec_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--protocol", required=True, choices=["capture", "materialize", "derive"])
    parser.add_argument("--direction", required=True, choices=["request", "response"])
    parser.add_argument("--from", dest="from_codec", default="json", choices=[c.value for c in Codec])
    parser.add_argument("--to", dest="to_codec", default="json", choices=[c.value for c in Codec])
    parser.add_argument("--input", "-i", help="read from this file instead of stdin")
    parser.add_argument("--output", "-o", help="write to this file instead of stdout")


def _codec(args: argparse.Namespace) -> int:
    from .transcode import transcode

    source = open(args.input, "rb") if args.input else sys.stdin.buffer  # noqa: SIM115
    sink = open(args.output, "wb") if args.output else sys.stdout.buffer  # noqa: SIM115
    try:
        transcode(
            source,
            sink,
            protocol=args.protocol,
            direction=args.direction,
            from_codec=Codec(args.from_codec),
            to_codec=Codec(args.to_codec),
        )
    finally:
        if args.input:
            source.close()
        if args.output:
            sink.close()
    return 0


def _load_runtime_commands() -> None:
    # The runtime registers its verbs when imported.
    import importlib
    import importlib.util

    if importlib.util.find_spec("flow_sdk.runtime.commands") is not None:
        importlib.import_module("flow_sdk.runtime.commands")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every subcommand."""
    parser = argparse.ArgumentParser(prog="flow-sdk", description="Build and run Estuary Flow connectors locally.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    codec = sub.add_parser(
        "codec",
        help="check protocol messages and convert them between the JSON and protobuf stdio codecs",
        description="Read messages of one protocol and direction, validate them, and write them back "
        "in canonical form, optionally converting between newline JSON and length-prefixed protobuf.",
    )
    _codec_arguments(codec)
    codec.set_defaults(handler=_codec)
    _load_runtime_commands()
    for name, help_text, add_arguments, handler in _EXTRA_COMMANDS:
        command = sub.add_parser(name, help=help_text, description=help_text)
        add_arguments(command)
        command.set_defaults(handler=handler)
    return parser


def main(argv: Sequence[str] | None = None) -> None:
    """Entry point of the `flow-sdk` console script."""
    log.configure()
    args = build_parser().parse_args(argv)
    handler: Handler = args.handler
    entrypoint.run(lambda: handler(args))
