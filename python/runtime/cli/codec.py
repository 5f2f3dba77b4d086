"""`flow-sdk codec`: check protocol messages and convert them between the JSON and protobuf codecs."""

from __future__ import annotations

import argparse
import sys

from flow_sdk.runtime.cli.args import Command
from flow_sdk.stdio import Codec


def codec_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments of `flow-sdk codec`."""
    parser.add_argument("--protocol", required=True, choices=["capture", "materialize", "derive"])
    parser.add_argument("--direction", required=True, choices=["request", "response"])
    parser.add_argument("--from", dest="from_codec", default="json", choices=[c.value for c in Codec])
    parser.add_argument("--to", dest="to_codec", default="json", choices=[c.value for c in Codec])
    parser.add_argument("--input", "-i", help="read from this file instead of stdin")
    parser.add_argument("--output", "-o", help="write to this file instead of stdout")


def codec(args: argparse.Namespace) -> int:
    """Transcode the messages of `--input` (or stdin) to `--output` (or stdout)."""
    from flow_sdk.transcode import transcode

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


COMMANDS = (
    Command(
        "codec",
        "check protocol messages and convert them between the JSON and protobuf stdio codecs",
        codec_arguments,
        codec,
    ),
)
