"""The sans-I/O capture protocol state machine, table-driven (no processes, no I/O)."""

from __future__ import annotations

from typing import Any

import pytest

from flow_sdk.capture.protocol import CaptureProtocol, Phase
from flow_sdk.errors import ProtocolError

OPEN: dict[str, Any] = {"open": {"capture": {"name": "a/b", "bindings": []}}}
ACK1 = {"acknowledge": {"checkpoints": 1}}
CHECKPOINT = {"checkpoint": {"state": {"updated": {}, "mergePatch": True}}}

# Each step: ("recv" | "send", message, None for legal or a substring of the ProtocolError).
Step = tuple[str, dict[str, Any], str | None]

CASES: dict[str, list[Step]] = {
    "spec then spec response": [("recv", {"spec": {"connectorType": "IMAGE"}}, None), ("send", {"spec": {}}, None)],
    "two one-shot rpcs in sequence": [
        ("recv", {"discover": {}}, None),
        ("send", {"discovered": {"bindings": []}}, None),
        ("recv", {"validate": {}}, None),
        ("send", {"validated": {"bindings": []}}, None),
        ("recv", {"apply": {}}, None),
        ("send", {"applied": {}}, None),
    ],
    "wrong response to spec": [("recv", {"spec": {}}, None), ("send", {"discovered": {}}, "expected 'spec'")],
    "second request before the response": [("recv", {"spec": {}}, None), ("recv", {"spec": {}}, "phase responding")],
    "response before any request": [("send", {"spec": {}}, "nothing until a request")],
    "acknowledge before open": [("recv", ACK1, "expected one of spec, discover")],
    "unknown variant": [("recv", {"frobnicate": {}}, "unknown capture request variant 'frobnicate'")],
    "two variants": [("recv", {"spec": {}, "open": {}}, "exactly one variant")],
    "empty message": [("recv", {}, "received an empty message")],
    "null variants are unset": [("recv", {"spec": {}, "open": None, "$internal": "AA=="}, None)],
    "variant not an object": [("recv", {"spec": 3}, "must be a JSON object")],
    "open then opened then documents": [
        ("recv", OPEN, None),
        ("send", {"opened": {}}, None),
        ("send", {"captured": {"binding": 0, "doc": {}}}, None),
        ("send", CHECKPOINT, None),
        ("send", {"backfillBegin": {"binding": 0}}, None),
        ("send", {"sourcedSchema": {"binding": 0}}, None),
    ],
    "captured before opened": [("recv", OPEN, None), ("send", {"captured": {"binding": 0}}, "expected 'opened'")],
    "request after opened without explicit acks": [
        ("recv", OPEN, None),
        ("send", {"opened": {}}, None),
        ("recv", ACK1, "no further request"),
    ],
    "second open": [
        ("recv", OPEN, None),
        ("send", {"opened": {"explicitAcknowledgements": True}}, None),
        ("recv", OPEN, "expected acknowledge"),
    ],
    "acknowledge within sent checkpoints": [
        ("recv", OPEN, None),
        ("send", {"opened": {"explicitAcknowledgements": True}}, None),
        ("send", CHECKPOINT, None),
        ("send", CHECKPOINT, None),
        ("recv", ACK1, None),
        ("recv", ACK1, None),
    ],
    "acknowledge beyond sent checkpoints": [
        ("recv", OPEN, None),
        ("send", {"opened": {"explicitAcknowledgements": True}}, None),
        ("send", CHECKPOINT, None),
        ("recv", {"acknowledge": {"checkpoints": 2}}, "at most 1"),
    ],
    "acknowledge of zero": [
        ("recv", OPEN, None),
        ("send", {"opened": {"explicitAcknowledgements": True}}, None),
        ("send", CHECKPOINT, None),
        ("recv", {"acknowledge": {}}, "positive integer"),
    ],
    "one-shot response after opened": [
        ("recv", OPEN, None),
        ("send", {"opened": {}}, None),
        ("send", {"spec": {}}, "session message"),
    ],
}


@pytest.mark.parametrize("steps", list(CASES.values()), ids=list(CASES))
def test_protocol_table(steps: list[Step]) -> None:
    machine = CaptureProtocol()
    for direction, message, error in steps:
        call = machine.receive if direction == "recv" else machine.send
        if error is None:
            call(message)
        else:
            with pytest.raises(ProtocolError) as caught:
                call(message)
            assert error in str(caught.value)
            return


def test_protocol_error_names_expected_and_received() -> None:
    machine = CaptureProtocol()
    machine.receive(OPEN)
    with pytest.raises(ProtocolError) as caught:
        machine.send({"checkpoint": {}})
    assert caught.value.expected == "'opened'"
    assert caught.value.received == "checkpoint"


def test_bulk_checkpoint_counting_bounds_acknowledgements() -> None:
    machine = CaptureProtocol()
    machine.receive(OPEN)
    machine.send({"opened": {"explicitAcknowledgements": True}})
    assert machine.phase is Phase.STREAMING
    machine.sent_checkpoints(3)
    machine.receive({"acknowledge": {"checkpoints": 2}})
    assert machine.unacknowledged == 1
    with pytest.raises(ProtocolError):
        machine.receive({"acknowledge": {"checkpoints": 2}})


def test_bulk_checkpoints_outside_a_session_are_rejected() -> None:
    with pytest.raises(ProtocolError):
        CaptureProtocol().sent_checkpoints(1)
