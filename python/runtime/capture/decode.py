"""Decode a block of capture responses with each document kept as its raw JSON text.

A capture connector's output is mostly `captured` messages with a `checkpoint` now and then.
msgspec decodes such a block into small structs and keeps each document as a `msgspec.Raw`: the
exact bytes the connector wrote, found without building the message wrappers as dicts. The runtime
then parses all documents of a binding in one call (for schema validation) and writes the journal
from these bytes, with the UUID spliced in, instead of serializing every document again.

A block this can't decode (a field of another type, bad JSON, a line with two values) gives None:
the caller parses it the general way, which names what is wrong. Messages of other variants
decode with neither field set; the caller hands them to its general path one by one.
"""

from __future__ import annotations

import msgspec

from flow_sdk.stdio import decode_lines


class Captured(msgspec.Struct, gc=False):
    """A `captured` response: the binding and the document as raw JSON text."""

    doc: msgspec.Raw
    binding: int = 0


class CaptureResponse(msgspec.Struct, gc=False):
    """A capture response as this fast path sees it: `captured`, or `checkpoint` as raw text, or neither."""

    captured: Captured | None = None
    checkpoint: msgspec.Raw = msgspec.Raw()  # empty when absent (msgspec.Raw cannot be in a union)


_decoder = msgspec.json.Decoder(list[CaptureResponse])


def decode_block(body: bytes) -> list[CaptureResponse] | None:
    """The responses of `body` (complete JSON lines, no final newline), one per line; None if it can't decode."""
    # msgspec.ValidationError (a field of another type) is a DecodeError too.
    return decode_lines(body, _decoder.decode, msgspec.DecodeError)
