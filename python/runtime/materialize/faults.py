"""Fault injection for the materialization runtime: SIGKILL at a chosen protocol phase.

`FLOW_SDK_FAULT=PHASE:N[:TARGET][,PHASE:N[:TARGET]...]` makes the runtime send SIGKILL when it
reaches PHASE for the N-th time (counted from 1, per runtime process). Phases, in transaction
order:

* `opened`        the connector answered `open`
* `load`          a `load` request was written (and flushed) to the connector
* `flushed`       the connector answered `flush`
* `store`         a `store` request was written (and flushed) to the connector
* `startedCommit` the connector answered `startCommit`; the recovery log is NOT yet committed
* `commit`        the recovery log committed the transaction; `acknowledge` NOT yet sent
* `acknowledge`   `acknowledge` was written to the connector

TARGET is `runtime` (default: the runtime kills itself; the connector sees end of input),
`connector` (the runtime kills its connector child and then fails on the connector's death), or
`group` (the runtime kills its whole process group when it leads one, else itself and its child:
a machine crash).
"""

from __future__ import annotations

import contextlib
import os
import signal
from collections.abc import Mapping
from dataclasses import dataclass, field

from flow_sdk.errors import ConfigError

ENV = "FLOW_SDK_FAULT"
PHASES = ("opened", "load", "flushed", "store", "startedCommit", "commit", "acknowledge")
TARGETS = ("runtime", "connector", "group")


@dataclass(frozen=True)
class Fault:
    """Kill TARGET when PHASE is reached for the COUNT-th time."""

    phase: str
    count: int
    target: str = "runtime"


def parse_faults(text: str) -> list[Fault]:
    """Parse the value of FLOW_SDK_FAULT (empty: no faults)."""
    faults = []
    for item in filter(None, (part.strip() for part in text.split(","))):
        parts = item.split(":")
        if len(parts) not in (2, 3) or parts[0] not in PHASES or not parts[1].isdigit() or int(parts[1]) < 1:
            raise ConfigError(
                f"{ENV}: bad fault {item!r}: expected PHASE:N[:TARGET] with PHASE one of {', '.join(PHASES)} and N >= 1"
            )
        target = parts[2] if len(parts) == 3 else "runtime"
        if target not in TARGETS:
            raise ConfigError(f"{ENV}: bad target {target!r} in {item!r}: expected one of {', '.join(TARGETS)}")
        faults.append(Fault(parts[0], int(parts[1]), target))
    return faults


@dataclass
class FaultInjector:
    """Counts phases and fires the configured faults."""

    faults: list[Fault] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    child_pid: int | None = None  # the connector process, for `connector` and `group` targets

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> FaultInjector:
        """The injector configured by FLOW_SDK_FAULT."""
        return cls(parse_faults((env if env is not None else os.environ).get(ENV, "")))

    @property
    def armed(self) -> bool:
        """Whether any fault is configured (callers skip flushes they'd only need for faults)."""
        return bool(self.faults)

    def reached(self, phase: str) -> None:
        """Note that `phase` was reached; SIGKILL whatever a matching fault names."""
        if not self.faults:
            return
        n = self.counts[phase] = self.counts.get(phase, 0) + 1
        for fault in self.faults:
            if fault.phase == phase and fault.count == n:
                self._fire(fault)

    def _fire(self, fault: Fault) -> None:
        if fault.target == "connector":
            if self.child_pid is not None:
                _kill(self.child_pid)
            return
        if fault.target == "group":
            if os.getpgid(0) == os.getpid():
                os.killpg(os.getpid(), signal.SIGKILL)
            if self.child_pid is not None:
                _kill(self.child_pid)
        os.kill(os.getpid(), signal.SIGKILL)


def _kill(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)
