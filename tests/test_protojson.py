"""Conversion rules of flow_sdk.protojson (PROTOCOL.md section 6)."""

from __future__ import annotations

from typing import Any

import pytest

from flow_sdk.errors import ProtocolError
from flow_sdk.proto import capture_pb2, consumer_pb2, derive_pb2, flow_pb2, materialize_pb2
from flow_sdk.protojson import (
    decode,
    encode,
    flow_json_to_message,
    message_class,
    message_to_flow_json,
    unknown_fields,
)


def _flush_with(timestamp: str) -> dict[str, Any]:
    return {"flush": {"backfillBegins": [{"binding": 1, "timestamp": timestamp}]}}


# --- timestamps -------------------------------------------------------------


@pytest.mark.parametrize(
    ("seconds", "nanos", "text"),
    [
        (1700000000, 0, "2023-11-14T22:13:20+00:00"),
        (1700000500, 123000000, "2023-11-14T22:21:40.123+00:00"),
        (1700000500, 123456000, "2023-11-14T22:21:40.123456+00:00"),
        (1700000500, 1500, "2023-11-14T22:21:40.000001500+00:00"),
        (0, 0, "1970-01-01T00:00:00+00:00"),
        (-62135596800, 0, "0001-01-01T00:00:00+00:00"),
    ],
)
def test_timestamp_round_trip(seconds: int, nanos: int, text: str) -> None:
    msg = materialize_pb2.Request()
    begin = msg.flush.backfill_begins.add(binding=1)
    begin.timestamp.seconds, begin.timestamp.nanos = seconds, nanos
    as_json = message_to_flow_json(msg)
    assert as_json == _flush_with(text)
    assert flow_json_to_message(as_json, materialize_pb2.Request) == msg


@pytest.mark.parametrize(
    ("text", "seconds", "nanos"),
    [
        ("2023-11-14T22:13:20Z", 1700000000, 0),
        ("2023-11-15T00:13:20.5+02:00", 1700000000, 500000000),
        ("2023-11-14T21:13:20-01:00", 1700000000, 0),
    ],
)
def test_timestamp_accepts_other_offsets(text: str, seconds: int, nanos: int) -> None:
    msg = flow_json_to_message(_flush_with(text), materialize_pb2.Request)
    ts = msg.flush.backfill_begins[0].timestamp
    assert (ts.seconds, ts.nanos) == (seconds, nanos)


@pytest.mark.parametrize("bad", ["2023-11-14", "2023-13-01T00:00:00Z", "yesterday", 1700000000])
def test_timestamp_rejects_malformed(bad: Any) -> None:
    with pytest.raises(ProtocolError, match=r"flush\.backfillBegins\[0\]\.timestamp"):
        flow_json_to_message(_flush_with(bad), materialize_pb2.Request)


# --- durations --------------------------------------------------------------


@pytest.mark.parametrize(
    ("seconds", "nanos", "text"),
    [(300, 0, "300s"), (62, 250000000, "62.250s"), (-1, -500000000, "-1.500s"), (0, 1000, "0.000001s")],
)
def test_duration_round_trip(seconds: int, nanos: int, text: str) -> None:
    spec = consumer_pb2.ShardSpec()
    spec.max_txn_duration.seconds, spec.max_txn_duration.nanos = seconds, nanos
    assert message_to_flow_json(spec) == {"maxTxnDuration": text}
    assert flow_json_to_message({"maxTxnDuration": text}, consumer_pb2.ShardSpec) == spec


def test_duration_rejects_malformed() -> None:
    with pytest.raises(ProtocolError, match="maxTxnDuration"):
        flow_json_to_message({"maxTxnDuration": "5 minutes"}, consumer_pb2.ShardSpec)


# --- integers ---------------------------------------------------------------


def test_64_bit_integers_are_strings() -> None:
    state = consumer_pb2.Checkpoint.ProducerState(last_ack=2**64 - 1, begin=-1)
    assert message_to_flow_json(state) == {"lastAck": "18446744073709551615", "begin": "-1"}
    uuid = flow_pb2.UUIDParts(node=1234, clock=5678)
    assert message_to_flow_json(uuid) == {"node": "1234", "clock": "5678"}


def test_64_bit_integers_accept_numbers_and_strings() -> None:
    from_str = flow_json_to_message({"lastAck": "8675", "begin": "-1"}, consumer_pb2.Checkpoint.ProducerState)
    from_int = flow_json_to_message({"lastAck": 8675, "begin": -1}, consumer_pb2.Checkpoint.ProducerState)
    assert from_str == from_int
    assert (from_int.last_ack, from_int.begin) == (8675, -1)


def test_32_bit_integers_are_numbers() -> None:
    rng = flow_pb2.RangeSpec(key_begin=0x00112233, key_end=0xFFFFFFFF)
    assert message_to_flow_json(rng) == {"keyBegin": 0x00112233, "keyEnd": 0xFFFFFFFF}


@pytest.mark.parametrize("bad", [-1, 2**32, "ten", True, 1.5])
def test_integer_out_of_range_or_wrong_type(bad: Any) -> None:
    with pytest.raises(ProtocolError, match=r"acknowledge\.checkpoints"):
        flow_json_to_message({"acknowledge": {"checkpoints": bad}}, capture_pb2.Request)


# --- enums and defaults -----------------------------------------------------


def test_enum_names_and_zero_value_omitted() -> None:
    image = capture_pb2.Request(spec=capture_pb2.Request.Spec(connector_type=flow_pb2.CaptureSpec.IMAGE))
    assert message_to_flow_json(image) == {"spec": {"connectorType": "IMAGE"}}
    invalid = capture_pb2.Request(spec=capture_pb2.Request.Spec(connector_type=flow_pb2.CaptureSpec.INVALID))
    assert message_to_flow_json(invalid) == {"spec": {}}


def test_repeated_enums_by_name() -> None:
    obj = {"validate": {"shuffleKeyTypes": ["STRING", "INTEGER"]}}
    msg = flow_json_to_message(obj, derive_pb2.Request)
    assert list(msg.validate.shuffle_key_types) == [3, 2]
    assert message_to_flow_json(msg) == obj


def test_unknown_enum_name_is_dropped() -> None:
    msg = flow_json_to_message({"spec": {"connectorType": "FROM_THE_FUTURE"}}, capture_pb2.Request)
    assert msg.HasField("spec")
    assert msg.spec.connector_type == 0


def test_proto3_defaults_omitted() -> None:
    port = flow_pb2.NetworkPort(number=9000, protocol="", public=False)
    assert message_to_flow_json(port) == {"number": 9000}


def test_empty_sub_messages_are_kept() -> None:
    reset: dict[str, Any] = {"reset": {}}
    msg = flow_json_to_message(reset, derive_pb2.Request)
    assert msg.HasField("reset")
    assert message_to_flow_json(msg) == reset
    assert encode("derive", "request", reset) == b"\x3a\x00"

    execution = {"vmm": True, "egress": {}}
    parsed = flow_json_to_message(execution, flow_pb2.ConnectorExecution)
    assert parsed.HasField("egress")
    assert message_to_flow_json(parsed) == execution
    assert message_to_flow_json(flow_pb2.ConnectorExecution(vmm=True)) == {"vmm": True}


# --- raw JSON, bytes and maps -----------------------------------------------


def test_raw_json_fields_are_embedded_values() -> None:
    obj = {"captured": {"binding": 2, "doc": {"b": [1, 2.5, None], "a": "x"}}}
    msg = flow_json_to_message(obj, capture_pb2.Response)
    # Compact text, keys in the order given.
    assert msg.captured.doc_json == b'{"b":[1,2.5,null],"a":"x"}'
    assert message_to_flow_json(msg) == obj


def test_raw_json_scalars_vectors_and_maps() -> None:
    inference = {"enum": ["const-one", 2, None], "default": "text"}
    msg = flow_json_to_message(inference, flow_pb2.Inference)
    assert list(msg.enum_json_vec) == [b'"const-one"', b"2", b"null"]
    assert msg.default_json == b'"text"'
    assert message_to_flow_json(msg) == inference

    selection = {"fieldConfig": {"z": {"cfg": 1}, "a": 42.5}}
    as_msg = flow_json_to_message(selection, flow_pb2.FieldSelection)
    assert dict(as_msg.field_config_json_map) == {"z": b'{"cfg":1}', "a": b"42.5"}
    # Maps come out in key order.
    assert list(message_to_flow_json(as_msg)["fieldConfig"]) == ["a", "z"]


def test_invalid_raw_json_bytes_raise() -> None:
    msg = capture_pb2.Response(captured=capture_pb2.Response.Captured(doc_json=b"{nope"))
    with pytest.raises(ProtocolError, match=r"captured\.doc"):
        message_to_flow_json(msg)


def test_other_bytes_are_padded_base64() -> None:
    load = materialize_pb2.Request(load=materialize_pb2.Request.Load(binding=1, key_packed=bytes([86, 75, 30, 9])))
    assert message_to_flow_json(load) == {"load": {"binding": 1, "keyPacked": "VkseCQ=="}}
    # URL-safe alphabet and missing padding are accepted on input.
    parsed = flow_json_to_message({"load": {"keyPacked": "VkseCQ"}}, materialize_pb2.Request)
    assert parsed.load.key_packed == bytes([86, 75, 30, 9])
    assert flow_json_to_message({"load": {"keyPacked": "-_8="}}, materialize_pb2.Request).load.key_packed == (
        b"\xfb\xff"
    )


def test_invalid_base64_raises() -> None:
    with pytest.raises(ProtocolError, match=r"load\.keyPacked"):
        flow_json_to_message({"load": {"keyPacked": "not base64!"}}, materialize_pb2.Request)


def test_internal_field() -> None:
    msg = capture_pb2.Request(internal=b"\x12\x02Hi\x18\x01")
    assert message_to_flow_json(msg) == {"$internal": "EgJIaRgB"}
    assert encode("capture", "request", {"$internal": "EgJIaRgB"}) == b"\xa2\x06\x06\x12\x02Hi\x18\x01"


# --- errors and forward compatibility ---------------------------------------


def test_wrong_type_names_the_field_path() -> None:
    obj = {"open": {"capture": {"bindings": [{"backfill": 1}, {"resourcePath": "not-a-list"}]}}}
    with pytest.raises(ProtocolError) as info:
        flow_json_to_message(obj, capture_pb2.Request)
    assert "open.capture.bindings[1].resourcePath" in str(info.value)
    assert info.value.expected == "a JSON array"


@pytest.mark.parametrize(
    ("obj", "path"),
    [
        ({"spec": "config"}, "spec"),
        ({"spec": {"configSchema": {1, 2}}}, "spec.configSchema"),
        ({"opened": {"explicitAcknowledgements": "yes"}}, "opened.explicitAcknowledgements"),
        ({"validated": {"bindings": [{"resourcePath": [1]}]}}, r"validated.bindings[0].resourcePath[0]"),
    ],
)
def test_wrong_types_raise(obj: dict[str, Any], path: str) -> None:
    with pytest.raises(ProtocolError) as info:
        flow_json_to_message(obj, capture_pb2.Response)
    assert path in str(info.value)


def test_map_value_paths() -> None:
    obj = {"startCommit": {"runtimeCheckpoint": {"sources": {"a/journal": {"readThrough": "x"}}}}}
    with pytest.raises(ProtocolError, match=r"startCommit\.runtimeCheckpoint\.sources\['a/journal'\]"):
        flow_json_to_message(obj, materialize_pb2.Request)


def test_unknown_keys_are_ignored() -> None:
    obj = {"spec": {"connectorType": "IMAGE", "fieldFromTheFuture": [1]}, "variantFromTheFuture": {}}
    msg = flow_json_to_message(obj, capture_pb2.Request)
    assert message_to_flow_json(msg) == {"spec": {"connectorType": "IMAGE"}}


def test_null_means_absent() -> None:
    obj = {"spec": None, "discover": {"name": "x", "config": None}, "validate": None}
    assert message_to_flow_json(flow_json_to_message(obj, capture_pb2.Request)) == {"discover": {"name": "x"}}


def test_proto_field_names_are_accepted() -> None:
    msg = flow_json_to_message({"opened": {"explicit_acknowledgements": True}}, capture_pb2.Response)
    assert msg.opened.explicit_acknowledgements


def test_unknown_fields_lists_nested_paths() -> None:
    # Request.open (tag 5) holding a field with tag 99 which we don't define.
    data = b"\x2a\x03\x98\x06\x01"
    msg = capture_pb2.Request.FromString(data)
    assert unknown_fields(msg) == ["open.#99"]
    assert unknown_fields(capture_pb2.Request(open=capture_pb2.Request.Open(version="v"))) == []
    # decode() still succeeds: unknown fields are the caller's to judge.
    assert decode("capture", "request", data) == {"open": {}}


def test_decode_rejects_malformed_bytes() -> None:
    with pytest.raises(ProtocolError, match="undecodable capture response"):
        decode("capture", "response", b"\x0a\x05ab")


def test_message_class() -> None:
    assert message_class("capture", "request") is capture_pb2.Request
    assert message_class("materialize", "response") is materialize_pb2.Response
    assert message_class("derive", "request") is derive_pb2.Request
    with pytest.raises(ValueError, match="unknown protocol"):
        message_class("shuffle", "request")  # type: ignore[arg-type]


def test_encode_decode_round_trip() -> None:
    obj = {
        "read": {
            "transform": 2,
            "uuid": {"node": "1234", "clock": "5678"},
            "shuffle": {"key": [True, 32], "packed": "VkseCQ==", "hash": 44556677},
            "doc": {"read": "doc"},
        }
    }
    assert decode("derive", "request", encode("derive", "request", obj)) == obj
