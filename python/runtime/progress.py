"""Progress reporting for long runtime steps, and the summary table printed at their end.

On a terminal: one self-overwriting status line (a bar when the number of documents to expect
is known, e.g. `--limit`). Otherwise: a JSON log line (`msg: "progress"`) every few seconds.
Counting is per committed transaction, never per document, so it costs nothing on the hot path.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Sequence
from typing import IO

from flow_sdk import log

_BAR = 30


def human(n: float) -> str:
    """A short human form of a count (1.2k, 3.4M)."""
    for unit, size in (("G", 1e9), ("M", 1e6), ("k", 1e3)):
        if abs(n) >= size:
            return f"{n / size:.1f}{unit}"
    return f"{n:.0f}"


class Progress:
    """Counts documents, bytes and checkpoints of one step, per binding, and reports them."""

    def __init__(
        self,
        step: str,
        bindings: Sequence[str],
        *,
        stream: IO[str] | None = None,
        interval: float | None = None,
        expected: int | None = None,
        enabled: bool = True,
    ) -> None:
        self.step = step
        self.bindings = list(bindings)
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty()
        self.interval = interval if interval is not None else (0.25 if self.tty else 5.0)
        self.expected = expected
        self.enabled = enabled
        self.docs = [0] * len(bindings)
        self.bytes = [0] * len(bindings)
        self.checkpoints = 0
        self.transactions = 0
        self.warnings = 0
        self.errors = 0
        self.sessions = 0
        self.started = time.monotonic()
        self._last_report = self.started
        self._last_docs = [0] * len(bindings)
        self._drawn = False

    @property
    def documents(self) -> int:
        """Documents committed so far, over all bindings."""
        return sum(self.docs)

    @property
    def total_bytes(self) -> int:
        """Bytes of committed documents so far."""
        return sum(self.bytes)

    def add_transaction(self, docs: dict[int, int], checkpoints: int) -> None:
        """Count one committed transaction, and report if it is time to."""
        for b, n in docs.items():
            self.docs[b] += n
        self.checkpoints += checkpoints
        self.transactions += 1
        now = time.monotonic()
        if self.enabled and now - self._last_report >= self.interval:
            self._report(now)

    def add_bytes(self, binding: int, n: int) -> None:
        """Count the serialized bytes of a binding's documents."""
        self.bytes[binding] += n

    def add_logs(self, warnings: int, errors: int) -> None:
        """Count warning and error log records of a connector."""
        self.warnings += warnings
        self.errors += errors

    def _report(self, now: float) -> None:
        elapsed = now - self._last_report
        rates = [(d - last) / elapsed for d, last in zip(self.docs, self._last_docs, strict=True)]
        self._last_report = now
        self._last_docs = list(self.docs)
        total = self.documents
        if self.tty:
            head = ""
            if self.expected:
                done = min(1.0, total / self.expected)
                filled = int(done * _BAR)
                head = f"[{'#' * filled}{'.' * (_BAR - filled)}] {done:4.0%} "
            per = " | ".join(f"{name}: {human(r)}/s" for name, r in zip(self.bindings, rates, strict=True) if r)
            line = f"{head}{human(total)} docs, {human(sum(rates))}/s, {self.checkpoints} checkpoints  {per}"
            self.stream.write("\r\x1b[2K" + line[:200])
            self.stream.flush()
            self._drawn = True
            return
        fields = {
            "step": self.step,
            "documents": total,
            "bytes": self.total_bytes,
            "checkpoints": self.checkpoints,
            "docsPerSecond": round(sum(rates)),
            "bindings": {
                name: {"documents": d, "docsPerSecond": round(r)}
                for name, d, r in zip(self.bindings, self.docs, rates, strict=True)
            },
        }
        self.stream.write(log.format_record("info", "progress", fields).decode())
        self.stream.flush()

    def summary(self) -> str:
        """The summary table of the step."""
        elapsed = max(time.monotonic() - self.started, 1e-9)
        header = ("binding", "collection", "documents", "bytes", "docs/s", "checkpoints", "warnings", "errors")
        rows: list[tuple[str, ...]] = []
        for i, (name, d, b) in enumerate(zip(self.bindings, self.docs, self.bytes, strict=True)):
            rows.append((str(i), name, f"{d:,}", f"{b:,}", f"{d / elapsed:,.0f}", "", "", ""))
        rows.append(
            (
                "total",
                "",
                f"{self.documents:,}",
                f"{self.total_bytes:,}",
                f"{self.documents / elapsed:,.0f}",
                f"{self.checkpoints:,}",
                f"{self.warnings:,}",
                f"{self.errors:,}",
            )
        )
        widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
        lines = [f"step: {self.step} ({self.sessions} session(s), {self.transactions} transaction(s), {elapsed:.2f} s)"]
        for r in [header, *rows]:
            cells = [c.ljust(w) if i < 2 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths, strict=True))]
            lines.append("  ".join(cells).rstrip())
        return "\n".join(lines)

    def close(self, *, print_summary: bool = True) -> None:
        """Clear the status line and print the summary table."""
        if self._drawn:
            self.stream.write("\r\x1b[2K")
        if print_summary:
            self.stream.write(self.summary() + "\n")
        self.stream.flush()
