"""Records/second of tap-jsonl (the real PyPI tap, singer-sdk) run natively and through the Singer shim.

    .venv/bin/python bench/shim_singer/run.py [--records N] [--files F] [--repeat R]

Each variant reads the same JSONL files and writes to /dev/null, timed from process start to exit:

* native: `tap-jsonl --config --catalog` writing Singer messages;
* shim in process: `python -m source-singer-jsonl` (CaptureShim around the TapJsonl class) serving
  one `open` request and writing Flow `captured`/`checkpoint` messages;
* shim as a command: `python -m flow_sdk.shim_singer_sdk -- tap-jsonl`, the tap a child process.

The tap runs from the peer virtualenv `.build/peers/tap-jsonl` (created on first use, as the tests do).
The best of `--repeat` runs is reported for each.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from tests.shim_singer.conftest import TAP_JSONL  # noqa: E402
from tests.shim_singer.peers import peer_venv  # noqa: E402


def write_files(directory: Path, records: int, files: int) -> str:
    """`files` JSONL files of `records` records in all; returns their glob."""
    per_file = records // files
    for n in range(files):
        with open(directory / f"part{n:03}.jsonl", "w") as out:
            for i in range(n * per_file + 1, (n + 1) * per_file + 1):
                out.write(
                    json.dumps({"id": i, "name": f"user {i}", "email": f"u{i}@example.com", "score": i / 7}) + "\n"
                )
    return str(directory / "*.jsonl")


def timed(argv: list[str], *, stdin: bytes | None = None, env: dict[str, str] | None = None) -> float:
    """Seconds from start to exit of `argv`, stdout to /dev/null; stdin held open until it exits."""
    started = time.perf_counter()
    with open(os.devnull, "wb") as devnull:
        proc = subprocess.Popen(
            argv, stdin=subprocess.PIPE, stdout=devnull, stderr=subprocess.DEVNULL, env={**os.environ, **(env or {})}
        )
        assert proc.stdin is not None
        if stdin is not None:
            proc.stdin.write(stdin)
            proc.stdin.flush()
        code = proc.wait()
        proc.stdin.close()
    elapsed = time.perf_counter() - started
    if code != 0:
        raise SystemExit(f"{argv[:4]} exited with {code}")
    return elapsed


def open_request(config: dict[str, Any]) -> bytes:
    """An `open` of one INCREMENTAL binding of the tap's stream, from no state."""
    binding = {
        "resourceConfig": {
            "tap_stream_id": "users",
            "replication_method": "INCREMENTAL",
            "replication_key": "_sdc_last_modified",
        },
        "resourcePath": ["users"],
        "stateKey": "users",
        "collection": {"name": "bench/users", "key": ["/id"], "writeSchema": {"type": "object"}},
    }
    capture = {"name": "bench/singer", "connectorType": "LOCAL", "config": config, "bindings": [binding]}
    return json.dumps({"open": {"capture": capture, "version": "bench", "state": {}}}).encode() + b"\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=200_000)
    parser.add_argument("--files", type=int, default=4)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    venv = peer_venv("tap-jsonl", [TAP_JSONL], with_repo="singer")
    tap = str(venv / "bin" / "tap-jsonl")
    with tempfile.TemporaryDirectory(prefix="bench-singer-") as name:
        tmp = Path(name)
        (tmp / "data").mkdir()
        config = {
            "path": write_files(tmp / "data", args.records, args.files),
            "stream_name": "users",
            "primary_keys": ["id"],
        }
        (tmp / "config.json").write_text(json.dumps(config))
        catalog = subprocess.run(
            [tap, "--config", str(tmp / "config.json"), "--discover"], capture_output=True, check=True
        ).stdout
        (tmp / "catalog.json").write_bytes(catalog)
        request = open_request(config)
        variants = {
            "native tap-jsonl -> /dev/null": lambda: timed(
                [tap, "--config", str(tmp / "config.json"), "--catalog", str(tmp / "catalog.json")]
            ),
            "shim in process -> /dev/null": lambda: timed(
                [str(venv / "bin" / "python"), "-m", "source-singer-jsonl"],
                stdin=request,
                env={"PYTHONPATH": str(REPO)},
            ),
            "shim as a command -> /dev/null": lambda: timed(
                [sys.executable, "-m", "flow_sdk.shim_singer_sdk", "--", tap], stdin=request
            ),
        }
        print(
            f"tap-jsonl, {args.records:,} records in {args.files} files, "
            f"best of {args.repeat} runs (wall clock, startup included)"
        )
        results = {}
        for label, run in variants.items():
            best = min(run() for _ in range(args.repeat))
            results[label] = args.records / best
            print(f"{label:34} {best:7.2f} s {results[label]:>12,.0f} records/s", flush=True)
        ratio = results["shim in process -> /dev/null"] / results["native tap-jsonl -> /dev/null"]
        print(f"shim in process / native: {ratio:.2f}x")


if __name__ == "__main__":
    main()
