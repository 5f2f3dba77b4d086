"""`flow-sdk codec --protocol derive` round-trips every derive request and response variant.

`../shared/conformance` holds no derive fixtures, so `fixtures/derive_{request,response}.json`
were written from derive.proto: one message per variant (and the `$internal`-only envelope),
each setting every field of its variant to a value that is not the default, in canonical Flow
JSON form (defaults omitted, 64-bit integers as strings, bytes as base64, enums by name).
"""

from __future__ import annotations

import json
import struct
import subprocess
import sys
from pathlib import Path
from typing import Any

import orjson
import pytest
from google.protobuf import json_format

from flow_sdk.derive import request as derive_request
from flow_sdk.derive import response as derive_response
from flow_sdk.proto import derive_pb2
from flow_sdk.protocol.derive import REQUEST_VARIANTS, RESPONSE_VARIANTS

FIXTURES = Path(__file__).with_name("fixtures")
DIRECTIONS = ["request", "response"]


def fixture(direction: str) -> dict[str, dict[str, Any]]:
    loaded: dict[str, dict[str, Any]] = json.loads((FIXTURES / f"derive_{direction}.json").read_text())
    return loaded


def codec(direction: str, source: str, target: str, data: bytes) -> bytes:
    command = [sys.executable, "-m", "flow_sdk", "codec", "--protocol", "derive", "--direction", direction]
    done = subprocess.run(
        [*command, "--from", source, "--to", target],
        input=data,
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr.decode()
    return done.stdout


def lines(messages: list[dict[str, Any]]) -> bytes:
    return b"".join(orjson.dumps(m) + b"\n" for m in messages)


def frames(data: bytes) -> list[bytes]:
    out = []
    while data:
        (size,) = struct.unpack("<I", data[:4])
        out.append(data[4 : 4 + size])
        data = data[4 + size :]
    return out


@pytest.mark.parametrize(
    ("direction", "variants", "model"),
    [("request", REQUEST_VARIANTS, derive_request.Request), ("response", RESPONSE_VARIANTS, derive_response.Response)],
)
def test_fixtures_cover_every_variant(direction: str, variants: tuple[str, ...], model: Any) -> None:
    covered = {key for message in fixture(direction).values() for key in message}
    assert {key for _, key in model.variant_fields()} == set(variants)
    assert covered == {*variants, "$internal"}


@pytest.mark.e2e
@pytest.mark.parametrize("direction", DIRECTIONS)
def test_json_is_canonical_and_survives_protobuf(direction: str) -> None:
    expected = list(fixture(direction).values())
    canonical = codec(direction, "json", "json", lines(expected))
    assert [json.loads(line) for line in canonical.splitlines()] == expected

    proto = codec(direction, "json", "proto", lines(expected))
    assert len(frames(proto)) == len(expected)
    back = codec(direction, "proto", "json", proto)
    assert [json.loads(line) for line in back.splitlines()] == expected


@pytest.mark.e2e
@pytest.mark.parametrize("direction", DIRECTIONS)
def test_protobuf_frames_parse_with_the_proto_schema(direction: str) -> None:
    """Field numbers and types are right: protobuf's own parser reads what the codec wrote."""
    messages = fixture(direction)
    proto = frames(codec(direction, "json", "proto", lines(list(messages.values()))))
    envelope = derive_pb2.Request if direction == "request" else derive_pb2.Response
    parsed = {name: envelope.FromString(frame) for name, frame in zip(messages, proto, strict=True)}
    for name, message in parsed.items():
        fields = [f.name for f, _ in message.ListFields()]
        assert len(fields) == 1, (name, fields)
    if direction == "request":
        read = parsed["read"].read
        assert (read.transform, read.shuffle.hash, read.uuid.clock) == (1, 4294967295, 18446744073709551615)
        assert json.loads(read.doc_json) == messages["read"]["read"]["doc"]
        assert json.loads(parsed["flush"].flush.state_patches_json) == [{"round": 1}, {"round": 1, "shard": "b"}]
        checkpoint = json_format.MessageToDict(parsed["startCommit"].start_commit.runtime_checkpoint)
        assert checkpoint["sources"]["acmeCo/ints/pivot=00"]["readThrough"] == "12345"
        assert parsed["reset"].HasField("reset")
        assert [t.collection_index for t in parsed["validate_linked"].validate.transforms] == [0, 1]
    else:
        assert parsed["flushed"].flushed.more is True
        assert parsed["flushed"].flushed.state.merge_patch is True
        assert [t.read_only for t in parsed["validated"].validated.transforms] == [True, False]
        assert parsed["spec"].spec.protocol == 3032023
        assert json.loads(parsed["published"].published.doc_json)["sum"] == 3.5


@pytest.mark.e2e
def test_a_message_with_two_variants_is_refused() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "flow_sdk", "codec", "--protocol", "derive", "--direction", "request"],
        input=lines([{"read": {"transform": 0, "doc": {}}, "flush": {}}]),
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 1
    assert "read" in done.stderr.decode() and "flush" in done.stderr.decode()
