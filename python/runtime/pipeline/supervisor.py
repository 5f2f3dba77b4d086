"""`flow-sdk run`: every capture and materialization of a catalog as one supervised pipeline.

Each task runs as its own child process (`pipeline_steps`: `run_capture` / `run_materialize`
over one state directory), in the supervisor's process group, so the pipeline uses every core
and a SIGKILL of the group stops everything at once. Captures append to the collection journals;
materializations follow them concurrently. Durability is the steps' own (journals + recovery log,
the destination's checkpoint): killing the pipeline at any moment and running it again leaves an
exactly-once destination as one uninterrupted run would have.

Supervision:

* a capture finishes when its connector exits 0; once every capture finished, the supervisor
  tells the materializations (SIGUSR1) to drain the journals to their committed end and exit;
  with `follow`, captures run session after session and the pipeline runs until stopped;
* a step that fails fails the pipeline with that step's error; the others are stopped;
* SIGINT / SIGTERM stop every step at its next transaction boundary (SIGKILL after a grace
  period), then the summary is printed. Steps start with SIGINT ignored, so a Ctrl-C on the
  terminal reaches only the supervisor.

One progress display: a status line with a bar (materialized / captured documents) on a
terminal, a JSON log line every few seconds otherwise; at the end a summary table per step.
"""

from __future__ import annotations

import contextlib
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import IO, Any

import orjson

from flow_sdk import log
from flow_sdk.errors import ConfigError, ConnectorError
from flow_sdk.runtime.catalog.loader import Catalog, load_catalog
from flow_sdk.runtime.progress import human

STEP_MODULE = "flow_sdk.runtime.pipeline.steps"
COUNTERS = ("documents", "bytes", "transactions", "warnings", "errors")
_BAR = 30
_SHOWN_LEVELS = frozenset({"warn", "warning", "error", "fatal"})


@dataclass
class Step:
    """One child process of the pipeline and what it reported."""

    kind: str  # "capture" or "materialize"
    name: str
    argv: list[str]
    proc: subprocess.Popen[bytes] | None = None
    totals: dict[str, int] = field(default_factory=lambda: dict.fromkeys(COUNTERS, 0))
    last_error: str | None = None
    exit_code: int | None = None
    started: float = 0.0
    ended: float = 0.0
    threads: list[threading.Thread] = field(default_factory=list)

    @property
    def label(self) -> str:
        """How the step is named in displays."""
        return f"{self.kind} {self.name}"


@dataclass
class PipelineResult:
    """What a pipeline run did, per step."""

    steps: list[Step]
    interrupted: bool = False
    elapsed: float = 0.0

    def totals(self, kind: str) -> dict[str, int]:
        """Counters summed over the steps of one kind."""
        out = dict.fromkeys(COUNTERS, 0)
        for step in self.steps:
            if step.kind == kind:
                for k in COUNTERS:
                    out[k] += step.totals.get(k, 0)
        return out


def default_state_dir(source: str | Path) -> Path:
    """Where a catalog's pipeline keeps journals and its recovery log unless told otherwise."""
    path = Path(source).resolve()
    return path.parent / ".state" / path.name.split(".")[0]


def plan_steps(
    catalog: Catalog,
    source: str | Path,
    state_dir: str | Path,
    *,
    follow: bool = False,
    timeout: float | None = None,
    max_txn_docs: int | None = None,
    poll: float = 0.1,
) -> list[Step]:
    """The child processes of a catalog's pipeline (captures first)."""
    writers: dict[str, str] = {}
    for name, capture in sorted(catalog.captures.items()):
        for binding in capture.bindings:
            if binding.disable:
                continue
            other = writers.setdefault(binding.target, name)
            if other != name:
                raise ConfigError(
                    f"collection {binding.target!r} is written by captures {other!r} and {name!r}: "
                    "a pipeline runs captures concurrently, so each collection needs one writer"
                )
    if not catalog.captures and not catalog.materializations:
        raise ConfigError(f"{source}: the catalog defines no capture and no materialization to run")
    base = [sys.executable, "-m", STEP_MODULE]
    common = ["--source", str(Path(source).resolve()), "--state-dir", str(Path(state_dir).resolve())]
    if timeout is not None:
        common += ["--timeout", str(timeout)]
    steps = []
    for name in sorted(catalog.captures):
        steps.append(
            Step("capture", name, [*base, "capture", "--name", name, *common, *(["--follow"] if follow else [])])
        )
    for name in sorted(catalog.materializations):
        extra = ["--poll", str(poll)]
        if max_txn_docs is not None:
            extra += ["--max-txn-docs", str(max_txn_docs)]
        steps.append(Step("materialize", name, [*base, "materialize", "--name", name, *common, *extra]))
    return steps


def _ignore_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)


class Display:
    """The pipeline's one progress display (a status line on a terminal, JSON lines otherwise)."""

    def __init__(self, steps: Sequence[Step], stream: IO[str], enabled: bool) -> None:
        self.steps = steps
        self.stream = stream
        self.enabled = enabled
        self.tty = stream.isatty()
        self.interval = 0.25 if self.tty else 5.0
        self.started = time.monotonic()
        self._last = self.started
        self._drawn = False
        self._lock = threading.Lock()

    def write_line(self, line: str) -> None:
        """Write a log line, keeping the status line below it."""
        with self._lock:
            if self._drawn:
                self.stream.write("\r\x1b[2K")
                self._drawn = False
            self.stream.write(line if line.endswith("\n") else line + "\n")
            self.stream.flush()

    def tick(self, *, force: bool = False) -> None:
        """Redraw (or log) if it is time to."""
        now = time.monotonic()
        if not self.enabled or (not force and now - self._last < self.interval):
            return
        self._last = now
        captured = sum(s.totals["documents"] for s in self.steps if s.kind == "capture")
        materialized = [s.totals["documents"] for s in self.steps if s.kind == "materialize"]
        elapsed = now - self.started
        if self.tty:
            parts = []
            if materialized:
                done = min(1.0, min(materialized) / captured) if captured else 0.0
                filled = int(done * _BAR)
                parts.append(f"[{'#' * filled}{'.' * (_BAR - filled)}] {done:4.0%}")
            parts.append(f"captured {human(captured)}")
            if materialized:
                parts.append(f"materialized {human(min(materialized))}")
            parts.append(f"{elapsed:.0f}s")
            with self._lock:
                self.stream.write("\r\x1b[2K" + "  ".join(parts)[:200])
                self.stream.flush()
                self._drawn = True
            return
        fields = {
            "elapsedSeconds": round(elapsed, 1),
            "steps": {s.label: {k: s.totals[k] for k in ("documents", "bytes", "transactions")} for s in self.steps},
        }
        self.write_line(log.format_record("info", "pipeline progress", fields).decode())

    def close(self) -> None:
        """Clear the status line."""
        with self._lock:
            if self._drawn:
                self.stream.write("\r\x1b[2K")
                self.stream.flush()
                self._drawn = False


def summary(result: PipelineResult) -> str:
    """The summary table: one row per step."""
    header = ("step", "documents", "bytes", "transactions", "warnings", "errors", "seconds")
    rows = []
    for s in result.steps:
        seconds = (s.ended or time.monotonic()) - s.started if s.started else 0.0
        rows.append((s.label, *(f"{s.totals.get(k, 0):,}" for k in COUNTERS), f"{seconds:.1f}"))
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    status = "interrupted" if result.interrupted else "done"
    lines = [f"pipeline {status} in {result.elapsed:.1f} s"]
    for r in [header, *rows]:
        lines.append(
            "  ".join(
                c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths, strict=True))
            ).rstrip()
        )
    return "\n".join(lines)


class Supervisor:
    """Starts the steps, watches them, and stops them."""

    def __init__(
        self,
        steps: list[Step],
        *,
        follow: bool = False,
        display: Display,
        grace: float = 30.0,
    ) -> None:
        self.steps = steps
        self.follow = follow
        self.display = display
        self.grace = grace
        self.stop_requested = threading.Event()
        self.interrupted = False
        self._drained = False

    # --- child I/O -------------------------------------------------------------------------

    def _pump_stdout(self, step: Step, stream: IO[bytes]) -> None:
        for line in stream:
            try:
                report = orjson.loads(line)
            except orjson.JSONDecodeError:
                continue
            if isinstance(report, dict):
                for k in COUNTERS:
                    if isinstance(report.get(k), int):
                        step.totals[k] = report[k]

    def _pump_stderr(self, step: Step, stream: IO[bytes]) -> None:
        for raw_line in stream:
            line = raw_line.decode("utf-8", "replace").rstrip("\n")
            if not line:
                continue
            record: Any = None
            if line.startswith("{"):
                with contextlib.suppress(orjson.JSONDecodeError):
                    record = orjson.loads(line)
            if isinstance(record, dict):
                level = record.get("level")
                if level == "error":
                    step.last_error = str(record.get("msg", line))
                if level not in _SHOWN_LEVELS:
                    continue  # info and debug records would bury the progress display
                record.setdefault("step", step.label)
                line = orjson.dumps(record).decode()
            self.display.write_line(line)

    def start(self, step: Step) -> None:
        """Start one step's process in our process group, SIGINT ignored."""
        step.started = time.monotonic()
        proc = subprocess.Popen(
            step.argv,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            preexec_fn=_ignore_sigint,
        )
        step.proc = proc
        assert proc.stdout is not None and proc.stderr is not None
        for target, stream in ((self._pump_stdout, proc.stdout), (self._pump_stderr, proc.stderr)):
            thread = threading.Thread(target=target, args=(step, stream), daemon=True)
            thread.start()
            step.threads.append(thread)

    def _signal_all(self, sig: int, kinds: Sequence[str] = ("capture", "materialize")) -> None:
        for step in self.steps:
            if step.kind in kinds and step.proc is not None and step.exit_code is None:
                with contextlib.suppress(ProcessLookupError):
                    step.proc.send_signal(sig)

    def _reap(self) -> None:
        for step in self.steps:
            if step.proc is not None and step.exit_code is None:
                code = step.proc.poll()
                if code is not None:
                    for thread in step.threads:
                        thread.join(timeout=5)  # the final report and error record are read
                    step.exit_code = code
                    step.ended = time.monotonic()

    def _running(self) -> list[Step]:
        return [s for s in self.steps if s.proc is not None and s.exit_code is None]

    def _failed(self) -> Step | None:
        return next((s for s in self.steps if s.exit_code not in (None, 0)), None)

    # --- the run -------------------------------------------------------------------------

    def run(self) -> None:
        """Run until every step exited; raise ConnectorError naming the first step that failed."""
        for step in self.steps:
            self.start(step)
        stopping_since: float | None = None
        failure: Step | None = None
        while self._running():
            time.sleep(0.05)
            self._reap()
            self.display.tick()
            if failure is None and stopping_since is None:
                failure = self._failed()
            if stopping_since is None and (failure is not None or self.stop_requested.is_set()):
                self._signal_all(signal.SIGTERM)
                stopping_since = time.monotonic()
            elif stopping_since is not None and time.monotonic() - stopping_since > self.grace:
                self._signal_all(signal.SIGKILL)
            if not self._drained and stopping_since is None and not self.follow:
                captures = [s for s in self.steps if s.kind == "capture"]
                if all(s.exit_code == 0 for s in captures):
                    self._signal_all(signal.SIGUSR1, ["materialize"])
                    self._drained = True
        self._reap()
        self.display.tick(force=True)
        self.display.close()
        if failure is None and not self.stop_requested.is_set():
            failure = self._failed()
        if failure is not None:
            why = failure.last_error or f"exit code {failure.exit_code}"
            raise ConnectorError(f"pipeline step {failure.label} failed: {why}", fields={"step": failure.label})

    def request_stop(self, signum: int, frame: FrameType | None) -> None:
        """Signal handler: stop every step at its next transaction boundary."""
        self.interrupted = True
        self.stop_requested.set()


def run_pipeline(
    source: str | Path,
    state_dir: str | Path | None = None,
    *,
    follow: bool = False,
    timeout: float | None = None,
    max_txn_docs: int | None = None,
    poll: float = 0.1,
    show_progress: bool = True,
    stream: IO[str] | None = None,
) -> PipelineResult:
    """`flow-sdk run`: run a catalog's captures and materializations together; prints the summary.

    Installs SIGINT / SIGTERM handlers for the duration of the run (main thread only).
    """
    out = stream or sys.stderr
    catalog = load_catalog(source)
    directory = Path(state_dir) if state_dir is not None else default_state_dir(source)
    directory.mkdir(parents=True, exist_ok=True)
    steps = plan_steps(catalog, source, directory, follow=follow, timeout=timeout, max_txn_docs=max_txn_docs, poll=poll)
    display = Display(steps, out, show_progress)
    supervisor = Supervisor(steps, follow=follow, display=display)
    began = time.monotonic()
    previous = {}
    if threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGINT, signal.SIGTERM):
            previous[sig] = signal.signal(sig, supervisor.request_stop)
    result = PipelineResult(steps)
    try:
        supervisor.run()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        result.interrupted = supervisor.interrupted
        result.elapsed = time.monotonic() - began
        out.write(summary(result) + "\n")
        out.flush()
    return result
