"""The materialize protocol core, as tables of message sequences played from both roles.

The same sequences are legal for the connector's machine and the runtime's; an illegal last step
is the peer's fault (RemoteProtocolError) or our own (LocalProtocolError) depending on who sent it.
"""

from __future__ import annotations

from typing import Any

import pytest

from flow_sdk.errors import LocalProtocolError, ProtocolError, RemoteProtocolError
from flow_sdk.protocol.materialize import MaterializeProtocol, Phase, Role, request_kind

OPEN = {"open": {"materialization": {"bindings": [{}, {"deltaUpdates": True}]}}}
ACK: dict[str, Any] = {"acknowledge": {}}
FLUSH: dict[str, Any] = {"flush": {}}
START: dict[str, Any] = {"startCommit": {"runtimeCheckpoint": {}}}


def load(binding: int = 0) -> dict[str, Any]:
    return {"load": {"binding": binding, "key": [1]}}


def store(binding: int = 0) -> dict[str, Any]:
    return {"store": {"binding": binding, "key": [1], "doc": {}}}


# A step is ("req", request message) or ("res", response kind).
Steps = list[tuple[str, Any]]
OPENED: Steps = [("req", OPEN), ("res", "opened")]
ACKED: Steps = [*OPENED, ("req", ACK), ("res", "acknowledged")]
FLUSHED: Steps = [*ACKED, ("req", FLUSH), ("res", "flushed")]
TXN: Steps = [
    ("req", ACK),
    ("res", "acknowledged"),
    ("req", load()),
    ("res", "loaded"),
    ("req", FLUSH),
    ("res", "loaded"),
    ("res", "flushed"),
    ("req", store()),
    ("req", store(1)),
    ("req", START),
    ("res", "startedCommit"),
]
COMMIT: Steps = [("req", START), ("res", "startedCommit")]

LEGAL: dict[str, Steps] = {
    "spec": [("req", {"spec": {}}), ("res", "spec")],
    "validate then apply": [
        ("req", {"validate": {}}),
        ("res", "validated"),
        ("req", {"apply": {}}),
        ("res", "applied"),
    ],
    "two transactions": [*OPENED, *TXN, *TXN],
    "acknowledged before acknowledge": [
        *OPENED,
        ("res", "acknowledged"),
        ("req", ACK),
        ("req", FLUSH),
        ("res", "flushed"),
        *COMMIT,
    ],
    "loads sent before acknowledged": [
        *OPENED,
        ("req", ACK),
        ("req", load()),
        ("req", load()),
        ("res", "acknowledged"),
        ("res", "loaded"),
        ("req", FLUSH),
        ("res", "flushed"),
    ],
    "empty transaction": [*FLUSHED, *COMMIT],
    "internal field ignored": [("req", {"spec": {}, "$internal": "EgJIaRgB"}), ("res", "spec")],
}

# (steps, the text the error must contain): the last step is the illegal one.
ILLEGAL: dict[str, tuple[Steps, str]] = {
    "load before open": ([("req", load())], "expected spec | validate | apply | open"),
    "load before acknowledge": ([*OPENED, ("req", load())], "expected acknowledge, received load"),
    "store before flush": ([*ACKED, ("req", store())], "received store"),
    "load after flush": ([*FLUSHED, ("req", load())], "expected store | startCommit, received load"),
    "flush before acknowledged": ([*OPENED, ("req", ACK), ("req", FLUSH)], "flush only after acknowledged"),
    "load of delta binding": ([*OPENED, ("req", ACK), ("req", load(1))], "delta-updates"),
    "load binding out of range": ([*OPENED, ("req", ACK), ("req", load(2))], "has 2 bindings"),
    "store binding out of range": ([*FLUSHED, ("req", store(5))], "binding 5"),
    "second acknowledge": ([*OPENED, ("req", ACK), ("req", ACK)], "received acknowledge"),
    "open twice": ([*OPENED, ("req", OPEN)], "received open"),
    "spec after open": ([*OPENED, ("req", {"spec": {}})], "received spec"),
    "request while opened owed": ([("req", OPEN), ("req", ACK)], "until the connector sends opened"),
    "request while flushed owed": ([*ACKED, ("req", FLUSH), ("req", store())], "until the connector sends flushed"),
    "request while startedCommit owed": (
        [*FLUSHED, ("req", START), ("req", ACK)],
        "until the connector sends startedCommit",
    ),
    "wrong one-shot response": ([("req", {"spec": {}}), ("res", "validated")], "expected spec, received validated"),
    "loaded before acknowledged": (
        [*OPENED, ("req", ACK), ("req", load()), ("res", "loaded")],
        "between acknowledged and flushed",
    ),
    "loaded after flushed": ([*FLUSHED, ("res", "loaded")], "received loaded"),
    "acknowledged twice": ([*ACKED, ("res", "acknowledged")], "twice in a transaction"),
    "opened twice": ([*OPENED, ("res", "opened")], "'opened' twice"),
    "flushed without flush": ([*ACKED, ("res", "flushed")], "without a flush"),
    "startedCommit before startCommit": ([*FLUSHED, ("res", "startedCommit")], "without a startCommit"),
    "two variants": ([("req", {"spec": {}, "open": {}})], "exactly one variant"),
    "unknown variant": ([("req", {"bogus": {}})], "unknown materialize request variant 'bogus'"),
}


def step(machine: MaterializeProtocol, direction: str, item: Any) -> None:
    """Tell the machine of one message, as the session drivers do."""
    if direction == "res":
        machine.response(item)
    else:
        machine.request_message(item)


def play(role: Role, steps: Steps) -> MaterializeProtocol:
    machine = MaterializeProtocol(role)
    for direction, item in steps:
        step(machine, direction, item)
    return machine


def blamed(role: Role, direction: str) -> type[ProtocolError]:
    """Who broke the order: requests come from the runtime, responses from the connector."""
    ours = (direction == "req") == (role is Role.RUNTIME)
    return LocalProtocolError if ours else RemoteProtocolError


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize("name", sorted(LEGAL))
def test_legal_sequences(role: Role, name: str) -> None:
    play(role, LEGAL[name])


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize("name", sorted(ILLEGAL))
def test_illegal_sequences(role: Role, name: str) -> None:
    steps, text = ILLEGAL[name]
    machine = play(role, steps[:-1])  # everything before the last step is legal
    direction, item = steps[-1]
    with pytest.raises(ProtocolError) as info:
        step(machine, direction, item)
    assert text in str(info.value)
    assert type(info.value) is blamed(role, direction)


@pytest.mark.parametrize("role", list(Role))
def test_error_names_expected_and_received(role: Role) -> None:
    machine = play(role, OPENED)
    with pytest.raises(ProtocolError) as info:
        step(machine, "req", store())
    assert info.value.expected == "acknowledge"
    assert info.value.received == "store"


def test_batches_check_the_phase_once_and_name_the_offending_binding() -> None:
    machine = play(Role.CONNECTOR, [*OPENED, ("req", ACK)])
    machine.loads([0, 0, 0])
    machine.loads([])
    with pytest.raises(RemoteProtocolError, match="binding 1, which is in delta-updates"):
        machine.loads([0, 1, 0])
    with pytest.raises(RemoteProtocolError, match="load names binding 7"):
        machine.loads([0, 7])
    with pytest.raises(RemoteProtocolError, match="received store"):
        machine.stores([0])
    play_on = [("res", "acknowledged"), ("req", FLUSH), ("res", "flushed")]
    for direction, item in play_on:
        step(machine, direction, item)
    machine.stores([0, 1, 1, 0])
    with pytest.raises(RemoteProtocolError, match="store names binding -1"):
        machine.stores([0, -1])
    with pytest.raises(RemoteProtocolError, match="received load"):
        machine.loads([0])


@pytest.mark.parametrize(("role", "error"), [(Role.RUNTIME, RemoteProtocolError), (Role.CONNECTOR, LocalProtocolError)])
def test_loaded_checks_its_binding(role: Role, error: type[ProtocolError]) -> None:
    machine = play(role, [*ACKED])
    machine.loaded(0)
    with pytest.raises(error, match="loaded names binding 3"):
        machine.loaded(3)
    with pytest.raises(error, match="delta-updates"):
        machine.loaded(1)


def test_acknowledgement_owed_and_transactions() -> None:
    machine = play(Role.RUNTIME, [*OPENED, ("req", ACK)])
    assert machine.acknowledgement_owed
    step(machine, "res", "acknowledged")
    assert not machine.acknowledgement_owed
    machine = play(Role.CONNECTOR, OPENED + TXN + TXN)
    assert machine.transactions == 2 and machine.phase is Phase.LOADING


def test_end_of_input() -> None:
    play(Role.CONNECTOR, [*ACKED, ("req", load())]).end_of_requests()  # the runtime may stop anywhere
    with pytest.raises(LocalProtocolError, match="one-shot response"):
        play(Role.CONNECTOR, [("req", {"spec": {}})]).end_of_requests()
    error = play(Role.RUNTIME, [*FLUSHED, ("req", START)]).end_of_responses()
    assert isinstance(error, RemoteProtocolError) and error.expected == "startedCommit"


def test_null_variants_are_absent() -> None:
    assert request_kind({"spec": None, "load": {"key": [1]}}) == "load"
