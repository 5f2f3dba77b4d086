"""Building blocks of the pipeline: UUID stamping and publication times, key spaces, failures."""

from __future__ import annotations

import subprocess
import uuid
from datetime import UTC, datetime
from pathlib import Path

import orjson
import pytest
import yaml

from flow_sdk.runtime.documents.flow_uuid import UUID_EPOCH_OFFSET, PublishedAt, UuidStamper

from .helpers import REPO, generator, run_argv


def test_stamps_are_unique_ordered_v1_uuids_at_the_transaction_time() -> None:
    stamper = UuidStamper()
    before = datetime.now(UTC)
    docs = [{"id": i} for i in range(70_000)] + [{"id": 0, "_meta": {"op": "d"}}, {"id": 0, "_meta": "junk"}]
    stamper.stamp(docs[:100])
    stamper.stamp(docs[100:])  # one transaction, two batches: the sequence continues
    parsed = [uuid.UUID(d["_meta"]["uuid"]) for d in docs]
    assert all(u.version == 1 and u.variant == uuid.RFC_4122 for u in parsed)
    assert [u.time for u in parsed] == list(range(parsed[0].time, parsed[0].time + len(docs)))
    assert docs[-2]["_meta"]["op"] == "d"  # a deletion stays a deletion
    assert list(docs[-1]["_meta"]) == ["uuid"]  # a `_meta` that is not an object is replaced
    at = datetime.fromisoformat(PublishedAt()(docs[0]["_meta"]["uuid"]) or "")
    assert abs((at - before).total_seconds()) < 5
    stamper.next_transaction()
    later = [{"id": 1}]
    stamper.stamp(later)
    assert uuid.UUID(later[0]["_meta"]["uuid"]).time > parsed[-1].time


def test_published_at_reads_the_uuid_timestamp() -> None:
    ticks = int(datetime(2024, 5, 1, 12, 30, 15, 250000, tzinfo=UTC).timestamp() * 10_000_000) + UUID_EPOCH_OFFSET
    text = str(uuid.UUID(fields=(ticks & 0xFFFFFFFF, (ticks >> 32) & 0xFFFF, (ticks >> 48) | 0x1000, 0x80, 0, 1)))
    assert PublishedAt()(text) == "2024-05-01T12:30:15.250000Z"
    assert PublishedAt()("not-a-uuid") is None
    assert PublishedAt()(None) is None


def test_key_space_updates_earlier_ids_while_the_cursor_grows() -> None:
    docs = list(generator.orders(7, 1, 31, 10, 10))
    assert [d["id"] for d in docs] == [*range(1, 11)] * 3
    assert [d["updated_at"] for d in docs] == sorted(d["updated_at"] for d in docs)
    assert [d["id"] for d in generator.orders(7, 1, 4, 10)] == [1, 2, 3]  # default: one id per record


@pytest.mark.e2e
def test_a_failing_step_fails_the_pipeline_with_its_error(tmp_path: Path) -> None:
    catalog = yaml.safe_load((REPO / "examples" / "bigdata-to-postgres.flow.yaml").read_text())
    capture = catalog["captures"]["acmeCo/bigdata/source-bigdata"]
    capture["endpoint"]["local"]["env"] = {"PYTHONPATH": str(REPO)}
    capture["endpoint"]["local"]["config"]["records_per_stream"] = 100
    materialization = catalog["materializations"]["acmeCo/bigdata/materialize-postgres"]
    materialization["endpoint"]["local"]["env"] = {"PYTHONPATH": str(REPO)}
    # Nothing listens there: the materialization fails while the capture succeeds.
    materialization["endpoint"]["local"]["config"]["address"] = str(tmp_path / "no-server")
    path = tmp_path / "flow.yaml"
    path.write_text(yaml.safe_dump(catalog))
    done = subprocess.run(
        run_argv(path, tmp_path / "state", "--no-progress"), capture_output=True, timeout=120, check=False
    )
    assert done.returncode == 1
    err = done.stderr.decode()
    assert "pipeline step materialize acmeCo/bigdata/materialize-postgres failed" in err, err[-2000:]
    assert "capture acmeCo/bigdata/source-bigdata" in err  # the summary table still prints


def test_journal_lines_splice_the_stamps_that_stamp_would_set() -> None:
    """Spliced into the documents' own texts (or stamped as objects for unusual ones), the same UUIDs."""
    producer = bytes(range(6))
    plain = [{"id": i, "name": f"n\n{i}", "nested": {"a": [1, {"b": None}]}} for i in range(70_000)]
    unusual = [{"id": 1, "_meta": {"op": "d"}}, {}, {"id": 2}]
    spliced, reference = UuidStamper(producer), UuidStamper(producer)
    for stamper in (spliced, reference):
        stamper._clock = (123 << 32) | 0xFFF0  # the first batch crosses a block of 65,536 ticks
        stamper._fresh = False
    out = b""
    expected = []
    for docs in (plain, unusual):
        texts = [orjson.dumps(d) for d in docs]
        out += spliced.journal_lines([dict(d) for d in docs], texts)
        copies = [dict(d) for d in docs]
        reference.stamp(copies)
        expected.extend(copies)
    assert out.endswith(b"\n") and out.count(b"\n") == len(expected)
    lines = out.splitlines()
    assert lines[0].startswith(b'{"_meta":{"uuid":"') and lines[0].endswith(orjson.dumps(plain[0])[1:])
    assert [orjson.loads(line) for line in lines] == expected
    assert len({d["_meta"]["uuid"] for d in expected}) == len(expected)
    assert spliced.journal_lines([], []) == b""
