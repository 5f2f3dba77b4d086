"""The transactor: what a connector implements to load and store documents in one session.

The SDK drives it (one design, pull-based iterators):

* `load(loads, loaded)` once per transaction, after the transaction's acknowledgement is done.
  `loads` yields every `Load` of the transaction and ends at the runtime's `flush`. Answer any
  key at any time with `loaded(binding, key, doc)`: as each load arrives, or in batches, or all
  after the iterator is exhausted; `load` must answer everything before it returns. Keys that
  don't exist are simply never answered. Each requested key is answered at most once (the SDK
  checks). Loads left unconsumed when `load` returns count as not found.
* `store(stores)` once per transaction, after `flushed`. `stores` yields every `Store` and ends
  at the runtime's `startCommit`; stream them into the destination (COPY, a staged file, HTTP
  batches...) without collecting them. `store` must consume the whole iterator.
* The strategy base class (`Transactional`, `IdempotentReplay`, `AtLeastOnce` in
  `flow_sdk.materialize.strategies`) decides what happens at open, startCommit and acknowledge,
  through the hooks it documents; a connector subclasses exactly one of them.

Per-document objects are named tuples built straight from orjson output: no model validation on
this path. Both iterators also offer their rows a batch at a time: see `load_batches` and
`store_batches`.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Sequence
from functools import partial
from itertools import islice
from typing import Any, NamedTuple

from ..errors import ConnectorError
from ..stdio import parse_json_texts
from .request import Acknowledge, Flush, Open, StartCommit
from .response import Opened


class Load(NamedTuple):
    """A request to load the current document of `key` for `binding`."""

    binding: int
    key: list[Any]


class Store(NamedTuple):
    """One document to store: key and value fields in field-selection order, and the full document.

    `exists`: the runtime loaded or stored this key before (update, not insert).
    `delete`: the document is a deletion tombstone (implies `exists`).

    A named tuple: the SDK builds them a batch at a time with C-level loops (no per-row Python call).
    """

    binding: int
    key: list[Any]
    values: list[Any]
    doc: Any
    exists: bool
    delete: bool


class StoreBatch:
    """A run of consecutive stores as columns: one sequence per `Store` field, all of one length.

    What `store_batches` yields. A connector can test and encode whole columns with C-level loops
    (`any(batch.exists)`, `map(encode, batch.keys, batch.values, batch.docs)`); iterating the batch
    yields its `Store` tuples.

    `doc_texts`, when not None, holds each document as the JSON text the runtime sent (bytes-like
    objects): a connector that writes documents as text can use them and skip parsing and
    serializing. `docs` then parses them all in one call, the first time it is read.
    """

    __slots__ = ("_docs", "bindings", "deletes", "doc_texts", "exists", "keys", "values")

    def __init__(
        self,
        bindings: Sequence[int],
        keys: Sequence[list[Any]],
        values: Sequence[list[Any]],
        docs: Sequence[Any] | None,
        exists: Sequence[bool],
        deletes: Sequence[bool],
        doc_texts: Sequence[Any] | None = None,
    ) -> None:
        if docs is None and doc_texts is None:
            raise ValueError("a StoreBatch needs its documents, as objects or as texts")
        self.bindings = bindings
        self.keys = keys
        self.values = values
        self._docs = docs
        self.exists = exists
        self.deletes = deletes
        self.doc_texts = doc_texts

    @property
    def docs(self) -> Sequence[Any]:
        """The documents as JSON values (parsed from `doc_texts` on first use when the batch came as text)."""
        if self._docs is None:
            assert self.doc_texts is not None
            self._docs = parse_json_texts(self.doc_texts)
        return self._docs

    @classmethod
    def of(cls, stores: Sequence[Store]) -> StoreBatch:
        """The batch of these stores."""
        if not stores:
            return cls((), (), (), (), (), ())
        return cls(*zip(*stores, strict=True))

    def __len__(self) -> int:
        return len(self.bindings)

    def __iter__(self) -> Iterator[Store]:
        return map(
            _new_store, zip(self.bindings, self.keys, self.values, self.docs, self.exists, self.deletes, strict=True)
        )


_new_store: Callable[[tuple[Any, ...]], Store] = partial(tuple.__new__, Store)
BATCH = 1000  # the size of the batches made from an iterator that can't hand over its own


def load_batches(loads: Iterator[Load]) -> Iterator[list[Load]]:
    """The loads of a `loads` iterator as lists, in order: the SDK's own batches when it has them.

    Equivalent to iterating one by one, but a connector can work a whole list at a time (e.g. transpose
    it with `zip(*batch)` and encode with `map`), which costs less per row than a Python loop body.
    """
    own: Callable[[], Iterator[list[Load]]] | None = getattr(loads, "batches", None)
    if own is not None:
        yield from own()
        return
    while chunk := list(islice(loads, BATCH)):
        yield chunk


def store_batches(stores: Iterator[Store]) -> Iterator[StoreBatch]:
    """The stores of a `stores` iterator as `StoreBatch` columns, in order: the SDK's own batches when it has them."""
    own: Callable[[], Iterator[StoreBatch]] | None = getattr(stores, "batches", None)
    if own is not None:
        yield from own()
        return
    while chunk := list(islice(stores, BATCH)):
        yield StoreBatch.of(chunk)


# loaded(binding, key, doc): `doc` is a JSON value, or bytes/bytearray of JSON text passed through as is.
Loaded = Callable[[int, Sequence[Any], Any], None]
# A ConnectorState in Flow JSON form: {"updated": <json>, "mergePatch": true}.
ConnectorState = dict[str, Any]


def merge_patch_state(updated: Any) -> ConnectorState:
    """A ConnectorState that the runtime merges (RFC 7396) into the previous state."""
    return {"updated": updated, "mergePatch": True}


class Transactor(ABC):
    """Base of every strategy: the per-session object the SDK drives. See the module docstring."""

    def load(self, loads: Iterator[Load], loaded: Loaded) -> None:
        """Answer loads; the default is for connectors whose bindings are all delta updates."""
        for load in loads:
            raise ConnectorError(
                f"this connector can't load documents (binding {load.binding} is not in delta-updates mode)"
            )

    @abstractmethod
    def store(self, stores: Iterator[Store]) -> None:
        """Consume every store of the transaction (see the module docstring)."""

    def flushed(self, flush: Flush) -> ConnectorState | None:
        """Called after loads are answered, before `flushed` is sent; may return connector state."""
        return None

    def close(self) -> None:
        """Release destination resources at the end of the session (also called after errors)."""
        return None

    # -- driven by the SDK; implemented by the strategy classes ------------------------------

    @abstractmethod
    def session_open(self, open_request: Open) -> Opened:
        """Recover at open; returns the `opened` response."""

    @abstractmethod
    def session_acknowledge(self, acknowledge: Acknowledge) -> ConnectorState | None:
        """The previous commit is durable in the recovery log; returns the `acknowledged` state."""

    @abstractmethod
    def session_start_commit(self, start_commit: StartCommit) -> ConnectorState | None:
        """All stores are in; commit (or stage) them; returns the `startedCommit` state."""
