"""Read committed collection documents as byte ranges of JSON lines, for the materialization runtime.

A source is one collection's journal: a JSON-lines byte string of which the first `end` bytes are
committed. Journal files (`journal`) take `end` from the recovery log's `journals` table; a
fixture (`--fixture FILE`) is turned into in-memory journals with the same encoding (compact JSON,
one document a line), so its offsets are byte offsets too and resuming works identically.

Fixture formats: a JSON or YAML mapping `collection -> [documents]`, or JSON lines each
`["collection", document]`.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import orjson
import yaml

from flow_sdk.errors import ConfigError
from flow_sdk.runtime.storage.journal import journal_path

_CHUNK = 1 << 20


class JournalSource:
    """A collection journal file under a state directory."""

    def __init__(self, state_dir: str | Path, collection: str) -> None:
        self.collection = collection
        self.path = journal_path(state_dir, collection)
        self._fd: int | None = None

    def read(self, start: int, end: int) -> bytes:
        """The bytes in [start, end) (fewer if the file is shorter)."""
        if end <= start:
            return b""
        if self._fd is None:
            try:
                self._fd = os.open(self.path, os.O_RDONLY)
            except FileNotFoundError:
                return b""
        return os.pread(self._fd, end - start, start)

    def close(self) -> None:
        """Close the file."""
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


class MemorySource:
    """An in-memory journal (a fixture's documents of one collection)."""

    def __init__(self, collection: str, data: bytes) -> None:
        self.collection = collection
        self.data = data

    def read(self, start: int, end: int) -> bytes:
        """The bytes in [start, end)."""
        return self.data[start:end]

    def close(self) -> None:
        """Nothing to release."""


def _encode(docs: Iterable[Any]) -> bytes:
    return b"".join(orjson.dumps(doc) + b"\n" for doc in docs)


_NOT_JSON = object()


def _fixture_line(path: Path, number: int, line: bytes) -> tuple[str, Any]:
    try:
        item = orjson.loads(line)
    except orjson.JSONDecodeError as exc:
        raise ConfigError(f"{path}:{number}: malformed JSON ({exc})") from None
    if not (isinstance(item, list) and len(item) == 2 and isinstance(item[0], str)):
        raise ConfigError(f'{path}:{number}: expected ["collection", document]')
    return item[0], item[1]


def load_fixture(path: str | Path) -> dict[str, bytes]:
    """A fixture file as {collection: JSON-lines bytes}."""
    path = Path(path)
    try:
        text = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"cannot read fixture {path}: {exc}") from None
    per: dict[str, list[Any]] = {}
    lines_format = path.suffix in (".jsonl", ".ndjson")
    try:
        value = _NOT_JSON if lines_format else orjson.loads(text)
    except orjson.JSONDecodeError:
        value = _NOT_JSON
    if value is _NOT_JSON and (lines_format or text.lstrip().startswith(b"[")):
        for number, line in enumerate(text.splitlines(), 1):
            if line.strip():
                collection, doc = _fixture_line(path, number, line)
                per.setdefault(collection, []).append(doc)
        return {c: _encode(d) for c, d in per.items()}
    if value is _NOT_JSON:
        try:
            value = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise ConfigError(f"fixture {path} is neither JSON, JSON lines nor YAML: {exc}") from None
    if isinstance(value, list) and all(isinstance(i, list) and len(i) == 2 for i in value):
        for collection, doc in value:
            per.setdefault(str(collection), []).append(doc)
        return {c: _encode(d) for c, d in per.items()}
    if not isinstance(value, dict) or not all(isinstance(v, list) for v in value.values()):
        raise ConfigError(f"fixture {path} must map each collection to a list of documents")
    return {str(c): _encode(docs) for c, docs in value.items()}


class Sources:
    """The journals a materialization reads, and where each one's committed bytes end."""

    def __init__(
        self,
        collections: Iterable[str],
        *,
        state_dir: str | Path | None = None,
        fixture: dict[str, bytes] | None = None,
        committed: Callable[[], dict[str, int]] | None = None,
    ) -> None:
        self.collections = list(dict.fromkeys(collections))
        self._sources: dict[str, JournalSource | MemorySource] = {}
        if fixture is not None:
            unknown = sorted(set(fixture) - set(self.collections))
            if unknown:
                raise ConfigError(f"fixture has documents of {unknown[0]!r}, which no binding reads")
            for c in self.collections:
                self._sources[c] = MemorySource(c, fixture.get(c, b""))
            sizes = {c: len(fixture.get(c, b"")) for c in self.collections}
            self._committed: Callable[[], dict[str, int]] = lambda: sizes
        else:
            assert state_dir is not None and committed is not None
            for c in self.collections:
                self._sources[c] = JournalSource(state_dir, c)
            self._committed = committed

    def ends(self) -> dict[str, int]:
        """Committed end offset of each source now."""
        known = self._committed()
        return {c: known.get(c, 0) for c in self.collections}

    def read_lines(self, collection: str, start: int, end: int, max_bytes: int) -> tuple[list[bytes], int]:
        """Whole lines from `start`, at most ~max_bytes (at least one line); and the offset after them."""
        limit = min(end, start + max(max_bytes, 1))
        data = self._sources[collection].read(start, limit)
        cut = data.rfind(b"\n") + 1
        while cut == 0 and start + len(data) < end:
            # One line longer than the budget: take it whole.
            more = self._sources[collection].read(start + len(data), min(end, start + len(data) + _CHUNK))
            if not more:
                break
            data += more
            cut = data.rfind(b"\n") + 1
        if cut == 0:
            return [], start
        lines = data[:cut].split(b"\n")
        lines.pop()
        return lines, start + cut

    def close(self) -> None:
        """Close every source."""
        for source in self._sources.values():
            source.close()
