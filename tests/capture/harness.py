"""Drives `serve()` in-process: requests through a pipe (kept open, as Flow keeps stdin open), output in memory."""

from __future__ import annotations

import io
import os
import struct
import threading
from typing import Any, BinaryIO, cast

import orjson

from flow_sdk.capture import Connector, serve
from flow_sdk.capture.stdin import FdReader
from flow_sdk.stdio import Codec


def serve_in_process(
    connector: Connector,
    requests: list[dict[str, Any]],
    codec: Codec = Codec.JSON,
    close_stdin: bool = False,
    auto_ack: bool = False,
    close_after: float | None = None,
) -> list[dict[str, Any]]:
    """Run `serve` over `requests` and return the responses it wrote.

    With `auto_ack`, acts like Flow's runtime with explicit acknowledgements: acknowledges each
    checkpoint once it has read it.
    """
    if auto_ack:
        return _serve_acking(connector, requests)
    read_fd, write_fd = os.pipe()
    for request in requests:
        if codec is Codec.JSON:
            os.write(write_fd, orjson.dumps(request) + b"\n")
        else:
            from flow_sdk import protojson

            payload = protojson.encode("capture", "request", request)
            os.write(write_fd, struct.pack("<I", len(payload)) + payload)
    if close_stdin:
        os.close(write_fd)
    elif close_after is not None:
        # The runtime goes away (stdin EOF) after a while.
        closer = threading.Timer(close_after, os.close, (write_fd,))
        closer.start()
    out = io.BytesIO()
    try:
        serve(connector, cast(BinaryIO, FdReader(read_fd)), out, codec)
    finally:
        if close_after is not None:
            closer.join()
        elif not close_stdin:
            os.close(write_fd)
        os.close(read_fd)
    return decode(out.getvalue(), codec)


def decode(data: bytes, codec: Codec = Codec.JSON) -> list[dict[str, Any]]:
    """Split a connector's output into response dicts."""
    if codec is Codec.JSON:
        return [orjson.loads(line) for line in data.splitlines() if line.strip()]
    from flow_sdk import protojson

    out, at = [], 0
    while at < len(data):
        (size,) = struct.unpack_from("<I", data, at)
        out.append(protojson.decode("capture", "response", data[at + 4 : at + 4 + size]))
        at += 4 + size
    return out


def open_request(
    bindings: int, state: Any = None, config: Any = None, resources: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    """An `open` request with `bindings` bindings."""
    resources = resources or [{} for _ in range(bindings)]
    body: dict[str, Any] = {
        "capture": {
            "name": "acmeCo/test",
            "connectorType": "LOCAL",
            "config": config or {},
            "bindings": [
                {
                    "resourceConfig": resources[i],
                    "resourcePath": [f"r{i}"],
                    "stateKey": f"r{i}",
                    "collection": {"name": f"acmeCo/c{i}", "key": ["/id"], "writeSchema": {}},
                }
                for i in range(bindings)
            ],
        },
        "version": "v1",
        "range": {"keyEnd": 4294967295, "rClockEnd": 4294967295},
    }
    if state is not None:
        body["state"] = state
    return {"open": body}


def _serve_acking(connector: Connector, requests: list[dict[str, Any]]) -> list[dict[str, Any]]:
    in_read, in_write = os.pipe()
    out_read, out_write = os.pipe()
    for request in requests:
        os.write(in_write, orjson.dumps(request) + b"\n")
    lines: list[bytes] = []

    def runtime() -> None:
        with os.fdopen(out_read, "rb") as responses:
            for line in responses:
                lines.append(line)
                if line.startswith(b'{"checkpoint"'):
                    os.write(in_write, b'{"acknowledge":{"checkpoints":1}}\n')

    thread = threading.Thread(target=runtime, daemon=True)
    thread.start()
    try:
        with os.fdopen(out_write, "wb") as out:
            serve(connector, cast(BinaryIO, FdReader(in_read)), out)
    finally:
        thread.join(10)
        os.close(in_write)
        os.close(in_read)
    return [orjson.loads(line) for line in lines]
