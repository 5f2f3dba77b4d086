"""materialize-webhook: POSTs each binding's documents in batches to an HTTP endpoint; at-least-once.

Each request body is `{"binding": <resource name>, "documents": [<doc>, ...]}`. Stores are sent as
batches fill up and the rest at startCommit, before `startedCommit`; a transaction replayed after
a crash is sent again (receivers should be idempotent by document key if duplicates matter).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, ClassVar

import orjson

from flow_sdk.errors import ConfigError
from flow_sdk.materialize import (
    AtLeastOnce,
    Connector,
    Store,
    Transactor,
    TypeMapper,
    bindings_of,
    projection_constraints,
    resolve_collection,
    resource_config_schema,
    resource_path,
    validated_binding,
)

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


class WebhookConnector(Connector):
    """POSTs documents to a webhook."""

    config_schema: ClassVar[dict[str, Any]] = {
        "title": "Webhook",
        "type": "object",
        "properties": {
            "url": {"type": "string", "pattern": "^https?://", "description": "Where batches are POSTed."},
            "headers": {"type": "object", "additionalProperties": {"type": "string"}, "default": {}},
            "batchSize": {"type": "integer", "minimum": 1, "default": 100},
            "maxAttempts": {"type": "integer", "minimum": 1, "default": 5},
            "initialBackoffSeconds": {"type": "number", "minimum": 0, "default": 0.5},
            "maxBackoffSeconds": {"type": "number", "minimum": 0, "default": 30},
            "timeoutSeconds": {"type": "number", "exclusiveMinimum": 0, "default": 30},
        },
        "required": ["url"],
    }
    resource_config_schema: ClassVar[dict[str, Any]] = resource_config_schema(
        {"name": {"type": "string", "minLength": 1, "description": "Name sent with each batch."}},
        collection_name="name",
    )

    def validate(self, request: Mapping[str, Any]) -> dict[str, Any]:
        """Delta updates; the document and key are required, other fields are forbidden."""
        self.parse_config(request.get("config"))
        linked = request.get("linkedCollections") or None
        out = []
        for binding in request.get("bindings") or []:
            resource = self.parse_resource_config(binding.get("resourceConfig") or {})
            constraints = projection_constraints(
                resolve_collection(binding, linked),
                type_map=ANY_TYPE,
                destination=DESTINATION,
                group_by=binding.get("groupBy") or (),
                stores_document=True,
                values_allowed=False,
            )
            out.append(
                validated_binding(
                    resource_path=resource_path(resource, self.resource_config_schema),
                    constraints=constraints,
                    delta_updates=True,
                )
            )
        return {"bindings": out}

    def apply(self, request: Mapping[str, Any]) -> dict[str, Any]:
        """Nothing to create at a webhook."""
        self.parse_config((request.get("materialization") or {}).get("config"))
        return {}

    def open(self, request: Mapping[str, Any]) -> Transactor:
        """A transactor posting to the configured URL."""
        materialization = request.get("materialization") or {}
        config = self.parse_config(materialization.get("config"))
        bindings = bindings_of(materialization)
        if any(not b.delta_updates for b in bindings):
            raise ConfigError("every webhook binding must be in delta-updates mode")
        retry = RetryPolicy(
            max_attempts=config.get("maxAttempts", 5),
            initial_backoff=config.get("initialBackoffSeconds", 0.5),
            max_backoff=config.get("maxBackoffSeconds", 30),
        )
        poster = Poster(config["url"], config.get("headers") or {}, config.get("timeoutSeconds", 30), retry)
        names = [b.resource_path[-1] if b.resource_path else b.collection_name for b in bindings]
        return WebhookTransactor(poster, names, config.get("batchSize", 100))
