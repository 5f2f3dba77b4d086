"""The protocol loop with in-memory streams: the transactor contract the SDK enforces."""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

import orjson
import pytest

from flow_sdk.errors import ConnectorError
from flow_sdk.materialize import (
    Connector,
    IdempotentReplay,
    Load,
    Loaded,
    Store,
    Transactor,
)
from flow_sdk.materialize.request import Apply, Open, Validate
from flow_sdk.materialize.response import Applied, Validated

from .helpers import binding, checkpoint, materialization, open_request, store


class Memory(IdempotentReplay):
    """Keeps "published" rows in a list; answers loads as they arrive, or twice if asked to."""

    def __init__(self, behaviour: str = "") -> None:
        self.behaviour = behaviour
        self.rows: dict[int, Any] = {}
        self.staged: list[Store] = []
        self.applied: list[Any] = []

    def load(self, loads: Iterator[Load], loaded: Loaded) -> None:
        for load in loads:
            if load.key[0] in self.rows:
                loaded(load.binding, load.key, self.rows[load.key[0]])
                if self.behaviour == "answer twice":
                    loaded(load.binding, load.key, self.rows[load.key[0]])
        if self.behaviour == "answer unrequested":
            loaded(0, [12345], {})

    def store(self, stores: Iterator[Store]) -> None:
        if self.behaviour == "skip stores":
            next(stores, None)
            return
        self.staged.extend(stores)

    def prepare_commit(self) -> Any:
        if not self.staged:
            return None
        ops = [[s.key[0], s.doc] for s in self.staged]
        self.staged = []
        return ops

    def apply_pending(self, ops: Any) -> None:
        self.applied.append(ops)
        for key, doc in ops:
            self.rows[key] = doc


class MemoryConnector(Connector):
    def __init__(self, transactor: Memory) -> None:
        self.transactor = transactor

    def validate(self, config: Any, request: Validate) -> Validated:
        return Validated()

    def apply(self, config: Any, request: Apply) -> Applied:
        return Applied()

    def open(self, config: Any, request: Open) -> Transactor:
        return self.transactor


MAT = materialization({}, [binding({}, ["t"])])


def serve(transactor: Memory, *requests: dict[str, Any]) -> list[dict[str, Any]]:
    out = io.BytesIO()
    stdin = io.BytesIO(b"".join(orjson.dumps(r) + b"\n" for r in requests))
    assert MemoryConnector(transactor).serve(stdin, out) == 0
    return [orjson.loads(line) for line in out.getvalue().splitlines()]


def txn(stores: list[dict[str, Any]], loads: tuple[int, ...] | list[int] = (), offset: int = 1) -> list[dict[str, Any]]:
    return [
        {"acknowledge": {}},
        *({"load": {"key": [k]}} for k in loads),
        {"flush": {}},
        *stores,
        {"startCommit": {"runtimeCheckpoint": checkpoint(offset)}},
    ]


def test_idempotent_replay_state_lifecycle() -> None:
    t = Memory()
    out = serve(t, open_request(MAT), *txn([store(0, {"id": 1, "name": "a"})]), *txn([], loads=[1, 2]))
    assert out[0] == {"opened": {}}
    shard = "00000000-00000000"
    pending = {shard: [[1, {"id": 1, "name": "a"}]]}
    assert out[3] == {"startedCommit": {"state": {"updated": {"pending": pending}, "mergePatch": True}}}
    # The acknowledge of that commit applies it, clears it, and only then are loads answered.
    assert out[4] == {"acknowledged": {"state": {"updated": {"pending": {shard: None}}, "mergePatch": True}}}
    assert out[5] == {"loaded": {"doc": {"id": 1, "name": "a"}}}
    assert out[6:] == [{"flushed": {}}, {"startedCommit": {}}]


def test_open_applies_pending_before_opened() -> None:
    t = Memory()
    state = {"pending": {"00000000-00000000": [[7, {"id": 7}]], "0000ffff-00000000": [[8, {"id": 8}]]}}
    out = serve(
        t, open_request(MAT, state), {"acknowledge": {}}, {"load": {"key": [7]}}, {"load": {"key": [8]}}, {"flush": {}}
    )
    assert t.applied == [[[7, {"id": 7}]]]  # only this shard's operations, applied once
    assert out == [
        {"opened": {}},
        {"acknowledged": {"state": {"updated": {"pending": {"00000000-00000000": None}}, "mergePatch": True}}},
        {"loaded": {"doc": {"id": 7}}},
        {"flushed": {}},
    ]


@pytest.mark.parametrize(
    ("behaviour", "message"),
    [
        ("answer twice", "already answered"),
        ("answer unrequested", "not requested"),
        ("skip stores", "without consuming every store"),
    ],
)
def test_transactor_contract_violations(behaviour: str, message: str) -> None:
    t = Memory(behaviour)
    t.rows[1] = {"id": 1}
    with pytest.raises(ConnectorError, match=message):
        serve(t, open_request(MAT), *txn([store(0, {"id": 1}), store(0, {"id": 2})], loads=[1]))


def test_loaded_binding_prefix() -> None:
    mat = materialization({}, [binding({}, ["a"]), binding({}, ["b"])])
    t = Memory()
    t.rows[3] = {"id": 3}
    out = serve(t, open_request(mat), {"acknowledge": {}}, {"load": {"binding": 1, "key": [3]}}, {"flush": {}})
    assert out[2] == {"loaded": {"binding": 1, "doc": {"id": 3}}}


def test_internal_member_does_not_hide_loads_or_stores() -> None:
    t = Memory()
    t.rows[4] = {"id": 4}
    out = serve(
        t,
        open_request(MAT),
        {"acknowledge": {}},
        {"load": {"key": [4]}, "$internal": "AA=="},
        {"flush": {}},
        {**store(0, {"id": 5}), "$internal": "AA=="},
        {"startCommit": {"runtimeCheckpoint": checkpoint(1)}},
    )
    assert out[2] == {"loaded": {"doc": {"id": 4}}}
    assert out[-1]["startedCommit"]["state"]["updated"]["pending"]["00000000-00000000"] == [[5, {"id": 5}]]
