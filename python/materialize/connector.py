"""The materialization connector base class and its process entry point."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from typing import Any, BinaryIO, ClassVar, NoReturn

from .. import log
from ..config import validate_config
from ..entrypoint import run as run_entrypoint
from ..grpc_server import grpc_address, serve_forever
from ..stdio import Codec, MessageReader, MessageWriter, claim_stdout, resolve_codec, stdin_binary
from .session import PROTOCOL_VERSION, Session
from .transactor import Transactor


class Connector(ABC):
    """A materialization connector: one-shot `spec`/`validate`/`apply`, and `open` for sessions.

    Requests and responses are Flow JSON form dicts (the body of the variant, e.g. for
    `validate` the dict under the "validate" key). `open` returns a Transactor subclassing one of
    the strategies in `flow_sdk.materialize.strategies`; the SDK drives it through the
    transactions (see `flow_sdk.materialize.transactor`).
    """

    config_schema: ClassVar[dict[str, Any]] = {"type": "object"}
    resource_config_schema: ClassVar[dict[str, Any]] = {"type": "object"}
    documentation_url: ClassVar[str] = ""

    def spec(self, request: Mapping[str, Any]) -> dict[str, Any]:
        """The `spec` response body; by default built from the class attributes."""
        out: dict[str, Any] = {
            "protocol": PROTOCOL_VERSION,
            "configSchema": self.config_schema,
            "resourceConfigSchema": self.resource_config_schema,
        }
        if self.documentation_url:
            out["documentationUrl"] = self.documentation_url
        return out

    def parse_config(self, config: Any) -> Any:
        """Validate an endpoint config against `config_schema` (raises ConfigError) and return it."""
        return validate_config(config, self.config_schema)

    def parse_resource_config(self, config: Any) -> Any:
        """Validate a resource config against `resource_config_schema` and return it."""
        return validate_config(config, self.resource_config_schema, what="resource config")

    @abstractmethod
    def validate(self, request: Mapping[str, Any]) -> dict[str, Any]:
        """The `validated` response body: one binding per request binding, same order."""

    @abstractmethod
    def apply(self, request: Mapping[str, Any]) -> dict[str, Any]:
        """The `applied` response body; must be idempotent."""

    @abstractmethod
    def open(self, request: Mapping[str, Any]) -> Transactor:
        """Connect to the destination and return this session's transactor."""

    def serve(self, stdin: BinaryIO, stdout: BinaryIO, codec: Codec = Codec.JSON) -> int:
        """Run the protocol over these streams until stdin ends; returns the exit code."""
        reader = MessageReader(stdin, codec, "materialize", "request")
        writer = MessageWriter(stdout, codec, "materialize", "response")
        return Session(self, reader, writer).run()

    def main(self) -> NoReturn:
        """Process entry point: stdin/stdout in the resolved codec, JSON logs on stderr."""
        run(self)


def run(connector: Connector) -> NoReturn:
    """Serve `connector` on this process's stdin/stdout and exit (non-zero with one error record)."""

    def main() -> int:
        log.configure()
        address = grpc_address()
        if address:
            return serve_forever("materialize", connector.serve, address)
        codec = resolve_codec()
        out = claim_stdout()
        return connector.serve(stdin_binary(), out, codec)

    run_entrypoint(main)
