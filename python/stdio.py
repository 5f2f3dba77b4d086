"""The stdio transport: protocol messages on a connector's stdin/stdout, in either of Flow's codecs.

JSON: one message per line (newline-delimited JSON). Protobuf: each message prefixed with its
length as a 4-byte little-endian unsigned integer. Both are read into and written from the
"Flow JSON form" (plain dicts, see `flow_sdk.protojson`), so protocol logic never sees the codec.
"""

from __future__ import annotations

import os
import struct
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping
from enum import StrEnum
from typing import IO, Any, BinaryIO, Literal, TypeVar

import orjson

from .errors import ConfigError, ProtocolError

T = TypeVar("T")

ProtocolName = Literal["capture", "materialize", "derive"]
Direction = Literal["request", "response"]

CODEC_ENV = "FLOW_SDK_CODEC"
# Flow's runtime hands very large documents through; lines of this size must pass.
MAX_MESSAGE_BYTES = 1 << 30
_EXCERPT = 120
_LEN = struct.Struct("<I")


class Codec(StrEnum):
    """How messages are framed on stdin/stdout."""

    JSON = "json"
    PROTO = "proto"


def resolve_codec(flag: str | None = None) -> Codec:
    """The codec named by a flag, else by FLOW_SDK_CODEC, else JSON."""
    name = flag or os.environ.get(CODEC_ENV) or Codec.JSON.value
    try:
        return Codec(name.strip().lower())
    except ValueError:
        raise ConfigError(f"unknown codec {name!r}: use 'json' or 'proto' (flag --codec or ${CODEC_ENV})") from None


def excerpt(data: bytes, limit: int = _EXCERPT) -> str:
    """A short, printable view of the start of some bytes."""
    text = data[:limit].decode("utf-8", errors="replace")
    return text + ("…" if len(data) > limit else "")


def iter_json_lines(stream: BinaryIO) -> Iterator[tuple[int, bytes]]:
    """Yield (line number, line) for each non-blank line of newline-delimited JSON."""
    number = 0
    readline = stream.readline
    while True:
        line = readline()
        if not line:
            return
        number += 1
        if len(line) > MAX_MESSAGE_BYTES:
            raise ProtocolError(
                f"line {number}: message of {len(line)} bytes exceeds the limit of {MAX_MESSAGE_BYTES}",
                fields={"position": number},
            )
        stripped = line.strip()
        if stripped:
            yield number, stripped


def iter_proto_frames(stream: BinaryIO) -> Iterator[tuple[int, bytes]]:
    """Yield (message number, payload) for each length-prefixed protobuf message."""
    number = 0
    read = stream.read
    while True:
        header = read(4)
        if not header:
            return
        number += 1
        if len(header) < 4:
            raise ProtocolError(
                f"message {number}: stream ended inside a length prefix ({len(header)} of 4 bytes)",
                fields={"position": number},
            )
        (size,) = _LEN.unpack(header)
        if size > MAX_MESSAGE_BYTES:
            raise ProtocolError(
                f"message {number}: length prefix {size} exceeds the limit of {MAX_MESSAGE_BYTES}"
                " (is the peer writing JSON? set the codec to match)",
                fields={"position": number},
            )
        payload = read(size) if size else b""
        if len(payload) < size:
            raise ProtocolError(
                f"message {number}: stream ended after {len(payload)} of {size} payload bytes",
                fields={"position": number},
            )
        yield number, payload


def decode_lines(body: bytes, decode: Callable[[bytes], list[T]], error: type[Exception]) -> list[T] | None:
    """Every line of `body` (complete JSON lines, no final newline) decoded in one call; None if that can't apply.

    The block is decoded as one JSON array, its newlines turned into commas: cheaper than one bytes
    object and one decode per line. A line holding no value (blank) or several (`{..},{..}`) makes the
    array invalid or changes its length, and bad JSON fails it (`decode` raises `error`): each gives
    None, so the caller parses line by line and names the offending one.
    """
    try:
        values = decode(b"".join((b"[", body.replace(b"\n", b","), b"]")))
    except error:
        return None
    return values if len(values) == count_lines(body) else None


def parse_json_block(body: bytes) -> list[Any] | None:
    """Every line of `body` parsed with orjson in one call (see `decode_lines`); the values may be of any type."""
    return decode_lines(body, orjson.loads, orjson.JSONDecodeError)


def parse_json_texts(texts: Iterable[Any]) -> list[Any]:
    """JSON texts (bytes-like, each one complete value) parsed in one call, as the items of one array."""
    values: list[Any] = orjson.loads(b"".join((b"[", b",".join(texts), b"]")))
    return values


def count_lines(body: bytes) -> int:
    """How many lines `body` holds (its newlines plus one)."""
    # Counted by deleting them: bytes.count of one byte is ~5x slower than this memchr-based scan.
    return len(body) - len(body.replace(b"\n", b"")) + 1


def parse_json_message(number: int, line: bytes) -> dict[str, Any]:
    """Parse one JSON line into a message dict, or explain what is wrong with it."""
    try:
        value = orjson.loads(line)
    except orjson.JSONDecodeError as exc:
        raise ProtocolError(f"line {number}: malformed JSON ({exc}): {excerpt(line)}") from None
    if not isinstance(value, dict):
        raise ProtocolError(
            f"line {number}: expected a JSON object (one protocol message), got {type(value).__name__}: {excerpt(line)}"
        )
    return value


class MessageReader:
    """Reads protocol messages (Flow JSON form) from a binary stream."""

    def __init__(self, stream: BinaryIO, codec: Codec, protocol: ProtocolName, direction: Direction) -> None:
        self.codec = codec
        self.protocol = protocol
        self.direction = direction
        # The underlying stream, for consumers that read batches of lines themselves before the
        # first message (the materialization session's hot path).
        self.stream = stream
        # Number of the line (JSON) or message (protobuf) most recently read, for error messages.
        self.position = 0
        self._frames = iter_json_lines(stream) if codec is Codec.JSON else iter_proto_frames(stream)
        self._decode = self._decoder()

    def _decoder(self) -> Callable[[int, bytes], dict[str, Any]]:
        if self.codec is Codec.JSON:
            return parse_json_message
        from . import protojson

        protocol, direction = self.protocol, self.direction

        def decode(number: int, payload: bytes) -> dict[str, Any]:
            try:
                return protojson.decode(protocol, direction, payload)
            except ProtocolError as exc:
                raise ProtocolError(f"message {number}: {exc.message}: {excerpt(payload)!r}") from None

        return decode

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return self

    def __next__(self) -> dict[str, Any]:
        try:
            number, frame = next(self._frames)
        except ProtocolError as exc:
            # Framing errors happen before a frame is handed out; keep `position` in step with the message.
            self.position = int(str(exc.fields.get("position", self.position + 1)))
            raise
        self.position = number
        return self._decode(number, frame)

    def read(self) -> dict[str, Any] | None:
        """The next message, or None at the end of the stream."""
        return next(self, None)

    def where(self) -> str:
        """'line N' or 'message N', naming the last position read."""
        return f"{'line' if self.codec is Codec.JSON else 'message'} {self.position}"


class MessageWriter:
    """The one buffered writer of protocol messages to a binary stream (normally stdout)."""

    def __init__(
        self,
        stream: BinaryIO,
        codec: Codec,
        protocol: ProtocolName,
        direction: Direction,
        *,
        buffer_bytes: int = 1 << 20,
    ) -> None:
        self.codec = codec
        self.protocol = protocol
        self.direction = direction
        self._stream = stream
        self._buffer = bytearray()
        self._limit = buffer_bytes
        self._encode = self._encoder()

    def _encoder(self) -> Callable[[Mapping[str, Any]], bytes]:
        if self.codec is Codec.JSON:
            return lambda msg: orjson.dumps(msg) + b"\n"
        from . import protojson

        protocol, direction = self.protocol, self.direction

        def encode(msg: Mapping[str, Any]) -> bytes:
            payload = protojson.encode(protocol, direction, msg)
            return _LEN.pack(len(payload)) + payload

        return encode

    def encode(self, msg: Mapping[str, Any]) -> bytes:
        """The framed bytes of one message, without writing them."""
        return self._encode(msg)

    def write(self, msg: Mapping[str, Any]) -> None:
        """Buffer one message; it reaches the stream at the next flush or when the buffer fills."""
        self._buffer += self._encode(msg)
        if len(self._buffer) >= self._limit:
            self.flush()

    def write_framed(self, data: bytes | bytearray | memoryview) -> None:
        """Buffer bytes that are already framed messages in this writer's codec (the hot path)."""
        self._buffer += data
        if len(self._buffer) >= self._limit:
            self.flush()

    def flush(self) -> None:
        """Write out everything buffered and flush the stream."""
        if self._buffer:
            write_all(self._stream, self._buffer)
            self._buffer.clear()
        self._stream.flush()


def write_all(stream: BinaryIO, data: bytes | bytearray) -> None:
    """Write every byte: a raw stream's write() may take only part (e.g. interrupted by a signal)."""
    with memoryview(data) as view:
        while view:
            view = view[stream.write(view) :]


def claim_stdout() -> BinaryIO:
    """Take the process's stdout for protocol messages; stray prints go to stderr instead.

    A library that prints to stdout would corrupt the protocol stream, so the real stdout is
    moved to a private descriptor and descriptor 1 (and `sys.stdout`) now point at stderr.
    """
    sys.stdout.flush()
    protocol_fd = os.dup(1)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    # Buffered: BufferedWriter.write() always takes the whole message, retrying partial writes.
    return os.fdopen(protocol_fd, "wb", buffering=1 << 16)


def stdin_binary() -> BinaryIO:
    """The process's stdin as a binary stream."""
    stream: IO[bytes] = sys.stdin.buffer
    return stream  # type: ignore[return-value]
