"""source-bigdata over the real protocol: spec, discover, validate, apply, open (with/without state, acks)."""

from __future__ import annotations

from typing import Any

import pytest

from flow_sdk.capture import reduce_checkpoints

from .driver import CONFIG, STREAMS, incremental, open_request, run

pytestmark = pytest.mark.e2e


def variants(messages: list[dict[str, Any]]) -> list[str]:
    return [next(iter(m)) for m in messages]


def docs(messages: list[dict[str, Any]]) -> list[tuple[int, int]]:
    return [(m["captured"].get("binding", 0), m["captured"]["doc"]["id"]) for m in messages if "captured" in m]


def checkpoints(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [m["checkpoint"] for m in messages if "checkpoint" in m]


def test_spec() -> None:
    result = run([{"spec": {"connectorType": "IMAGE", "config": {}}}], close_stdin=True)
    assert result.code == 0, result.raw_stderr
    [message] = result.messages
    spec = message["spec"]
    assert spec["protocol"] == 3032023
    config = spec["configSchema"]
    assert config["title"] == "Big Data Spec"
    assert "data_name" in config["required"]
    assert config["properties"]["data_name"]["pattern"] == "^[a-z0-9_\\-]+$"
    # What users see of each field, as the hand-written schema before the ConfigModel had it.
    shown = {
        name: {k: v for k, v in field.items() if k in ("type", "title", "default", "minimum", "secret")}
        for name, field in config["properties"].items()
    }
    assert shown == {
        "data_name": {"type": "string", "title": "Data Name"},
        "seed": {"type": "integer", "title": "Seed", "default": 42},
        "records_per_stream": {"type": "integer", "title": "Records per Stream", "minimum": 0, "default": 10000},
        "records_per_cursor": {"type": "integer", "title": "Records per Cursor Value", "minimum": 1, "default": 10},
        "records_per_checkpoint": {"type": "integer", "title": "Records per Checkpoint", "minimum": 1, "default": 5000},
        "key_space": {"type": "integer", "title": "Key Space", "minimum": 0, "default": 0},
        "explicit_acknowledgements": {"type": "boolean", "title": "Explicit Acknowledgements", "default": False},
        "api_key": {"type": "string", "title": "API Key", "secret": True},
    }
    assert all(field.get("description") for field in config["properties"].values())
    assert config["required"] == ["data_name"]
    resource = spec["resourceConfigSchema"]
    assert {"stream", "syncMode", "namespace", "cursorField"} <= set(resource["properties"])
    assert resource["properties"]["syncMode"]["enum"] == ["incremental", "full_refresh"]
    assert spec["documentationUrl"].startswith("https://")
    assert spec["resourcePathPointers"] == ["/stream"]


def test_discover() -> None:
    result = run(
        [{"discover": {"name": "acmeCo/bigdata", "connectorType": "IMAGE", "config": CONFIG}}], close_stdin=True
    )
    assert result.code == 0, result.raw_stderr
    bindings = result.messages[0]["discovered"]["bindings"]
    assert [b["recommendedName"] for b in bindings] == list(STREAMS)
    for binding in bindings:
        assert binding["key"] == ["/id"]
        assert len(binding["documentSchema"]["properties"]) == 7
        assert binding["resourceConfig"]["syncMode"] == "incremental"
        assert binding["resourceConfig"]["cursorField"] == ["updated_at"]


def test_validate_and_apply() -> None:
    validate = {
        "validate": {
            "name": "acmeCo/bigdata",
            "connectorType": "IMAGE",
            "config": CONFIG,
            "bindings": [
                {"resourceConfig": r, "collection": {"name": "acmeCo/x", "key": ["/id"], "writeSchema": {}}}
                for r in incremental("users", "events")
            ],
        }
    }
    apply = {"apply": {"capture": {"name": "acmeCo/bigdata", "config": CONFIG}, "version": "v1"}}
    result = run([validate, apply], close_stdin=True)
    assert result.code == 0, result.raw_stderr
    assert result.messages == [
        {"validated": {"bindings": [{"resourcePath": ["users"]}, {"resourcePath": ["events"]}]}},
        {"applied": {}},
    ]


def test_open_without_state_captures_everything_deterministically() -> None:
    request = open_request(incremental(*STREAMS))
    first = run([request])
    assert first.code == 0, first.raw_stderr
    assert first.messages[0] == {"opened": {}}
    assert variants(first.messages)[-1] == "checkpoint"
    captured = docs(first.messages)
    assert sorted(captured) == [(b, i) for b in range(3) for i in range(1, 2001)]
    state = reduce_checkpoints({}, checkpoints(first.messages))
    last = 1_700_000_000 + 1999 // 10
    assert state == {"bindingStateV1": {s: {"cursor": last} for s in STREAMS}}
    # Same config, same documents (per binding, in order).
    second = run([request])
    for binding in range(3):
        ours = [m for m in first.messages if m.get("captured", {}).get("binding", -1) == binding]
        again = [m for m in second.messages if m.get("captured", {}).get("binding", -1) == binding]
        assert ours == again


def test_open_with_state_resumes_after_the_cursor() -> None:
    state = {"bindingStateV1": {"orders": {"cursor": 1_700_000_150}}}
    result = run([open_request(incremental("orders"), state=state)])
    assert result.code == 0, result.raw_stderr
    assert [i for _, i in docs(result.messages)] == list(range(1511, 2001))


def test_full_refresh_snapshot() -> None:
    result = run([open_request([{"stream": "events", "syncMode": "full_refresh"}])])
    assert result.code == 0, result.raw_stderr
    names = variants(result.messages)
    assert names[1:3] == ["backfillBegin", "checkpoint"]
    assert names[-2:] == ["backfillComplete", "checkpoint"]
    assert [i for _, i in docs(result.messages)] == list(range(1, 2001))
    assert reduce_checkpoints({}, checkpoints(result.messages)) == {"bindingStateV1": {"events": {"snapshots": 1}}}


def test_explicit_acknowledgements() -> None:
    config = dict(CONFIG, explicit_acknowledgements=True)
    result = run([open_request(incremental("users", "orders"), config=config)], acknowledge=True)
    assert result.code == 0, result.raw_stderr
    assert result.messages[0] == {"opened": {"explicitAcknowledgements": True}}
    assert len(docs(result.messages)) == 4000


def test_unacknowledged_checkpoints_are_bounded() -> None:
    config = dict(CONFIG, explicit_acknowledgements=True)
    # No acknowledgements arrive: the connector holds at 4 outstanding checkpoints, then stdin EOF stops it.
    result = run([open_request(incremental("users"), config=config)], close_stdin=False, timeout=3)
    assert len(checkpoints(result.messages)) <= 4


def test_rising_backfill_counter_restarts_the_binding() -> None:
    # The runtime changes stateKey when `backfill` rises: the old key's state is dropped and capture restarts.
    state = {"bindingStateV1": {"users": {"cursor": 1_700_000_190}}}
    request = open_request(incremental("users"), state=state, state_keys=["users.v1"])
    result = run([request])
    assert result.code == 0, result.raw_stderr
    assert result.messages[1] == {
        "checkpoint": {"state": {"updated": {"bindingStateV1": {"users": None}}, "mergePatch": True}}
    }
    assert len(docs(result.messages)) == 2000
    final = reduce_checkpoints(state, checkpoints(result.messages))
    assert set(final["bindingStateV1"]) == {"users.v1"}
