"""Runs source-bigdata as a real subprocess speaking the capture protocol over stdin/stdout."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

ROOT = Path(__file__).resolve().parents[2]
CONFIG: dict[str, Any] = {
    "data_name": "tests",
    "seed": 7,
    "records_per_stream": 2000,
    "records_per_cursor": 10,
    "records_per_checkpoint": 50,
}
STREAMS = ("users", "orders", "events")


@dataclass
class Run:
    """What one connector process did."""

    code: int
    messages: list[dict[str, Any]]
    stderr: list[dict[str, Any]] = field(default_factory=list)
    raw_stderr: bytes = b""

    def errors(self) -> list[dict[str, Any]]:
        """The error-level log records."""
        return [r for r in self.stderr if r.get("level") == "error"]


def start(env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
    """Start `python -m source-bigdata` from the repository root."""
    return subprocess.Popen(
        [sys.executable, "-m", "source-bigdata"],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=dict(os.environ, **(env or {})),
    )


def _parse_stderr(data: bytes) -> list[dict[str, Any]]:
    records = []
    for line in data.splitlines():
        try:
            records.append(orjson.loads(line))
        except orjson.JSONDecodeError:
            records.append({"level": "raw", "msg": line.decode(errors="replace")})
    return records


def run(
    requests: list[dict[str, Any] | bytes],
    *,
    acknowledge: bool = False,
    sigterm_after_checkpoints: int | None = None,
    close_stdin: bool = False,
    timeout: float = 60,
) -> Run:
    """Send `requests`, keep stdin open (Flow's runtime does) until stdout ends, collect everything.

    `acknowledge`: send `acknowledge` for every checkpoint read. `sigterm_after_checkpoints`:
    send SIGTERM once that many checkpoints were read.
    """
    proc = start()
    assert proc.stdin and proc.stdout and proc.stderr
    err: list[bytes] = []
    reader = threading.Thread(target=lambda: err.append(proc.stderr.read()), daemon=True)  # type: ignore[union-attr]
    reader.start()
    for request in requests:
        proc.stdin.write(request if isinstance(request, bytes) else orjson.dumps(request) + b"\n")
    proc.stdin.flush()
    if close_stdin:
        proc.stdin.close()
    timer = threading.Timer(timeout, proc.kill)
    timer.start()
    messages, checkpoints = [], 0
    try:
        for line in proc.stdout:
            message = orjson.loads(line)
            messages.append(message)
            if "checkpoint" in message:
                checkpoints += 1
                if acknowledge:
                    proc.stdin.write(b'{"acknowledge":{"checkpoints":1}}\n')
                    proc.stdin.flush()
                if sigterm_after_checkpoints is not None and checkpoints == sigterm_after_checkpoints:
                    proc.send_signal(signal.SIGTERM)
    finally:
        timer.cancel()
        if not proc.stdin.closed:
            with contextlib.suppress(BrokenPipeError):
                proc.stdin.close()
        code = proc.wait(timeout)
        reader.join(timeout)
    raw = b"".join(err)
    return Run(code, messages, _parse_stderr(raw), raw)


def open_request(
    resources: list[dict[str, Any]],
    *,
    state: Any = None,
    config: dict[str, Any] | None = None,
    state_keys: list[str] | None = None,
) -> dict[str, Any]:
    """An `open` request binding the given resource configs."""
    keys = state_keys or [r["stream"] for r in resources]
    bindings = [
        {
            "resourceConfig": resource,
            "resourcePath": [resource["stream"]],
            "stateKey": key,
            "collection": {"name": f"acmeCo/{resource['stream']}", "key": ["/id"], "writeSchema": {"type": "object"}},
        }
        for resource, key in zip(resources, keys, strict=True)
    ]
    body: dict[str, Any] = {
        "capture": {
            "name": "acmeCo/bigdata",
            "connectorType": "LOCAL",
            "config": config or CONFIG,
            "bindings": bindings,
        },
        "version": "v1",
        "range": {"keyEnd": 4294967295, "rClockEnd": 4294967295},
    }
    if state is not None:
        body["state"] = state
    return {"open": body}


def incremental(*streams: str) -> list[dict[str, Any]]:
    """Incremental resource configs for `streams`."""
    return [{"stream": s, "syncMode": "incremental", "cursorField": ["updated_at"]} for s in streams]


def wait_for(predicate: Any, timeout: float = 10) -> bool:
    """Poll `predicate` until true or timeout."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False
