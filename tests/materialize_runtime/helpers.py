"""Catalogs, fixtures and a subprocess driver for the materialization runtime tests."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import orjson
import yaml

REPO = Path(__file__).resolve().parents[2]
ENTRY = "import sys; from flow_sdk.cli import main; main(sys.argv[1:])"
USERS = "acmeCo/users"


def users_schema(*, counting: bool = False) -> dict[str, Any]:
    """Users keyed on /id; `counting` makes /n a sum reduction (to detect double-applied documents)."""
    schema: dict[str, Any] = {
        "type": "object",
        "required": ["id"],
        "properties": {"id": {"type": "integer"}, "name": {"type": "string"}, "n": {"type": "integer"}},
    }
    if counting:
        schema["reduce"] = {"strategy": "merge"}
        schema["properties"]["n"]["reduce"] = {"strategy": "sum"}
    return schema


def write_catalog(
    tmp: Path,
    command: list[str],
    config: dict[str, Any],
    resource: dict[str, Any],
    *,
    counting: bool = False,
    fields: dict[str, Any] | None = None,
) -> Path:
    """A catalog with one materialization `acmeCo/mat` of collection acmeCo/users."""
    catalog = {
        "collections": {USERS: {"key": ["/id"], "schema": users_schema(counting=counting)}},
        "materializations": {
            "acmeCo/mat": {
                "endpoint": {"local": {"command": command, "env": {"PYTHONPATH": str(REPO)}, "config": config}},
                "bindings": [{"resource": resource, "source": USERS, **({"fields": fields} if fields else {})}],
            }
        },
    }
    path = tmp / "flow.yaml"
    path.write_text(yaml.safe_dump(catalog))
    return path


def write_fixture(path: Path, docs: list[dict[str, Any]]) -> Path:
    """A JSON-lines fixture of users documents."""
    path.write_bytes(b"".join(orjson.dumps([USERS, d]) + b"\n" for d in docs))
    return path


def runtime_argv(catalog: Path, state: Path, *extra: str) -> list[str]:
    """The command running `flow-sdk materialize acmeCo/mat`."""
    return [
        sys.executable,
        "-c",
        ENTRY,
        "materialize",
        "--source",
        str(catalog),
        "--name",
        "acmeCo/mat",
        "--state-dir",
        str(state),
        *extra,
    ]


def run_runtime(argv: list[str], fault: str | None = None, timeout: float = 60) -> subprocess.CompletedProcess[bytes]:
    """Run the runtime in its own process group (so `group` faults hit only it and its connector)."""
    env = dict(os.environ)
    env.pop("FLOW_SDK_FAULT", None)
    if fault:
        env["FLOW_SDK_FAULT"] = fault
    return subprocess.run(argv, env=env, capture_output=True, timeout=timeout, start_new_session=True, check=False)


class KillWindow:
    """Random kill delays in [low, high] seconds that adapt to the machine's speed.

    A kill only tests recovery when it lands after the run committed something. On a slow or
    loaded machine the first commit can come later than `high`, so every kill that made no
    progress widens the window by a quarter; progress keeps it as it is. The delays stay random.
    """

    def __init__(self, low: float, high: float, grow: float = 1.25, limit: float = 60.0) -> None:
        self.low, self.high, self.grow, self.limit = low, high, grow, limit

    def delay(self, rng: random.Random) -> float:
        """The next kill delay."""
        return rng.uniform(self.low, self.high)

    def observe(self, progressed: bool) -> None:
        """Widen the window after a kill that found no more committed work than the one before."""
        if not progressed:
            self.high = min(self.limit, self.high * self.grow)


def run_killed_randomly(argv: list[str], rng: random.Random, low: float, high: float) -> bool:
    """Start the runtime and SIGKILL its process group after a random delay; whether it was killed."""
    env = {k: v for k, v in os.environ.items() if k != "FLOW_SDK_FAULT"}
    proc = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        proc.wait(timeout=rng.uniform(low, high))
        return False
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        time.sleep(0.05)
        return True


class FaultCampaign:
    """Runs the runtime once per fault, then to completion, counting kills."""

    def __init__(self, argv: list[str]) -> None:
        self.argv = argv
        self.kills = 0
        self.completed = 0

    def inject(self, fault: str) -> None:
        """One run with a fault; it must die (or finish, if the phase came too few times)."""
        done = run_runtime(self.argv, fault)
        if done.returncode == 0:
            self.completed += 1
        else:
            self.kills += 1
        time.sleep(0.05)  # an orphaned connector sees end of input and exits

    def finish(self) -> dict[str, Any]:
        """Run to completion; return its JSON summary."""
        done = run_runtime(self.argv)
        assert done.returncode == 0, done.stderr.decode()[-3000:]
        summary: dict[str, Any] = orjson.loads(done.stdout.splitlines()[-1])
        return summary
