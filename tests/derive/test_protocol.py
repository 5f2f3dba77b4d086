"""The derive protocol core: legal and illegal message orders, seen from both roles."""

from __future__ import annotations

from typing import Any

import pytest

from flow_sdk.errors import LocalProtocolError, ProtocolError, RemoteProtocolError
from flow_sdk.protocol.derive import DeriveProtocol, Phase, Role

CHECKPOINT: dict[str, Any] = {"sources": {"a/journal": {"readThrough": "10"}}}
OPEN = {"open": {"collection": {"name": "acme/sums", "derivation": {"transforms": [{"name": "a"}, {"name": "b"}]}}}}
VALIDATE = {"validate": {"transforms": [{"name": "a"}, {"name": "b"}]}}

# Short names for messages: ">x" is a request, "<x" a response.
MESSAGES: dict[str, dict[str, Any]] = {
    ">spec": {"spec": {"connectorType": "PYTHON"}},
    ">validate": VALIDATE,
    ">open": OPEN,
    ">read0": {"read": {"transform": 0, "doc": {"k": 1}}},
    ">read1": {"read": {"transform": 1, "doc": {"k": 2}, "shuffle": {"key": [2], "hash": 7}}},
    ">flush": {"flush": {}},
    ">flushPatches": {"flush": {"statePatches": [{"x": 1}]}},
    ">startCommit": {"startCommit": {"runtimeCheckpoint": CHECKPOINT}},
    ">reset": {"reset": {}},
    "<spec": {"spec": {"protocol": 3032023}},
    "<validated": {"validated": {"transforms": [{"readOnly": False}, {"readOnly": True}]}},
    "<opened": {"opened": {}},
    "<openedRemote": {"opened": {"runtimeCheckpoint": CHECKPOINT}},
    "<published": {"published": {"doc": {"k": 1, "n": 2}}},
    "<flushed": {"flushed": {}},
    "<flushedMore": {"flushed": {"state": {"updated": {"x": 1}}, "more": True}},
    "<startedCommit": {"startedCommit": {"state": {"updated": {"n": 1}, "mergePatch": True}}},
}

LEGAL = {
    "spec": ">spec <spec",
    "validate": ">validate <validated",
    "spec then validate then open": ">spec <spec >validate <validated >open <opened",
    "one V1 transaction": ">open <opened >read0 <published >read1 >flush <published <flushed "
    ">startCommit <startedCommit",
    "V2 transactions without startCommit": ">open <opened >read0 >flush <flushed >read1 <published >flush <flushed",
    "empty transaction": ">open <opened >flush <flushed >startCommit <startedCommit >flush <flushed",
    "more rounds": ">open <opened >read0 >flush <flushedMore >flushPatches <published <flushedMore "
    ">flushPatches <flushed >startCommit <startedCommit",
    "another shard asks for one more round": ">open <opened >read0 >flush <flushed >flushPatches <flushed",
    "reset between transactions": ">open <opened >reset >read0 >flush <flushed >startCommit <startedCommit "
    ">reset >read1",
    "remote-authoritative transaction": ">open <openedRemote >read0 >flush <flushed >startCommit <startedCommit >read0",
}

# (sequence, message index that must fail, which side broke the order: "request" or "response")
ILLEGAL = {
    "read before open": (">read0", 0),
    "two specs in a row": (">spec >spec", 1),
    "response with no request": ("<spec", 0),
    "wrong one-shot response": (">spec <validated", 1),
    "spec answering validate": (">validate <spec", 1),
    "open twice": (">open <opened >open", 2),
    "read before opened": (">open >read0", 1),
    "published before any read": (">open <opened <published", 2),
    "flushed without flush": (">open <opened >read0 <flushed", 3),
    "read while flushing": (">open <opened >read0 >flush >read0", 4),
    "read after more=true": (">open <opened >read0 >flush <flushedMore >read0", 5),
    "startCommit after more=true": (">open <opened >read0 >flush <flushedMore >startCommit", 5),
    "startCommit before flush": (">open <opened >read0 >startCommit", 3),
    "published after the final flushed": (">open <opened >read0 >flush <flushed <published", 5),
    "startedCommit without startCommit": (">open <opened >flush <flushed <startedCommit", 4),
    "reset in the middle of a transaction": (">open <opened >read0 >reset", 3),
    "remote-authoritative connector skips startCommit": (">open <openedRemote >read0 >flush <flushed >read0", 5),
    "read while committing": (">open <opened >flush <flushed >startCommit >read0", 5),
}


def drive(core: DeriveProtocol, sequence: str) -> None:
    for step in sequence.split():
        message = MESSAGES[step]
        if step.startswith(">"):
            core.on_request(message)
        else:
            core.on_response(message)


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize("sequence", LEGAL.values(), ids=list(LEGAL))
def test_legal_orders_pass(role: Role, sequence: str) -> None:
    drive(DeriveProtocol(role), sequence)


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize(("sequence", "failing"), ILLEGAL.values(), ids=list(ILLEGAL))
def test_illegal_orders_name_the_side_that_broke_them(role: Role, sequence: str, failing: int) -> None:
    core = DeriveProtocol(role)
    steps = sequence.split()
    drive(core, " ".join(steps[:failing]))
    step = steps[failing]
    by_runtime = step.startswith(">")
    ours = by_runtime == (role is Role.RUNTIME)
    with pytest.raises(LocalProtocolError if ours else RemoteProtocolError) as caught:
        drive(core, step)
    assert caught.value.received == next(iter(MESSAGES[step]))
    assert caught.value.expected


def test_the_error_says_what_was_expected() -> None:
    core = DeriveProtocol(Role.CONNECTOR)
    drive(core, ">open <opened >read0 >flush <flushedMore")
    with pytest.raises(RemoteProtocolError) as caught:
        drive(core, ">read0")
    assert caught.value.expected == "flush (the connector asked for another round)"
    assert "unexpected derive request 'read' in phase more" in str(caught.value)


@pytest.mark.parametrize(
    ("message", "problem"),
    [
        ({"read": {"transform": 2, "doc": {}}}, "not a transform of the opened derivation"),
        ({"read": {"transform": -1, "doc": {}}}, "not a transform of the opened derivation"),
        ({"read": {"transform": "0", "doc": {}}}, "not a transform of the opened derivation"),
        ({"read": {"transform": 0}}, "must carry a document"),
        ({"read": {"transform": 0, "doc": {}}, "flush": {}}, "exactly one variant"),
        ({"apply": {}}, "unknown derive request variant"),
        ({"startCommit": {}}, "unexpected derive request"),
    ],
)
def test_malformed_requests_are_refused(message: dict[str, Any], problem: str) -> None:
    core = DeriveProtocol(Role.CONNECTOR)
    drive(core, ">open <opened")
    with pytest.raises(RemoteProtocolError, match=problem):
        core.on_request(message)


def test_start_commit_needs_the_runtime_checkpoint() -> None:
    core = DeriveProtocol(Role.RUNTIME)
    drive(core, ">open <opened >flush <flushed")
    with pytest.raises(LocalProtocolError, match="runtime checkpoint"):
        core.on_request({"startCommit": {}})


def test_open_needs_a_derivation() -> None:
    with pytest.raises(RemoteProtocolError, match=r"open\.collection\.derivation"):
        DeriveProtocol(Role.CONNECTOR).on_request({"open": {"collection": {"name": "a/b"}}})


def test_validated_counts_must_match() -> None:
    core = DeriveProtocol(Role.CONNECTOR)
    core.on_request(VALIDATE)
    with pytest.raises(LocalProtocolError, match="each transform") as caught:
        core.on_response({"validated": {"transforms": [{}]}})
    assert (caught.value.expected, caught.value.received) == ("2 transforms", "1 transforms")


def test_published_needs_a_document_and_bulk_counts() -> None:
    core = DeriveProtocol(Role.RUNTIME)
    drive(core, ">open <opened >read0")
    with pytest.raises(RemoteProtocolError, match="must carry a document"):
        core.on_response({"published": {}})
    core.on_published(5)
    drive(core, "<published")
    assert core.published == 6


def test_state_is_observable() -> None:
    core = DeriveProtocol(Role.RUNTIME)
    drive(core, ">open <openedRemote")
    assert core.remote_authoritative and core.transforms == ("a", "b") and core.phase is Phase.READY
    drive(core, ">read1 >flush")
    assert core.owed == "flushed"
    drive(core, "<flushedMore >flushPatches <flushed")
    assert core.flush_rounds == 2 and core.transactions == 1 and core.phase is Phase.FLUSHED
    drive(core, ">startCommit")
    assert core.owed == "startedCommit"


def test_errors_are_protocol_errors_with_internal_envelope_ignored() -> None:
    core = DeriveProtocol(Role.CONNECTOR)
    assert core.on_request({"spec": {}, "$internal": "AA=="}) == "spec"
    with pytest.raises(ProtocolError):
        core.on_request({"spec": {}})
