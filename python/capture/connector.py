"""The low-level capture connector: one method per request, and the loop that serves them over stdio."""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Mapping, Sequence
from types import FrameType
from typing import Any, BinaryIO, ClassVar, cast

import pydantic

from .. import entrypoint, json_pointer, log
from ..config import ConfigModel, model_schema, parse_model, validate_config
from ..errors import ConfigError
from ..flow import CaptureSpec, CollectionSpec, binding_collection
from ..grpc_server import grpc_address, serve_forever
from ..protocol import PROTOCOL_VERSION
from ..protocol.capture import CaptureProtocol, Role
from ..stdio import Codec, MessageReader, MessageWriter, claim_stdout, resolve_codec
from . import request as rq
from . import response as rs
from .session import Outbox, Session, Stopped, run_writer
from .stdin import FdReader

_FAILURE_GRACE_SECONDS = 2.0
_logger = log.get_logger("flow_sdk.capture")

# Either binding form: proposed (Validate) or built (Open/Apply's CaptureSpec).
Binding = rq.Validate.Binding | CaptureSpec.Binding


class Connector:
    """Base class of a capture connector: override `discover` and `open` (and declare the configs).

    Configs, two ways:

    * Typed (preferred): set `config_model` and `resource_model` to `ConfigModel` subclasses.
      The `spec` response advertises `model_schema(...)` of each (defaults, titles and `secret()`
      fields come from the model), configs are validated with `parse_model` (a ConfigError names
      each bad field by JSON pointer) and handlers receive model instances.
    * Low level (for shims whose schema is only known at run time): leave the models None and
      set `config_schema` / `resource_config_schema` (JSON schema dicts). Configs are checked
      with `validate_config` and handlers receive plain dicts.

    Handlers take `(config, request)`, where `request` is the typed wire model of the request
    (`flow_sdk.capture.request.Discover`, ...), and return the typed response model
    (`flow_sdk.capture.response.Discovered`, ...). A session runs `prepare_open(config, request)`
    before `opened` is sent (raise to refuse the session) and hands what it returns to
    `open(config, request, session, prepared)`, which captures through the `Session`.
    """

    config_model: ClassVar[type[ConfigModel] | None] = None
    resource_model: ClassVar[type[ConfigModel] | None] = None
    config_schema: ClassVar[dict[str, Any]] = {"type": "object"}
    resource_config_schema: ClassVar[dict[str, Any]] = {"type": "object"}
    documentation_url: ClassVar[str] = ""
    resource_path_pointers: ClassVar[list[str]] = []
    # Ask the runtime for `acknowledge` requests as checkpoints commit (see `Session.wait_acknowledged`).
    wants_acknowledgements: ClassVar[bool] = False
    # With explicit acknowledgements: stop writing while this many checkpoints await one (0: no limit).
    max_unacknowledged: ClassVar[int] = 0

    # -- configs -------------------------------------------------------------------------------

    def endpoint_config_schema(self) -> dict[str, Any]:
        """The endpoint config's JSON schema: from `config_model` if set, else `config_schema`."""
        return model_schema(self.config_model) if self.config_model is not None else self.config_schema

    def resource_schema(self) -> dict[str, Any]:
        """A binding's resource config JSON schema: from `resource_model` if set, else `resource_config_schema`."""
        return model_schema(self.resource_model) if self.resource_model is not None else self.resource_config_schema

    def config(self, value: Any) -> Any:
        """Parse an endpoint config: a `config_model` instance, or the validated dict (low level)."""
        if self.config_model is not None:
            return parse_model(self.config_model, value)
        if value is None:
            value = {}
        if not isinstance(value, dict):
            raise ConfigError(f"endpoint config must be a JSON object, got {type(value).__name__}")
        return validate_config(value, self.config_schema)

    def resource(self, binding: Binding, index: int, linked_collections: Sequence[CollectionSpec] = ()) -> Any:
        """Parse binding `index`'s resource config: a `resource_model` instance, or the validated dict.

        A ConfigError names the binding's index and its collection.
        """
        collection = binding_collection(binding, linked_collections, where=f"bindings[{index}]").name
        what = f"resource config of binding {index} (collection {collection!r})"
        if self.resource_model is not None:
            return parse_model(self.resource_model, binding.resource_config, what=what)
        value = {} if binding.resource_config is None else binding.resource_config
        if not isinstance(value, dict):
            raise ConfigError(f"{what} must be a JSON object, got {type(value).__name__}")
        return validate_config(value, self.resource_config_schema, what=what)

    def resources(self, capture: CaptureSpec) -> list[Any]:
        """The parsed resource config of every binding of `capture`, in binding order."""
        return [self.resource(b, i, capture.linked_collections) for i, b in enumerate(capture.bindings)]

    def resource_path(self, resource: Any) -> list[str]:
        """A binding's resource path: the values at `resource_path_pointers` (absent ones skipped)."""
        if isinstance(resource, pydantic.BaseModel):
            resource = resource.model_dump(mode="json", by_alias=True)
        values = (json_pointer.get(resource, ptr) for ptr in self.resource_path_pointers)
        return [str(v) for v in values if v is not None]

    # -- handlers ------------------------------------------------------------------------------

    def spec(self, request: rq.Spec) -> rs.Spec:
        """The `spec` response."""
        return rs.Spec(
            protocol=PROTOCOL_VERSION,
            config_schema=self.endpoint_config_schema(),
            resource_config_schema=self.resource_schema(),
            documentation_url=self.documentation_url,
            resource_path_pointers=list(self.resource_path_pointers),
        )

    def discover(self, config: Any, request: rq.Discover) -> rs.Discovered:
        """The resources the endpoint offers; none by default."""
        return rs.Discovered()

    def validate(self, config: Any, request: rq.Validate) -> rs.Validated:
        """One resource path per request binding; by default derived from `resource_path_pointers`."""
        bindings = [
            rs.Validated.Binding(resource_path=self.resource_path(self.resource(b, i, request.linked_collections)))
            for i, b in enumerate(request.bindings)
        ]
        return rs.Validated(bindings=bindings)

    def apply(self, config: Any, request: rq.Apply) -> rs.Applied:
        """The `applied` response; by default nothing to do."""
        return rs.Applied()

    def explicit_acknowledgements(self, config: Any, request: rq.Open) -> bool:
        """Whether `opened` asks for explicit acknowledgements; defaults to `wants_acknowledgements`."""
        return self.wants_acknowledgements

    def prepare_open(self, config: Any, request: rq.Open) -> Any:
        """Check an `open` request before `opened` is sent; raise (e.g. ConfigError) to refuse it.

        Returns what `open` receives as `prepared`; by default the parsed resource configs.
        """
        return self.resources(request.capture or CaptureSpec())

    def open(self, config: Any, request: rq.Open, session: Session, prepared: Any) -> None:
        """Capture: emit documents and checkpoints through `session` until done or `Stopped` is raised."""
        raise NotImplementedError(f"{type(self).__name__} does not implement open")

    def main(self) -> None:
        """Serve one connector invocation on stdin/stdout, then exit (never returns)."""
        run(self)


def _answer(connector: Connector, name: str, body: Mapping[str, Any]) -> rs.Response:
    """The response to a one-shot request."""
    if name == "spec":
        return rs.Response(spec=connector.spec(rq.Spec.from_flow_json(body)))
    if name == "discover":
        discover = rq.Discover.from_flow_json(body)
        return rs.Response(discovered=connector.discover(connector.config(discover.config), discover))
    if name == "validate":
        validate = rq.Validate.from_flow_json(body)
        return rs.Response(validated=connector.validate(connector.config(validate.config), validate))
    apply = rq.Apply.from_flow_json(body)
    config = connector.config(apply.capture.config if apply.capture is not None else None)
    return rs.Response(applied=connector.apply(config, apply))


def serve(connector: Connector, stdin: BinaryIO, stdout: BinaryIO, codec: Codec = Codec.JSON) -> int:
    """Answer requests from `stdin` on `stdout` until the input ends or a session finishes."""
    reader = MessageReader(stdin, codec, "capture", "request")
    writer = MessageWriter(stdout, codec, "capture", "response")
    protocol = CaptureProtocol(Role.CONNECTOR)
    for message in reader:
        name = protocol.receive(message)
        if name == "open":
            return _run_session(connector, rq.Open.from_flow_json(message[name]), reader, writer, protocol)
        response = _answer(connector, name, message[name])
        protocol.send(response)
        writer.write(response.to_flow_json())
        writer.flush()
    return 0


def _run_session(
    connector: Connector,
    request: rq.Open,
    reader: MessageReader,
    writer: MessageWriter,
    protocol: CaptureProtocol,
) -> int:
    capture = request.capture or CaptureSpec()
    config = connector.config(capture.config)
    prepared = connector.prepare_open(config, request)
    explicit = connector.explicit_acknowledgements(config, request)
    opened = rs.Response(opened=rs.Opened(explicit_acknowledgements=explicit))
    protocol.send(opened)
    writer.write(opened.to_flow_json())
    writer.flush()

    outbox = Outbox(
        bindings=len(capture.bindings),
        codec=reader.codec,
        protocol=protocol,
        encoder=writer,
        ack_window=connector.max_unacknowledged if explicit else 0,
    )
    session = Session(outbox)
    threading.Thread(target=_read_requests, args=(reader, protocol, outbox), name="capture-stdin", daemon=True).start()
    producer = threading.Thread(
        target=_produce, args=(connector, config, request, session, prepared, outbox), name="capture-open", daemon=True
    )
    previous = _install_sigterm(outbox)
    try:
        producer.start()
        run_writer(outbox, writer)
        # A stop can overtake a producer that is failing: give it a moment to report.
        producer.join(_FAILURE_GRACE_SECONDS)
    finally:
        _restore_sigterm(previous)
    if outbox.failure is not None:
        raise outbox.failure
    if outbox.stopping:
        _logger.info("capture stopped", extra={"fields": {"reason": outbox.stop_reason}})
    leftover = session.buffered_bytes()
    if leftover and not outbox.stopping:
        _logger.warning("discarded documents never followed by a checkpoint", extra={"fields": {"bytes": leftover}})
    return 0


def _produce(
    connector: Connector, config: Any, request: rq.Open, session: Session, prepared: Any, outbox: Outbox
) -> None:
    try:
        connector.open(config, request, session, prepared)
    except Stopped:
        pass
    except BaseException as exc:
        outbox.fail(exc)
        return
    outbox.finish()


def _read_requests(reader: MessageReader, protocol: CaptureProtocol, outbox: Outbox) -> None:
    try:
        for message in reader:
            protocol.receive(message)
            outbox.acknowledge(rq.Acknowledge.from_flow_json(message["acknowledge"]).checkpoints)
    except BaseException as exc:
        outbox.fail(exc)
        return
    outbox.stop("eof")


_Handler = Any


def _install_sigterm(outbox: Outbox) -> _Handler:
    if threading.current_thread() is not threading.main_thread():
        return None

    def on_sigterm(signum: int, frame: FrameType | None) -> None:
        outbox.stop("SIGTERM")

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
