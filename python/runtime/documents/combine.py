"""Combines the documents of one transaction by collection key, following the schema's reductions."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import orjson

from flow_sdk.errors import DocumentKeyError
from flow_sdk.runtime.schema.reduce import ABSENT, ReduceNode, compile_schema, parse_pointer, reduce, resolve


class KeyExtractor:
    """Pulls a collection key (a list of values) out of documents."""

    def __init__(self, pointers: Sequence[str]) -> None:
        self.pointers = list(pointers)
        self._tokens = [parse_pointer(p) for p in pointers]

    def key(self, doc: Any) -> list[Any]:
        """The key components of `doc`, or DocumentKeyError naming the missing pointer."""
        out = []
        for pointer, tokens in zip(self.pointers, self._tokens, strict=True):
            value = resolve(doc, tokens)
            if value is ABSENT:
                raise DocumentKeyError(f"document has no value at key pointer {pointer}", fields={"pointer": pointer})
            out.append(value)
        return out


def hashable_key(components: list[Any]) -> Any:
    """A dict key for key components: the tuple itself for scalars, canonical JSON otherwise."""
    if all(isinstance(c, str | int | float | bool) or c is None for c in components):
        # bool and int would collide (True == 1); tag the type so they stay distinct keys.
        return tuple((type(c).__name__, c) for c in components)
    # Text, not bytes: orjson's bytes results keep a larger allocation alive for as long as they live.
    return orjson.dumps(components, option=orjson.OPT_SORT_KEYS).decode()


class Combiner:
    """Groups documents of one transaction by key, reducing those that share one."""

    def __init__(self, key_pointers: Sequence[str], schema: Any = None) -> None:
        self.keys = KeyExtractor(key_pointers)
        self.node: ReduceNode = compile_schema(schema if schema is not None else {})
        # Whole-document lastWriteWins needs no reduction at all: the newest document simply replaces.
        self.last_write_wins = self.node.strategy == "lastWriteWins"
        self._entries: dict[Any, tuple[list[Any], Any]] = {}

    def __len__(self) -> int:
        return len(self._entries)

    def add(self, doc: Any) -> None:
        """Combine `doc` (owned by the combiner from now on) into the transaction."""
        key = self.keys.key(doc)
        slot = hashable_key(key)
        if self.last_write_wins:
            self._entries[slot] = (key, doc)
            return
        prior = self._entries.get(slot)
        combined = doc if prior is None else reduce(self.node, prior[1], doc)
        self._entries[slot] = (key, combined)

    def reduce_onto(self, base: Any, update: Any) -> Any:
        """Apply a combined update onto the stored document (a full reduction); base may be ABSENT."""
        if self.last_write_wins:
            return update
        return reduce(self.node, base, update, full=True)

    def drain(self) -> Iterator[tuple[list[Any], Any]]:
        """Yield (key, combined document) for every key, emptying the combiner."""
        entries, self._entries = self._entries, {}
        yield from entries.values()
