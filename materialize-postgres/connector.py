"""The connector: spec, validate (constraints against existing tables), apply (DDL), open (a fenced session)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import psycopg

from flow_sdk.errors import ConfigError
from flow_sdk.materialize import (
    Connector,
    ProposedBinding,
    Transactor,
    bindings_of,
    projection_constraints,
    proposed_bindings,
    validated_binding,
)
from flow_sdk.materialize.request import Apply, Open, Validate
from flow_sdk.materialize.response import Applied, Validated

from . import apply as apply_
from . import client, sql
from .config import EndpointConfig, ResourceConfig
from .mapping import compatible, pg_type
from .transactor import PostgresTransactor

DESTINATION = "PostgreSQL"


class PostgresConnector(Connector):
    """Materializes collections into PostgreSQL tables, exactly once."""

    config_model = EndpointConfig
    resource_model = ResourceConfig
    documentation_url = "https://go.estuary.dev/materialize-postgresql"

    def validate(self, config: EndpointConfig, request: Validate) -> Validated:
        """Constraints per projection; fields whose existing column can't take the new type are INCOMPATIBLE."""
        last = request.last_materialization.to_flow_json() if request.last_materialization else None
        out = []
        seen: set[tuple[str, str]] = set()
        with _connected(config, "validating") as conn:
            for binding in proposed_bindings(request):
                resource: ResourceConfig = self.resource(binding)
                table = resource.table_in(config.db_schema)
                sql.ident(table.schema), sql.ident(table.name)  # reject unusable names now, not at apply
                if (table.schema, table.name) in seen:
                    raise ConfigError(f"two bindings materialize into the same table {table}")
                seen.add((table.schema, table.name))
                out.append(self._validated(conn, config, resource, binding, last))
        return Validated(bindings=out)

    def _validated(
        self,
        conn: psycopg.Connection[Any],
        config: EndpointConfig,
        resource: ResourceConfig,
        binding: ProposedBinding,
        last: Any,
    ) -> Validated.Binding:
        table = resource.table_in(config.db_schema)
        path = resource.path(config.db_schema)
        existing = client.existing_columns(conn, table)
        if existing is not None and apply_.backfilled(path, binding.backfill, last):
            existing = None  # Apply re-creates the table
        for projection in binding.collection.get("projections") or []:
            sql.ident(projection["field"])
        constraints = projection_constraints(
            binding.collection,
            type_map=pg_type,
            destination=DESTINATION,
            group_by=binding.group_by,
            stores_document=not resource.delta_updates,
            existing=existing,
            compatible=compatible,
        )
        return validated_binding(resource_path=path, constraints=constraints, delta_updates=resource.delta_updates)

    def apply(self, config: EndpointConfig, request: Apply) -> Applied:
        """Create or evolve schemas and tables; with `dryRun`, only describe the statements."""
        bindings = bindings_of(request.materialization)
        resources: list[ResourceConfig] = [self.resource(b) for b in bindings]
        last = request.last_materialization.to_flow_json() if request.last_materialization else None
        with _connected(config, "applying") as conn:
            actions = apply_.plan(conn, config, bindings, resources, last)
            if actions and not request.dry_run:
                with client.translated("applying the materialization"):
                    apply_.run(conn, actions)
        text = apply_.describe(actions)
        if request.dry_run:
            text = "dry run, nothing was changed; would run:\n" + text if actions else "dry run: nothing to do"
        return Applied(action_description=text)

    def open(self, config: EndpointConfig, request: Open) -> Transactor:
        """Connect and return the session's transactor (it fences at `opened`)."""
        bindings = bindings_of(request.materialization)
        resources: list[ResourceConfig] = [self.resource(b) for b in bindings]
        return PostgresTransactor(client.connect(config), config, bindings, resources)


@contextlib.contextmanager
def _connected(config: EndpointConfig, doing: str) -> Iterator[psycopg.Connection[Any]]:
    """A connection closed at the end of the block; its database errors translated by `client.translated`."""
    conn = client.connect(config)
    try:
        with client.translated(doing):
            yield conn
    finally:
        conn.close()
