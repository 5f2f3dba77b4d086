"""Batched request handling: stdin read in arbitrary chunks, loads/stores handed over a batch at a time."""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

import orjson
import pytest

from flow_sdk.errors import ProtocolError
from flow_sdk.materialize import AtLeastOnce, Connector, Load, Loaded, Store, Transactor
from flow_sdk.materialize.request import Apply, Open, Validate
from flow_sdk.materialize.response import Applied, Validated
from flow_sdk.materialize.transactor import StoreBatch, load_batches, store_batches

from .helpers import binding, checkpoint, materialization, open_request, store


class Recorder(AtLeastOnce):
    """Records every load and store as it sees them; `mode` picks how it consumes the iterators."""

    def __init__(self, mode: str = "rows") -> None:
        self.mode = mode
        self.loads: list[Load] = []
        self.stores: list[Store] = []
        self.batch_sizes: list[int] = []

    def load(self, loads: Iterator[Load], loaded: Loaded) -> None:
        if self.mode == "rows":
            self.loads.extend(loads)
            return
        for batch in load_batches(loads):
            self.loads.extend(batch)

    def store(self, stores: Iterator[Store]) -> None:
        if self.mode == "rows":
            self.stores.extend(stores)
        elif self.mode == "mixed":  # a few one by one, then the rest in batches
            self.stores.extend([next(stores), next(stores)])
            for batch in store_batches(stores):
                self.stores.extend(batch)
        else:
            for batch in store_batches(stores):
                self.batch_sizes.append(len(batch))
                self.stores.extend(batch)

    def commit(self) -> None:
        pass


class RecorderConnector(Connector):
    def __init__(self, transactor: Transactor) -> None:
        self.transactor = transactor

    def validate(self, config: Any, request: Validate) -> Validated:
        return Validated()

    def apply(self, config: Any, request: Apply) -> Applied:
        return Applied()

    def open(self, config: Any, request: Open) -> Transactor:
        return self.transactor


class Trickle(io.RawIOBase):
    """A stream that hands out at most `step` bytes per read, like a pipe the runtime writes slowly."""

    def __init__(self, data: bytes, step: int) -> None:
        self.data, self.at, self.step = data, 0, step

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        chunk = self.data[self.at : self.at + min(self.step, len(buffer))]
        buffer[: len(chunk)] = chunk
        self.at += len(chunk)
        return len(chunk)


class NoRead1:
    """A stream without read1: the session falls back to the reader's message-by-message path."""

    def __init__(self, data: bytes) -> None:
        self._inner = io.BytesIO(data)
        self.readline = self._inner.readline
        self.read = self._inner.read


MAT = materialization({}, [binding({}, ["a"]), binding({}, ["b"])])
DELTA = materialization({}, [binding({}, ["a"]), binding({}, ["b"], delta=True)])


def session_requests(n: int) -> list[dict[str, Any]]:
    stores = [store(i % 2, {"id": i, "name": f"n\t{i}"}, exists=i % 3 == 0, delete=i % 7 == 0) for i in range(n)]
    return [
        open_request(MAT),
        {"acknowledge": {}},
        *({"load": {"binding": i % 2, "key": [i]}} for i in range(n)),
        {"flush": {}},
        *stores,
        {"startCommit": {"runtimeCheckpoint": checkpoint(1)}},
        {"acknowledge": {}},
    ]


def encode(requests: list[dict[str, Any]], *, blank_lines: bool = False) -> bytes:
    sep = b"\n\n" if blank_lines else b"\n"
    return b"".join(orjson.dumps(r) + sep for r in requests)


def run(stream: Any, mode: str = "rows") -> tuple[Recorder, list[dict[str, Any]]]:
    t = Recorder(mode)
    out = io.BytesIO()
    assert RecorderConnector(t).serve(stream, out) == 0
    return t, [orjson.loads(line) for line in out.getvalue().splitlines()]


def expected_stores(n: int) -> list[Store]:
    return [Store(i % 2, [i], [f"n\t{i}"], {"id": i, "name": f"n\t{i}"}, i % 3 == 0, i % 7 == 0) for i in range(n)]


@pytest.mark.parametrize("step", [1, 7, 4096, 1 << 20])
def test_chunked_stdin_gives_every_request_in_order(step: int) -> None:
    """However stdin splits lines (mid-line, mid-message, many per read), each request arrives once, in order."""
    n = 300 if step > 1 else 40
    data = encode(session_requests(n), blank_lines=step == 7)
    t, out = run(io.BufferedReader(Trickle(data, step), buffer_size=max(step, 8)))
    assert t.loads == [Load(i % 2, [i]) for i in range(n)]
    assert t.stores == expected_stores(n)
    assert [next(iter(m)) for m in out] == ["opened", "acknowledged", "flushed", "startedCommit", "acknowledged"]


@pytest.mark.parametrize("mode", ["rows", "batches", "mixed"])
def test_row_and_batch_consumers_see_the_same_stores(mode: str) -> None:
    """Iterating rows, batches, or first rows then batches: every store exactly once, attributes intact."""
    t, _ = run(io.BytesIO(encode(session_requests(2500))), mode)
    assert t.stores == expected_stores(2500)
    assert all(isinstance(s.exists, bool) and isinstance(s.delete, bool) for s in t.stores)
    if mode == "batches":
        assert sum(t.batch_sizes) == 2500 and len(t.batch_sizes) < 2500  # really batched


def test_without_read1_the_reader_path_gives_the_same_result() -> None:
    data = encode(session_requests(50))
    batched, out1 = run(io.BytesIO(data))
    single, out2 = run(NoRead1(data))
    assert (batched.loads, batched.stores, out1) == (single.loads, single.stores, out2)


def test_internal_members_and_packed_keys_inside_a_batch() -> None:
    """A message with extra members or a packed key in the middle of a run keeps its place."""
    stores = [
        store(0, {"id": 1}),
        {**store(0, {"id": 2}), "$internal": "AA=="},
        {"store": {"keyPacked": "FQM=", "values": ["x"], "doc": {"id": 3}}},
        store(0, {"id": 4}),
    ]
    requests = [
        open_request(MAT),
        {"acknowledge": {}},
        {"flush": {}},
        *stores,
        {"startCommit": {"runtimeCheckpoint": checkpoint(1)}},
    ]
    t, _ = run(io.BytesIO(encode(requests)), "batches")
    assert [s.key for s in t.stores] == [[1], [2], [3], [4]]
    assert t.stores[2].values == ["x"]


def test_malformed_line_is_named_by_number() -> None:
    data = encode([open_request(MAT), {"acknowledge": {}}, {"flush": {}}, store(0, {"id": 1})]) + b'{"store": \n'
    with pytest.raises(ProtocolError, match="line 5: malformed JSON"):
        run(io.BytesIO(data))


def test_non_object_line_is_rejected() -> None:
    data = encode([open_request(MAT), {"acknowledge": {}}, {"flush": {}}]) + b"[1, 2]\n"
    with pytest.raises(ProtocolError, match="line 4: expected a JSON object"):
        run(io.BytesIO(data))


@pytest.mark.parametrize(
    ("mat", "requests", "message"),
    [
        (MAT, [{"flush": {}}, store(0, {"id": 1}), store(5, {"id": 2})], "store names binding 5"),
        (MAT, [{"load": {"key": [1]}}, {"load": {"binding": -1, "key": [2]}}], "load names binding -1"),
        (DELTA, [{"load": {"key": [1]}}, {"load": {"binding": 1, "key": [2]}}], "delta-updates"),
    ],
)
def test_batch_checks_name_the_offending_binding(mat: dict[str, Any], requests: list[Any], message: str) -> None:
    data = encode([open_request(mat), {"acknowledge": {}}, *requests])
    with pytest.raises(ProtocolError, match=message):
        run(io.BytesIO(data), "batches")


def test_store_before_flush_is_rejected_in_a_batch() -> None:
    data = encode([open_request(MAT), {"acknowledge": {}}, store(0, {"id": 1})])
    with pytest.raises(ProtocolError, match="'store' is out of order"):
        run(io.BytesIO(data))


def test_batch_helpers_accept_any_iterator() -> None:
    """Connectors' own tests may pass plain iterators: the helpers batch them and keep every row."""
    stores = expected_stores(2345)
    batches = list(store_batches(iter(stores)))
    assert [len(b) for b in batches] == [1000, 1000, 345]
    assert [s for b in batches for s in b] == stores
    assert batches[0].keys[:2] == ([0], [1]) and batches[0].exists[:4] == (True, False, False, True)
    loads = [Load(0, [i]) for i in range(1500)]
    assert [x for b in load_batches(iter(loads)) for x in b] == loads
    assert list(StoreBatch.of([])) == []


@pytest.mark.parametrize(("binding", "exists", "delete"), [(0, False, False), (1, True, False), (1, True, True)])
def test_uniform_runs_keep_every_member(binding: int, exists: bool, delete: bool) -> None:
    """Runs whose bodies share their members (taken a column at a time) keep each row's binding and flags."""
    n = 2500
    stores = [store(binding, {"id": i, "name": f"n{i}"}, exists=exists, delete=delete) for i in range(n)]
    requests = [
        open_request(MAT),
        {"acknowledge": {}},
        {"flush": {}},
        *stores,
        {"startCommit": {"runtimeCheckpoint": checkpoint(1)}},
    ]
    for mode in ("rows", "batches"):
        t, _ = run(io.BytesIO(encode(requests)), mode)
        assert t.stores == [
            Store(binding, [i], [f"n{i}"], {"id": i, "name": f"n{i}"}, exists, delete) for i in range(n)
        ]


def test_two_messages_on_one_line_are_refused() -> None:
    """A line holding two messages is malformed, even though the block would parse as one JSON array."""
    two = orjson.dumps(store(0, {"id": 1})) + b"," + orjson.dumps(store(0, {"id": 2})) + b"\n"
    data = encode([open_request(MAT), {"acknowledge": {}}, {"flush": {}}]) + two
    with pytest.raises(ProtocolError, match="line 4: malformed JSON"):
        run(io.BytesIO(data))


N_TEXTS = 8000  # several reads of stdin


def test_plain_store_blocks_carry_document_texts() -> None:
    """Blocks of plain stores reach the transactor with each document's text as sent; `docs` parses them.

    (The session's first read holds `open`, so its stores come parsed; later reads are all stores.)
    """
    stores = [store(i % 2, {"id": i, "name": f"n {i}"}, exists=i % 3 == 0) for i in range(N_TEXTS)]
    requests = [
        open_request(MAT),
        {"acknowledge": {}},
        {"flush": {}},
        *stores,
        {"startCommit": {"runtimeCheckpoint": checkpoint(1)}},
    ]
    seen: list[StoreBatch] = []

    class Texts(Recorder):
        def store(self, stores: Iterator[Store]) -> None:
            for batch in store_batches(stores):
                seen.append(batch)
                self.stores.extend(batch)

    t = Texts()
    out = io.BytesIO()
    assert RecorderConnector(t).serve(io.BytesIO(encode(requests)), out) == 0
    assert [s.doc for s in t.stores] == [{"id": i, "name": f"n {i}"} for i in range(N_TEXTS)]
    assert [s.exists for s in t.stores] == [i % 3 == 0 for i in range(N_TEXTS)]
    with_texts = [b for b in seen if b.doc_texts is not None]
    assert with_texts, "no block of plain stores came as text"
    first = with_texts[0]
    assert [bytes(x) for x in first.doc_texts] == [orjson.dumps(d) for d in first.docs]
