"""Capture throughput: source-bigdata through flow-sdk vs a bare orjson loop and other CDKs.

Every variant emits the same 7-field `users` documents (source-bigdata's generator) as a
subprocess writing to a pipe; this script counts the records it reads, and reports
documents/second (from the first record to end of output, so interpreter start-up is not
counted), peak RSS (/usr/bin/time), and ratios to the bare loop. Run bench/capture_throughput/
setup.sh first for the competitor virtualenvs; missing ones are skipped.

    .venv/bin/python bench/capture_throughput/run.py [--docs 5000000] [--rounds 3]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
VENVS = ROOT / "bench" / ".venvs"
MAIN_PYTHON = ROOT / ".venv" / "bin" / "python"
FLOW_MARKER = b'{"captured":'
RECORD_MARKER = b'"RECORD"'


@dataclass
class Variant:
    """One way of emitting the documents."""

    name: str
    argv: list[str]
    marker: bytes
    docs: int
    stdin: bytes | None = None
    cwd: Path = HERE
    results: list[dict[str, float]] = field(default_factory=list)


def flow_open(config: dict[str, Any], resources: list[dict[str, Any]], names: list[str]) -> bytes:
    """An `open` request line with one binding per resource config."""
    bindings = [
        {
            "resourceConfig": resource,
            "resourcePath": [name],
            "stateKey": name,
            "collection": {"name": f"bench/{name}", "key": ["/id"], "writeSchema": {"type": "object"}},
        }
        for resource, name in zip(resources, names, strict=True)
    ]
    request = {
        "open": {
            "capture": {
                "name": "bench/capture",
                "connectorType": "LOCAL",
                "config": config,
                "intervalSeconds": 0,
                "bindings": bindings,
            },
            "version": "bench",
            "range": {"keyEnd": 4294967295, "rClockEnd": 4294967295},
            "state": {},
        }
    }
    return json.dumps(request).encode() + b"\n"


def measure(variant: Variant, work: Path) -> dict[str, float]:
    """Run one variant once; return docs, seconds and peak RSS."""
    rss_file = work / f"{variant.name}.rss"
    argv = ["/usr/bin/time", "-f", "%M", "-o", str(rss_file), *variant.argv]
    env = dict(os.environ, PYTHONPATH=str(HERE), LOG_LEVEL="warn")
    start = time.perf_counter()
    proc = subprocess.Popen(
        argv, cwd=variant.cwd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env
    )
    assert proc.stdin is not None and proc.stdout is not None
    if variant.stdin:
        proc.stdin.write(variant.stdin)
        proc.stdin.flush()
    # stdin stays open until the output ends: Flow connectors treat stdin EOF as "stop".
    count, carry, first = 0, b"", 0.0
    read, marker, keep = proc.stdout.read1, variant.marker, len(variant.marker) - 1
    while True:
        chunk = read(1 << 20)
        if not chunk:
            break
        data = carry + chunk
        found = data.count(marker)
        if found and not count:
            first = time.perf_counter()
        count += found
        carry = data[-keep:]
    end = time.perf_counter()
    proc.stdin.close()
    code = proc.wait()
    rss_kb = float(rss_file.read_text().strip().splitlines()[-1]) if rss_file.exists() else float("nan")
    if code != 0 or count != variant.docs:
        print(f"  !! {variant.name}: exit {code}, {count} of {variant.docs} documents", file=sys.stderr)
    return {
        "docs": count,
        "seconds": end - first,
        "wall": end - start,
        "rss_mb": rss_kb / 1024,
        "rate": count / (end - first) if end > first else 0.0,
    }


def variants(docs: int, competitor_docs: int, work: Path) -> list[Variant]:
    """Every variant whose interpreter is present."""
    source_config = {"data_name": "bench", "seed": 42, "records_per_stream": docs, "records_per_cursor": 10}
    third = docs // 3
    out = [
        Variant("bare orjson loop", [str(MAIN_PYTHON), "bare_loop.py", str(docs)], FLOW_MARKER, docs),
        Variant(
            "bare orjson loop, batched", [str(MAIN_PYTHON), "bare_loop.py", str(docs), "--batched"], FLOW_MARKER, docs
        ),
        Variant(
            "flow-sdk streams (source-bigdata)",
            [str(MAIN_PYTHON), "-m", "source-bigdata"],
            FLOW_MARKER,
            docs,
            stdin=flow_open(source_config, [{"stream": "users", "syncMode": "incremental"}], ["users"]),
            cwd=ROOT,
        ),
        Variant(
            "flow-sdk streams, 3 bindings",
            [str(MAIN_PYTHON), "-m", "source-bigdata"],
            FLOW_MARKER,
            3 * third,
            stdin=flow_open(
                dict(source_config, records_per_stream=third),
                [{"stream": s, "syncMode": "incremental"} for s in ("users", "orders", "events")],
                ["users", "orders", "events"],
            ),
            cwd=ROOT,
        ),
        Variant(
            "flow-sdk low-level emit",
            [str(MAIN_PYTHON), "sdk_lowlevel.py"],
            FLOW_MARKER,
            docs,
            stdin=flow_open({"count": docs}, [{}], ["users"]),
        ),
    ]
    competitors = [
        (
            "estuary-cdk",
            ["estuary_capture.py"],
            FLOW_MARKER,
            flow_open({"count": competitor_docs}, [{"name": "users"}], ["users"]),
        ),
        # airbyte-cdk insists on running as a module (it reads __main__.__spec__).
        ("airbyte-cdk", ["-m", "airbyte_source", str(competitor_docs), str(work)], RECORD_MARKER, None),
        ("singer-sdk", ["singer_tap.py", str(competitor_docs), str(work)], RECORD_MARKER, None),
    ]
    for name, args, marker, stdin in competitors:
        python = VENVS / name / "bin" / "python"
        if python.exists():
            out.append(Variant(name, [str(python), *args], marker, competitor_docs, stdin=stdin))
        else:
            print(f"skipping {name}: {python} missing (run setup.sh)", file=sys.stderr)
    return out


def main() -> None:
    """Run every variant and print the table."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--docs", type=int, default=5_000_000, help="documents per flow-sdk/bare run")
    parser.add_argument("--competitor-docs", type=int, default=500_000, help="documents per competitor run")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds (best and median reported)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="capture-bench-") as tmp:
        work = Path(tmp)
        chosen = variants(args.docs, args.competitor_docs, work)
        for round_ in range(args.rounds):
            for variant in chosen:
                result = measure(variant, work)
                variant.results.append(result)
                print(
                    f"round {round_ + 1}: {variant.name:<36} {result['rate']:>12,.0f} docs/s  "
                    f"peak RSS {result['rss_mb']:6.1f} MB",
                    file=sys.stderr,
                    flush=True,
                )
    bare = max(r["rate"] for r in chosen[0].results)
    bare_median = statistics.median(r["rate"] for r in chosen[0].results)
    print(
        f"\ncapture throughput, {args.docs:,} documents per flow-sdk/bare run, {args.competitor_docs:,} per "
        f"competitor run, {args.rounds} rounds; 7-field documents; cpus={os.cpu_count()}"
    )
    print(
        f"{'variant':<36} {'best docs/s':>12} {'median':>12} {'vs bare (best)':>15} {'vs bare (median)':>17} "
        f"{'peak RSS MB':>12}"
    )
    for variant in chosen:
        rates = [r["rate"] for r in variant.results]
        best, median = max(rates), statistics.median(rates)
        rss = max(r["rss_mb"] for r in variant.results)
        print(
            f"{variant.name:<36} {best:>12,.0f} {median:>12,.0f} {best / bare:>14.1%} "
            f"{median / bare_median:>16.1%} {rss:>12.1f}"
        )


if __name__ == "__main__":
    main()
