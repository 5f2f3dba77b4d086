"""The source-bigdata connector: three synthetic streams, each full-refresh or incremental."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Annotated, Any, ClassVar

import pydantic

from flow_sdk.capture import Key, Plan, Session, Stream, StreamsConnector
from flow_sdk.capture.request import Open
from flow_sdk.config import ConfigModel, secret

from . import generator


def _advertised(schema: dict[str, Any]) -> None:
    """The advertised schema as users knew it: draft-07, no model docstring, no empty-credential default."""
    schema["$schema"] = "http://json-schema.org/draft-07/schema#"
    schema.pop("description", None)
    schema["properties"]["api_key"].pop("default", None)


class BigDataConfig(ConfigModel):
    """The endpoint config: which synthetic data set, how big, and how it is checkpointed."""

    model_config = pydantic.ConfigDict(title="Big Data Spec", json_schema_extra=_advertised)

    data_name: str = pydantic.Field(
        title="Data Name",
        description="Name of the synthetic data set; different names give different data.",
        pattern=r"^[a-z0-9_\-]+$",
    )
    seed: int = pydantic.Field(42, title="Seed", description="Random seed of the generator.")
    records_per_stream: int = pydantic.Field(
        10000, ge=0, title="Records per Stream", description="How many records each stream holds."
    )
    records_per_cursor: int = pydantic.Field(
        10,
        ge=1,
        title="Records per Cursor Value",
        description="How many consecutive records share one updated_at value.",
    )
    records_per_checkpoint: int = pydantic.Field(
        5000,
        ge=1,
        title="Records per Checkpoint",
        description="Upper bound of records committed by one checkpoint (it closes at the next updated_at boundary).",
    )
    key_space: int = pydantic.Field(
        0,
        ge=0,
        title="Key Space",
        description="When above 0, record n gets id (n - 1) % key_space + 1, so later records update existing "
        "keys (the cursor still increases); 0 gives every record its own id.",
    )
    explicit_acknowledgements: bool = pydantic.Field(
        False,
        title="Explicit Acknowledgements",
        description="Ask the runtime to acknowledge checkpoints, and keep at most 4 unacknowledged.",
    )
    api_key: str = secret(
        "",
        title="API Key",
        description="Stand-in credential (not needed by the generator; never logged).",
    )


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

    def __init__(self, name: str, config: BigDataConfig) -> None:
        self.name = name
        self.document_model = MODELS[name]
        self.seed = generator.stream_seed(config.seed, config.data_name, name)
        self.total = config.records_per_stream
        self.per_cursor = config.records_per_cursor
        self.key_space = config.key_space
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

    config_model: ClassVar[type[ConfigModel] | None] = BigDataConfig
    documentation_url: ClassVar[str] = "https://go.estuary.dev/source-bigdata"
    max_unacknowledged: ClassVar[int] = 4

    def explicit_acknowledgements(self, config: BigDataConfig, request: Open) -> bool:
        """As configured."""
        return config.explicit_acknowledgements

    def open(self, config: BigDataConfig, request: Open, session: Session, prepared: Plan) -> None:
        """Capture with the configured checkpoint size."""
        self.checkpoint_every = config.records_per_checkpoint
        super().open(config, request, session, prepared)

    def streams(self, config: BigDataConfig) -> Sequence[Stream]:
        """The users, orders and events streams."""
        return [BigDataStream(name, config) for name in generator.STREAMS]
