"""The sans-I/O capture protocol core, table-driven from both roles (no processes, no I/O).

Each case lists who writes each message (the runtime writes requests, the connector responses).
Every case runs twice: with the machine serving the connector and serving the runtime. A message
our own side writes goes through `send` and a violation in it is a LocalProtocolError; a message
the peer writes goes through `receive` and a violation is a RemoteProtocolError.
"""

from __future__ import annotations

from typing import Any

import pytest

from flow_sdk.capture import request as rq
from flow_sdk.capture import response as rs
from flow_sdk.errors import LocalProtocolError, ProtocolError, RemoteProtocolError
from flow_sdk.protocol.capture import CaptureProtocol, Phase, Role

RUNTIME, CONNECTOR = "runtime", "connector"
OPEN: dict[str, Any] = {"open": {"capture": {"name": "a/b", "bindings": [{"resourceConfig": {}}]}}}
OPEN_NO_BINDINGS: dict[str, Any] = {"open": {"capture": {"name": "a/b"}}}
OPENED_ACKS = {"opened": {"explicitAcknowledgements": True}}
ACK1 = {"acknowledge": {"checkpoints": 1}}
CHECKPOINT = {"checkpoint": {"state": {"updated": {}, "mergePatch": True}}}

# Each step: (who writes it, message, None when legal or a substring of the ProtocolError).
Step = tuple[str, dict[str, Any], str | None]

CASES: dict[str, list[Step]] = {
    "spec then spec response": [(RUNTIME, {"spec": {"connectorType": "IMAGE"}}, None), (CONNECTOR, {"spec": {}}, None)],
    "one-shot rpcs in sequence": [
        (RUNTIME, {"discover": {}}, None),
        (CONNECTOR, {"discovered": {"bindings": []}}, None),
        (RUNTIME, {"validate": {}}, None),
        (CONNECTOR, {"validated": {"bindings": []}}, None),
        (RUNTIME, {"apply": {}}, None),
        (CONNECTOR, {"applied": {}}, None),
        (RUNTIME, OPEN, None),
        (CONNECTOR, {"opened": {}}, None),
    ],
    "wrong response to spec": [(RUNTIME, {"spec": {}}, None), (CONNECTOR, {"discovered": {}}, "expected 'spec'")],
    "second request before the response": [
        (RUNTIME, {"spec": {}}, None),
        (RUNTIME, {"spec": {}}, "in phase responding"),
    ],
    "response before any request": [(CONNECTOR, {"spec": {}}, "nothing until a request")],
    "acknowledge before open": [(RUNTIME, ACK1, "expected one of spec, discover")],
    "unknown request variant": [(RUNTIME, {"frobnicate": {}}, "unknown capture request variant 'frobnicate'")],
    "request variant written as a response": [(CONNECTOR, {"discover": {}}, "unknown capture response variant")],
    "two variants": [(RUNTIME, {"spec": {}, "open": {}}, "exactly one variant")],
    "empty message": [(RUNTIME, {}, "received an empty message")],
    "null variants and $internal are unset": [(RUNTIME, {"spec": {}, "open": None, "$internal": "AA=="}, None)],
    "variant not an object": [(RUNTIME, {"spec": 3}, "must be a JSON object")],
    "open then opened then session messages": [
        (RUNTIME, OPEN, None),
        (CONNECTOR, {"opened": {}}, None),
        (CONNECTOR, {"captured": {"binding": 0, "doc": {}}}, None),
        (CONNECTOR, {"sourcedSchema": {"binding": 0, "documentSchema": {}}}, None),
        (CONNECTOR, CHECKPOINT, None),
        (CONNECTOR, {"backfillBegin": {}}, None),
        (CONNECTOR, CHECKPOINT, None),
        (CONNECTOR, {"backfillComplete": {"binding": 0}}, None),
        (CONNECTOR, CHECKPOINT, None),
    ],
    "captured before opened": [(RUNTIME, OPEN, None), (CONNECTOR, CHECKPOINT, "expected 'opened'")],
    "second opened": [
        (RUNTIME, OPEN, None),
        (CONNECTOR, {"opened": {}}, None),
        (CONNECTOR, {"opened": {}}, "`opened` was already sent"),
    ],
    "one-shot response during a session": [
        (RUNTIME, OPEN, None),
        (CONNECTOR, {"opened": {}}, None),
        (CONNECTOR, {"validated": {}}, "is not valid in phase streaming"),
    ],
    "binding out of range": [
        (RUNTIME, OPEN, None),
        (CONNECTOR, {"opened": {}}, None),
        (CONNECTOR, {"backfillBegin": {"binding": 1}}, "names binding 1, but the capture has 1 binding(s)"),
    ],
    "binding of a capture without bindings": [
        (RUNTIME, OPEN_NO_BINDINGS, None),
        (CONNECTOR, {"opened": {}}, None),
        (CONNECTOR, {"sourcedSchema": {"binding": 0}}, "expected no binding messages"),
    ],
    "request after opened without explicit acks": [
        (RUNTIME, OPEN, None),
        (CONNECTOR, {"opened": {}}, None),
        (RUNTIME, ACK1, "no further request"),
    ],
    "second open": [(RUNTIME, OPEN, None), (CONNECTOR, OPENED_ACKS, None), (RUNTIME, OPEN, "expected acknowledge")],
    "acknowledge within sent checkpoints": [
        (RUNTIME, OPEN, None),
        (CONNECTOR, OPENED_ACKS, None),
        (CONNECTOR, CHECKPOINT, None),
        (CONNECTOR, CHECKPOINT, None),
        (RUNTIME, ACK1, None),
        (RUNTIME, ACK1, None),
    ],
    "acknowledge beyond sent checkpoints": [
        (RUNTIME, OPEN, None),
        (CONNECTOR, OPENED_ACKS, None),
        (CONNECTOR, CHECKPOINT, None),
        (RUNTIME, {"acknowledge": {"checkpoints": 2}}, "at most 1"),
    ],
    "acknowledge of zero": [
        (RUNTIME, OPEN, None),
        (CONNECTOR, OPENED_ACKS, None),
        (CONNECTOR, CHECKPOINT, None),
        (RUNTIME, {"acknowledge": {}}, "positive integer"),
    ],
}


def _feed(machine: CaptureProtocol, who: str, message: Any) -> str:
    ours = (who == CONNECTOR) == (machine.role is Role.CONNECTOR)
    return machine.send(message) if ours else machine.receive(message)


@pytest.mark.parametrize("role", list(Role), ids=[r.value for r in Role])
@pytest.mark.parametrize("steps", list(CASES.values()), ids=list(CASES))
def test_protocol_table(steps: list[Step], role: Role) -> None:
    machine = CaptureProtocol(role)
    for who, message, error in steps:
        if error is None:
            _feed(machine, who, message)
            continue
        ours = (who == CONNECTOR) == (role is Role.CONNECTOR)
        with pytest.raises(ProtocolError) as caught:
            _feed(machine, who, message)
        assert error in str(caught.value)
        # Our own side's mistake is local, the peer's is remote; never both.
        assert isinstance(caught.value, LocalProtocolError if ours else RemoteProtocolError)
        assert not isinstance(caught.value, RemoteProtocolError if ours else LocalProtocolError)
        return


def test_error_names_expected_and_received() -> None:
    machine = CaptureProtocol(Role.RUNTIME)
    machine.send(OPEN)
    with pytest.raises(RemoteProtocolError) as caught:
        machine.receive({"checkpoint": {}})
    assert caught.value.expected == "'opened'"
    assert caught.value.received == "checkpoint"


def test_typed_messages_feed_the_same_machine() -> None:
    machine = CaptureProtocol(Role.CONNECTOR)
    request = rq.Request.from_flow_json(OPEN)
    assert machine.receive(request) == "open"
    assert machine.bindings == 1
    assert machine.send(rs.Response(opened=rs.Opened(explicit_acknowledgements=True))) == "opened"
    assert machine.explicit_acknowledgements
    assert machine.send(rs.Response(backfill_begin=rs.BackfillBegin(binding=0))) == "backfillBegin"
    with pytest.raises(LocalProtocolError, match="names binding 3"):
        machine.send(rs.Response(sourced_schema=rs.SourcedSchema(binding=3)))
    with pytest.raises(RemoteProtocolError, match="at most 0"):
        machine.receive(rq.Request(acknowledge=rq.Acknowledge(checkpoints=1)))


@pytest.mark.parametrize("role", list(Role), ids=[r.value for r in Role])
def test_bulk_checkpoints_bound_acknowledgements(role: Role) -> None:
    machine = CaptureProtocol(role)
    _feed(machine, RUNTIME, OPEN)
    _feed(machine, CONNECTOR, OPENED_ACKS)
    assert machine.phase is Phase.STREAMING
    if role is Role.CONNECTOR:
        machine.send_checkpoints(3)
    else:
        machine.receive_checkpoints(3)
    _feed(machine, RUNTIME, {"acknowledge": {"checkpoints": 2}})
    assert machine.unacknowledged == 1
    with pytest.raises(ProtocolError, match="at most 1"):
        _feed(machine, RUNTIME, {"acknowledge": {"checkpoints": 2}})


def test_bulk_checkpoints_outside_a_session_or_from_the_wrong_side() -> None:
    with pytest.raises(LocalProtocolError, match="expected nothing until a request"):
        CaptureProtocol(Role.CONNECTOR).send_checkpoints(1)
    runtime = CaptureProtocol(Role.RUNTIME)
    runtime.send(OPEN)
    with pytest.raises(RemoteProtocolError, match="expected 'opened'"):
        runtime.receive_checkpoints(1)
    with pytest.raises(LocalProtocolError, match="runtime side cannot send checkpoints"):
        runtime.send_checkpoints(1)


def test_end_of_output_while_a_response_is_owed() -> None:
    runtime = CaptureProtocol(Role.RUNTIME)
    runtime.receive_end()  # nothing owed: a clean end
    runtime.send(OPEN)
    with pytest.raises(RemoteProtocolError, match="closed its output without answering with 'opened'"):
        runtime.receive_end()
