"""`flow-sdk codec` round-trips every conformance block between the two stdio codecs."""

from __future__ import annotations

import json
import struct
import subprocess
import sys
from pathlib import Path
from typing import Any

import orjson
import pytest

from tests.conformance.snapshots import catalogue_blocks, fixture_files, hexdump_bytes, require_shared


def codec(args: list[str], data: bytes) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "flow_sdk", "codec", *args], input=data, capture_output=True, timeout=120
    )


def protocol_and_direction(path: Path) -> tuple[str, str]:
    # regression__capture_request_json.snap -> ("capture", "request")
    protocol, direction = path.name.removeprefix("regression__").split("_")[:2]
    return protocol, direction


def json_fixtures() -> list[Path]:
    if not (Path(__file__).resolve().parents[2].parent / "shared" / "conformance").is_dir():
        return []
    return fixture_files("_json.snap")


def proto_fixtures() -> list[Path]:
    if not (Path(__file__).resolve().parents[2].parent / "shared" / "conformance").is_dir():
        return []
    return fixture_files("_proto.snap")


def test_fixtures_present() -> None:
    require_shared()
    assert json_fixtures() and proto_fixtures()


@pytest.mark.e2e
@pytest.mark.parametrize("path", json_fixtures(), ids=lambda p: p.name)
def test_json_to_proto_and_back(path: Path) -> None:
    protocol, direction = protocol_and_direction(path)
    expected = [json.loads(block.body) for block in catalogue_blocks(path)]
    lines = b"".join(orjson.dumps(message) + b"\n" for message in expected)
    common = ["--protocol", protocol, "--direction", direction]

    canonical = codec([*common, "--from", "json", "--to", "json"], lines)
    assert canonical.returncode == 0, canonical.stderr.decode()
    assert [json.loads(line) for line in canonical.stdout.splitlines()] == expected

    to_proto = codec([*common, "--from", "json", "--to", "proto"], lines)
    assert to_proto.returncode == 0, to_proto.stderr.decode()
    back = codec([*common, "--from", "proto", "--to", "json"], to_proto.stdout)
    assert back.returncode == 0, back.stderr.decode()
    assert [json.loads(line) for line in back.stdout.splitlines()] == expected


@pytest.mark.e2e
@pytest.mark.parametrize("path", proto_fixtures(), ids=lambda p: p.name)
def test_proto_hexdumps_decode_to_json_blocks(path: Path) -> None:
    protocol, direction = protocol_and_direction(path)
    blocks = catalogue_blocks(path)
    framed = b"".join(struct.pack("<I", len(b)) + b for b in (hexdump_bytes(block.body) for block in blocks))
    common = ["--protocol", protocol, "--direction", direction]
    decoded = codec([*common, "--from", "proto", "--to", "json"], framed)
    assert decoded.returncode == 0, decoded.stderr.decode()
    messages: list[dict[str, Any]] = [json.loads(line) for line in decoded.stdout.splitlines()]
    assert len(messages) == len(blocks)

    twin = path.with_name(path.name.replace("_proto.snap", "_json.snap"))
    if twin.exists():
        expected = [json.loads(block.body) for block in catalogue_blocks(twin)]
    else:
        expected_file = Path(__file__).with_name(f"expected_{protocol}_{direction}.json")
        expected = list(json.loads(expected_file.read_text()).values())
    assert messages == expected

    # And back to protobuf: the same messages again.
    reencoded = codec([*common, "--from", "json", "--to", "proto"], decoded.stdout)
    assert reencoded.returncode == 0, reencoded.stderr.decode()
    again = codec([*common, "--from", "proto", "--to", "json"], reencoded.stdout)
    assert [json.loads(line) for line in again.stdout.splitlines()] == expected


@pytest.mark.e2e
def test_invalid_input_names_the_message_and_problem() -> None:
    lines = b'{"spec": {"connectorType": "IMAGE"}}\n{"spec": {}, "open": {}}\n'
    proc = codec(["--protocol", "capture", "--direction", "request"], lines)
    assert proc.returncode == 1
    record = orjson.loads(proc.stderr.splitlines()[-1])
    assert record["level"] == "error"
    assert record["msg"].startswith("protocol error: line 2: ")
    assert "open" in record["msg"] and "spec" in record["msg"]

    truncated = b"\x05\x00\x00\x00\xff\xff"
    garbage = codec(["--protocol", "materialize", "--direction", "request", "--from", "proto"], truncated)
    assert garbage.returncode == 1
    assert "message 1" in orjson.loads(garbage.stderr.splitlines()[-1])["msg"]
    assert b"Traceback" not in garbage.stderr
