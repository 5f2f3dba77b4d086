"""The connector: spec, validate (constraints against existing tables), apply (DDL), open (a fenced session)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

import psycopg

from flow_sdk.errors import ConfigError, ConnectorError
from flow_sdk.materialize import (
    Connector,
    Transactor,
    bindings_of,
    projection_constraints,
    resolve_collection,
    validated_binding,
)

from . import apply as apply_
from . import client, sql
from .config import ENDPOINT_SCHEMA, RESOURCE_SCHEMA, EndpointConfig, ResourceConfig
from .mapping import compatible, pg_type
from .transactor import PostgresTransactor

DESTINATION = "PostgreSQL"


class PostgresConnector(Connector):
    """Materializes collections into PostgreSQL tables, exactly once."""

    config_schema: ClassVar[dict[str, Any]] = ENDPOINT_SCHEMA
    resource_config_schema: ClassVar[dict[str, Any]] = RESOURCE_SCHEMA
    documentation_url: ClassVar[str] = "https://go.estuary.dev/materialize-postgresql"

    def endpoint(self, raw: Any) -> EndpointConfig:
        """The validated endpoint config."""
        return EndpointConfig.from_json(self.parse_config(raw))

    def validate(self, request: Mapping[str, Any]) -> dict[str, Any]:
        """Constraints per projection; fields whose existing column can't take the new type are INCOMPATIBLE."""
        config = self.endpoint(request.get("config"))
        linked = request.get("linkedCollections") or None
        last = request.get("lastMaterialization")
        out = []
        seen: set[tuple[str, str]] = set()
        with _connected(config) as conn:
            for binding in request.get("bindings") or []:
                raw = self.parse_resource_config(binding.get("resourceConfig") or {})
                resource = ResourceConfig.from_json(raw, config.schema)
                table = sql.Table(resource.schema, resource.table)
                sql.ident(table.schema), sql.ident(table.name)  # reject unusable names now, not at apply
                if (table.schema, table.name) in seen:
                    raise ConfigError(f"two bindings materialize into the same table {table}")
                seen.add((table.schema, table.name))
                existing = client.existing_columns(conn, table)
                if existing is not None and apply_.backfilled(resource.path, int(binding.get("backfill", 0)), last):
                    existing = None  # Apply re-creates the table
                collection = resolve_collection(binding, linked)
                for projection in collection.get("projections") or []:
                    sql.ident(projection["field"])
                constraints = projection_constraints(
                    collection,
                    type_map=pg_type,
                    destination=DESTINATION,
                    group_by=binding.get("groupBy") or (),
                    stores_document=not resource.delta_updates,
                    existing=existing,
                    compatible=compatible,
                )
                out.append(
                    validated_binding(
                        resource_path=resource.path,
                        constraints=constraints,
                        delta_updates=resource.delta_updates,
                    )
                )
        return {"bindings": out}

    def apply(self, request: Mapping[str, Any]) -> dict[str, Any]:
        """Create or evolve schemas and tables; with `dryRun`, only describe the statements."""
        materialization = request.get("materialization") or {}
        config = self.endpoint(materialization.get("config"))
        for b in materialization.get("bindings") or []:
            self.parse_resource_config(b.get("resourceConfig") or {})
        with _connected(config) as conn:
            actions = apply_.plan(conn, config, request)
            if actions and not request.get("dryRun"):
                apply_.run(conn, actions)
        text = apply_.describe(actions)
        if request.get("dryRun"):
            text = "dry run, nothing was changed; would run:\n" + text if actions else "dry run: nothing to do"
        return {"actionDescription": text} if text else {}

    def open(self, request: Mapping[str, Any]) -> Transactor:
        """Connect and return the session's transactor (it fences at `opened`)."""
        materialization = request.get("materialization") or {}
        config = self.endpoint(materialization.get("config"))
        bindings = bindings_of(materialization)
        for b in bindings:
            self.parse_resource_config(b.resource_config)
        return PostgresTransactor(client.connect(config), config, bindings)


class _connected:  # noqa: N801 (used like a function in `with`)
    """A connection closed at the end of the block; database errors become one clear ConnectorError."""

    def __init__(self, config: EndpointConfig) -> None:
        self.config = config
        self.conn: psycopg.Connection[Any] | None = None

    def __enter__(self) -> psycopg.Connection[Any]:
        self.conn = client.connect(self.config)
        return self.conn

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        assert self.conn is not None
        self.conn.close()
        if isinstance(exc, psycopg.Error):
            raise ConnectorError(f"PostgreSQL: {client.describe_error(exc)}") from exc
