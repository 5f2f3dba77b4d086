"""Framing properties of the stdio transport, in both codecs."""

from __future__ import annotations

import io
import struct
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from flow_sdk.errors import ConfigError, ProtocolError
from flow_sdk.stdio import Codec, MessageReader, MessageWriter, parse_json_block, resolve_codec


class ChunkedRaw(io.RawIOBase):
    """A raw stream that hands out data in the given chunk sizes, like a pipe would."""

    def __init__(self, data: bytes, chunks: list[int]) -> None:
        self._data = memoryview(data)
        self._pos = 0
        self._chunks = chunks or [1 << 20]
        self._i = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if self._pos >= len(self._data):
            return 0
        size = min(len(buffer), self._chunks[self._i % len(self._chunks)], len(self._data) - self._pos)
        self._i += 1
        buffer[:size] = self._data[self._pos : self._pos + size]
        self._pos += size
        return size


def chunked(data: bytes, chunks: list[int]) -> io.BufferedReader:
    return io.BufferedReader(ChunkedRaw(data, chunks), buffer_size=64)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53), 2**53) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=12,
)
captured = st.builds(
    lambda b, doc: {"captured": {"binding": b, "doc": doc}},
    st.integers(1, 50),
    st.dictionaries(st.text(min_size=1, max_size=8), json_values, min_size=1, max_size=5),
)
checkpoint = st.builds(
    lambda state: {"checkpoint": {"state": {"updated": state, "mergePatch": True}}},
    st.dictionaries(st.text(min_size=1, max_size=8), json_values, min_size=1, max_size=3),
)
responses = st.lists(captured | checkpoint, max_size=30)
chunk_sizes = st.lists(st.integers(1, 97), min_size=1, max_size=8)


def roundtrip(codec: Codec, messages: list[dict[str, Any]], chunks: list[int]) -> list[dict[str, Any]]:
    sink = io.BytesIO()
    writer = MessageWriter(sink, codec, "capture", "response", buffer_bytes=256)
    for message in messages:
        writer.write(message)
    writer.flush()
    reader = MessageReader(chunked(sink.getvalue(), chunks), codec, "capture", "response")
    return list(reader)


@given(responses, chunk_sizes)
@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
def test_json_framing_never_loses_or_reorders(messages: list[dict[str, Any]], chunks: list[int]) -> None:
    assert roundtrip(Codec.JSON, messages, chunks) == messages


@given(responses, chunk_sizes)
@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
def test_proto_framing_never_loses_or_reorders(messages: list[dict[str, Any]], chunks: list[int]) -> None:
    assert roundtrip(Codec.PROTO, messages, chunks) == messages


@given(st.binary(max_size=300), chunk_sizes)
@settings(max_examples=300)
def test_json_garbage_is_a_clear_protocol_error(data: bytes, chunks: list[int]) -> None:
    reader = MessageReader(chunked(data, chunks), Codec.JSON, "capture", "request")
    try:
        for message in reader:
            assert isinstance(message, dict)
    except ProtocolError as exc:
        assert exc.message.startswith(f"line {reader.position}: ")


@given(st.binary(max_size=300), chunk_sizes)
@settings(max_examples=300)
def test_proto_garbage_is_a_clear_protocol_error(data: bytes, chunks: list[int]) -> None:
    reader = MessageReader(chunked(data, chunks), Codec.PROTO, "capture", "request")
    try:
        for message in reader:
            assert isinstance(message, dict)
    except ProtocolError as exc:
        assert exc.message.startswith(f"message {reader.position}: ")


def test_malformed_line_names_line_and_shows_excerpt() -> None:
    data = b'{"spec": {}}\n\n{"acknowledge": {"checkpoints": 1}}\n{"open": {"capture": oops}}\n'
    reader = MessageReader(io.BytesIO(data), Codec.JSON, "capture", "request")
    assert next(reader) == {"spec": {}}
    assert next(reader) == {"acknowledge": {"checkpoints": 1}}
    with pytest.raises(ProtocolError) as info:
        next(reader)
    assert info.value.message.startswith("line 4: malformed JSON")
    assert '{"open": {"capture": oops}}' in info.value.message


def test_non_object_line_is_rejected() -> None:
    reader = MessageReader(io.BytesIO(b"[1, 2]\n"), Codec.JSON, "capture", "request")
    with pytest.raises(ProtocolError, match="line 1: expected a JSON object"):
        next(reader)


def test_truncated_proto_frame_is_named() -> None:
    payload = b"\x0a\x00"
    data = struct.pack("<I", len(payload) + 5) + payload
    reader = MessageReader(io.BytesIO(data), Codec.PROTO, "capture", "request")
    with pytest.raises(ProtocolError, match="message 1: stream ended after 2 of 7 payload bytes"):
        next(reader)


def test_json_line_larger_than_128_mib_passes() -> None:
    big = "x" * (129 << 20)
    line = orjson.dumps({"captured": {"binding": 1, "doc": {"blob": big}}}) + b"\n"
    reader = MessageReader(io.BytesIO(line + b'{"checkpoint": {}}\n'), Codec.JSON, "capture", "response")
    first = next(reader)
    assert len(first["captured"]["doc"]["blob"]) == len(big)
    assert next(reader) == {"checkpoint": {}}


def test_writer_buffers_until_flush() -> None:
    sink = io.BytesIO()
    writer = MessageWriter(sink, Codec.JSON, "capture", "response", buffer_bytes=1 << 20)
    writer.write({"checkpoint": {}})
    assert sink.getvalue() == b""
    writer.flush()
    assert sink.getvalue() == b'{"checkpoint":{}}\n'


def test_resolve_codec(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FLOW_SDK_CODEC", raising=False)
    assert resolve_codec() is Codec.JSON
    monkeypatch.setenv("FLOW_SDK_CODEC", "proto")
    assert resolve_codec() is Codec.PROTO
    assert resolve_codec("json") is Codec.JSON
    with pytest.raises(ConfigError, match="unknown codec 'xml'"):
        resolve_codec("xml")


class StingyRaw(io.RawIOBase):
    """A raw sink that accepts at most 7 bytes per write(), as a pipe interrupted by signals may."""

    def __init__(self) -> None:
        self.data = bytearray()

    def writable(self) -> bool:
        return True

    def write(self, b: Any) -> int:
        chunk = bytes(b[:7])
        self.data += chunk
        return len(chunk)


def test_writer_survives_partial_writes_of_a_raw_stream() -> None:
    sink = StingyRaw()
    writer = MessageWriter(sink, Codec.JSON, "capture", "response")  # type: ignore[arg-type]
    messages = [{"captured": {"binding": 1, "doc": {"n": n, "pad": "x" * n}}} for n in range(50)]
    for message in messages:
        writer.write(message)
    writer.flush()
    assert [orjson.loads(line) for line in bytes(sink.data).splitlines()] == messages


@pytest.mark.parametrize(
    ("block", "expected"),
    [
        (b'{"a":1}\n[2]\n"x"', [{"a": 1}, [2], "x"]),  # one value per line, of any type
        (b'{"a":1}', [{"a": 1}]),
        (b'{"a":1}\n\n{"b":2}', None),  # a blank line
        (b'{"a":1},{"b":2}\n{"c":3}', None),  # two values on one line
        (b'{"a":1}\n{"b":', None),  # bad JSON
        (b"", None),  # no line at all
    ],
)
def test_parse_json_block(block: bytes, expected: list[Any] | None) -> None:
    """One parse for a block of lines, or None whenever a line is not exactly one JSON value."""
    assert parse_json_block(block) == expected
