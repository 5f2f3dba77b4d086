"""The materialization connector base class and its process entry point."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, BinaryIO, ClassVar, NoReturn

from .. import log
from ..config import ConfigModel, model_schema, parse_model, validate_config
from ..entrypoint import run as run_entrypoint
from ..grpc_server import grpc_address, serve_forever
from ..protocol import PROTOCOL_VERSION
from ..stdio import Codec, MessageReader, MessageWriter, claim_stdout, resolve_codec, stdin_binary
from . import request, response
from .bindings import Binding, ProposedBinding
from .session import Session
from .transactor import Transactor


class Connector(ABC):
    """A materialization connector: one-shot `spec`/`validate`/`apply`, and `open` for sessions.

    Configuration, two ways:

    * Typed (the usual path): set `config_model` and `resource_model` to subclasses of
      `flow_sdk.config.ConfigModel`. The `spec` response advertises their `model_schema`
      (defaults, `secret()` fields), the endpoint config is parsed with `parse_model` (a
      ConfigError names the bad field by JSON pointer) and handlers get model instances.
      Mark the resource model's fields with `collection_name_field` (and optionally
      `schema_name_field`, `delta_updates_field`) from `flow_sdk.materialize.resource`.
    * Low-level (for shims whose schema is only known at run time): leave the models None and set
      `config_schema` / `resource_config_schema` (JSON schema dicts); configs are checked with
      `validate_config` and handlers get plain dicts.

    Handlers take `(config, request)`: the parsed endpoint config and the typed request of their
    variant (`flow_sdk.materialize.request.Validate`, `.Apply`, `.Open`), and return the typed
    response (`response.Validated`, `response.Applied`), or for `open` a Transactor subclassing
    one of the strategies in `flow_sdk.materialize.strategies`, which the SDK drives through the
    transactions (see `flow_sdk.materialize.transactor`). `self.resource(binding)` parses a
    binding's resource config.
    """

    config_model: ClassVar[type[ConfigModel] | None] = None
    resource_model: ClassVar[type[ConfigModel] | None] = None
    config_schema: ClassVar[dict[str, Any]] = {"type": "object"}
    resource_config_schema: ClassVar[dict[str, Any]] = {"type": "object"}
    documentation_url: ClassVar[str] = ""

    # -- configuration ---------------------------------------------------------------------------

    @classmethod
    def endpoint_schema(cls) -> dict[str, Any]:
        """The endpoint config's JSON schema (from `config_model` when set)."""
        return model_schema(cls.config_model) if cls.config_model is not None else cls.config_schema

    @classmethod
    def resource_schema(cls) -> dict[str, Any]:
        """The resource config's JSON schema (from `resource_model` when set)."""
        return model_schema(cls.resource_model) if cls.resource_model is not None else cls.resource_config_schema

    def config(self, raw: Any) -> Any:
        """The parsed endpoint config: a `config_model` instance, or the checked dict (low-level path)."""
        if self.config_model is not None:
            return parse_model(self.config_model, raw)
        return validate_config(raw, self.config_schema)

    def resource(self, binding: Binding | ProposedBinding) -> Any:
        """A binding's parsed resource config; a ConfigError names the binding's index and collection."""
        what = f"resource config of binding {binding.index} ({binding.collection_name})"
        if self.resource_model is not None:
            return parse_model(self.resource_model, binding.resource_config, what=what)
        return validate_config(binding.resource_config, self.resource_config_schema, what=what)

    # -- the handlers ----------------------------------------------------------------------------

    def spec(self, request: request.Spec) -> response.Spec:
        """The `spec` response; by default built from the config models (or schemas)."""
        return response.Spec(
            protocol=PROTOCOL_VERSION,
            config_schema=self.endpoint_schema(),
            resource_config_schema=self.resource_schema(),
            documentation_url=self.documentation_url,
        )

    @abstractmethod
    def validate(self, config: Any, request: request.Validate) -> response.Validated:
        """The `validated` response: one binding per request binding, same order."""

    @abstractmethod
    def apply(self, config: Any, request: request.Apply) -> response.Applied:
        """The `applied` response; must be idempotent."""

    @abstractmethod
    def open(self, config: Any, request: request.Open) -> Transactor:
        """Connect to the destination and return this session's transactor."""

    # -- running ---------------------------------------------------------------------------------

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
