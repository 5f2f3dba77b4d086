"""The shim's pure parts: catalog → bindings and selection, Singer messages and state → documents and checkpoints."""

from __future__ import annotations

import decimal
from typing import Any

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

from flow_sdk.errors import ConfigError, RemoteProtocolError
from flow_sdk.merge_patch import merge_patch
from flow_sdk.shim_singer_sdk import catalog as cat
from flow_sdk.shim_singer_sdk.translate import BoundStream, Translator, merge_diff, restore_state
from flow_sdk.state import reduce_checkpoints

# The shapes of a singer-sdk catalog (key_properties, valid-replication-keys) and an older one
# (keys only in metadata, no replication key).
CATALOG: dict[str, Any] = {
    "streams": [
        {
            "tap_stream_id": "users",
            "stream": "users",
            "key_properties": ["id"],
            "schema": {"type": "object", "properties": {"id": {"type": ["integer", "null"]}, "at": {"type": "string"}}},
            "metadata": [{"breadcrumb": [], "metadata": {"valid-replication-keys": ["at"]}}],
        },
        {
            "tap_stream_id": "logs",
            "schema": {"type": "object", "properties": {"line": {"type": "string"}}},
            "metadata": [
                {"breadcrumb": [], "metadata": {"table-key-properties": []}},
                {"breadcrumb": ["properties", "line"], "metadata": {"inclusion": "available"}},
            ],
        },
    ]
}


class Sink:
    def __init__(self) -> None:
        self.units: list[tuple[list[dict[str, Any]], dict[str, Any]]] = []

    def commit(self, data: bytearray, state: Any, merge_patch: bool = True) -> None:
        assert merge_patch
        docs = [orjson.loads(line)["captured"] for line in bytes(data).splitlines()]
        self.units.append((docs, state))

    def state(self, initial: Any = None) -> Any:
        return reduce_checkpoints(initial or {}, [{"state": {"updated": s, "mergePatch": True}} for _, s in self.units])


def test_discovered_bindings_keys_fallback_and_replication() -> None:
    users, logs = cat.discovered_bindings(CATALOG)
    assert users["key"] == ["/id"] and "isFallbackKey" not in users
    assert users["resourceConfig"] == {
        "tap_stream_id": "users",
        "replication_method": "INCREMENTAL",
        "replication_key": "at",
    }
    assert users["documentSchema"]["required"] == ["id"]
    assert logs["key"] == [cat.ROW_ID_POINTER] and logs["isFallbackKey"] is True
    assert logs["resourceConfig"] == {"tap_stream_id": "logs", "replication_method": "FULL_TABLE"}
    assert logs["documentSchema"]["properties"]["_meta"]["required"] == ["row_id"]


def test_config_schema_marks_write_only_fields_secret() -> None:
    schema = cat.config_schema({"type": "object", "properties": {"token": {"type": "string", "writeOnly": True}}})
    assert schema["properties"]["token"]["secret"] is True


@pytest.mark.parametrize(
    ("resource", "message"),
    [
        ({"tap_stream_id": "nope"}, "the tap has no stream 'nope'"),
        (
            {"tap_stream_id": "users", "replication_method": "INCREMENTAL"},
            "INCREMENTAL replication needs a replication_key",
        ),
        (
            {"tap_stream_id": "users", "replication_method": "INCREMENTAL", "replication_key": "x"},
            "not one the tap offers",
        ),
        ({"tap_stream_id": "users", "replication_method": "SOMETIMES"}, "replication_method must be one of"),
    ],
)
def test_selections_reject_bad_resources(resource: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        cat.selections(cat.catalog_streams(CATALOG), [{"tap_stream_id": "logs"}, resource])


def test_selected_catalog_selects_exactly_the_bound_streams() -> None:
    chosen = cat.selections(cat.catalog_streams(CATALOG), [{"tap_stream_id": "logs"}])
    out = cat.selected_catalog(CATALOG, chosen)
    users, logs = out["streams"]
    assert users["metadata"][0]["metadata"]["selected"] is False and users["schema"]["selected"] is False
    root = next(m["metadata"] for m in logs["metadata"] if m["breadcrumb"] == [])
    assert root["selected"] is True and root["replication-method"] == "FULL_TABLE"
    assert logs["metadata"][1]["metadata"]["selected"] is True and logs["schema"]["selected"] is True
    assert "selected" not in CATALOG["streams"][1]["schema"], "the input catalog is not modified"


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=3),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=2), inner, max_size=3),
    max_leaves=10,
)


@given(
    st.dictionaries(st.text(max_size=2), json_values, max_size=4),
    st.dictionaries(st.text(max_size=2), json_values, max_size=4),
)
def test_merge_diff_turns_old_into_new(old: dict[str, Any], new: dict[str, Any]) -> None:
    old = merge_patch(None, old)  # a stored state holds no nulls
    assert merge_patch(old, merge_diff(old, new)) == merge_patch(None, new)


def _bound(*, users_key: str = "users", logs_fallback: bool = True) -> list[BoundStream]:
    return [
        BoundStream(0, "users", users_key, "INCREMENTAL", False),
        BoundStream(1, "logs", "logs", "FULL_TABLE", logs_fallback),
    ]


def test_records_commit_at_each_state_with_bookmarks_under_state_keys() -> None:
    sink = Sink()
    tr = Translator(_bound(), sink, {})
    tr.message({"type": "SCHEMA", "stream": "users", "schema": {}, "key_properties": ["id"]})
    tr.record("users", {"id": 1, "amount": decimal.Decimal("2.50"), "n": decimal.Decimal("3")})
    tr.record("logs", {"line": "a"})
    tr.record("unbound", {"x": 1})
    tr.state(
        {"bookmarks": {"users": {"replication_key_value": "t1", "progress": {"x": 1}}}, "currently_syncing": "users"}
    )
    tr.message({"type": "RECORD", "stream": "users", "record": {"id": 2}})
    tr.state({"bookmarks": {"users": {"replication_key_value": "t2"}}})
    tr.finish()

    (docs1, patch1), (docs2, patch2) = sink.units
    assert docs1 == [
        {"binding": 0, "doc": {"id": 1, "amount": 2.5, "n": 3}},
        {"binding": 1, "doc": {"line": "a", "_meta": {"row_id": 1}}},
    ]
    assert patch1 == {
        "bindingStateV1": {
            "users": {"bookmark": {"replication_key_value": "t1", "progress": {"x": 1}}},
            "logs": {"rowId": 1},
        },
        "tapState": {"currently_syncing": "users"},
    }
    assert docs2 == [{"binding": 0, "doc": {"id": 2}}]
    # The bookmark replaced, as Singer means it: the vanished key is removed by the patch.
    assert patch2 == {
        "bindingStateV1": {"users": {"bookmark": {"replication_key_value": "t2", "progress": None}}},
        "tapState": {"currently_syncing": None},
    }
    state = sink.state()
    assert restore_state(state, _bound()) == {"bookmarks": {"users": {"replication_key_value": "t2"}}}


def test_resume_restores_bookmarks_row_ids_and_drops_stale_keys() -> None:
    first = Sink()
    tr = Translator(_bound(), first, {})
    tr.record("logs", {"line": "a"})
    tr.record("logs", {"line": "b"})
    tr.state({"bookmarks": {"users": {"v": 5}}})
    saved = first.state({"bindingStateV1": {"gone": {"bookmark": {"v": 1}}}})
    assert set(saved["bindingStateV1"]) == {"gone", "users", "logs"}

    second = Sink()
    tr = Translator(_bound(), second, saved)
    assert restore_state(saved, _bound()) == {"bookmarks": {"users": {"v": 5}}}
    tr.record("logs", {"line": "c"})
    tr.finish()
    assert second.units[0] == ([], {"bindingStateV1": {"gone": None}}), "stale keys dropped, alone"
    assert second.units[1][0] == [{"binding": 1, "doc": {"line": "c", "_meta": {"row_id": 3}}}], "row ids continue"
    assert set(second.state(saved)["bindingStateV1"]) == {"users", "logs"}


def test_a_raised_backfill_counter_starts_the_stream_without_its_bookmark() -> None:
    saved = {"bindingStateV1": {"users": {"bookmark": {"v": 5}}}}
    assert restore_state(saved, _bound(users_key="users.v1")) == {}
    sink = Sink()
    Translator(_bound(users_key="users.v1"), sink, saved).finish()
    assert sink.state(saved) == {"bindingStateV1": {}}


def test_records_without_state_are_committed_when_the_buffer_fills() -> None:
    sink = Sink()
    tr = Translator(_bound(logs_fallback=False), sink, {}, flush_bytes=200)
    for i in range(20):
        tr.record("users", {"id": i, "pad": "x" * 20})
    assert len(sink.units) >= 3 and all(patch == {} for _, patch in sink.units)
    tr.finish()
    assert [d["doc"]["id"] for docs, _ in sink.units for d in docs] == list(range(20))


def test_bad_messages_are_named() -> None:
    tr = Translator(_bound(), Sink(), {})
    with pytest.raises(RemoteProtocolError, match="unknown Singer message type"):
        tr.message({"type": "HELLO"})
    with pytest.raises(RemoteProtocolError, match="must carry an object"):
        tr.message({"type": "RECORD", "stream": "users", "record": [1]})
    with pytest.raises(ConfigError, match="BATCH"):
        tr.message({"type": "BATCH", "stream": "users"})


def test_a_tap_updating_its_restored_state_in_place_still_gets_checkpointed() -> None:
    saved = {"bindingStateV1": {"users": {"bookmark": {"partitions": [{"p": 1}]}}}}
    sink = Sink()
    tr = Translator(_bound(), sink, saved)
    tap_state = restore_state(saved, _bound())
    tap_state["bookmarks"]["users"]["partitions"][0]["value"] = 7  # as singer-sdk does
    tr.state(tap_state)
    assert sink.state(saved)["bindingStateV1"]["users"] == {"bookmark": {"partitions": [{"p": 1, "value": 7}]}}
