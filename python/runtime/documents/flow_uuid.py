"""Flow's document UUIDs: stamping `/_meta/uuid` on captured documents, and reading its publish time back.

A v1 UUID whose timestamp is the publish time. The clock is read once per transaction; each
document then takes the next 100 ns tick, so UUIDs are unique and ordered within a producer and
the timestamp is the transaction's publish time to within a few milliseconds. The node is a random
producer id (multicast bit set, as RFC 4122 asks of random nodes); the clock sequence carries
Flow's OUTSIDE_TXN flags (0) under the RFC variant bits.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from itertools import chain, repeat
from operator import contains
from typing import Any

import orjson

# 100 ns intervals between the UUID epoch (1582-10-15) and the Unix epoch.
UUID_EPOCH_OFFSET = 0x01B21DD213814000
_HEX4 = [format(i, "04x") for i in range(1 << 16)]
_BLOCK = 0x10000  # ticks whose UUIDs differ only in the last 4 hex digits of time_low


class UuidStamper:
    """Hands out `/_meta/uuid` values to the documents of a producer, transaction by transaction.

    Cheap by construction: documents are stamped in runs that stay inside one aligned block of
    65,536 ticks. Within a run only the last 4 hex digits of time_low change, so a table of those
    digits joined with the fixed tail (rebuilt when time_mid changes, every ~7 minutes) makes each
    UUID one concatenation.
    """

    def __init__(self, producer: bytes | None = None) -> None:
        node = bytearray(producer if producer is not None else os.urandom(6))
        node[0] |= 0x01
        self._node = node.hex()
        self._clock = 0  # the next tick to hand out
        self._fresh = True
        self._tails: tuple[int, list[str]] = (-1, [])
        self._splices: tuple[int, list[bytes]] = (-1, [])

    def next_transaction(self) -> None:
        """The next documents belong to a new transaction: read the wall clock again."""
        self._fresh = True

    def _tail(self, high: int) -> str:
        # `high`: the tick's bits above time_low (time_mid and time_hi), fixed for ~7 minutes.
        return f"-{high & 0xFFFF:04x}-{(high >> 16) & 0x0FFF | 0x1000:04x}-8000-{self._node}"

    def _tail_table(self, high: int) -> list[str]:
        if self._tails[0] != high:
            tail = self._tail(high)
            self._tails = (high, [h + tail for h in _HEX4])
        return self._tails[1]

    def _splice_table(self, high: int) -> list[bytes]:
        """Per last 4 hex digits of time_low: the rest of the UUID and the end of the `_meta` member."""
        if self._splices[0] != high:
            tail = self._tail(high) + '"},'
            self._splices = (high, [(h + tail).encode() for h in _HEX4])
        return self._splices[1]

    def _runs(self, total: int) -> Iterator[tuple[int, int, int]]:
        """(first index, count, first tick) of each run of `total` consecutive ticks within one block."""
        if self._fresh:
            self._clock = max(self._clock, time.time_ns() // 100 + UUID_EPOCH_OFFSET)
            self._fresh = False
        done = 0
        while done < total:
            clock = self._clock
            take = min(_BLOCK - (clock & 0xFFFF), total - done)
            self._clock = clock + take
            yield done, take, clock
            done += take

    def stamp(self, docs: list[Any]) -> None:
        """Set `/_meta/uuid` of each document (keeping other `_meta` fields, e.g. `op`)."""
        for start, take, clock in self._runs(len(docs)):
            suffixes = self._tail_table(clock >> 32)
            head = _HEX4[(clock >> 16) & 0xFFFF]
            low = clock & 0xFFFF
            metas = [{"uuid": head + s} for s in suffixes[low : low + take]]
            for doc, meta in zip(docs[start : start + take], metas, strict=True):
                found = doc.setdefault("_meta", meta)
                if found is not meta:
                    if type(found) is dict:
                        found["uuid"] = meta["uuid"]
                    else:
                        doc["_meta"] = meta

    def journal_lines(self, docs: list[Any], texts: Sequence[Any]) -> bytes:
        """Journal lines of stamped documents, given as objects and as their JSON texts (bytes-like, one line each).

        When every document is a non-empty object without a `_meta` of its own, each text is kept as
        written with `{"_meta":{"uuid":"..."},` spliced in for its opening brace: no object is
        touched and nothing is serialized again. Otherwise the objects are stamped and serialized.
        """
        if not docs:
            return b""
        if set(map(type, docs)) == {dict} and all(docs) and not any(map(contains, docs, repeat("_meta"))):
            # Each text opens with "{" and holds no newline, so every "\n{" starts the next document.
            rests = b"\n".join(chain((b"",), texts)).split(b"\n{")
            if len(rests) == len(docs) + 1:
                pieces = []
                for start, take, clock in self._runs(len(docs)):
                    low = clock & 0xFFFF
                    opening = b'\n{"_meta":{"uuid":"' + _HEX4[(clock >> 16) & 0xFFFF].encode()
                    splices = self._splice_table(clock >> 32)[low : low + take]
                    pieces.append(
                        b"".join(
                            chain.from_iterable(zip(repeat(opening), splices, rests[1 + start : 1 + start + take]))
                        )
                    )
                return b"".join(pieces)[1:] + b"\n"
        self.stamp(docs)
        return b"\n".join(map(orjson.dumps, docs)) + b"\n"


class PublishedAt:
    """Turns a document's `/_meta/uuid` (v1, as `flow-sdk capture` stamps it) into its RFC 3339 time."""

    def __init__(self) -> None:
        self._second = -1
        self._prefix = ""

    def __call__(self, uuid: Any) -> str | None:
        """The timestamp of a UUID string, with microseconds, in UTC (None when it is not a v1 UUID)."""
        if type(uuid) is not str or len(uuid) != 36 or uuid[14] != "1":
            return None
        try:
            ticks = int(uuid[15:18] + uuid[9:13] + uuid[0:8], 16) - UUID_EPOCH_OFFSET
        except ValueError:
            return None
        second, fraction = divmod(ticks, 10_000_000)
        if second != self._second:  # documents of a transaction share their second: format it once
            self._prefix = datetime.fromtimestamp(second, UTC).strftime("%Y-%m-%dT%H:%M:%S")
            self._second = second
        return f"{self._prefix}.{fraction // 10:06d}Z"
