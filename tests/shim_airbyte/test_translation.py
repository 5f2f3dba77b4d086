"""The shim's pure translation: spec, catalog, keys, state layout and message mapping (no source needed)."""

from __future__ import annotations

from typing import Any

import pytest

from flow_sdk.errors import ConfigError, ConnectorError, RemoteProtocolError
from flow_sdk.merge_patch import merge_patch
from flow_sdk.shim_airbyte_cdk import catalog, spec
from flow_sdk.shim_airbyte_cdk.endpoint import parse_argv, shim_command
from flow_sdk.shim_airbyte_cdk.states import BoundStream, airbyte_input_state, diff_patch
from flow_sdk.shim_airbyte_cdk.translate import Translator
from flow_sdk.state import BINDING_STATE

STREAMS: list[dict[str, Any]] = [
    {
        "name": "users",
        "json_schema": {"type": "object", "properties": {"id": {"type": ["null", "integer"]}}},
        "supported_sync_modes": ["full_refresh", "incremental"],
        "source_defined_primary_key": [["id"]],
        "default_cursor_field": ["updated_at"],
    },
    {
        "name": "odd",
        "namespace": "ns",
        "json_schema": {
            "type": "object",
            "properties": {"a/b": {"type": "object", "properties": {"c~d": {"type": "string"}}}},
        },
        "supported_sync_modes": ["full_refresh"],
        "source_defined_primary_key": [["a/b", "c~d"]],
    },
    {"name": "logs", "json_schema": {"type": "object"}, "supported_sync_modes": ["full_refresh"]},
]


def test_spec_marks_airbyte_secrets_as_flow_secrets_and_passes_oauth2() -> None:
    airbyte = {
        "documentationUrl": "https://example.com/docs",
        "connectionSpecification": {
            "type": "object",
            "properties": {"token": {"type": "string", "airbyte_secret": True}, "n": {"type": "integer"}},
            "oneOf": [{"properties": {"pw": {"type": "string", "airbyte_secret": True}}}],
        },
    }
    out = spec.flow_spec(airbyte, oauth2={"provider": "x"})
    props = out["configSchema"]["properties"]
    assert props["token"]["secret"] is True and "secret" not in props["n"]
    assert out["configSchema"]["oneOf"][0]["properties"]["pw"]["secret"] is True
    assert out["documentationUrl"] == "https://example.com/docs"
    assert out["oauth2"] == {"provider": "x"}
    assert out["resourcePathPointers"] == ["/namespace", "/stream"]
    assert spec.flow_spec(airbyte, documentation_url="https://ours")["documentationUrl"] == "https://ours"


def test_discovered_bindings_keys_modes_and_fallback_key() -> None:
    users, odd, logs = catalog.discovered_bindings({"streams": STREAMS})
    assert users["key"] == ["/id"] and "isFallbackKey" not in users
    assert users["resourceConfig"] == {"stream": "users", "syncMode": "incremental", "cursorField": ["updated_at"]}
    # A key is required and never null.
    assert users["documentSchema"]["properties"]["id"]["type"] == ["integer"]
    assert "id" in users["documentSchema"]["required"]
    assert odd["key"] == ["/a~1b/c~0d"]
    assert odd["resourceConfig"] == {"stream": "odd", "syncMode": "full_refresh", "namespace": "ns"}
    assert logs["key"] == ["/_meta/row_id"] and logs["isFallbackKey"] is True
    assert logs["documentSchema"]["properties"]["_meta"]["required"] == ["op", "row_id"]


def test_check_resources_names_unknown_streams_and_unsupported_modes() -> None:
    cat = {"streams": STREAMS}
    catalog.check_resources(cat, [{"stream": "users", "syncMode": "incremental"}])
    with pytest.raises(ConfigError) as err:
        catalog.check_resources(
            cat, [{"stream": "nope", "syncMode": "full_refresh"}, {"stream": "logs", "syncMode": "incremental"}]
        )
    assert "unknown stream 'nope'" in str(err.value)
    assert "'logs' does not support syncMode 'incremental'" in str(err.value)


def test_sourced_schemas_of_bound_streams() -> None:
    schemas = catalog.sourced_schemas({"streams": STREAMS}, [("ns", "odd"), (None, "gone"), (None, "users")])
    assert sorted(schemas) == [0, 2]
    assert schemas[2]["properties"]["id"]["type"] == ["integer"] and "_meta" in schemas[2]["properties"]


def test_configured_catalog_strips_meta_and_unescapes_keys() -> None:
    binding = {
        "resourceConfig": {"stream": "odd", "namespace": "ns", "syncMode": "full_refresh"},
        "collection": {"key": ["/a~1b/c~0d"], "writeSchema": catalog.document_schema(STREAMS[1])},
    }
    (stream,) = catalog.configured_catalog([binding])["streams"]
    assert stream["primary_key"] == [["a/b", "c~d"]]
    assert "_meta" not in stream["stream"]["json_schema"]["properties"]
    assert stream["stream"]["namespace"] == "ns"


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ({"a": 1, "b": {"c": 2, "d": 3}}, {"a": 1, "b": {"c": 5}}),
        ({"a": {"x": 1}}, {"a": {}}),
        ({"a": [1, 2]}, {"a": [3]}),
        ({}, {"cursor": "2024"}),
        ({"a": 1}, {"a": {"b": 2}}),
    ],
)
def test_diff_patch_restores_exactly(old: dict[str, Any], new: dict[str, Any]) -> None:
    assert merge_patch(old, diff_patch(old, new)) == new


class ListSink:
    def __init__(self) -> None:
        self.state: dict[str, Any] = {}
        self.pending: dict[int, list[Any]] = {}
        self.committed: list[tuple[int, Any]] = []
        self.patches: list[dict[str, Any]] = []

    def emit(self, binding: int, doc: Any) -> None:
        self.pending.setdefault(binding, []).append(doc)

    def commit(self, patch: dict[str, Any], bindings: Any) -> None:
        for b in list(self.pending) if bindings is None else bindings:
            self.committed += [(b, d) for d in self.pending.pop(b, [])]
        self.patches.append(patch)
        self.state = merge_patch(self.state, patch)


BOUND = [
    BoundStream(0, "users", None, "users", incremental=True, fallback_key=False),
    BoundStream(1, "logs", None, "logs", incremental=False, fallback_key=True),
]


def test_stream_state_commits_its_binding_only_with_row_ids() -> None:
    sink = ListSink()
    t = Translator(BOUND, {}, sink)
    t.run(
        [
            ("users", None, {"id": 1}),
            ("logs", None, {"m": "x"}),
            {
                "type": "STATE",
                "state": {
                    "type": "STREAM",
                    "stream": {"stream_descriptor": {"name": "users"}, "stream_state": {"c": 1}},
                },
            },
            ("users", None, {"id": 2}),
        ]
    )
    assert sink.patches[0] == {BINDING_STATE: {"users": {"streamState": {"c": 1}, "rowId": 1}}}
    assert [b for b, _ in sink.committed] == [0, 0, 1] or [b for b, _ in sink.committed] == [0, 1, 0]
    assert sink.committed[0] == (0, {"id": 1, "_meta": {"op": "u", "row_id": 0}})
    assert (1, {"m": "x", "_meta": {"op": "c", "row_id": 0}}) in sink.committed
    assert sink.state[BINDING_STATE]["users"] == {"streamState": {"c": 1}, "rowId": 2}
    assert airbyte_input_state(sink.state, BOUND) == [
        {"type": "STREAM", "stream": {"stream_descriptor": {"name": "users"}, "stream_state": {"c": 1}}}
    ]
    # Resuming continues the incremental row counter; a full refresh starts over.
    sink2 = ListSink()
    Translator(BOUND, sink.state, sink2).run([("users", None, {"id": 3}), ("logs", None, {})])
    assert sorted(d["_meta"]["row_id"] for _, d in sink2.committed) == [0, 2]


def test_global_and_legacy_state_round_trip_and_backfill_reset() -> None:
    sink = ListSink()
    t = Translator(BOUND, {}, sink)
    t.message(
        {
            "type": "STATE",
            "state": {
                "type": "GLOBAL",
                "global": {
                    "shared_state": {"lsn": 5},
                    "stream_states": [{"stream_descriptor": {"name": "users"}, "stream_state": {"c": 9}}],
                },
            },
        }
    )
    assert airbyte_input_state(sink.state, BOUND) == [
        {
            "type": "GLOBAL",
            "global": {
                "shared_state": {"lsn": 5},
                "stream_states": [{"stream_descriptor": {"name": "users"}, "stream_state": {"c": 9}}],
            },
        }
    ]
    # A raised backfill counter (new state key) drops the stream's part and the old key.
    backfilled = [BoundStream(0, "users", None, "users.v1", True, False), BOUND[1]]
    assert airbyte_input_state(sink.state, backfilled)[0]["global"]["stream_states"] == []
    assert Translator(backfilled, sink.state, ListSink()).book.stale == {BINDING_STATE: {"users": None}}

    legacy = ListSink()
    t = Translator(BOUND, {}, legacy)
    t.message({"type": "STATE", "state": {"type": "LEGACY", "data": {"users": {"c": 1}, "x": 2}}})
    t.message({"type": "STATE", "state": {"data": {"users": {"c": 2}}}})
    assert airbyte_input_state(legacy.state, BOUND) == [{"type": "LEGACY", "data": {"users": {"c": 2}}}]
    assert airbyte_input_state(legacy.state, backfilled) == [{"type": "LEGACY", "data": {}}]


def test_error_trace_fails_with_the_sources_message_and_unbound_records_are_refused() -> None:
    t = Translator(BOUND, {}, ListSink())
    with pytest.raises(ConfigError, match="source failed: bad token"):
        t.message(
            {
                "type": "TRACE",
                "trace": {"type": "ERROR", "error": {"message": "bad token", "failure_type": "config_error"}},
            }
        )
    with pytest.raises(ConnectorError, match="boom"):
        t.message({"type": "TRACE", "trace": {"type": "ERROR", "error": {"message": "boom"}}})
    with pytest.raises(RemoteProtocolError, match="'nope'"):
        t.run([("nope", None, {})])


def test_airbyte_endpoint_commands() -> None:
    assert shim_command({"command": ["src", "--x"]}, python="py") == [
        "py",
        "-m",
        "flow_sdk.shim_airbyte_cdk",
        "--",
        "src",
        "--x",
    ]
    assert shim_command({"image": "airbyte/source-faker:6"}, python="py")[-2:] == ["--image", "airbyte/source-faker:6"]
    assert parse_argv(["--", "a", "b"]) == (["a", "b"], None)
    with pytest.raises(ConfigError):
        shim_command({"command": ["x"], "image": "y"})
