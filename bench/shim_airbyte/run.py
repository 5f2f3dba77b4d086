"""Records/second of airbyte-source-faker's `users` stream: native `source-faker read` and through the shim.

Usage (from the repository root): `.venv/bin/python bench/shim_airbyte/run.py [COUNT] [ROUNDS]`.

* native: `source-faker read` with its output to /dev/null.
* in process: `python -m source-airbyte-faker` in the peer virtualenv (flow-sdk + the source),
  serving an `open` request, its protocol output to /dev/null.
* command: the same connector run by flow-sdk's own interpreter, which starts `source-faker read`
  from the peer virtualenv as a subprocess.

The peer virtualenv (.build/peers/airbyte) is created on first use, as the tests create it.
Each variant runs ROUNDS times, interleaved; the best round counts (the machine is shared).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.peers import peer_python  # noqa: E402
from tests.shim_airbyte.helpers import PEER, REQUIREMENTS  # noqa: E402


def config(count: int) -> dict[str, object]:
    """Faker's config: `count` users, no parallel worker pool beyond two, one state per 1000 records."""
    return {"count": count, "seed": 1, "records_per_slice": 1000, "parallelism": 2, "always_updated": True}


def open_request(count: int) -> bytes:
    """An `open` of one incremental `users` binding."""
    binding = {
        "resourceConfig": {"stream": "users", "syncMode": "incremental", "cursorField": ["updated_at"]},
        "resourcePath": ["users"],
        "stateKey": "users",
        "collection": {"name": "bench/users", "key": ["/id"], "writeSchema": {"type": "object"}},
    }
    capture = {"name": "bench/faker", "config": config(count), "bindings": [binding]}
    return json.dumps({"open": {"capture": capture, "state": {}}}).encode() + b"\n"


def timed(argv: list[str], env: dict[str, str], stdin: bytes | None = None) -> float:
    """Seconds `argv` takes with stdout to /dev/null (stdin held open until it exits)."""
    started = time.perf_counter()
    with open(os.devnull, "wb") as null:
        proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=null, stderr=subprocess.DEVNULL, env=env, cwd=ROOT)
        assert proc.stdin is not None
        if stdin:
            proc.stdin.write(stdin)
            proc.stdin.flush()
        code = proc.wait()
        proc.stdin.close()
    if code != 0:
        raise SystemExit(f"{argv} exited with {code}")
    return time.perf_counter() - started


def main() -> None:
    """Run every variant ROUNDS times and print records/second of the best round of each."""
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 20_000
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    peer = peer_python(PEER, REQUIREMENTS)
    faker = str(peer.parent / "source-faker")
    env = {**os.environ, "PYTHONPATH": str(ROOT), "LOG_LEVEL": "warn"}
    env.pop("AIRBYTE_SOURCE_FAKER", None)
    with tempfile.TemporaryDirectory() as folder:
        config_path = Path(folder, "config.json")
        config_path.write_text(json.dumps(config(count)))
        catalog = {
            "streams": [
                {
                    "stream": {"name": "users", "json_schema": {}, "supported_sync_modes": ["incremental"]},
                    "sync_mode": "incremental",
                    "destination_sync_mode": "append",
                    "cursor_field": ["updated_at"],
                }
            ]
        }
        catalog_path = Path(folder, "catalog.json")
        catalog_path.write_text(json.dumps(catalog))
        variants = {
            "native source-faker read": (
                [faker, "read", "--config", str(config_path), "--catalog", str(catalog_path)],
                env,
                None,
            ),
            "shim in process": ([str(peer), "-m", "source-airbyte-faker"], env, open_request(count)),
            "shim command mode": (
                [sys.executable, "-m", "source-airbyte-faker"],
                {**env, "AIRBYTE_SOURCE_FAKER": faker},
                open_request(count),
            ),
        }
        best = dict.fromkeys(variants, float("inf"))
        for _ in range(rounds):
            for name, (argv, variant_env, stdin) in variants.items():
                best[name] = min(best[name], timed(argv, variant_env, stdin))
    native = count / best["native source-faker read"]
    print(f"records={count} rounds={rounds} (best round of each)")
    for name, seconds in best.items():
        rate = count / seconds
        print(f"{name:26s} {rate:10.0f} records/s  {seconds:6.2f} s  {rate / native:5.2f}x native")


if __name__ == "__main__":
    main()
