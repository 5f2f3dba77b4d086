"""A capture session's documents between checkpoints, and the checkpoints sealed since the last commit.

Per binding, documents of the current read batch arrive either parsed (the general path: `push`)
or as their raw JSON text (the fast path: `push_text`). At the end of each batch, or at a
checkpoint, they become journal lines (`encode_batch`) while still in CPU cache: batching all of
a checkpoint's documents as objects first is several times slower. A checkpoint (`seal`) moves
everything pending under it; `take` hands the sealed checkpoints over as one transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flow_sdk.errors import RemoteProtocolError
from flow_sdk.state import apply_connector_state


@dataclass
class Transaction:
    """Sealed checkpoints committed together."""

    # Per binding index: the documents as compact JSON lines (each `\n`-terminated), in capture
    # order, split in chunks; and how many documents they hold.
    chunks: dict[int, list[bytes]]
    counts: dict[int, int]
    # The connector state reduced through the last checkpoint, and each checkpoint's own state.
    state: dict[str, Any]
    checkpoint_states: list[Any]

    @property
    def checkpoints(self) -> int:
        """How many connector checkpoints this transaction commits."""
        return len(self.checkpoint_states)

    @property
    def documents(self) -> int:
        """How many documents this transaction commits."""
        return sum(self.counts.values())


# Turns one binding's batch (documents, or their texts) into journal lines.
Encoder = Callable[[int, list[Any]], bytes]


class Pending:
    """Documents not yet committed, per binding, and the connector state they lead to."""

    def __init__(self, bindings: int, state: dict[str, Any], encode_docs: Encoder, encode_texts: Encoder) -> None:
        self._encode_docs = encode_docs
        self._encode_texts = encode_texts
        self._docs: dict[int, list[Any]] = {b: [] for b in range(bindings)}
        self._texts: dict[int, list[Any]] = {b: [] for b in range(bindings)}
        # Bound `append`s looked up by binding index: one dict lookup and one call per document.
        self.push = {b: self._docs[b].append for b in range(bindings)}
        self.push_text = {b: self._texts[b].append for b in range(bindings)}
        self._lines: dict[int, list[bytes]] = {b: [] for b in range(bindings)}
        self._counts = dict.fromkeys(range(bindings), 0)
        self._sealed: dict[int, list[bytes]] = {b: [] for b in range(bindings)}
        self._sealed_counts = dict.fromkeys(range(bindings), 0)
        self._sealed_states: list[Any] = []
        self.state = state

    def encode_batch(self) -> None:
        """Turn the read batch's documents into journal lines (validated and stamped by the encoders)."""
        for b, docs in self._docs.items():
            if docs:
                self._lines[b].append(self._encode_docs(b, docs))
                self._counts[b] += len(docs)
                docs.clear()
        for b, texts in self._texts.items():
            if texts:
                self._lines[b].append(self._encode_texts(b, texts))
                self._counts[b] += len(texts)
                texts.clear()

    def seal(self, checkpoint: Any) -> None:
        """A `checkpoint` body: fold its state, and everything pending now belongs to it."""
        update = checkpoint.get("state")
        self.state = apply_connector_state(self.state, update, "checkpoint", RemoteProtocolError)
        self._sealed_states.append(update)
        self.encode_batch()
        for b, count in self._counts.items():
            if count:
                self._sealed[b].extend(self._lines[b])
                self._sealed_counts[b] += count
                self._lines[b] = []
                self._counts[b] = 0

    def take(self) -> Transaction | None:
        """The checkpoints sealed since the last call as one transaction, or None if there are none."""
        if not self._sealed_states:
            return None
        txn = Transaction(
            chunks={b: c for b, c in self._sealed.items() if c},
            counts={b: n for b, n in self._sealed_counts.items() if n},
            state=self.state,
            checkpoint_states=self._sealed_states,
        )
        self._sealed = {b: [] for b in self._sealed}
        self._sealed_counts = dict.fromkeys(self._sealed_counts, 0)
        self._sealed_states = []
        return txn
