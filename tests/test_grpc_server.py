"""Connectors served over gRPC answer Flow's Connector service like they do on stdio."""

from __future__ import annotations

import importlib
import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import grpc
import pytest

from flow_sdk import protojson
from flow_sdk.grpc_server import make_server
from flow_sdk.proto import materialize_pb2, materialize_pb2_grpc


def files_connector() -> Any:
    return importlib.import_module("materialize-files.connector").FilesConnector()


@pytest.fixture
def stub() -> Iterator[materialize_pb2_grpc.ConnectorStub]:
    connector = files_connector()
    server, port = make_server("materialize", connector.serve)
    server.start()
    channel = grpc.insecure_channel(f"127.0.0.1:{port}")
    try:
        yield materialize_pb2_grpc.ConnectorStub(channel)
    finally:
        channel.close()
        server.stop(grace=None)


def request(obj: dict[str, Any]) -> materialize_pb2.Request:
    return protojson.flow_json_to_message(obj, materialize_pb2.Request)


def test_spec_over_grpc(stub: materialize_pb2_grpc.ConnectorStub) -> None:
    responses = list(stub.Materialize(iter([request({"spec": {"connectorType": "IMAGE", "config": {}}})])))
    assert len(responses) == 1
    spec = protojson.message_to_flow_json(responses[0])["spec"]
    assert spec["protocol"] == 3032023
    assert "configSchema" in spec and "resourceConfigSchema" in spec


def test_session_over_grpc_stores_documents(stub: materialize_pb2_grpc.ConnectorStub, tmp_path: Path) -> None:
    config = {"directory": str(tmp_path / "out"), "format": "jsonl"}
    collection = {
        "name": "acme/things",
        "writeSchema": {"type": "object", "properties": {"id": {"type": "integer"}}, "required": ["id"]},
        "key": ["/id"],
        "projections": [
            {"ptr": "/id", "field": "id", "isPrimaryKey": True, "inference": {"types": ["integer"], "exists": "MUST"}},
            {"ptr": "", "field": "flow_document", "inference": {"types": ["object"], "exists": "MUST"}},
        ],
    }
    binding = {
        "resourceConfig": {"path": "things"},
        "resourcePath": ["things"],
        "collection": collection,
        "fieldSelection": {"keys": ["id"], "document": "flow_document"},
        "deltaUpdates": True,
    }
    materialization = {"name": "acme/files", "connectorType": "LOCAL", "config": config, "bindings": [binding]}
    apply = list(stub.Materialize(iter([request({"apply": {"materialization": materialization, "version": "v1"}})])))
    assert "applied" in protojson.message_to_flow_json(apply[0])

    messages = [
        {
            "open": {
                "materialization": materialization,
                "version": "v1",
                "range": {"keyEnd": 4294967295, "rClockEnd": 4294967295},
            }
        },
        {"acknowledge": {}},
        {"flush": {}},
        {"store": {"key": [1], "doc": {"id": 1}}},
        {"store": {"key": [2], "doc": {"id": 2}}},
        {"startCommit": {"runtimeCheckpoint": {}}},
        {"acknowledge": {}},
    ]
    responses = [protojson.message_to_flow_json(r) for r in stub.Materialize(iter(request(m) for m in messages))]
    kinds = [next(iter(r)) for r in responses]
    assert kinds[:3] == ["opened", "acknowledged", "flushed"]
    assert "startedCommit" in kinds and kinds[-1] == "acknowledged"
    written = sorted((tmp_path / "out").rglob("*.jsonl"))
    docs = [json.loads(line) for path in written for line in path.read_text().splitlines()]
    assert sorted(d["id"] for d in docs) == [1, 2]


def test_connector_failure_is_a_grpc_error(stub: materialize_pb2_grpc.ConnectorStub) -> None:
    with pytest.raises(grpc.RpcError) as info:
        list(stub.Materialize(iter([request({"flush": {}})])))
    assert info.value.code() in (grpc.StatusCode.FAILED_PRECONDITION, grpc.StatusCode.INTERNAL)
    assert "flush" in (info.value.details() or "")


@pytest.mark.e2e
def test_connector_main_serves_grpc_when_asked(tmp_path: Path) -> None:
    import os
    import socket
    import subprocess
    import sys
    import time

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "FLOW_SDK_GRPC_ADDRESS": f"127.0.0.1:{port}"}
    root = Path(__file__).resolve().parents[1]
    proc = subprocess.Popen([sys.executable, "-m", "materialize-files"], cwd=root, env=env, stderr=subprocess.PIPE)
    try:
        channel = grpc.insecure_channel(f"127.0.0.1:{port}")
        grpc.channel_ready_future(channel).result(timeout=30)
        stub = materialize_pb2_grpc.ConnectorStub(channel)
        deadline = time.monotonic() + 30
        while True:
            try:
                (response,) = stub.Materialize(iter([request({"spec": {"connectorType": "IMAGE"}})]))
                break
            except grpc.RpcError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        assert protojson.message_to_flow_json(response)["spec"]["protocol"] == 3032023
        channel.close()
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_capture_session_over_grpc() -> None:
    from flow_sdk.capture import serve as capture_serve
    from flow_sdk.proto import capture_pb2, capture_pb2_grpc

    source = importlib.import_module("source-bigdata.connector")
    connector = next(
        v()
        for v in vars(source).values()
        if isinstance(v, type) and v.__module__ == source.__name__ and hasattr(v, "streams")
    )
    server, port = make_server("capture", lambda i, o, c: capture_serve(connector, i, o, c))
    server.start()
    channel = grpc.insecure_channel(f"127.0.0.1:{port}")
    try:
        stub = capture_pb2_grpc.ConnectorStub(channel)
        config = {"data_name": "grpc", "seed": 1, "records_per_stream": 25, "records_per_cursor": 5}
        (spec,) = stub.Capture(
            iter([protojson.flow_json_to_message({"spec": {"connectorType": "IMAGE"}}, capture_pb2.Request)])
        )
        assert protojson.message_to_flow_json(spec)["spec"]["configSchema"]["title"] == "Big Data Spec"

        collection = {"name": "acme/users", "key": ["/id"], "writeSchema": {"type": "object"}}
        open_request = {
            "open": {
                "capture": {
                    "name": "acme/source",
                    "connectorType": "LOCAL",
                    "config": config,
                    "bindings": [
                        {
                            "resourceConfig": {
                                "stream": "users",
                                "syncMode": "incremental",
                                "cursorField": ["updated_at"],
                            },
                            "resourcePath": ["users"],
                            "collection": collection,
                            "stateKey": "users",
                        }
                    ],
                },
                "range": {"keyEnd": 4294967295, "rClockEnd": 4294967295},
                "state": {},
            }
        }
        done = threading.Event()

        def requests() -> Iterator[capture_pb2.Request]:
            # Like Flow's runtime, keep the request stream open: its end would stop the session.
            yield protojson.flow_json_to_message(open_request, capture_pb2.Request)
            done.wait(60)

        responses = [protojson.message_to_flow_json(r) for r in stub.Capture(requests())]
        done.set()
        kinds = [next(iter(r)) for r in responses]
        assert kinds[0] == "opened" and kinds[-1] == "checkpoint"
        ids = [r["captured"]["doc"]["id"] for r in responses if "captured" in r]
        assert ids == list(range(1, 26))
    finally:
        channel.close()
        server.stop(grace=None)
