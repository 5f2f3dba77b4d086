"""materialize-webhook (at-least-once) against a local HTTP server on 127.0.0.1."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import orjson
import pytest

from .helpers import ConnectorProcess, binding, checkpoint, collection, materialization, open_request, store

MODULE = "materialize-webhook"
pytestmark = [pytest.mark.e2e, pytest.mark.timeout(120)]


class Receiver:
    """Records POSTed bodies; answers the next `failures` requests with `fail_status`."""

    def __init__(self) -> None:
        self.bodies: list[dict[str, Any]] = []
        self.attempts = 0
        self.failures = 0
        self.fail_status = 503
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                with receiver.lock:
                    receiver.attempts += 1
                    fail = receiver.failures > 0
                    if fail:
                        receiver.failures -= 1
                    else:
                        receiver.bodies.append({"auth": self.headers.get("X-Token"), **orjson.loads(body)})
                self.send_response(receiver.fail_status if fail else 200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/ingest"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def documents(self) -> list[int]:
        return [doc["id"] for body in self.bodies for doc in body["documents"]]


@pytest.fixture()
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.server.shutdown()
    r.server.server_close()


def spec(url: str, **extra: Any) -> dict[str, Any]:
    config = {
        "url": url,
        "batchSize": 2,
        "initialBackoffSeconds": 0.01,
        "maxBackoffSeconds": 0.05,
        "headers": {"X-Token": "t0ken"},
        **extra,
    }
    return materialization(config, [binding({"name": "users"}, ["users"], delta=True, values=[])])


def docs(*ids: int) -> list[dict[str, Any]]:
    return [store(0, {"id": i}, values=()) for i in ids]


def transaction(p: ConnectorProcess, stores: list[dict[str, Any]], offset: int) -> None:
    p.send({"acknowledge": {}})
    p.recv_kind("acknowledged")
    p.send({"flush": {}})
    p.recv_kind("flushed")
    p.send(*stores, {"startCommit": {"runtimeCheckpoint": checkpoint(offset)}})
    assert p.recv_kind("startedCommit") == {}


def test_batches_and_retries(receiver: Receiver) -> None:
    receiver.failures = 3  # the first three attempts fail with 503
    p = ConnectorProcess(MODULE)
    p.send(open_request(spec(receiver.url)))
    assert p.recv_kind("opened") == {}
    transaction(p, docs(1, 2, 3), 100)
    # Everything is delivered by the time startedCommit is written.
    assert receiver.documents() == [1, 2, 3]
    assert [len(b["documents"]) for b in receiver.bodies] == [2, 1]
    assert receiver.attempts == 5
    assert {b["binding"] for b in receiver.bodies} == {"users"}
    assert {b["auth"] for b in receiver.bodies} == {"t0ken"}
    transaction(p, docs(4), 200)
    rc, _, err = p.finish()
    assert rc == 0, err
    assert receiver.documents() == [1, 2, 3, 4]
    assert "retrying" in err


def test_crash_replay_is_at_least_once(receiver: Receiver) -> None:
    p = ConnectorProcess(MODULE)
    p.send(open_request(spec(receiver.url)))
    p.recv_kind("opened")
    transaction(p, docs(1, 2, 3), 100)
    p.kill()  # before the recovery log committed: the runtime replays the transaction

    p = ConnectorProcess(MODULE)
    p.send(open_request(spec(receiver.url)))
    p.recv_kind("opened")
    transaction(p, docs(1, 2, 3), 100)
    transaction(p, docs(4), 200)
    p.finish()
    got = receiver.documents()
    assert set(got) == {1, 2, 3, 4}  # none lost...
    assert sorted(got) == [1, 1, 2, 2, 3, 3, 4]  # ...and the replayed ones sent again


def test_rejection_fails_the_session(receiver: Receiver) -> None:
    receiver.failures, receiver.fail_status = 1, 400
    p = ConnectorProcess(MODULE)
    p.send(
        open_request(spec(receiver.url)),
        {"acknowledge": {}},
        {"flush": {}},
        *docs(1),
        {"startCommit": {"runtimeCheckpoint": checkpoint(1)}},
    )
    rc, responses, err = p.finish()
    assert rc == 1
    assert "startedCommit" not in [k for r in responses for k in r]
    assert "HTTP 400" in err
    assert receiver.attempts == 1  # a 400 is not retried


def test_attempts_exhausted(receiver: Receiver) -> None:
    receiver.failures = 100
    p = ConnectorProcess(MODULE)
    p.send(
        open_request(spec(receiver.url, maxAttempts=3)),
        {"acknowledge": {}},
        {"flush": {}},
        *docs(1),
        {"startCommit": {"runtimeCheckpoint": checkpoint(1)}},
    )
    rc, _, err = p.finish()
    assert rc == 1
    assert receiver.attempts == 3
    assert "failed 3 attempts" in err and "503" in err


def test_validate_requires_document_and_delta_updates(receiver: Receiver) -> None:
    p = ConnectorProcess(MODULE)
    p.send(
        {
            "validate": {
                "name": "m",
                "config": {"url": receiver.url},
                "bindings": [{"resourceConfig": {"name": "users"}, "collection": collection(), "groupBy": ["id"]}],
            }
        }
    )
    (validated,) = p.recv_kind("validated")["bindings"]
    p.finish()
    assert validated["deltaUpdates"] is True
    assert validated["resourcePath"] == ["users"]
    got = {c["field"]: c["constraint"]["type"] for c in validated["projectionConstraints"]}
    assert got == {"id": "FIELD_REQUIRED", "name": "FIELD_FORBIDDEN", "flow_document": "FIELD_REQUIRED"}
