"""Benchmark: documents/second of `flow-sdk capture` into journals vs source-bigdata's raw emit rate.

Both sides run the same connector with the same `open` request, each from process start to exit:
the raw side only drains the connector's stdout (counting lines); the runtime side is
`run_capture` (what `flow-sdk capture` runs: parse, validate, journal, commit). Prints both rates
and their ratio. Usage: `.venv/bin/python bench/capture_runtime/run.py [--records N] [--bindings 1-3]`.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import yaml

from flow_sdk.runtime.capture import run as capture_run
from flow_sdk.runtime.catalog.loader import load_catalog
from flow_sdk.runtime.connectors import raw

REPO = Path(__file__).resolve().parents[2]
CAPTURE = "acmeCo/bigdata/source-bigdata"


def write_catalog(directory: Path, records: int, bindings: int) -> Path:
    """A copy of source-bigdata's test catalog, sized for the benchmark."""
    doc = yaml.safe_load((REPO / "source-bigdata" / "test.flow.yaml").read_text())
    capture = doc["captures"][CAPTURE]
    local = capture["endpoint"]["local"]
    local["config"]["records_per_stream"] = records
    local["env"] = {"PYTHONPATH": str(REPO)}  # `python -m source-bigdata` must find the package
    capture["bindings"] = capture["bindings"][:bindings]
    path = directory / "flow.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    return path


def raw_rate(catalog_path: Path) -> tuple[int, float]:
    """(documents, seconds) of the connector writing into a pipe that is only drained."""
    catalog = load_catalog(catalog_path)
    start = raw.starter(catalog, CAPTURE)
    open_request, _ = capture_run.prepare(catalog, CAPTURE, start)
    began = time.monotonic()
    docs = 0
    with start() as proc:
        proc.send(open_request)
        fd = proc.stdout_fileno()
        carry = b""
        while chunk := os.read(fd, 1 << 20):
            data = carry + chunk
            cut = data.rfind(b"\n") + 1
            docs += data.count(b'{"captured"', 0, cut)  # whole lines only: none is counted twice
            carry = data[cut:]
        proc.finish()
    return docs, time.monotonic() - began


def runtime_rate(catalog_path: Path, state_dir: Path) -> tuple[int, float]:
    """(documents, seconds) of a durable capture run into journals."""
    catalog = load_catalog(catalog_path)
    result, progress = capture_run.run_capture(catalog, CAPTURE, state_dir, show_progress=False)
    elapsed = time.monotonic() - progress.started
    return result.documents, elapsed


def main() -> None:
    """Run both sides and print the rates and their ratio."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--records", type=int, default=400_000, help="records per stream")
    parser.add_argument("--bindings", type=int, default=2, choices=[1, 2, 3])
    parser.add_argument("--rounds", type=int, default=3, help="alternate raw and runtime runs this many times")
    args = parser.parse_args()
    ratios = []
    with tempfile.TemporaryDirectory() as tmp:
        path = write_catalog(Path(tmp), args.records, args.bindings)
        for round_ in range(1, args.rounds + 1):
            raw_docs, raw_seconds = raw_rate(path)
            run_docs, run_seconds = runtime_rate(path, Path(tmp) / f"state{round_}")
            shutil.rmtree(Path(tmp) / f"state{round_}")
            raw_per_s = raw_docs / raw_seconds
            run_per_s = run_docs / run_seconds
            ratios.append(run_per_s / raw_per_s)
            print(f"round {round_}")
            print(f"  source-bigdata raw emit : {raw_docs:,} docs in {raw_seconds:.2f} s = {raw_per_s:,.0f} docs/s")
            print(f"  flow-sdk capture        : {run_docs:,} docs in {run_seconds:.2f} s = {run_per_s:,.0f} docs/s")
            print(f"  ratio                   : {ratios[-1]:.2%} (target >= 60%)")
            sys.stdout.flush()
    print(f"median ratio over {len(ratios)} round(s): {statistics.median(ratios):.2%}; best: {max(ratios):.2%}")


if __name__ == "__main__":
    main()
