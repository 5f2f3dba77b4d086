"""Local collection journals: one append-only JSON-lines file per collection.

Layout, under a state directory `DIR` (see `recovery_log` for the commit protocol):

    DIR/journals/<escaped collection name>.jsonl

The file name is the collection name percent-encoded (every byte outside `[A-Za-z0-9._~-]`,
including `/`, becomes `%XX`), so any collection name maps to one flat, reversible file name.

Each line is one captured document (compact JSON, UTF-8, `\\n`-terminated), in capture order,
stamped with `/_meta/uuid` (a v1 UUID whose time is the publish time) as Flow's runtime does.

A journal's bytes are *committed* only up to the offset recorded for it in the recovery log.
Bytes past that offset are a torn or uncommitted append: the writer truncates them when it
starts, and a reader must never go past the committed offset (`read_documents(..., end=...)`).
A reader (e.g. the materialization runtime) remembers the byte offset it read through and
resumes from it; offsets always fall on line boundaries.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

import orjson

SUFFIX = ".jsonl"
JOURNALS_DIR = "journals"


def file_name(collection: str) -> str:
    """The journal file name of a collection (flat, reversible, safe on any filesystem)."""
    return quote(collection, safe="") + SUFFIX


def collection_of(name: str) -> str:
    """The collection name of a journal file name (inverse of `file_name`)."""
    return unquote(name.removesuffix(SUFFIX))


def journal_path(state_dir: str | Path, collection: str) -> Path:
    """Where a collection's journal lives under a state directory."""
    return Path(state_dir) / JOURNALS_DIR / file_name(collection)


class JournalWriter:
    """Appends to one collection journal; knows its committed and written end offsets."""

    def __init__(self, path: Path, committed: int) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        size = os.fstat(self._fd).st_size
        if size < committed:
            os.close(self._fd)
            raise OSError(f"journal {path} holds {size} bytes but the recovery log committed {committed}")
        if size > committed:
            # Uncommitted tail of a run that died before its commit: it never happened.
            os.ftruncate(self._fd, committed)
        self.committed = committed
        self.end = committed
        os.lseek(self._fd, committed, os.SEEK_SET)

    def append(self, data: bytes) -> None:
        """Write bytes at the end (uncommitted until the recovery log records the new end)."""
        view = memoryview(data)
        while view:
            written = os.write(self._fd, view)
            view = view[written:]
        self.end += len(data)

    def sync(self) -> None:
        """fsync the file (only needed to survive power loss; process death keeps written bytes)."""
        os.fsync(self._fd)

    def mark_committed(self) -> None:
        """Note that the recovery log now records `end` as committed."""
        self.committed = self.end

    def close(self) -> None:
        """Close the file descriptor."""
        os.close(self._fd)


def read_documents(path: str | Path, start: int = 0, end: int | None = None) -> Iterator[tuple[int, Any]]:
    """Yield (offset after the line, document) for committed lines between `start` and `end`."""
    with open(path, "rb") as stream:
        stream.seek(start)
        offset = start
        for line in stream:
            if end is not None and offset + len(line) > end:
                return
            offset += len(line)
            if not line.endswith(b"\n"):
                return  # a torn tail is never committed
            yield offset, orjson.loads(line)
