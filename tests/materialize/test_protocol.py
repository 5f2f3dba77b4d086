"""The materialize state machine, as a table of message sequences."""

from __future__ import annotations

from typing import Any

import pytest

from flow_sdk.errors import ProtocolError
from flow_sdk.materialize.protocol import MaterializeProtocol, message_kind

OPEN = {"open": {"materialization": {"bindings": [{}, {"deltaUpdates": True}]}}}
ACK: dict[str, Any] = {"acknowledge": {}}
FLUSH: dict[str, Any] = {"flush": {}}
START: dict[str, Any] = {"startCommit": {"runtimeCheckpoint": {}}}


def load(binding: int = 0) -> dict[str, Any]:
    return {"load": {"binding": binding, "key": [1]}}


def store(binding: int = 0) -> dict[str, Any]:
    return {"store": {"binding": binding, "key": [1], "doc": {}}}


# A step is ("in", request) or ("out", response kind).
Steps = list[tuple[str, Any]]
OPENED: Steps = [("in", OPEN), ("out", "opened")]
ACKED: Steps = [*OPENED, ("in", ACK), ("out", "acknowledged")]
FLUSHED: Steps = [*ACKED, ("in", FLUSH), ("out", "flushed")]
TXN: Steps = [
    ("in", ACK),
    ("out", "acknowledged"),
    ("in", load()),
    ("out", "loaded"),
    ("in", FLUSH),
    ("out", "loaded"),
    ("out", "flushed"),
    ("in", store()),
    ("in", store(1)),
    ("in", START),
    ("out", "startedCommit"),
]
COMMIT: Steps = [("in", START), ("out", "startedCommit")]

LEGAL: dict[str, Steps] = {
    "spec": [("in", {"spec": {}}), ("out", "spec")],
    "validate then apply": [("in", {"validate": {}}), ("out", "validated"), ("in", {"apply": {}}), ("out", "applied")],
    "two transactions": [*OPENED, *TXN, *TXN],
    "acknowledged before acknowledge": [
        *OPENED,
        ("out", "acknowledged"),
        ("in", ACK),
        ("in", FLUSH),
        ("out", "flushed"),
        *COMMIT,
    ],
    "loads read before acknowledged": [
        *OPENED,
        ("in", ACK),
        ("in", load()),
        ("in", load()),
        ("out", "acknowledged"),
        ("out", "loaded"),
        ("in", FLUSH),
        ("out", "flushed"),
    ],
    "empty transaction": [*FLUSHED, *COMMIT],
    "internal field ignored": [("in", {"spec": {}, "$internal": "EgJIaRgB"}), ("out", "spec")],
}

# (steps, the text the error must contain): the last step is the illegal one.
ILLEGAL: dict[str, tuple[Steps, str]] = {
    "load before open": ([("in", load())], "expected spec | validate | apply | open"),
    "load before acknowledge": ([*OPENED, ("in", load())], "expected acknowledge, received load"),
    "store before flush": ([*ACKED, ("in", store())], "received store"),
    "load after flush": ([*FLUSHED, ("in", load())], "expected store | startCommit, received load"),
    "flush before acknowledged": ([*OPENED, ("in", ACK), ("in", FLUSH)], "flush only after acknowledged"),
    "load of delta binding": ([*OPENED, ("in", ACK), ("in", load(1))], "delta-updates"),
    "load binding out of range": ([*OPENED, ("in", ACK), ("in", load(2))], "has 2 bindings"),
    "store binding out of range": ([*FLUSHED, ("in", store(5))], "binding 5"),
    "second acknowledge": ([*OPENED, ("in", ACK), ("in", ACK)], "received acknowledge"),
    "open twice": ([*OPENED, ("in", OPEN)], "received open"),
    "spec after open": ([*OPENED, ("in", {"spec": {}})], "received spec"),
    "request while opened owed": ([("in", OPEN), ("in", ACK)], "until the connector sends opened"),
    "request while flushed owed": ([*ACKED, ("in", FLUSH), ("in", store())], "until the connector sends flushed"),
    "request while startedCommit owed": (
        [*FLUSHED, ("in", START), ("in", ACK)],
        "until the connector sends startedCommit",
    ),
    "wrong one-shot response": ([("in", {"spec": {}}), ("out", "validated")], "expected spec, received validated"),
    "loaded before acknowledged": (
        [*OPENED, ("in", ACK), ("in", load()), ("out", "loaded")],
        "between acknowledged and flushed",
    ),
    "loaded after flushed": ([*FLUSHED, ("out", "loaded")], "received loaded"),
    "acknowledged twice": ([*ACKED, ("out", "acknowledged")], "received acknowledged"),
    "startedCommit before startCommit": ([*FLUSHED, ("out", "startedCommit")], "received startedCommit"),
    "two variants": ([("in", {"spec": {}, "open": {}})], "exactly one variant"),
    "unknown variant": ([("in", {"bogus": {}})], "unknown message variant 'bogus'"),
}


def run(steps: Steps) -> MaterializeProtocol:
    machine = MaterializeProtocol()
    for direction, item in steps:
        if direction == "in":
            machine.receive(item)
        else:
            machine.send(item)
    return machine


@pytest.mark.parametrize("name", sorted(LEGAL))
def test_legal_sequences(name: str) -> None:
    run(LEGAL[name])


@pytest.mark.parametrize("name", sorted(ILLEGAL))
def test_illegal_sequences(name: str) -> None:
    steps, text = ILLEGAL[name]
    run(steps[:-1])  # everything before the last step is legal
    with pytest.raises(ProtocolError) as info:
        run(steps)
    assert text in str(info.value)


def test_error_names_expected_and_received() -> None:
    with pytest.raises(ProtocolError) as info:
        run([*OPENED, ("in", store())])
    assert info.value.expected == "acknowledge"
    assert info.value.received == "store"


def test_null_variants_are_absent() -> None:
    assert message_kind({"spec": None, "load": {"key": [1]}}) == "load"


def test_transaction_counter() -> None:
    assert run(OPENED + TXN + TXN).transactions == 2
