"""Reads protocol messages in one codec and writes them back canonically, in the same or the other codec."""

from __future__ import annotations

import importlib
from typing import Any, BinaryIO, Protocol

from .errors import ProtocolError
from .stdio import Codec, Direction, MessageReader, MessageWriter, ProtocolName


class _Envelope(Protocol):
    def to_flow_json(self) -> dict[str, Any]: ...


class _EnvelopeClass(Protocol):
    def from_flow_json(self, obj: Any) -> _Envelope: ...


def envelope_model(protocol: ProtocolName, direction: Direction) -> _EnvelopeClass:
    """The pydantic model of a protocol's Request or Response."""
    module = importlib.import_module(f"flow_sdk.{protocol}.{direction}")
    model: _EnvelopeClass = getattr(module, direction.capitalize())
    return model


def transcode(
    source: BinaryIO,
    sink: BinaryIO,
    *,
    protocol: ProtocolName,
    direction: Direction,
    from_codec: Codec,
    to_codec: Codec,
) -> int:
    """Copy every message from `source` to `sink` in canonical form; returns the count."""
    reader = MessageReader(source, from_codec, protocol, direction)
    writer = MessageWriter(sink, to_codec, protocol, direction)
    model = envelope_model(protocol, direction)
    count = 0
    try:
        for message in reader:
            try:
                out = model.from_flow_json(message).to_flow_json()
                writer.write(out)
            except ProtocolError as exc:
                raise ProtocolError(f"{reader.where()}: {exc.message}", fields=exc.fields) from None
            count += 1
    finally:
        writer.flush()
    return count
