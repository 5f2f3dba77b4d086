"""Derivation connectors driven through the derive protocol, in-process and as a subprocess."""

from __future__ import annotations

import io
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any, ClassVar

import orjson
import pydantic
import pytest

from flow_sdk.config import ConfigModel
from flow_sdk.derive import (
    Connector,
    ConnectorState,
    Derivation,
    DerivationConnector,
    Flushed,
    Open,
    StartCommit,
    StartedCommit,
    Transform,
    serve,
)
from flow_sdk.errors import ConfigError, LocalProtocolError, RemoteProtocolError
from flow_sdk.stdio import Codec

CHECKPOINT = {"sources": {"acme/ints/pivot=00": {"readThrough": "42"}}}


def open_request(*transforms: str, state: Any = None, config: Any = None) -> dict[str, Any]:
    derivation: dict[str, Any] = {"transforms": [{"name": name} for name in transforms]}
    if config is not None:
        derivation["config"] = config
    body: dict[str, Any] = {"collection": {"name": "acme/sums", "derivation": derivation}}
    if state is not None:
        body["state"] = state
    return {"open": body}


def read(transform: int, doc: Any) -> dict[str, Any]:
    return {"read": {"transform": transform, "doc": doc, "shuffle": {"key": [doc.get("Key")], "hash": 1}}}


FLUSH: dict[str, Any] = {"flush": {}}
START_COMMIT = {"startCommit": {"runtimeCheckpoint": CHECKPOINT}}


def converse(connector: Connector, requests: list[dict[str, Any]], codec: Codec = Codec.JSON) -> list[dict[str, Any]]:
    """Serve `requests` (JSON codec) and return the responses."""
    stdin = io.BytesIO(b"".join(orjson.dumps(r) + b"\n" for r in requests))
    stdout = io.BytesIO()
    assert serve(connector, stdin, stdout, codec) == 0
    return [orjson.loads(line) for line in stdout.getvalue().splitlines()]


# -- the IDerivation model, with types as `flow-sdk generate` writes them ----------------------


class SourceFromInts(pydantic.BaseModel):
    model_config = pydantic.ConfigDict(extra="allow")
    Key: str
    Int: int


class ReadFromInts(pydantic.BaseModel):
    doc: SourceFromInts


class Document(pydantic.BaseModel):
    model_config = pydantic.ConfigDict(extra="allow")
    Key: str
    Sum: int
    Count: int | None = None


class IDerivation(Derivation):
    TRANSFORMS: ClassVar[tuple[Transform, ...]] = (Transform("fromInts", "from_ints", ReadFromInts),)

    async def from_ints(self, read: ReadFromInts) -> list[Document]:
        raise NotImplementedError


class Sums(IDerivation):
    """Sums per key; holds documents back until flush, persists totals through start_commit."""

    def __init__(self, open: Open) -> None:
        super().__init__(open)
        self.totals: dict[str, int] = dict(open.state or {})
        self.pending: set[str] = set()

    async def from_ints(self, read: ReadFromInts) -> list[Document]:
        key = read.doc.Key
        self.totals[key] = self.totals.get(key, 0) + read.doc.Int
        self.pending.add(key)
        return []

    async def flush(self) -> list[Document]:
        out = [Document(Key=key, Sum=self.totals[key]) for key in sorted(self.pending)]
        self.pending.clear()
        return out

    def start_commit(self, start_commit: StartCommit) -> StartedCommit:
        assert start_commit.runtime_checkpoint == CHECKPOINT
        return StartedCommit(state=ConnectorState(updated=dict(self.totals)))

    async def reset(self) -> None:
        self.totals.clear()


class Doubles(IDerivation):
    """A plain-def transform that publishes at once."""

    def from_ints(self, read: ReadFromInts) -> list[Document]:  # type: ignore[override]
        return [Document(Key=read.doc.Key, Sum=2 * read.doc.Int, Count=1)]


def test_derivation_publishes_at_flush_and_persists_state_through_start_commit() -> None:
    responses = converse(
        DerivationConnector(Sums),
        [
            open_request("fromInts", state={"a": 10}),
            read(0, {"Key": "a", "Int": 1}),
            read(0, {"Key": "b", "Int": 2}),
            read(0, {"Key": "a", "Int": 3}),
            FLUSH,
            START_COMMIT,
            read(0, {"Key": "b", "Int": 5}),
            FLUSH,
            START_COMMIT,
        ],
    )
    assert responses == [
        {"opened": {}},
        {"published": {"doc": {"Key": "a", "Sum": 14}}},
        {"published": {"doc": {"Key": "b", "Sum": 2}}},
        {"flushed": {}},
        {"startedCommit": {"state": {"updated": {"a": 14, "b": 2}}}},
        {"published": {"doc": {"Key": "b", "Sum": 7}}},
        {"flushed": {}},
        {"startedCommit": {"state": {"updated": {"a": 14, "b": 7}}}},
    ]


def test_plain_def_transforms_publish_per_read_and_reset_clears_state() -> None:
    responses = converse(
        DerivationConnector(Doubles),
        [open_request("fromInts"), read(0, {"Key": "a", "Int": 4}), FLUSH, {"reset": {}}, FLUSH],
    )
    assert responses == [
        {"opened": {}},
        {"published": {"doc": {"Key": "a", "Sum": 8, "Count": 1}}},
        {"flushed": {}},
        {"flushed": {}},
    ]


def test_reset_reaches_the_derivation() -> None:
    connector = DerivationConnector(Sums)
    converse(connector, [open_request("fromInts", state={"a": 1}), FLUSH, {"reset": {}}])
    assert isinstance(connector.derivation, Sums) and connector.derivation.totals == {}


def test_read_documents_are_typed_and_bad_ones_are_refused() -> None:
    with pytest.raises(pydantic.ValidationError, match="Int"):
        converse(DerivationConnector(Sums), [open_request("fromInts"), read(0, {"Key": "a", "Int": "many"})])


def test_validate_answers_one_read_only_per_transform_and_names_unknown_transforms() -> None:
    assert converse(DerivationConnector(Sums), [{"validate": {"transforms": [{"name": "fromInts"}]}}]) == [
        {"validated": {"transforms": [{"readOnly": False}]}}
    ]
    with pytest.raises(ConfigError, match=r"no transform 'fromStrings' .*flow-sdk generate"):
        converse(DerivationConnector(Sums), [{"validate": {"transforms": [{"name": "fromStrings"}]}}])


def test_an_unimplemented_transform_is_a_config_error_at_open() -> None:
    class Incomplete(IDerivation):
        from_ints = IDerivation.from_ints  # still abstract

    Incomplete.__abstractmethods__ = frozenset({"from_ints"})
    with pytest.raises(ConfigError, match="incomplete"):
        converse(DerivationConnector(Incomplete), [open_request("fromInts")])


def test_the_runtime_breaking_the_order_is_a_remote_error() -> None:
    with pytest.raises(RemoteProtocolError, match="unexpected derive request 'read'"):
        converse(DerivationConnector(Sums), [read(0, {"Key": "a", "Int": 1})])
    with pytest.raises(RemoteProtocolError, match="not a transform"):
        converse(DerivationConnector(Sums), [open_request("fromInts"), read(3, {"Key": "a", "Int": 1})])


# -- the low-level connector -------------------------------------------------------------------


class Config(ConfigModel):
    factor: int = 1


class TwoRounds(Connector):
    """Publishes in the second flush round, after seeing the first round's patches."""

    config_model = Config

    def open(self, config: Any, request: Any) -> dict[str, Any]:
        self.factor = config.factor
        self.seen: list[int] = []
        return {}

    async def read(self, transform: int, read: Any) -> list[Any]:
        self.seen.append(read["doc"]["n"] * self.factor)
        return []

    def flush(self, state_patches: Any) -> Flushed:
        if not state_patches:
            return Flushed(state={"updated": {"round": 1}, "mergePatch": True}, more=True)
        return Flushed(documents=[{"total": sum(self.seen), "patches": state_patches}])


def test_low_level_connector_with_more_rounds_and_typed_config() -> None:
    responses = converse(
        TwoRounds(),
        [
            {"spec": {"connectorType": "LOCAL"}},
            open_request("t", config={"factor": 3}),
            {"read": {"transform": 0, "doc": {"n": 1}}},
            {"read": {"transform": 0, "doc": {"n": 2}}},
            FLUSH,
            {"flush": {"statePatches": [{"round": 1}]}},
        ],
    )
    spec = responses[0]["spec"]
    assert spec["protocol"] == 3032023
    assert spec["configSchema"]["properties"]["factor"]["type"] == "integer"
    assert responses[1:] == [
        {"opened": {}},
        {"flushed": {"state": {"updated": {"round": 1}, "mergePatch": True}, "more": True}},
        {"published": {"doc": {"total": 9, "patches": [{"round": 1}]}}},
        {"flushed": {}},
    ]


def test_bad_config_is_a_config_error_naming_the_field() -> None:
    with pytest.raises(ConfigError, match=r"/factor"):
        converse(TwoRounds(), [open_request("t", config={"factor": "x"})])


def test_a_connector_answering_wrongly_is_a_local_error() -> None:
    class Sloppy(Connector):
        def validate(self, config: Any, request: Any) -> dict[str, Any]:
            return {"transforms": []}

    with pytest.raises(LocalProtocolError, match="each transform"):
        converse(Sloppy(), [{"validate": {"transforms": [{"name": "t"}]}}])


def test_protobuf_codec_round_trip() -> None:
    from flow_sdk.stdio import MessageReader, MessageWriter

    requests = io.BytesIO()
    writer = MessageWriter(requests, Codec.PROTO, "derive", "request")
    for message in (open_request("fromInts"), read(0, {"Key": "a", "Int": 4}), FLUSH):
        writer.write(message)
    writer.flush()
    requests.seek(0)
    stdout = io.BytesIO()
    serve(DerivationConnector(Doubles), requests, stdout, Codec.PROTO)
    stdout.seek(0)
    responses = list(MessageReader(stdout, Codec.PROTO, "derive", "response"))
    assert [next(iter(r)) for r in responses] == ["opened", "published", "flushed"]
    assert responses[1]["published"]["doc"] == {"Key": "a", "Sum": 8, "Count": 1}


# -- as a process ------------------------------------------------------------------------------


@pytest.mark.e2e
def test_derivation_connector_as_a_subprocess(tmp_path: Path) -> None:
    module = tmp_path / "doubles.py"
    module.write_text(
        textwrap.dedent(
            """
            import sys
            sys.path.insert(0, sys.argv[1])
            from test_connector import Doubles
            from flow_sdk.derive import DerivationConnector, run

            class Chatty(Doubles):
                def from_ints(self, read):
                    print("stray output goes to stderr")
                    return super().from_ints(read)

            run(DerivationConnector(Chatty))
            """
        )
    )
    requests = [open_request("fromInts"), read(0, {"Key": "z", "Int": 21}), FLUSH, START_COMMIT]
    done = subprocess.run(
        [sys.executable, str(module), str(Path(__file__).parent)],
        input=b"".join(orjson.dumps(r) + b"\n" for r in requests),
        capture_output=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr.decode()
    assert [orjson.loads(line) for line in done.stdout.splitlines()] == [
        {"opened": {}},
        {"published": {"doc": {"Key": "z", "Sum": 42, "Count": 1}}},
        {"flushed": {}},
        {"startedCommit": {}},
    ]
    assert b"stray output" in done.stderr


@pytest.mark.e2e
def test_a_failing_subprocess_exits_1_with_one_error_line(tmp_path: Path) -> None:
    module = tmp_path / "bad.py"
    module.write_text(
        "import sys\nsys.path.insert(0, sys.argv[1])\nfrom test_connector import Sums\n"
        "from flow_sdk.derive import DerivationConnector, run\nrun(DerivationConnector(Sums))\n"
    )
    done = subprocess.run(
        [sys.executable, str(module), str(Path(__file__).parent)],
        input=orjson.dumps({"flush": {}}) + b"\n",
        capture_output=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 1
    last = orjson.loads(done.stderr.splitlines()[-1])
    assert "protocol error" in str(last) and "flush" in str(last)
