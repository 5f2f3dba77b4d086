"""Behaviour of the pydantic wire models beyond Flow's fixtures."""

from __future__ import annotations

import copy
import time
from typing import Any

import pytest

from flow_sdk import gazette
from flow_sdk.capture import request as capture_request
from flow_sdk.capture import response as capture_response
from flow_sdk.derive import request as derive_request
from flow_sdk.derive import response as derive_response
from flow_sdk.errors import ProtocolError
from flow_sdk.flow import CaptureSpec, CollectionSpec, ConnectorExecution, Inference, UUIDParts
from flow_sdk.materialize import request as materialize_request
from flow_sdk.materialize import response as materialize_response


def _collection(name: str = "acmeCo/things") -> dict[str, Any]:
    """A collection spec in Flow JSON form exercising most nested types."""
    return {
        "name": name,
        "writeSchema": {"type": "object", "properties": {"id": {"type": "integer"}}},
        "key": ["/id"],
        "projections": [
            {
                "ptr": "/id",
                "field": "id",
                "isPrimaryKey": True,
                "inference": {
                    "types": ["integer"],
                    "string": {"format": "integer", "strMaximum": "99"},
                    "exists": "MUST",
                    "numeric": {"hasMinimum": True, "minimum": 1.5},
                },
            }
        ],
        "partitionTemplate": {
            "name": "p/t",
            "labels": {"labels": [{"name": "a", "value": "b"}]},
            "fragment": {"length": "1024", "compressionCodec": "GZIP"},
        },
    }


def _capture_open() -> dict[str, Any]:
    """A capture `open` request in Flow JSON form."""
    return {
        "open": {
            "capture": {
                "name": "acmeCo/capture",
                "connectorType": "IMAGE",
                "config": {"host": "db", "password": "hunter2"},
                "bindings": [
                    {
                        "resourceConfig": {"table": "things"},
                        "resourcePath": ["things"],
                        "collection": _collection(),
                        "backfill": 2,
                    }
                ],
                "execution": {"egress": {}},
            },
            "version": "v1",
            "range": {"keyEnd": 4294967295, "rClockEnd": 4294967295},
            "state": {"cursor": 42},
        }
    }


def _with_unknown_keys(value: Any, raw_keys: frozenset[str]) -> Any:
    """Copy `value`, adding an unknown key to every protocol object (raw JSON left alone)."""
    if isinstance(value, list):
        return [_with_unknown_keys(v, raw_keys) for v in value]
    if not isinstance(value, dict):
        return value
    out = {k: (v if k in raw_keys else _with_unknown_keys(v, raw_keys)) for k, v in value.items()}
    out["zzFutureField"] = {"added": "later"}
    return out


RAW_KEYS = frozenset({"config", "resourceConfig", "writeSchema", "state", "doc", "updated"})


def test_unknown_fields_are_ignored_at_every_level() -> None:
    """A newer peer's extra fields never break parsing and are not echoed back."""
    original = _capture_open()
    noisy = _with_unknown_keys(original, RAW_KEYS)
    assert noisy["open"]["capture"]["bindings"][0]["collection"]["projections"][0]["inference"]["string"][
        "zzFutureField"
    ]
    message = capture_request.Request.from_flow_json(noisy)
    assert message.to_flow_json() == original


def test_defaults_are_omitted_on_output() -> None:
    """Explicit proto3 defaults on input vanish on output; set sub-messages stay."""
    parsed = capture_request.Request.from_flow_json(
        {
            "open": {
                "version": "",
                "state": None,
                "capture": {
                    "name": "",
                    "connectorType": "INVALID",
                    "bindings": [],
                    "intervalSeconds": 0,
                    "secrets": {},
                    "networkPorts": [{"number": 9000, "public": False, "protocol": ""}],
                },
                "range": {"keyBegin": 0},
            }
        }
    )
    assert parsed.to_flow_json() == {"open": {"capture": {"networkPorts": [{"number": 9000}]}, "range": {}}}


def test_set_empty_sub_messages_are_kept() -> None:
    """`{"opened": {}}`, an empty `egress` and `{"reset": {}}` keep their presence."""
    assert capture_response.Response(opened=capture_response.Opened()).to_flow_json() == {"opened": {}}
    assert derive_request.Request.from_flow_json({"reset": {}}).to_flow_json() == {"reset": {}}
    execution = ConnectorExecution(egress=ConnectorExecution.Egress())
    assert execution.to_flow_json() == {"egress": {}}
    assert ConnectorExecution().to_flow_json() == {}


def test_two_variants_raise_protocol_error_naming_both() -> None:
    """Two variants in one message break the protocol, whether parsed or constructed."""
    with pytest.raises(ProtocolError) as info:
        materialize_request.Request.from_flow_json({"load": {"binding": 1}, "flush": {}})
    assert "load" in str(info.value) and "flush" in str(info.value)

    with pytest.raises(ProtocolError) as info:
        capture_response.Response(
            captured=capture_response.Captured(binding=0, doc={}),
            checkpoint=capture_response.Checkpoint(),
        )
    assert "captured" in str(info.value) and "checkpoint" in str(info.value)


def test_null_variant_counts_as_absent() -> None:
    """A peer sending unset variants as explicit null is fine."""
    message = capture_request.Request.from_flow_json({"spec": None, "acknowledge": {"checkpoints": 3}, "open": None})
    assert message.variant_name() == "acknowledge"
    assert message.to_flow_json() == {"acknowledge": {"checkpoints": 3}}


def test_zero_variants_is_an_error_unless_internal() -> None:
    """An empty message is refused; a message of only `$internal` is accepted."""
    empty: list[dict[str, Any]] = [{}, {"spec": None}, {"unknownVariant": {}}, {"$internal": ""}]
    for bad in empty:
        with pytest.raises(ProtocolError, match="no variant"):
            derive_response.Response.from_flow_json(bad)

    internal = derive_response.Response.from_flow_json({"$internal": "EgJIaRgB"})
    assert internal.is_internal_only()
    assert internal.internal == "EgJIaRgB"
    assert internal.to_flow_json() == {"$internal": "EgJIaRgB"}
    with pytest.raises(ProtocolError):
        internal.variant_name()


def test_variant_accessors() -> None:
    """variant_name() is the camelCase JSON key; variant() is the sub-message."""
    message = materialize_request.Request.from_flow_json(
        {"startCommit": {"runtimeCheckpoint": {}}, "$internal": "AA=="}
    )
    assert message.variant_name() == "startCommit"
    assert message.variant() is message.start_commit
    assert not message.is_internal_only()
    assert message.to_flow_json() == {"startCommit": {"runtimeCheckpoint": {}}, "$internal": "AA=="}

    validate = capture_request.Request.from_flow_json({"validate": {"name": "a/b"}})
    assert validate.variant_name() == "validate"
    assert isinstance(validate.variant(), capture_request.Validate)

    sourced = capture_response.Response.from_flow_json({"sourcedSchema": {"binding": 1}})
    assert sourced.variant_name() == "sourcedSchema"


def test_wrong_type_raises_protocol_error_naming_the_path() -> None:
    """A type error reports the JSON path of the offending field."""
    message = _capture_open()
    message["open"]["capture"]["bindings"][0]["backfill"] = "many"
    with pytest.raises(ProtocolError) as info:
        capture_request.Request.from_flow_json(message)
    assert "open.capture.bindings[0].backfill" in str(info.value)
    assert "'many'" in str(info.value)

    with pytest.raises(ProtocolError) as info:
        capture_request.Request.from_flow_json({"spec": {"connectorType": ["IMAGE"]}})
    assert "spec.connectorType" in str(info.value)

    with pytest.raises(ProtocolError) as info:
        materialize_request.Request.from_flow_json(["not", "an", "object"])
    assert "materialize.request.Request" in str(info.value)


def test_raw_json_fields_are_kept_by_reference() -> None:
    """Raw-JSON values are neither validated nor copied, on input or on output."""
    message = _capture_open()
    config = message["open"]["capture"]["config"]
    resource = message["open"]["capture"]["bindings"][0]["resourceConfig"]
    schema = message["open"]["capture"]["bindings"][0]["collection"]["writeSchema"]
    state = message["open"]["state"]

    parsed = capture_request.Request.from_flow_json(message)
    assert parsed.open is not None and parsed.open.capture is not None
    binding = parsed.open.capture.bindings[0]
    assert binding.collection is not None
    assert parsed.open.capture.config is config
    assert binding.resource_config is resource
    assert binding.collection.write_schema is schema
    assert parsed.open.state is state

    out = parsed.to_flow_json()
    assert out["open"]["capture"]["config"] is config
    assert out["open"]["capture"]["bindings"][0]["collection"]["writeSchema"] is schema

    # Anything JSON goes, even a value that looks like a protocol message.
    doc = {"captured": {"binding": "not-an-int"}}
    captured = capture_response.Response.from_flow_json({"captured": {"binding": 1, "doc": doc}})
    assert captured.captured is not None and captured.captured.doc is doc


def test_int64_fields_are_ints_written_as_strings() -> None:
    """64-bit integers parse from strings (or numbers) and are written as strings."""
    uuid = UUIDParts.from_flow_json({"node": "18446744073709551615", "clock": 7})
    assert (uuid.node, uuid.clock) == (2**64 - 1, 7)
    assert uuid.to_flow_json() == {"node": "18446744073709551615", "clock": "7"}

    checkpoint = gazette.Checkpoint.from_flow_json(
        {"sources": {"j;s": {"readThrough": "12", "producers": [{"id": "AQID", "state": {"begin": "-1"}}]}}}
    )
    assert checkpoint.sources["j;s"].read_through == 12
    assert checkpoint.sources["j;s"].producers[0].state == gazette.ProducerState(begin=-1)
    assert checkpoint.to_flow_json() == {
        "sources": {"j;s": {"readThrough": "12", "producers": [{"id": "AQID", "state": {"begin": "-1"}}]}}
    }

    for bad in ("12abc", True, "1" + "0" * 20):
        with pytest.raises(ProtocolError, match="readThrough"):
            gazette.Checkpoint.from_flow_json({"sources": {"j": {"readThrough": bad}}})


@pytest.mark.parametrize(
    "value",
    [str(2**63 - 1), 2**63 - 1, str(-(2**63)), -(2**63), "-1", 0],
)
def test_signed_64_bit_fields_take_the_int64_range(value: str | int) -> None:
    """int64 fields (gazette offsets) take -2^63..2^63-1 and write it back as a string."""
    source = gazette.Checkpoint.Source.from_flow_json({"readThrough": value})
    assert source.read_through == int(value)
    assert source.to_flow_json() == ({"readThrough": str(int(value))} if int(value) else {})


@pytest.mark.parametrize("value", [str(2**63), 2**63, str(2**64 - 1), str(-(2**63) - 1), -(2**63) - 1])
def test_signed_64_bit_fields_refuse_values_beyond_int64(value: str | int) -> None:
    """2^63 and above fit an unsigned 64-bit field, not a signed one: the error names the field and range."""
    with pytest.raises(ProtocolError, match=r"readThrough: .*outside the range of a signed 64-bit integer"):
        gazette.Checkpoint.Source.from_flow_json({"readThrough": value})
    with pytest.raises(ProtocolError, match="begin"):
        gazette.ProducerState.from_flow_json({"begin": value})


@pytest.mark.parametrize("value", [str(2**64 - 1), 2**63, 0])
def test_unsigned_64_bit_fields_take_the_uint64_range(value: str | int) -> None:
    """fixed64 fields (UUID halves, a producer's last ACK clock) take 0..2^64-1."""
    assert UUIDParts.from_flow_json({"clock": value}).clock == int(value)
    assert gazette.ProducerState.from_flow_json({"lastAck": value}).last_ack == int(value)


@pytest.mark.parametrize("value", ["-1", -1, str(2**64), 2**64])
def test_unsigned_64_bit_fields_refuse_negative_and_oversized_values(value: str | int) -> None:
    """A negative clock or one past 2^64-1 is refused, naming the field and the unsigned range."""
    with pytest.raises(ProtocolError, match=r"node: .*outside the range of an unsigned 64-bit integer"):
        UUIDParts.from_flow_json({"node": value})
    with pytest.raises(ProtocolError, match="lastAck"):
        gazette.ProducerState.from_flow_json({"lastAck": value})


def test_enums_use_flow_names() -> None:
    """Enums are StrEnums of Flow's names; the zero value is omitted."""
    inference = Inference.from_flow_json({"exists": "MUST", "reduce": "REDUCE_MERGE", "redact": "REDACT_UNSET"})
    assert inference.exists is Inference.Exists.MUST
    assert inference.to_flow_json() == {"exists": "MUST", "reduce": "REDUCE_MERGE"}

    validate = derive_request.Request.from_flow_json(
        {"validate": {"connectorType": "SQLITE", "shuffleKeyTypes": ["BOOLEAN", "STRING"]}}
    )
    assert validate.to_flow_json() == {
        "validate": {"connectorType": "SQLITE", "shuffleKeyTypes": ["BOOLEAN", "STRING"]}
    }

    constraint = materialize_response.Validated.Constraint(
        type=materialize_response.Validated.Constraint.Type.FIELD_REQUIRED, reason="key"
    )
    assert constraint.to_flow_json() == {"type": "FIELD_REQUIRED", "reason": "key"}


def test_construct_by_attribute_name_and_maps_sorted() -> None:
    """Models build from snake_case names; maps are written in key order."""
    spec = CaptureSpec(
        name="a/b",
        connector_type=CaptureSpec.ConnectorType.IMAGE,
        secrets={"z/secret": "/z", "a/secret": ""},
        created_at="2025-07-09",
    )
    request = capture_request.Request(validate=capture_request.Validate(name="a/b", last_capture=spec))
    out = request.to_flow_json()
    assert list(out["validate"]["lastCapture"]["secrets"]) == ["a/secret", "z/secret"]
    assert out["validate"]["lastCapture"]["createdAt"] == "2025-07-09"
    assert capture_request.Request.from_flow_json(out) == request


def test_open_with_many_bindings_parses_fast() -> None:
    """Hundreds of bindings with sizeable schemas parse without copying schemas."""
    schema = {"type": "object", "properties": {f"p{i}": {"type": "string", "maxLength": i} for i in range(200)}}
    message = _capture_open()
    template = message["open"]["capture"]["bindings"][0]
    bindings = []
    for _ in range(500):
        binding = copy.deepcopy(template)
        binding["collection"]["writeSchema"] = schema
        binding["collection"]["projections"] = [
            {"ptr": f"/p{j}", "field": f"p{j}", "inference": {"types": ["string"], "exists": "MAY"}} for j in range(20)
        ]
        bindings.append(binding)
    message["open"]["capture"]["bindings"] = bindings

    started = time.perf_counter()
    parsed = capture_request.Request.from_flow_json(message)
    elapsed = time.perf_counter() - started

    assert parsed.open is not None and parsed.open.capture is not None
    collections = [b.collection for b in parsed.open.capture.bindings]
    assert all(c is not None and c.write_schema is schema for c in collections)
    # Generous bound for a shared CI core; a deep copy/validation of schemas would blow it.
    assert elapsed < 2.0, f"parsing took {elapsed:.2f}s"
    assert parsed.to_flow_json() == message


def test_materialize_and_derive_session_messages_round_trip() -> None:
    """Hand-written messages of every remaining variant round-trip exactly."""
    cases: list[tuple[Any, dict[str, Any]]] = [
        (
            materialize_request.Request,
            {"store": {"binding": 1, "key": [1], "values": ["x"], "doc": {}, "delete": True}},
        ),
        (
            materialize_request.Request,
            {"flush": {"backfillBegins": [{"binding": 2, "timestamp": "2023-11-14T22:13:20+00:00"}]}},
        ),
        (materialize_request.Request, {"acknowledge": {"statePatches": [{"a": 1}]}}),
        (
            materialize_response.Response,
            {
                "validated": {
                    "bindings": [
                        {
                            "caseInsensitiveFields": True,
                            "resourcePath": ["t"],
                            "deltaUpdates": True,
                            "serPolicy": {"strTruncateAfter": 10},
                            "projectionConstraints": [
                                {
                                    "field": "flow_document",
                                    "constraint": {"type": "LOCATION_REQUIRED", "reason": "root"},
                                },
                                {"field": "x", "constraint": {"type": "INCOMPATIBLE", "foldedField": "X"}},
                            ],
                        }
                    ]
                }
            },
        ),
        (materialize_response.Response, {"opened": {"disableLoadOptimization": True}}),
        (materialize_response.Response, {"acknowledged": {"state": {"updated": {"a": None}, "mergePatch": True}}}),
        (
            derive_request.Request,
            {
                "read": {
                    "transform": 1,
                    "uuid": {"node": "1", "clock": "2"},
                    "shuffle": {"key": ["k"], "packed": "AQ==", "hash": 77},
                    "doc": {"d": 1},
                }
            },
        ),
        (derive_request.Request, {"open": {"collection": _collection(), "range": {"keyEnd": 10}, "state": {}}}),
        (derive_response.Response, {"flushed": {"more": True}}),
        (
            derive_response.Response,
            {"validated": {"transforms": [{}, {"readOnly": True}], "generatedFiles": {"file:///a": "x"}}},
        ),
        (derive_response.Response, {"published": {"doc": [1, 2]}}),
        (capture_response.Response, {"discovered": {"bindings": [{"recommendedName": "t", "isFallbackKey": True}]}}),
    ]
    for model, message in cases:
        assert model.from_flow_json(message).to_flow_json() == message, message


def test_derivation_spec_round_trips() -> None:
    """A derivation with transforms, linked collections, secrets and execution."""
    derivation = {
        "connectorType": "PYTHON",
        "config": {"module": "x.py"},
        "transforms": [
            {
                "name": "fromThings",
                "collectionIndex": 1,
                "partitionSelector": {"include": {"labels": [{"name": "n", "value": "v", "prefix": True}]}},
                "priority": -3,
                "shuffleKey": ["/id"],
                "shuffleLambdaConfig": "SELECT 1;",
                "lambdaConfig": {"lambda": True},
                "readOnly": True,
                "notBefore": "2023-08-11T03:00:27+00:00",
                "backfill": 2,
                "stateKey": "fromThings.v2",
            }
        ],
        "shuffleKeyTypes": ["INTEGER"],
        "shardTemplate": {"id": "s", "maxTxnDuration": "1s", "sources": [{"journal": "j", "minOffset": "5"}]},
        "redactSalt": "c2FsdA==",
        "linkedCollections": [_collection("a/one"), _collection("a/two")],
        "secrets": {"a/secret": "/password"},
        "execution": {"vmm": True},
    }
    spec = {**_collection("a/derived"), "derivation": derivation}
    parsed = CollectionSpec.from_flow_json(spec)
    assert parsed.derivation is not None
    assert parsed.derivation.transforms[0].priority == -3
    assert parsed.to_flow_json() == spec


def test_unknown_enum_name_from_a_newer_runtime_is_kept() -> None:
    """A newer runtime's enum name neither fails parsing nor gets lost on output."""
    request = capture_request.Request.from_flow_json({"spec": {"connectorType": "WASM_COMPONENT", "config": {}}})
    assert request.spec is not None
    assert request.spec.connector_type == "WASM_COMPONENT"
    assert request.to_flow_json() == {"spec": {"connectorType": "WASM_COMPONENT", "config": {}}}
    with pytest.raises(ProtocolError, match="connectorType"):
        capture_request.Request.from_flow_json({"spec": {"connectorType": 7}})
