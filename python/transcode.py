"""Reads protocol messages in one codec and writes them back canonically, in the same or the other codec."""

from __future__ import annotations

import importlib
from typing import Any, BinaryIO
from typing import Protocol as TypingProtocol

from .errors import ProtocolError
from .stdio import Codec, Direction, MessageReader, MessageWriter, Protocol


class _Envelope(TypingProtocol):
    def to_flow_json(self) -> dict[str, Any]: ...


class _EnvelopeClass(TypingProtocol):
    def from_flow_json(self, obj: Any) -> _Envelope: ...


def envelope_model(protocol: Protocol, direction: Direction) -> _EnvelopeClass:
    """The pydantic model of a protocol's Request or Response."""
    module = importlib.import_module(f"flow_sdk.{protocol}.{direction}")
    model: _EnvelopeClass = getattr(module, direction.capitalize())
    return model


def canonical(protocol: Protocol, direction: Direction, message: dict[str, Any]) -> dict[str, Any]:
    """Validate a message against the protocol's model and return its canonical Flow JSON form."""
    return envelope_model(protocol, direction).from_flow_json(message).to_flow_json()


def transcode(
    source: BinaryIO,
    sink: BinaryIO,
    *,
    protocol: Protocol,
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
