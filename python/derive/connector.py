"""The low-level derivation connector: one method per request, and the loop that serves them.

A subclass of `Connector` overrides `read` (and, as it needs, `open`, `flush`, `start_commit`,
`reset`, `validate`). Any of those may be `async def` or plain `def`: the session awaits what
they return when it is awaitable. The session checks every message against the derive protocol
core (`flow_sdk.protocol.derive`), so a handler cannot answer out of order.
"""

from __future__ import annotations

import asyncio
import inspect
import os
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, BinaryIO, ClassVar, TypeVar, cast

import orjson

from .. import entrypoint, log
from ..config import ConfigModel, model_schema, parse_model
from ..protocol.derive import DeriveProtocol
from ..protocol.roles import Role
from ..stdio import Codec, MessageReader, MessageWriter, claim_stdout, resolve_codec

PROTOCOL_VERSION = 3032023
T = TypeVar("T")
Documents = Iterable[Any]


@dataclass
class Flushed:
    """What a connector answers to `flush`: documents to publish first, then its state and `more`.

    `state` is a ConnectorState in Flow JSON form (`{"updated": ..., "mergePatch": bool}`);
    `more` asks the runtime for another flush round in this transaction.
    """

    documents: list[Any] = field(default_factory=list)
    state: dict[str, Any] | None = None
    more: bool = False


class Connector:
    """Base class of a derivation connector.

    Handlers get request bodies as Flow JSON form dicts, and the derivation's config parsed into
    `config_model` when the class sets one (a `ConfigModel`), else as raw JSON. Documents to
    publish are JSON values or pydantic models (dumped by alias, leaving out unset fields).
    """

    config_model: ClassVar[type[ConfigModel] | None] = None
    # JSON schema of each transform's lambda config (`resourceConfigSchema` of the spec).
    lambda_config_schema: ClassVar[dict[str, Any]] = {"type": "object"}
    documentation_url: ClassVar[str] = ""

    def spec(self, request: Mapping[str, Any]) -> dict[str, Any]:
        """The `spec` response body."""
        schema = model_schema(self.config_model) if self.config_model else {"type": "object"}
        return {
            "protocol": PROTOCOL_VERSION,
            "configSchema": schema,
            "resourceConfigSchema": self.lambda_config_schema,
            "documentationUrl": self.documentation_url,
        }

    def parse_config(self, config: Any) -> Any:
        """The derivation config, typed by `config_model` when set (ConfigError naming bad fields)."""
        if self.config_model is None:
            return config
        return parse_model(self.config_model, config, what="derivation config")

    def validate(self, config: Any, request: Mapping[str, Any]) -> dict[str, Any] | Awaitable[dict[str, Any]]:
        """The `validated` body: by default one `readOnly: false` per transform, no generated files."""
        return {"transforms": [{"readOnly": False} for _ in request.get("transforms") or []]}

    def open(self, config: Any, request: Mapping[str, Any]) -> dict[str, Any] | Awaitable[dict[str, Any] | None] | None:
        """Start the session (`request.state` is the last persisted state); returns the `opened` body."""
        return {}

    def read(self, transform: int, read: Mapping[str, Any]) -> Documents | Awaitable[Documents]:
        """Documents derived from one read (`read.doc`) of transform index `transform`."""
        raise NotImplementedError(f"{type(self).__name__}.read is not implemented")

    def flush(self, state_patches: Any) -> Flushed | Awaitable[Flushed | None] | None:
        """Finish deferred work of this transaction; `state_patches` are the previous round's patches."""
        return None

    def start_commit(self, runtime_checkpoint: Any) -> dict[str, Any] | Awaitable[dict[str, Any] | None] | None:
        """A ConnectorState to commit with the runtime's transaction (Flow JSON form), or None."""
        return None

    def reset(self) -> Awaitable[None] | None:
        """Forget all internal state (Flow's catalog tests call this between test cases)."""
        return None

    @classmethod
    def main(cls, codec: str | None = None) -> None:
        """Run an instance of this connector as the process's stdio connector."""
        run(cls(), codec)


async def _resolved(value: T | Awaitable[T]) -> T:
    if inspect.isawaitable(value):
        return cast(T, await value)
    return value


def encode_document(doc: Any) -> bytes:
    """The JSON bytes of a document to publish (pydantic models by alias, unset fields left out)."""
    # The model's own serializer, called directly (pydantic models and dataclasses have one):
    # `model_dump_json` and an isinstance check against BaseModel's metaclass cost more than
    # serializing a small document.
    serializer = getattr(type(doc), "__pydantic_serializer__", None)
    if serializer is not None:
        encoded: bytes = serializer.to_json(doc, by_alias=True, exclude_unset=True)
        return encoded
    return orjson.dumps(doc)


class DeriveSession:
    """Serves one derive connection: reads requests, calls the connector, writes responses."""

    def __init__(self, connector: Connector, reader: MessageReader, writer: MessageWriter) -> None:
        self.connector = connector
        self.reader = reader
        self.writer = writer
        self.protocol = DeriveProtocol(Role.CONNECTOR)
        self._config: Any = None
        self._json = writer.codec is Codec.JSON
        self._handlers: dict[str, Callable[[Mapping[str, Any]], Awaitable[None]]] = {
            "spec": self._spec,
            "validate": self._validate,
            "open": self._open,
            "flush": self._flush,
            "startCommit": self._start_commit,
            "reset": self._reset,
        }

    async def serve(self) -> None:
        """Serve requests until the input ends."""
        protocol, read, publish = self.protocol, self.connector.read, self._publish
        for message in self.reader:
            kind = protocol.on_request(message)
            if kind == "read":
                body = message["read"]
                documents = read(body.get("transform", 0), body)
                if type(documents) is not list and hasattr(documents, "__await__"):
                    documents = await cast(Awaitable[Documents], documents)
                publish(documents)
            else:
                await self._handlers[kind](message[kind])
                # `open` may rebind the connector's `read` (a wrapper handing reads to what it opened).
                read = self.connector.read
        self.writer.flush()

    def _publish(self, documents: Documents) -> None:
        if not isinstance(documents, list):
            documents = list(documents)
        if not documents:
            return
        self.protocol.on_published(len(documents))
        if self._json:
            write = self.writer.write_framed
            for doc in documents:
                write(b'{"published":{"doc":' + encode_document(doc) + b"}}\n")
        else:
            for doc in documents:
                self.writer.write({"published": {"doc": orjson.loads(encode_document(doc))}})

    def _respond(self, response: dict[str, Any]) -> None:
        self.protocol.on_response(response)
        self.writer.write(response)
        self.writer.flush()

    async def _spec(self, body: Mapping[str, Any]) -> None:
        self._respond({"spec": self.connector.spec(body)})

    async def _validate(self, body: Mapping[str, Any]) -> None:
        config = self.connector.parse_config(body.get("config"))
        self._respond({"validated": await _resolved(self.connector.validate(config, body))})

    async def _open(self, body: Mapping[str, Any]) -> None:
        derivation = (body.get("collection") or {}).get("derivation") or {}
        self._config = self.connector.parse_config(derivation.get("config"))
        opened = await _resolved(self.connector.open(self._config, body))
        self._respond({"opened": opened or {}})

    async def _flush(self, body: Mapping[str, Any]) -> None:
        flushed = await _resolved(self.connector.flush(body.get("statePatches"))) or Flushed()
        self._publish(flushed.documents)
        response: dict[str, Any] = {}
        if flushed.state is not None:
            response["state"] = flushed.state
        if flushed.more:
            response["more"] = True
        self._respond({"flushed": response})

    async def _start_commit(self, body: Mapping[str, Any]) -> None:
        state = await _resolved(self.connector.start_commit(body.get("runtimeCheckpoint")))
        self._respond({"startedCommit": {"state": state} if state is not None else {}})

    async def _reset(self, body: Mapping[str, Any]) -> None:
        await _resolved(self.connector.reset())


def serve(connector: Connector, stdin: BinaryIO, stdout: BinaryIO, codec: Codec = Codec.JSON) -> int:
    """Serve one derive connection over the given streams; returns the exit code."""
    reader = MessageReader(stdin, codec, "derive", "request")
    writer = MessageWriter(stdout, codec, "derive", "response")
    session = DeriveSession(connector, reader, writer)
    try:
        asyncio.run(session.serve())
    finally:
        writer.flush()
    return 0


def run(connector: Connector, codec: str | None = None) -> None:
    """The connector process entry: logging to stderr, stdout claimed for the protocol, exit code set."""

    def main() -> int:
        log.configure()
        resolved = resolve_codec(codec)
        stdout = claim_stdout()
        stdin = os.fdopen(os.dup(0), "rb", buffering=1 << 16)
        return serve(connector, stdin, stdout, resolved)

    entrypoint.run(main)
