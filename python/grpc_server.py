"""Serves a connector over gRPC: Flow's `Connector` service with one bidirectional streaming method.

Each RPC runs the connector's ordinary stdio session (`serve(stdin, stdout, codec)`) on a thread,
fed through a pair of pipes in the length-prefixed protobuf codec, so the same connector code
answers on stdio and on gRPC with no second implementation of the protocol loop.
"""

from __future__ import annotations

import os
import struct
import threading
from collections.abc import Callable, Iterator
from concurrent import futures
from typing import TYPE_CHECKING, Any, BinaryIO, Protocol

from . import log
from .errors import ConnectorError
from .stdio import Codec, iter_proto_frames

if TYPE_CHECKING:
    import grpc

# serve(stdin, stdout, codec) -> exit code, as the capture and materialize frameworks provide.
Serve = Callable[[BinaryIO, BinaryIO, Codec], int]

_LEN = struct.Struct("<I")
# When set (e.g. `0.0.0.0:9000`), a connector's main() serves gRPC there instead of stdio.
GRPC_ADDRESS_ENV = "FLOW_SDK_GRPC_ADDRESS"
_logger = log.get_logger("flow_sdk.grpc")


class _Message(Protocol):
    def SerializeToString(self) -> bytes: ...  # noqa: N802 - protobuf's name


def grpc_address() -> str | None:
    """The address named by FLOW_SDK_GRPC_ADDRESS, if any."""
    return os.environ.get(GRPC_ADDRESS_ENV) or None


def _services(protocol: str) -> tuple[Any, Any, str]:
    """(pb2 module, pb2_grpc module, method name) of a protocol."""
    if protocol == "capture":
        from .proto import capture_pb2, capture_pb2_grpc

        return capture_pb2, capture_pb2_grpc, "Capture"
    if protocol == "materialize":
        from .proto import materialize_pb2, materialize_pb2_grpc

        return materialize_pb2, materialize_pb2_grpc, "Materialize"
    if protocol == "derive":
        from .proto import derive_pb2, derive_pb2_grpc

        return derive_pb2, derive_pb2_grpc, "Derive"
    raise ValueError(f"unknown protocol {protocol!r}")


def stream_session(serve: Serve, requests: Iterator[_Message], response_type: Any) -> Iterator[Any]:
    """Run one connector session over an iterator of request messages, yielding response messages."""
    import grpc

    stdin_r, stdin_w = os.pipe()
    stdout_r, stdout_w = os.pipe()
    outcome: dict[str, Any] = {}

    def feed() -> None:
        try:
            with os.fdopen(stdin_w, "wb") as sink:
                for request in requests:
                    payload = request.SerializeToString()
                    sink.write(_LEN.pack(len(payload)) + payload)
                    sink.flush()
        except (BrokenPipeError, grpc.RpcError):
            pass  # the session ended first, or the client went away: the session sees EOF

    def run() -> None:
        # The request side is not closed here: the session's reader thread may still be blocked
        # reading it, and closing a buffered reader under a blocked read waits for that read. It
        # reaches EOF (and is released) when the RPC ends and `feed` closes the write end.
        source = os.fdopen(stdin_r, "rb")
        try:
            with os.fdopen(stdout_w, "wb") as sink:
                outcome["code"] = serve(source, sink, Codec.PROTO)
        except BaseException as exc:  # reported to the client below
            outcome["error"] = exc

    feeder = threading.Thread(target=feed, name="grpc-requests", daemon=True)
    runner = threading.Thread(target=run, name="grpc-session", daemon=True)
    feeder.start()
    runner.start()
    with os.fdopen(stdout_r, "rb") as responses:
        for _, payload in iter_proto_frames(responses):
            yield response_type.FromString(payload)
    runner.join()
    error = outcome.get("error")
    if error is not None:
        raise error
    if outcome.get("code"):
        raise ConnectorError(f"connector session exited with code {outcome['code']}")


def make_server(protocol: str, serve: Serve, address: str = "127.0.0.1:0", workers: int = 8) -> tuple[grpc.Server, int]:
    """A started-ready gRPC server for `protocol` bound to `address`; returns it and the bound port."""
    import grpc

    pb2, pb2_grpc, method = _services(protocol)

    def handler(request_iterator: Iterator[_Message], context: grpc.ServicerContext) -> Iterator[Any]:
        try:
            yield from stream_session(serve, request_iterator, pb2.Response)
        except ConnectorError as exc:
            _logger.error("gRPC session failed", extra={"fields": {"error": exc.message}})
            context.abort(grpc.StatusCode.FAILED_PRECONDITION, log.redact(exc.message))
        except Exception as exc:
            _logger.exception("gRPC session failed")
            context.abort(grpc.StatusCode.INTERNAL, log.redact(f"{type(exc).__name__}: {exc}"))

    servicer = type(f"{method}Servicer", (pb2_grpc.ConnectorServicer,), {method: staticmethod(handler)})()
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=workers))
    pb2_grpc.add_ConnectorServicer_to_server(servicer, server)
    port = server.add_insecure_port(address)
    if port == 0:
        raise ConnectorError(f"cannot listen for gRPC on {address}")
    return server, port


def serve_forever(protocol: str, serve: Serve, address: str) -> int:
    """Serve the connector over gRPC at `address` until interrupted."""
    server, port = make_server(protocol, serve, address)
    server.start()
    _logger.info("serving over gRPC", extra={"fields": {"protocol": protocol, "port": port}})
    try:
        server.wait_for_termination()
    except KeyboardInterrupt:
        server.stop(grace=5)
    return 0
