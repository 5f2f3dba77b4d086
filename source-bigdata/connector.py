"""The source-bigdata connector: three synthetic streams, each full-refresh or incremental."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Annotated, Any, ClassVar

import pydantic

from flow_sdk.capture import Key, Session, Stream, StreamsConnector

from . import generator

CONFIG_SCHEMA: dict[str, Any] = {
    "$schema": "http://json-schema.org/draft-07/schema#",
    "title": "Big Data Spec",
    "type": "object",
    "required": ["data_name"],
    "properties": {
        "data_name": {
            "type": "string",
            "title": "Data Name",
            "description": "Name of the synthetic data set; different names give different data.",
            "pattern": "^[a-z0-9_\\-]+$",
        },
        "seed": {"type": "integer", "title": "Seed", "description": "Random seed of the generator.", "default": 42},
        "records_per_stream": {
            "type": "integer",
            "title": "Records per Stream",
            "minimum": 0,
            "description": "How many records each stream holds.",
            "default": 10000,
        },
        "records_per_cursor": {
            "type": "integer",
            "title": "Records per Cursor Value",
            "minimum": 1,
            "description": "How many consecutive records share one updated_at value.",
            "default": 10,
        },
        "records_per_checkpoint": {
            "type": "integer",
            "title": "Records per Checkpoint",
            "minimum": 1,
            "description": "Upper bound of records committed by one checkpoint (it closes at "
            "the next updated_at boundary).",
            "default": 5000,
        },
        "key_space": {
            "type": "integer",
            "title": "Key Space",
            "minimum": 0,
            "default": 0,
            "description": "When above 0, record n gets id (n - 1) % key_space + 1, so later records "
            "update existing keys (the cursor still increases); 0 gives every record its own id.",
        },
        "explicit_acknowledgements": {
            "type": "boolean",
            "title": "Explicit Acknowledgements",
            "default": False,
            "description": "Ask the runtime to acknowledge checkpoints, and keep at most 4 unacknowledged.",
        },
        "api_key": {
            "type": "string",
            "title": "API Key",
            "secret": True,
            "description": "Stand-in credential (not needed by the generator; never logged).",
        },
    },
}


class User(pydantic.BaseModel):
    """A `users` record."""

    id: Annotated[int, Key]
    updated_at: int
    name: str
    email: str
    country: str
    score: float
    active: bool


class Order(pydantic.BaseModel):
    """An `orders` record."""

    id: Annotated[int, Key]
    updated_at: int
    user_id: int
    amount: float
    currency: str
    status: str
    items: int


class Event(pydantic.BaseModel):
    """An `events` record."""

    id: Annotated[int, Key]
    updated_at: int
    user_id: int
    kind: str
    value: float
    session: str
    ok: bool


MODELS: dict[str, type[pydantic.BaseModel]] = {"users": User, "orders": Order, "events": Event}


class BigDataStream(Stream):
    """One synthetic stream of a configured data set."""

    cursor_field = "updated_at"

    def __init__(self, name: str, config: dict[str, Any]) -> None:
        self.name = name
        self.document_model = MODELS[name]
        self.seed = generator.stream_seed(int(config.get("seed", 42)), config["data_name"], name)
        self.total = int(config.get("records_per_stream", 10000))
        self.per_cursor = int(config.get("records_per_cursor", 10))
        self.key_space = int(config.get("key_space", 0))
        self.generate = generator.GENERATORS[name]

    def snapshot(self) -> Iterable[dict[str, Any]]:
        """Every record."""
        return self.generate(self.seed, 1, self.total + 1, self.per_cursor, self.key_space)

    def incremental(self, cursor: Any | None) -> Iterable[dict[str, Any]]:
        """Records with updated_at greater than `cursor`."""
        start = generator.first_after(cursor, self.per_cursor)
        return self.generate(self.seed, start, self.total + 1, self.per_cursor, self.key_space)


class BigData(StreamsConnector):
    """Deterministic synthetic data standing in for a big data API."""

    config_schema: ClassVar[dict[str, Any]] = CONFIG_SCHEMA
    documentation_url: ClassVar[str] = "https://go.estuary.dev/source-bigdata"

    max_unacknowledged: ClassVar[int] = 4

    def explicit_acknowledgements(self, config: dict[str, Any], request: Mapping[str, Any]) -> bool:
        """As configured."""
        return bool(config.get("explicit_acknowledgements", False))

    def open(self, config: dict[str, Any], request: Mapping[str, Any], session: Session) -> None:
        """Capture with the configured checkpoint size."""
        self.checkpoint_every = int(config.get("records_per_checkpoint", 5000))
        super().open(config, request, session)

    def streams(self, config: dict[str, Any]) -> Sequence[Stream]:
        """The users, orders and events streams."""
        return [BigDataStream(name, config) for name in generator.STREAMS]
