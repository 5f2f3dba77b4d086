"""The typed definitions of a Flow catalog: collections, captures, materializations and their parts.

Field names and defaults follow Flow's catalog models (`crates/models`); `flow_sdk.runtime.catalog.loader`
builds them from catalog files.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from flow_sdk.errors import ConfigError
from flow_sdk.runtime.schema.projections import ExplicitProjection

JSON = Any

DEFAULT_INTERVAL_SECONDS = 300

_T = TypeVar("_T")


@dataclass(frozen=True)
class LocalEndpoint:
    """A connector run as a local command (`endpoint.local`)."""

    command: list[str]
    config: JSON
    env: dict[str, str]
    protobuf: bool
    source: Path
    # The still-encrypted config when it was sops-encrypted (becomes `sealedConfig`).
    sealed_config: JSON = None

    connector_type = "LOCAL"


@dataclass(frozen=True)
class ImageEndpoint:
    """A connector run from a container image (`endpoint.connector`)."""

    image: str
    config: JSON
    source: Path
    sealed_config: JSON = None

    connector_type = "IMAGE"


Endpoint = LocalEndpoint | ImageEndpoint


@dataclass(frozen=True)
class CollectionDef:
    """A collection: schemas, key and explicit projections."""

    name: str
    source: Path
    key: list[str]
    schema: JSON = None
    write_schema_: JSON = None
    read_schema_: JSON = None
    projections: list[ExplicitProjection] = field(default_factory=list)
    derive: JSON = None

    @property
    def write_schema(self) -> JSON:
        """The schema documents are validated against when written."""
        return self.schema if self.schema is not None else self.write_schema_

    @property
    def read_schema(self) -> JSON:
        """The schema documents are read with (the write schema unless given apart)."""
        return self.schema if self.schema is not None else self.read_schema_

    @property
    def has_read_schema(self) -> bool:
        """Whether a distinct read schema was given."""
        return self.schema is None


@dataclass(frozen=True)
class CaptureBindingDef:
    """One binding of a capture: a resource captured into a collection."""

    resource: JSON
    target: str
    backfill: int = 0
    disable: bool = False


@dataclass(frozen=True)
class CaptureDef:
    """A capture task."""

    name: str
    source: Path
    endpoint: Endpoint
    bindings: list[CaptureBindingDef]
    interval_seconds: int = DEFAULT_INTERVAL_SECONDS
    shards: dict[str, JSON] = field(default_factory=dict)
    auto_discover: JSON = None
    redact_salt: str | None = None


@dataclass(frozen=True)
class FieldsDef:
    """Field selection of a materialization binding (`fields`)."""

    recommended: bool | int = True
    require: dict[str, JSON] = field(default_factory=dict)
    exclude: list[str] = field(default_factory=list)
    group_by: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class SourceDef:
    """The collection a materialization binding reads, with optional partition and time bounds."""

    name: str
    partitions: JSON = None
    not_before: str | None = None
    not_after: str | None = None


@dataclass(frozen=True)
class MaterializationBindingDef:
    """One binding of a materialization: a collection materialized into a resource."""

    resource: JSON
    source: SourceDef
    fields: FieldsDef = field(default_factory=FieldsDef)
    backfill: int = 0
    disable: bool = False
    priority: int = 0
    on_incompatible_schema_change: str | None = None


@dataclass(frozen=True)
class MaterializationDef:
    """A materialization task."""

    name: str
    source: Path
    endpoint: Endpoint
    bindings: list[MaterializationBindingDef]
    shards: dict[str, JSON] = field(default_factory=dict)
    source_capture: JSON = None


@dataclass(frozen=True)
class Catalog:
    """Everything defined by a root catalog file and the files it imports."""

    root: Path
    files: list[Path]
    collections: dict[str, CollectionDef]
    captures: dict[str, CaptureDef]
    materializations: dict[str, MaterializationDef]
    tests: dict[str, JSON] = field(default_factory=dict)

    def collection(self, name: str) -> CollectionDef:
        """The named collection, or a ConfigError."""
        return _lookup(self.collections, name, "collection", self.root)

    def capture(self, name: str) -> CaptureDef:
        """The named capture, or a ConfigError."""
        return _lookup(self.captures, name, "capture", self.root)

    def materialization(self, name: str) -> MaterializationDef:
        """The named materialization, or a ConfigError."""
        return _lookup(self.materializations, name, "materialization", self.root)

    def task_kind(self, name: str) -> str:
        """`capture` or `materialization`, for a task defined in this catalog."""
        if name in self.captures:
            return "capture"
        if name in self.materializations:
            return "materialization"
        raise ConfigError(f"{self.root}: no capture or materialization named {name!r}", fields={"file": str(self.root)})


def _lookup(table: Mapping[str, _T], name: str, what: str, root: Path) -> _T:
    """Look a name up, with an error listing what exists."""
    try:
        return table[name]
    except KeyError:
        known = ", ".join(sorted(table)) or "none"
        raise ConfigError(f"{root}: no {what} named {name!r} (defined: {known})", fields={"file": str(root)}) from None
