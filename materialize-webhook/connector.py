"""materialize-webhook: POSTs each binding's documents in batches to an HTTP endpoint; at-least-once.

Each request body is `{"binding": <resource name>, "documents": [<doc>, ...]}`. Stores are sent as
batches fill up and the rest at startCommit, before `startedCommit`; a transaction replayed after
a crash is sent again (receivers should be idempotent by document key if duplicates matter).
"""

from __future__ import annotations

from collections.abc import Iterator

import orjson
from pydantic import ConfigDict, Field

from flow_sdk.config import ConfigModel
from flow_sdk.errors import ConfigError
from flow_sdk.materialize import (
    AtLeastOnce,
    Connector,
    Store,
    Transactor,
    TypeMapper,
    bindings_of,
    collection_name_field,
    projection_constraints,
    proposed_bindings,
    resource_path,
    validated_binding,
)
from flow_sdk.materialize.request import Apply, Open, Validate
from flow_sdk.materialize.response import Applied, Validated

from .client import Poster, RetryPolicy

DESTINATION = "the webhook"
# Documents go out whole, so any JSON type is acceptable.
ANY_TYPE = TypeMapper({t: "json" for t in ("string", "integer", "number", "boolean", "object", "array", "multiple")})


class WebhookTransactor(AtLeastOnce):
    """Batches stores per binding and POSTs them."""

    def __init__(self, poster: Poster, names: list[str], batch_size: int) -> None:
        self.poster = poster
        self.names = names
        self.batch_size = batch_size
        self.batches: dict[int, list[bytes]] = {}

    def _send(self, binding: int) -> None:
        docs = self.batches.pop(binding, [])
        if docs:
            body = b'{"binding":' + orjson.dumps(self.names[binding]) + b',"documents":[' + b",".join(docs) + b"]}"
            self.poster.post(body)

    def store(self, stores: Iterator[Store]) -> None:
        """Add each document to its binding's batch; send full batches."""
        for store in stores:
            batch = self.batches.setdefault(store.binding, [])
            batch.append(orjson.dumps(store.doc))
            if len(batch) >= self.batch_size:
                self._send(store.binding)

    def commit(self) -> None:
        """Send every partial batch."""
        for binding in sorted(self.batches):
            self._send(binding)


class WebhookConfig(ConfigModel):
    """The endpoint: where batches go and how they are sent."""

    model_config = ConfigDict(title="Webhook")

    url: str = Field(title="URL", pattern="^https?://", description="Where batches are POSTed.")
    headers: dict[str, str] = Field({}, title="Headers", description="Extra HTTP headers of every request.")
    batch_size: int = Field(100, alias="batchSize", title="Batch size", ge=1)
    max_attempts: int = Field(5, alias="maxAttempts", title="Max attempts", ge=1)
    initial_backoff_seconds: float = Field(0.5, alias="initialBackoffSeconds", title="Initial backoff (s)", ge=0)
    max_backoff_seconds: float = Field(30, alias="maxBackoffSeconds", title="Max backoff (s)", ge=0)
    timeout_seconds: float = Field(30, alias="timeoutSeconds", title="Timeout (s)", gt=0)


class WebhookResource(ConfigModel):
    """One binding: the name sent with its batches."""

    model_config = ConfigDict(title="Resource")

    name: str = collection_name_field(title="Name", min_length=1, description="Name sent with each batch.")


class WebhookConnector(Connector):
    """POSTs documents to a webhook."""

    config_model = WebhookConfig
    resource_model = WebhookResource

    def validate(self, config: WebhookConfig, request: Validate) -> Validated:
        """Delta updates; the document and key are required, other fields are forbidden."""
        out = []
        for binding in proposed_bindings(request):
            resource = self.resource(binding)
            constraints = projection_constraints(
                binding.collection,
                type_map=ANY_TYPE,
                destination=DESTINATION,
                group_by=binding.group_by,
                stores_document=True,
                values_allowed=False,
            )
            out.append(
                validated_binding(resource_path=resource_path(resource), constraints=constraints, delta_updates=True)
            )
        return Validated(bindings=out)

    def apply(self, config: WebhookConfig, request: Apply) -> Applied:
        """Nothing to create at a webhook."""
        return Applied()

    def open(self, config: WebhookConfig, request: Open) -> Transactor:
        """A transactor posting to the configured URL."""
        bindings = bindings_of(request.materialization)
        if any(not b.delta_updates for b in bindings):
            raise ConfigError("every webhook binding must be in delta-updates mode")
        retry = RetryPolicy(
            max_attempts=config.max_attempts,
            initial_backoff=config.initial_backoff_seconds,
            max_backoff=config.max_backoff_seconds,
        )
        poster = Poster(config.url, config.headers, config.timeout_seconds, retry)
        names = [b.resource_path[-1] if b.resource_path else b.collection_name for b in bindings]
        return WebhookTransactor(poster, names, config.batch_size)
