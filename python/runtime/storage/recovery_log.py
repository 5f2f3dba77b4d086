"""The local recovery log: SQLite (WAL mode) recording what a capture run committed.

File `DIR/recovery.db`. Tables:

* `task_state(task TEXT PRIMARY KEY, state TEXT, checkpoints INTEGER, transactions INTEGER,
  updated_at REAL)`: the connector state of each task, reduced over every committed checkpoint
  (RFC 7396 merge patches applied in order), as compact JSON; how many connector checkpoints
  and how many runtime transactions committed so far.
* `journals(collection TEXT PRIMARY KEY, file TEXT, committed INTEGER)`: for each collection
  journal (see `journal`), the byte offset up to which its lines are committed.

Commit protocol of one capture transaction: (1) append the transaction's documents to the
journal files (plain writes); (2) in ONE SQLite transaction, store the new end offsets of the
journals and the new reduced state. A crash before (2) leaves bytes past the committed offsets,
which the next writer truncates, and the old state, from which the connector re-captures the
same documents: journals never lose or duplicate a document. Readers take offsets from this
table and never read past them. One writer per directory at a time (`lock()` enforces it).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import sqlite3
import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import orjson

from flow_sdk.errors import ConfigError

DB_NAME = "recovery.db"
LOCK_NAME = "lock"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS task_state (
    task TEXT PRIMARY KEY,
    state TEXT NOT NULL,
    checkpoints INTEGER NOT NULL,
    transactions INTEGER NOT NULL,
    updated_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS journals (
    collection TEXT PRIMARY KEY,
    file TEXT NOT NULL,
    committed INTEGER NOT NULL
);
"""


@contextlib.contextmanager
def exclusive_lock(path: Path, busy: str) -> Iterator[None]:
    """Hold an exclusive lock on the file `path`; fail at once with ConfigError(busy) if it is held."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise ConfigError(busy) from None
        yield
    finally:
        os.close(fd)  # closing releases the lock


def lock(state_dir: str | Path) -> contextlib.AbstractContextManager[None]:
    """Hold the state directory's exclusive lock (fails at once if another run holds it)."""
    return exclusive_lock(Path(state_dir) / LOCK_NAME, f"state directory {state_dir} is in use by another run")


class RecoveryLog:
    """Committed connector state and journal offsets of one state directory."""

    def __init__(self, state_dir: str | Path) -> None:
        self.path = Path(state_dir) / DB_NAME
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(self.path, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        # NORMAL in WAL mode survives process death; FULL would add an fsync per commit.
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(_SCHEMA)

    def state(self, task: str) -> tuple[dict[str, Any], int, int]:
        """(reduced state, checkpoints, transactions) committed for a task ({} , 0, 0 if none)."""
        row = self._db.execute(
            "SELECT state, checkpoints, transactions FROM task_state WHERE task = ?", (task,)
        ).fetchone()
        if row is None:
            return {}, 0, 0
        return orjson.loads(row[0]), int(row[1]), int(row[2])

    def offsets(self) -> dict[str, int]:
        """Committed byte offset of every known collection journal."""
        return {c: int(o) for c, o in self._db.execute("SELECT collection, committed FROM journals")}

    def commit(
        self,
        task: str,
        state: Any,
        checkpoints: int,
        transactions: int,
        offsets: Mapping[str, tuple[str, int]],
    ) -> None:
        """Atomically record a task's reduced state and new journal offsets {collection: (file, offset)}."""
        db = self._db
        db.execute("BEGIN IMMEDIATE")
        try:
            db.execute(
                "INSERT INTO task_state(task, state, checkpoints, transactions, updated_at) VALUES (?, ?, ?, ?, ?) "
                "ON CONFLICT(task) DO UPDATE SET state = excluded.state, checkpoints = excluded.checkpoints, "
                "transactions = excluded.transactions, updated_at = excluded.updated_at",
                (task, orjson.dumps(state).decode(), checkpoints, transactions, time.time()),
            )
            db.executemany(
                "INSERT INTO journals(collection, file, committed) VALUES (?, ?, ?) "
                "ON CONFLICT(collection) DO UPDATE SET file = excluded.file, committed = excluded.committed",
                [(c, f, o) for c, (f, o) in offsets.items()],
            )
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")

    def close(self) -> None:
        """Close the database."""
        self._db.close()
