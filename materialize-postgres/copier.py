"""Routes COPY text lines to several target tables over one connection, in bounded memory.

A connection runs one COPY at a time. The target of the current COPY gets each batch of lines as
it comes (so PostgreSQL works while we encode); lines for other targets are buffered, and when the
buffers outgrow their budget every buffer is written out with its own COPY. A homogeneous stream
(the common case) is therefore one long COPY; a mixed one becomes a few large COPYs.
"""

from __future__ import annotations

from typing import Any

import psycopg

BATCH_ROWS = 1000  # callers hand over lines in batches of about this many
BUFFER_BUDGET_CHARS = 16 << 20


class Copier:
    """Streams lines into COPY statements (each a `COPY ... FROM STDIN` in text format)."""

    def __init__(self, conn: psycopg.Connection[Any]) -> None:
        self.cursor = conn.cursor()
        self.active: str | None = None  # the statement of the open COPY
        self.last = ""  # the statement of the latest COPY opened: the one a COPY error is about
        self._copy: Any = None
        self._manager: Any = None
        self._buffers: dict[str, list[str]] = {}
        self._buffered_chars = 0

    def write(self, statement: str, lines: list[str]) -> None:
        """Send lines (each ending in a newline) to the COPY `statement` targets; `lines` may be reused after."""
        if statement != self.active:
            if self.active is not None:
                self._buffers.setdefault(statement, []).extend(lines)
                self._buffered_chars += sum(map(len, lines))
                if self._buffered_chars >= BUFFER_BUDGET_CHARS:
                    self._drain()
                return
            self._open(statement)
        self._copy.write("".join(lines))

    def finish(self) -> None:
        """Complete every COPY: after this, all lines are in their tables (in the open transaction)."""
        self._drain()

    def close(self) -> None:
        """Drop buffered lines and the cursor (the transaction is being abandoned)."""
        self._buffers.clear()
        self.cursor.close()

    def _open(self, statement: str) -> None:
        self.last = statement
        manager = self.cursor.copy(statement)
        self._copy, self._manager, self.active = manager.__enter__(), manager, statement
        lines = self._buffers.pop(statement, None)
        if lines:
            self._buffered_chars -= sum(map(len, lines))
            for start in range(0, len(lines), BATCH_ROWS):
                self._copy.write("".join(lines[start : start + BATCH_ROWS]))

    def _close_active(self) -> None:
        if self.active is not None:
            manager, self._manager, self._copy, self.active = self._manager, None, None, None
            manager.__exit__(None, None, None)

    def _drain(self) -> None:
        self._close_active()
        for statement in list(self._buffers):
            self._open(statement)
            self._close_active()
        self._buffered_chars = 0
