"""The derivation examples, run as processes on real source-bigdata events through the derive protocol."""

from __future__ import annotations

import shutil
from collections import defaultdict
from pathlib import Path
from typing import Any

import orjson
import pytest

from flow_sdk.runtime.catalog.loader import Catalog, load_catalog
from flow_sdk.runtime.derive.generate import generate
from flow_sdk.runtime.derive.spec import DerivationDef, derivations
from flow_sdk.runtime.derive.specs import open_request
from flow_sdk.runtime.documents.combine import Combiner
from flow_sdk.state import apply_connector_state
from tests.derive.harness import python_module
from tests.source_bigdata import driver

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "derivations"
EVENTS = 3000


@pytest.fixture(scope="module")
def events() -> list[dict[str, Any]]:
    """Events captured from source-bigdata running as a process."""
    config = {**driver.CONFIG, "records_per_stream": EVENTS}
    resource = {"stream": "events", "syncMode": "incremental", "cursorField": ["updated_at"]}
    run = driver.run([driver.open_request([resource], config=config)])
    assert run.code == 0, run.raw_stderr.decode()
    docs = [m["captured"]["doc"] for m in run.messages if "captured" in m]
    assert len(docs) == EVENTS
    return docs


@pytest.fixture(scope="module")
def example(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Catalog]:
    """A copy of the example folder, with its types generated."""
    folder = tmp_path_factory.mktemp("example") / "derivations"
    shutil.copytree(EXAMPLE, folder, ignore=shutil.ignore_patterns("flow_generated", "__pycache__"))
    generate(folder / "flow.yaml")
    return folder, load_catalog(folder / "flow.yaml")


def derivation(catalog: Catalog, name: str) -> DerivationDef:
    return next(d for d in derivations(catalog) if d.name == name)


def transaction(docs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    reads = [{"read": {"transform": 0, "doc": doc, "shuffle": {"key": [doc["user_id"]]}}} for doc in docs]
    return [*reads, {"flush": {}}, {"startCommit": {"runtimeCheckpoint": {}}}]


def run_connector(folder: Path, requests: list[dict[str, Any]]) -> list[dict[str, Any]]:
    done = python_module(folder, requests)
    assert done.returncode == 0, done.stderr.decode()
    return [orjson.loads(line) for line in done.stdout.splitlines()]


def combined(catalog: Catalog, name: str, published: list[Any]) -> dict[int, Any]:
    """Published documents reduced by the collection's key and annotations, as the runtime will."""
    collection = catalog.collection(name)
    combiner = Combiner(collection.key, collection.write_schema)
    for doc in published:
        combiner.add(doc)
    return {key[0]: doc for key, doc in combiner.drain()}


@pytest.mark.e2e
def test_user_activity_aggregates_every_users_events(example: tuple[Path, Catalog], events: list[Any]) -> None:
    folder, catalog = example
    name = "acmeCo/bigdata/user-activity"
    half = len(events) // 2
    responses = run_connector(
        folder,
        [open_request(catalog, derivation(catalog, name)), *transaction(events[:half]), *transaction(events[half:])],
    )
    published = [r["published"]["doc"] for r in responses if "published" in r]
    assert len(published) == len(events)

    expected: dict[int, dict[str, Any]] = {}
    for event in events:
        row = expected.setdefault(
            event["user_id"],
            {"user_id": event["user_id"], "events": 0, "ok_events": 0, "value_total": 0.0, "last_seen": 0, "kinds": {}},
        )
        row["events"] += 1
        row["ok_events"] += int(event["ok"])
        row["value_total"] += event["value"]
        row["last_seen"] = max(row["last_seen"], event["updated_at"])
        row["kinds"][event["kind"]] = row["kinds"].get(event["kind"], 0) + 1
    assert combined(catalog, name, published) == expected
    assert len(expected) > 100  # many users, several events for some


@pytest.mark.e2e
def test_running_totals_survive_a_restart_through_start_commit_state(
    example: tuple[Path, Catalog], events: list[Any]
) -> None:
    folder, catalog = example
    name = "acmeCo/bigdata/user-running-totals"
    spec = derivation(catalog, name)
    third = len(events) // 3
    state: Any = None
    published: list[Any] = []
    # Three sessions (three connector processes), each resuming from the state the last committed.
    for part in (events[:third], events[third : 2 * third], events[2 * third :]):
        responses = run_connector(folder, [open_request(catalog, spec, state=state), *transaction(part)])
        published += [r["published"]["doc"] for r in responses if "published" in r]
        (started,) = [r["startedCommit"] for r in responses if "startedCommit" in r]
        assert started["state"]["mergePatch"] is True
        state = apply_connector_state(state, started["state"])

    totals: dict[int, list[Any]] = defaultdict(lambda: [0, 0.0])
    for event in events:
        totals[event["user_id"]][0] += 1
        totals[event["user_id"]][1] += event["value"]
    expected = {user: {"user_id": user, "events": n, "value_total": total} for user, (n, total) in totals.items()}
    assert combined(catalog, name, published) == expected
    assert state == {str(user): [n, total] for user, (n, total) in totals.items()}
