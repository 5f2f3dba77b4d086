"""One step of a `flow-sdk run` pipeline, run as a child process: a capture or a materialization.

`python -m flow_sdk.runtime.pipeline.steps capture|materialize --source F --name N --state-dir D`
runs `run_capture` / `run_materialize` over the shared state directory and reports to its
supervisor (`pipeline`) on stdout, one JSON object a line, at most every `--report-every`
seconds and once at the end (`"done": true`):

    {"documents": N, "bytes": N, "transactions": N, "warnings": N, "errors": N}

Signals (the supervisor's only way to steer a step):

* SIGTERM: stop at the next transaction boundary (a capture after its next commit, a
  materialization before its next transaction) and exit 0;
* SIGUSR1 (materializations): the captures are done; drain the journals to their committed end,
  then exit 0. Until then a materialization follows the journals, polling every `--poll` seconds.

SIGINT is left to the supervisor: it starts steps with SIGINT ignored, which Python (and so the
connectors the step starts) keeps, so a Ctrl-C on the terminal reaches only the supervisor.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
import time
from collections.abc import Sequence
from types import FrameType

import orjson

from flow_sdk import entrypoint, log
from flow_sdk.runtime.catalog.loader import load_catalog
from flow_sdk.runtime.progress import Progress

REPORT_EVERY = 0.25


class Flags:
    """What the supervisor asked for, set from signal handlers."""

    def __init__(self) -> None:
        self.stop = threading.Event()
        self.drain = threading.Event()

    def install(self) -> None:
        """SIGTERM -> stop, SIGUSR1 -> drain."""

        def on_term(signum: int, frame: FrameType | None) -> None:
            self.stop.set()

        def on_usr1(signum: int, frame: FrameType | None) -> None:
            self.drain.set()

        signal.signal(signal.SIGTERM, on_term)
        signal.signal(signal.SIGUSR1, on_usr1)


class Reporter:
    """Writes the step's running totals to stdout as JSON lines, rate-limited."""

    def __init__(self, every: float) -> None:
        self.every = every
        self._last = 0.0

    def report(self, totals: dict[str, int], *, done: bool = False) -> None:
        """Write the totals now if it is time to (always when `done`)."""
        now = time.monotonic()
        if not done and now - self._last < self.every:
            return
        self._last = now
        line = orjson.dumps({**totals, "done": True} if done else totals) + b"\n"
        sys.stdout.buffer.write(line)
        sys.stdout.flush()


class _ReportingProgress(Progress):
    """A capture's Progress whose periodic reports go to the supervisor instead of a terminal."""

    def __init__(self, step: str, bindings: Sequence[str], reporter: Reporter) -> None:
        super().__init__(step, bindings, interval=reporter.every, enabled=True)
        self.reporter = reporter

    def totals(self) -> dict[str, int]:
        """The counters the supervisor shows."""
        return {
            "documents": self.documents,
            "bytes": self.total_bytes,
            "transactions": self.transactions,
            "warnings": self.warnings,
            "errors": self.errors,
        }

    def _report(self, now: float) -> None:
        self._last_report = now
        self.reporter.report(self.totals())


def _capture(args: argparse.Namespace, flags: Flags, reporter: Reporter) -> int:
    from flow_sdk.runtime.capture.run import run_capture

    catalog = load_catalog(args.source)
    bindings = [b.target for b in catalog.capture(args.name).bindings if not b.disable]
    progress = _ReportingProgress(f"capture {args.name}", bindings, reporter)
    run_capture(
        catalog,
        args.name,
        args.state_dir,
        sessions=0 if args.follow else 1,
        timeout=args.timeout,
        progress=progress,
        should_stop=flags.stop.is_set,
    )
    reporter.report(progress.totals(), done=True)
    return 0


def _materialize(args: argparse.Namespace, flags: Flags, reporter: Reporter) -> int:
    from flow_sdk.runtime.materialize.run import Limits, MaterializeResult, run_materialize

    committed = 0  # transactions of this run (the result counts the task's lifetime)

    def totals(result: MaterializeResult) -> dict[str, int]:
        return {
            "documents": result.documents,
            "bytes": result.bytes,
            "transactions": committed,
            "warnings": result.warnings,
            "errors": result.errors,
        }

    def follow() -> bool:
        # Caught up with the committed journals: keep polling until told to drain (or stop).
        if flags.drain.is_set() or flags.stop.is_set():
            return False
        flags.drain.wait(args.poll)
        return not flags.stop.is_set()

    def on_commit(result: MaterializeResult) -> None:
        nonlocal committed
        committed += 1
        reporter.report(totals(result))

    catalog = load_catalog(args.source)
    result = run_materialize(
        catalog,
        args.name,
        args.state_dir,
        limits=Limits(args.max_txn_docs, args.max_txn_bytes),
        timeout=args.timeout,
        follow=follow,
        should_stop=flags.stop.is_set,
        on_commit=on_commit,
    )
    reporter.report(totals(result), done=True)
    return 0


def parser() -> argparse.ArgumentParser:
    """The step's command line."""
    from flow_sdk.runtime.materialize.run import DEFAULT_MAX_BYTES, DEFAULT_MAX_DOCS

    p = argparse.ArgumentParser(prog="flow-sdk-pipeline-step", description=__doc__)
    p.add_argument("kind", choices=["capture", "materialize"])
    p.add_argument("--source", required=True)
    p.add_argument("--name", required=True)
    p.add_argument("--state-dir", required=True)
    p.add_argument("--timeout", type=float, default=None)
    p.add_argument("--follow", action="store_true", help="captures: run sessions until stopped")
    p.add_argument("--poll", type=float, default=0.1, help="materializations: seconds between journal checks")
    p.add_argument("--max-txn-docs", type=int, default=DEFAULT_MAX_DOCS)
    p.add_argument("--max-txn-bytes", type=int, default=DEFAULT_MAX_BYTES)
    p.add_argument("--report-every", type=float, default=REPORT_EVERY)
    return p


def main(argv: Sequence[str] | None = None) -> None:
    """Run one step; exits 0 when done or stopped, 1 with one error record on failure."""
    log.configure()
    args = parser().parse_args(argv)
    flags = Flags()
    flags.install()
    reporter = Reporter(args.report_every)
    step = _capture if args.kind == "capture" else _materialize
    entrypoint.run(lambda: step(args, flags, reporter))


if __name__ == "__main__":
    main()
