"""The low-level capture connector: one method per request, and the loop that serves them over stdio."""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Mapping
from types import FrameType
from typing import Any, BinaryIO, ClassVar, cast

from .. import entrypoint, json_pointer, log
from ..config import validate_config
from ..errors import ConfigError, ProtocolError
from ..grpc_server import grpc_address, serve_forever
from ..stdio import Codec, MessageReader, MessageWriter, claim_stdout, resolve_codec
from .protocol import CaptureProtocol
from .session import Session, Stopped, run_writer
from .stdin import FdReader

PROTOCOL_VERSION = 3032023
_FAILURE_GRACE_SECONDS = 2.0
_logger = log.get_logger("flow_sdk.capture")


def open_bindings(request: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The bindings of an `open` request's capture spec (possibly empty)."""
    capture = request.get("capture") or {}
    bindings = capture.get("bindings") or []
    if not isinstance(bindings, list):
        raise ProtocolError(
            "open.capture.bindings must be an array", expected="array", received=type(bindings).__name__
        )
    linked = capture.get("linkedCollections") or []
    for index, binding in enumerate(bindings):
        collection_index = binding.get("collectionIndex", 0)
        if "collection" not in binding and linked and not 0 <= collection_index < len(linked):
            raise ProtocolError(
                f"open.capture.bindings[{index}].collectionIndex is out of range",
                expected=f"an index in 0..{len(linked) - 1}",
                received=str(collection_index),
            )
    return bindings


class Connector:
    """Base class of a capture connector: override `discover` and `open` (and the schemas).

    Each handler receives the endpoint config (already validated against `config_schema`, its
    secrets registered for redaction) and the request body as a Flow JSON form dict.
    """

    config_schema: ClassVar[dict[str, Any]] = {"type": "object"}
    resource_config_schema: ClassVar[dict[str, Any]] = {"type": "object"}
    documentation_url: ClassVar[str] = ""
    resource_path_pointers: ClassVar[list[str]] = []
    # Ask the runtime for `acknowledge` requests as checkpoints commit (see `Session.wait_acknowledged`).
    wants_acknowledgements: ClassVar[bool] = False
    # With explicit acknowledgements: stop writing while this many checkpoints await one (0: no limit).
    max_unacknowledged: ClassVar[int] = 0

    def spec(self, request: Mapping[str, Any]) -> dict[str, Any]:
        """The `spec` response body."""
        body: dict[str, Any] = {
            "protocol": PROTOCOL_VERSION,
            "configSchema": self.config_schema,
            "resourceConfigSchema": self.resource_config_schema,
            "documentationUrl": self.documentation_url,
        }
        if self.resource_path_pointers:
            body["resourcePathPointers"] = list(self.resource_path_pointers)
        return body

    def discover(self, config: dict[str, Any], request: Mapping[str, Any]) -> list[dict[str, Any]]:
        """The discovered bindings: {recommendedName, resourceConfig, documentSchema, key, ...}."""
        return []

    def validate(self, config: dict[str, Any], request: Mapping[str, Any]) -> list[dict[str, Any]]:
        """One {resourcePath} per request binding; by default derived from `resource_path_pointers`."""
        out = []
        for index, binding in enumerate(request.get("bindings") or []):
            resource = binding.get("resourceConfig") or {}
            validate_config(resource, self.resource_config_schema, what=f"resource config of binding {index}")
            out.append({"resourcePath": self.resource_path(resource)})
        return out

    def resource_path(self, resource_config: Mapping[str, Any]) -> list[str]:
        """A binding's resource path: the values at `resource_path_pointers` (absent ones skipped)."""
        values = (json_pointer.get(resource_config, ptr) for ptr in self.resource_path_pointers)
        return [str(v) for v in values if v is not None]

    def apply(self, config: dict[str, Any], request: Mapping[str, Any]) -> dict[str, Any]:
        """The `applied` response body; by default nothing to do."""
        return {}

    def explicit_acknowledgements(self, config: dict[str, Any], request: Mapping[str, Any]) -> bool:
        """Whether `opened` asks for explicit acknowledgements; defaults to `wants_acknowledgements`."""
        return self.wants_acknowledgements

    def prepare_open(self, config: dict[str, Any], request: Mapping[str, Any]) -> None:
        """Check an `open` request before `opened` is sent; raise (e.g. ConfigError) to refuse it."""

    def open(self, config: dict[str, Any], request: Mapping[str, Any], session: Session) -> None:
        """Capture: emit documents and checkpoints through `session` until done or `Stopped` is raised."""
        raise NotImplementedError(f"{type(self).__name__} does not implement open")

    def main(self) -> None:
        """Serve one connector invocation on stdin/stdout, then exit (never returns)."""
        run(self)


def _config_of(connector: Connector, body: Mapping[str, Any]) -> dict[str, Any]:
    config = body.get("config")
    if config is None:
        config = {}
    if not isinstance(config, dict):
        raise ConfigError(f"endpoint config must be a JSON object, got {type(config).__name__}")
    validate_config(config, connector.config_schema)
    return config


def serve(connector: Connector, stdin: BinaryIO, stdout: BinaryIO, codec: Codec = Codec.JSON) -> int:
    """Answer requests from `stdin` on `stdout` until the input ends or a session finishes."""
    reader = MessageReader(stdin, codec, "capture", "request")
    writer = MessageWriter(stdout, codec, "capture", "response")
    protocol = CaptureProtocol()
    for request in reader:
        name = protocol.receive(request)
        body = request[name]
        response: dict[str, Any]
        if name == "spec":
            response = {"spec": connector.spec(body)}
        elif name == "discover":
            response = {"discovered": {"bindings": connector.discover(_config_of(connector, body), body)}}
        elif name == "validate":
            response = {"validated": {"bindings": connector.validate(_config_of(connector, body), body)}}
        elif name == "apply":
            capture = body.get("capture") or {}
            response = {"applied": connector.apply(_config_of(connector, capture), body)}
        else:
            return _run_session(connector, body, reader, writer, protocol)
        protocol.send(response)
        writer.write(response)
        writer.flush()
    return 0


def _run_session(
    connector: Connector,
    body: Mapping[str, Any],
    reader: MessageReader,
    writer: MessageWriter,
    protocol: CaptureProtocol,
) -> int:
    capture = body.get("capture") or {}
    config = _config_of(connector, capture)
    bindings = open_bindings(body)
    for index, binding in enumerate(bindings):
        validate_config(
            binding.get("resourceConfig") or {},
            connector.resource_config_schema,
            what=f"resource config of binding {index}",
        )
    connector.prepare_open(config, body)
    explicit = connector.explicit_acknowledgements(config, body)
    opened: dict[str, Any] = {"opened": {"explicitAcknowledgements": True} if explicit else {}}
    protocol.send(opened)
    writer.write(opened)
    writer.flush()

    session = Session(
        bindings=len(bindings),
        codec=reader.codec,
        protocol=protocol,
        encoder=writer,
        ack_window=connector.max_unacknowledged if explicit else 0,
    )
    threading.Thread(target=_read_requests, args=(reader, protocol, session), name="capture-stdin", daemon=True).start()
    producer = threading.Thread(
        target=_produce, args=(connector, config, body, session), name="capture-open", daemon=True
    )
    previous = _install_sigterm(session)
    try:
        producer.start()
        run_writer(session, writer)
        # A stop can overtake a producer that is failing: give it a moment to report.
        producer.join(_FAILURE_GRACE_SECONDS)
    finally:
        _restore_sigterm(previous)
    if session.failure is not None:
        raise session.failure
    if session.stopping:
        _logger.info("capture stopped", extra={"fields": {"reason": session.stop_reason}})
    leftover = session.pending_documents()
    if leftover and not session.stopping:
        _logger.warning("discarded documents never followed by a checkpoint", extra={"fields": {"bytes": leftover}})
    return 0


def _produce(connector: Connector, config: dict[str, Any], body: Mapping[str, Any], session: Session) -> None:
    try:
        connector.open(config, body, session)
    except Stopped:
        pass
    except BaseException as exc:
        session.fail(exc)
        return
    session.finish()


def _read_requests(reader: MessageReader, protocol: CaptureProtocol, session: Session) -> None:
    try:
        for request in reader:
            protocol.receive(request)
            session.acknowledge(int(request["acknowledge"].get("checkpoints", 0)))
    except BaseException as exc:
        session.fail(exc)
        return
    session.stop("eof")


_Handler = Any


def _install_sigterm(session: Session) -> _Handler:
    if threading.current_thread() is not threading.main_thread():
        return None

    def on_sigterm(signum: int, frame: FrameType | None) -> None:
        session.stop("SIGTERM")

    return signal.signal(signal.SIGTERM, on_sigterm)


def _restore_sigterm(previous: _Handler) -> None:
    if previous is not None:
        signal.signal(signal.SIGTERM, previous)


def run(connector: Connector, codec: str | None = None) -> None:
    """The connector process entry: logging to stderr, stdout claimed for the protocol, exit code set."""

    def main() -> int:
        log.configure()
        address = grpc_address()
        if address:
            return serve_forever("capture", lambda i, o, c: serve(connector, i, o, c), address)
        resolved = resolve_codec(codec)
        stdout = claim_stdout()
        # Not sys.stdin: a daemon thread blocked in it would abort interpreter shutdown.
        stdin = cast(BinaryIO, FdReader(os.dup(0)))
        return serve(connector, stdin, stdout, resolved)

    entrypoint.run(main)
