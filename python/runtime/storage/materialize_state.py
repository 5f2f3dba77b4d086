"""Durable state of materializations: a table of their own in the state directory's recovery log.

File `DIR/recovery.db` (shared with the capture run, see `recovery_log`), table:

    materialization_state(task TEXT PRIMARY KEY, runtime_checkpoint TEXT, connector_state TEXT,
                          transactions INTEGER, updated_at REAL)

`runtime_checkpoint` is the consumer.Checkpoint (Flow JSON form) of the last committed
transaction: `sources[<collection>].readThrough` is the byte offset of that collection's journal
read through. `connector_state` is the connector state reduced over every committed `flushed` and
`startedCommit` state, and, outside of any transaction, the `acknowledged` states.

Each transaction commits checkpoint and state in one SQLite transaction. The table is written
with its own connection and never takes the capture run's directory lock, so captures and
materializations can run concurrently over one directory (SQLite serializes the short writes;
the 30 s busy timeout absorbs a concurrent commit). `task_lock` keeps two runs of the SAME
materialization apart.
"""

from __future__ import annotations

import contextlib
import sqlite3
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import orjson

from flow_sdk.errors import ProtocolError
from flow_sdk.runtime.storage.recovery_log import DB_NAME, exclusive_lock

_SCHEMA = """
CREATE TABLE IF NOT EXISTS materialization_state (
    task TEXT PRIMARY KEY,
    runtime_checkpoint TEXT NOT NULL,
    connector_state TEXT NOT NULL,
    transactions INTEGER NOT NULL,
    updated_at REAL NOT NULL
);
"""


def task_lock(state_dir: str | Path, task: str) -> contextlib.AbstractContextManager[None]:
    """Hold the lock of one materialization in a state directory (fails at once if held)."""
    return exclusive_lock(
        Path(state_dir) / f"materialize-{quote(task, safe='')}.lock",
        f"materialization {task!r} is already running over {state_dir}",
    )


def checkpoint_of(offsets: Mapping[str, int]) -> dict[str, Any]:
    """A consumer.Checkpoint (Flow JSON form) reading each journal through its offset."""
    return {"sources": {name: {"readThrough": str(off)} for name, off in sorted(offsets.items()) if off}}


def offsets_of(checkpoint: Any) -> dict[str, int]:
    """The read-through offsets of a consumer.Checkpoint (Flow JSON form)."""
    sources = checkpoint.get("sources") if isinstance(checkpoint, dict) else None
    if not isinstance(sources, dict):
        return {}
    out = {}
    for name, source in sources.items():
        through = source.get("readThrough", 0) if isinstance(source, dict) else 0
        try:
            out[name] = int(through)
        except (TypeError, ValueError):
            raise ProtocolError(f"checkpoint source {name!r} has readThrough {through!r}, not an int64") from None
    return out


@dataclass
class Recovered:
    """What a materialization committed last."""

    checkpoint: dict[str, Any] = field(default_factory=dict)
    state: Any = field(default_factory=dict)
    transactions: int = 0


class MaterializationLog:
    """Reads and commits one materialization's row, and the capture run's committed journal offsets."""

    def __init__(self, state_dir: str | Path, task: str) -> None:
        self.task = task
        path = Path(state_dir) / DB_NAME
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path, isolation_level=None, timeout=30.0)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(_SCHEMA)

    def recover(self) -> Recovered:
        """The last committed checkpoint and connector state (empty when the task never ran)."""
        row = self._db.execute(
            "SELECT runtime_checkpoint, connector_state, transactions FROM materialization_state WHERE task = ?",
            (self.task,),
        ).fetchone()
        if row is None:
            return Recovered()
        return Recovered(orjson.loads(row[0]), orjson.loads(row[1]), int(row[2]))

    def journal_offsets(self) -> dict[str, int]:
        """Committed end offset of each collection journal (written by `flow-sdk capture`)."""
        try:
            rows = self._db.execute("SELECT collection, committed FROM journals").fetchall()
        except sqlite3.OperationalError:
            return {}  # no capture ever ran here
        return {c: int(o) for c, o in rows}

    def commit(self, checkpoint: Mapping[str, Any], state: Any, transactions: int) -> None:
        """Atomically record a transaction's checkpoint and connector state."""
        self._db.execute(
            "INSERT INTO materialization_state(task, runtime_checkpoint, connector_state, transactions, updated_at) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT(task) DO UPDATE SET runtime_checkpoint = excluded.runtime_checkpoint, "
            "connector_state = excluded.connector_state, transactions = excluded.transactions, "
            "updated_at = excluded.updated_at",
            (self.task, orjson.dumps(checkpoint).decode(), orjson.dumps(state).decode(), transactions, time.time()),
        )

    def save_state(self, state: Any) -> None:
        """Record an `acknowledged` state (not transactional with anything; the checkpoint stays)."""
        cur = self._db.execute(
            "UPDATE materialization_state SET connector_state = ?, updated_at = ? WHERE task = ?",
            (orjson.dumps(state).decode(), time.time(), self.task),
        )
        if cur.rowcount == 0:
            self.commit({}, state, 0)

    def close(self) -> None:
        """Close the connection."""
        self._db.close()
