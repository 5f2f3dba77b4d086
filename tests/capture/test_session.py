"""The low-level session (units, buffering, bad input) and the streams layer, in-process."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Annotated, Any, ClassVar

import pydantic
import pytest

from flow_sdk.capture import Connector, Key, Session, Stream, StreamsConnector, merge_patch
from flow_sdk.capture.request import Open
from flow_sdk.errors import ConfigError, ConnectorError, ProtocolError
from flow_sdk.stdio import Codec

from .harness import open_request, serve_in_process


class Scripted(Connector):
    """Runs a test-provided function as its capture."""

    def __init__(self, script: Any) -> None:
        self.script = script

    def open(self, config: Any, request: Open, session: Session, prepared: Any) -> None:
        self.script(session)


def variants(messages: list[dict[str, Any]]) -> list[str]:
    return [next(iter(m)) for m in messages]


def test_checkpoint_commits_only_the_named_bindings_documents() -> None:
    def script(session: Session) -> None:
        session.emit(0, {"id": 1})
        session.emit(1, {"id": 2})
        session.emit_many(0, [{"id": 3}, {"id": 4}])
        session.checkpoint({"a": 1}, bindings=[0])
        session.checkpoint({"b": 2})

    out = serve_in_process(Scripted(script), [open_request(2)])
    assert out[0] == {"opened": {}}
    assert out[1:5] == [
        {"captured": {"binding": 0, "doc": {"id": 1}}},
        {"captured": {"binding": 0, "doc": {"id": 3}}},
        {"captured": {"binding": 0, "doc": {"id": 4}}},
        {"checkpoint": {"state": {"updated": {"a": 1}, "mergePatch": True}}},
    ]
    assert out[5:] == [
        {"captured": {"binding": 1, "doc": {"id": 2}}},
        {"checkpoint": {"state": {"updated": {"b": 2}, "mergePatch": True}}},
    ]


def test_documents_without_a_checkpoint_are_never_written() -> None:
    def script(session: Session) -> None:
        session.emit(0, {"id": 1})
        session.checkpoint({}, merge_patch=False)
        session.emit(0, {"id": 2})

    out = serve_in_process(Scripted(script), [open_request(1)])
    assert out == [
        {"opened": {}},
        {"captured": {"binding": 0, "doc": {"id": 1}}},
        {"checkpoint": {"state": {"updated": {}}}},
    ]


def test_backfill_markers_and_sourced_schema_travel_in_their_own_units() -> None:
    def script(session: Session) -> None:
        session.backfill_begin(0)
        session.sourced_schema(0, {"type": "object"})
        session.emit(0, {"id": 1})
        session.checkpoint({"x": 1})
        session.backfill_complete(0, {"done": True})

    out = serve_in_process(Scripted(script), [open_request(1)])
    assert variants(out) == [
        "opened",
        "backfillBegin",
        "checkpoint",
        "sourcedSchema",
        "captured",
        "checkpoint",
        "backfillComplete",
        "checkpoint",
    ]
    assert out[3] == {"sourcedSchema": {"binding": 0, "documentSchema": {"type": "object"}}}


def test_backfill_marker_with_pending_documents_is_refused() -> None:
    def script(session: Session) -> None:
        session.emit(0, {"id": 1})
        session.backfill_complete(0)

    with pytest.raises(ConnectorError, match="alone in its checkpoint"):
        serve_in_process(Scripted(script), [open_request(1)])


@pytest.mark.parametrize("binding", [1, -1, 7])
def test_document_for_a_binding_out_of_range(binding: int) -> None:
    def script(session: Session) -> None:
        session.emit(binding, {"id": 1})

    with pytest.raises(ProtocolError, match=f"binding {binding}, but the open request has 1 binding"):
        serve_in_process(Scripted(script), [open_request(1)])


def test_open_with_collection_index_out_of_range() -> None:
    request = open_request(1)
    binding = request["open"]["capture"]["bindings"][0]
    del binding["collection"]
    binding["collectionIndex"] = 3
    request["open"]["capture"]["linkedCollections"] = [{"name": "acmeCo/only"}]
    with pytest.raises(ProtocolError, match="collectionIndex is out of range"):
        serve_in_process(Scripted(lambda s: None), [request])


def test_stdin_eof_stops_the_session_cleanly() -> None:
    def script(session: Session) -> None:
        for i in range(10_000):
            session.emit(0, {"id": i})
            session.checkpoint({"n": i})  # raises Stopped once stdin's EOF is seen

    out = serve_in_process(Scripted(script), [open_request(1)], close_stdin=True)
    assert out[0] == {"opened": {}}
    assert len(out) < 20_001, "the capture ran to completion despite EOF"
    assert variants(out)[-1] in ("opened", "checkpoint"), "output ends inside a unit"


def test_acknowledgements_reach_the_session() -> None:
    seen: list[int] = []

    class Acked(Connector):
        wants_acknowledgements: ClassVar[bool] = True

        def open(self, config: Any, request: Open, session: Session, prepared: Any) -> None:
            session.on_acknowledge = seen.append
            session.emit(0, {"id": 1})
            session.checkpoint({"n": 1})
            session.checkpoint({"n": 2})
            assert session.wait_acknowledged(2, timeout=10)

    out = serve_in_process(Acked(), [open_request(1)], auto_ack=True)
    assert out[0] == {"opened": {"explicitAcknowledgements": True}}
    assert seen == [1, 1]


def test_acknowledgement_window_holds_back_checkpoints() -> None:
    class Windowed(Connector):
        wants_acknowledgements: ClassVar[bool] = True
        max_unacknowledged: ClassVar[int] = 2

        def open(self, config: Any, request: Open, session: Session, prepared: Any) -> None:
            for n in range(6):
                session.checkpoint({"n": n})

    # The runtime never acknowledges: only the window's two checkpoints get out before the EOF stop.
    out = serve_in_process(Windowed(), [open_request(1)], close_after=1.0)
    assert variants(out).count("checkpoint") <= 2


def test_over_acknowledgement_is_a_protocol_error() -> None:
    class Acked(Connector):
        wants_acknowledgements: ClassVar[bool] = True

        def open(self, config: Any, request: Open, session: Session, prepared: Any) -> None:
            session.checkpoint({})
            session.wait_stopped(10)

    with pytest.raises(ProtocolError, match="acknowledged more checkpoints than were sent"):
        serve_in_process(Acked(), [open_request(1), {"acknowledge": {"checkpoints": 5}}])


def test_proto_codec_falls_back_to_per_message_encoding() -> None:
    pytest.importorskip("flow_sdk.protojson")

    def script(session: Session) -> None:
        session.emit(0, {"id": 1, "s": "x"})
        session.emit_many(0, [{"id": 2}])
        session.checkpoint({"k": 1})

    out = serve_in_process(Scripted(script), [open_request(1)], codec=Codec.PROTO)
    # Binding 0 is protobuf's default, so the decoded form omits it.
    assert out[1:] == [
        {"captured": {"doc": {"id": 1, "s": "x"}}},
        {"captured": {"doc": {"id": 2}}},
        {"checkpoint": {"state": {"updated": {"k": 1}, "mergePatch": True}}},
    ]


# -- streams layer ------------------------------------------------------------------------------


class Row(pydantic.BaseModel):
    """A test document."""

    id: Annotated[int, Key]
    group: Annotated[str, Key]
    ts: int


class Rows(Stream):
    """`total` rows; `ts` grows by one every `same` rows."""

    cursor_field = "ts"
    document_model = Row

    def __init__(self, name: str, total: int, same: int) -> None:
        self.name = name
        self.total, self.same = total, same

    def incremental(self, cursor: Any | None) -> Iterable[dict[str, Any]]:
        for i in range(self.total):
            ts = i // self.same
            if cursor is None or ts > cursor:
                yield {"id": i, "group": self.name, "ts": ts}


class RowsSource(StreamsConnector):
    """Two streams with many equal cursor values."""

    checkpoint_every = 7

    def streams(self, config: Any) -> list[Stream]:
        return [Rows("a", 500, 5), Rows("b", 300, 13)]


def resources(*specs: tuple[str, str]) -> list[dict[str, Any]]:
    return [{"stream": name, "syncMode": mode} for name, mode in specs]


def units(out: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """The messages of each checkpoint unit, checkpoint last."""
    groups: list[list[dict[str, Any]]] = [[]]
    for message in out[1:]:
        groups[-1].append(message)
        if "checkpoint" in message:
            groups.append([])
    assert groups[-1] == [], "output ends inside a unit"
    return groups[:-1]


def test_streams_checkpoint_at_cursor_boundaries_per_binding() -> None:
    request = open_request(2, resources=resources(("a", "incremental"), ("b", "incremental")))
    out = serve_in_process(RowsSource(), [request])
    seen: dict[int, list[int]] = {0: [], 1: []}
    cursors: dict[int, int] = {}
    for unit in units(out):
        docs = [m["captured"] for m in unit[:-1]]
        bindings = {d["binding"] for d in docs}
        assert len(bindings) == 1, "a unit mixes bindings"
        binding = bindings.pop()
        key = ["r0", "r1"][binding]
        cursor = unit[-1]["checkpoint"]["state"]["updated"]["bindingStateV1"][key]["cursor"]
        assert max(d["doc"]["ts"] for d in docs) == cursor
        # The next unit of this binding starts strictly after the committed cursor.
        assert all(d["doc"]["ts"] > cursors.get(binding, -1) for d in docs)
        cursors[binding] = cursor
        seen[binding] += [d["doc"]["id"] for d in docs]
    assert seen == {0: list(range(500)), 1: list(range(300))}


def test_streams_resume_from_state_and_drop_stale_keys() -> None:
    state = {"bindingStateV1": {"r0": {"cursor": 90}, "gone": {"cursor": 1}}}
    request = open_request(1, state=state, resources=resources(("a", "incremental")))
    out = serve_in_process(RowsSource(), [request])
    assert out[1] == {"checkpoint": {"state": {"updated": {"bindingStateV1": {"gone": None}}, "mergePatch": True}}}
    ids = [m["captured"]["doc"]["id"] for m in out if "captured" in m]
    assert ids == list(range(455, 500))
    final: Any = state
    for message in out:
        if "checkpoint" in message:
            final = merge_patch(final, message["checkpoint"]["state"]["updated"])
    assert final == {"bindingStateV1": {"r0": {"cursor": 99}}}


def test_full_refresh_is_framed_by_backfill_markers() -> None:
    request = open_request(
        1, state={"bindingStateV1": {"r0": {"snapshots": 2}}}, resources=resources(("b", "full_refresh"))
    )
    out = serve_in_process(RowsSource(), [request])
    names = variants(out)
    assert names[:3] == ["opened", "backfillBegin", "checkpoint"]
    assert names[-2:] == ["backfillComplete", "checkpoint"]
    assert out[-1]["checkpoint"]["state"]["updated"] == {"bindingStateV1": {"r0": {"snapshots": 3}}}
    assert [m["captured"]["doc"]["id"] for m in out if "captured" in m] == list(range(300))


@pytest.mark.parametrize(
    ("state", "message"),
    [
        ({"bindingStateV1": {"r0": {"cursor": "yesterday"}}}, "does not match the stream's cursor type"),
        ({"bindingStateV1": {"r0": {"offset": 3}}}, "unexpected offset"),
        ({"bindingStateV1": {"r0": 3}}, "must be an object"),
        ({"bindingStateV1": "nope"}, "must be an object of stateKey"),
    ],
)
def test_state_that_does_not_match_the_stream(state: Any, message: str) -> None:
    request = open_request(1, state=state, resources=resources(("a", "incremental")))
    with pytest.raises(ConfigError, match=message):
        serve_in_process(RowsSource(), [request])


def test_unknown_stream_and_unsupported_mode() -> None:
    with pytest.raises(ConfigError, match="unknown stream 'zzz'"):
        serve_in_process(RowsSource(), [open_request(1, resources=resources(("zzz", "incremental")))])
    with pytest.raises(ConfigError, match="syncMode"):
        serve_in_process(RowsSource(), [open_request(1, resources=[{"stream": "a", "syncMode": "sometimes"}])])


def test_discovery_derives_schema_and_key_from_the_model() -> None:
    out = serve_in_process(RowsSource(), [{"discover": {"connectorType": "LOCAL", "config": {}}}], close_stdin=True)
    bindings = out[0]["discovered"]["bindings"]
    assert [b["recommendedName"] for b in bindings] == ["a", "b"]
    assert bindings[0]["key"] == ["/id", "/group"]
    assert bindings[0]["documentSchema"]["required"] == ["id", "group", "ts"]
    assert bindings[0]["resourceConfig"] == {"stream": "a", "syncMode": "incremental", "cursorField": ["ts"]}
    assert bindings[0]["resourcePath"] == ["a"]


def test_a_failing_stream_fails_the_capture() -> None:
    class Broken(Rows):
        def incremental(self, cursor: Any | None) -> Iterable[dict[str, Any]]:
            yield {"id": 1, "group": "a", "ts": 1}
            raise RuntimeError("upstream API returned 500")

    class BrokenSource(RowsSource):
        def streams(self, config: Any) -> list[Stream]:
            return [Broken("a", 1, 1)]

    with pytest.raises(RuntimeError, match="upstream API returned 500"):
        serve_in_process(BrokenSource(), [open_request(1, resources=resources(("a", "incremental")))])
