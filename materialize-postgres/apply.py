"""Apply: plan the DDL that brings the destination to a materialization spec, then run it (or describe it)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import psycopg

from flow_sdk.errors import ConfigError
from flow_sdk.materialize import Binding

from . import client, sql
from .config import EndpointConfig, ResourceConfig
from .mapping import WIDENINGS, column_specs


@dataclass(frozen=True, slots=True)
class Action:
    """One DDL statement and why it runs."""

    description: str
    statement: str


def backfilled(path: list[str], backfill: int, last: Mapping[str, Any] | None) -> bool:
    """Whether a binding's backfill counter rose since the last spec (matched by resource path)."""
    for previous in (last or {}).get("bindings") or []:
        if list(previous.get("resourcePath") or []) == path:
            return backfill > int(previous.get("backfill", 0))
    return False


def plan(
    conn: psycopg.Connection[Any],
    config: EndpointConfig,
    bindings: Sequence[Binding],
    resources: Sequence[ResourceConfig],
    last: Mapping[str, Any] | None,
) -> list[Action]:
    """Every statement Apply needs, in order; empty when the destination is already up to date.

    `bindings` and their parsed `resources` are those of the applied spec; `last` is the last
    applied spec (Flow JSON form), whose backfill counters tell which tables to re-create.
    """
    actions: list[Action] = []
    tables = [(b, r.table_in(config.db_schema), b.delta_updates) for b, r in zip(bindings, resources, strict=True)]
    for schema in dict.fromkeys([config.db_schema, *(table.schema for _, table, _ in tables)]):
        if not client.schema_exists(conn, schema):
            actions.append(Action(f"create schema {schema}", sql.create_schema(schema)))
    if client.existing_columns(conn, sql.Table(config.db_schema, sql.CHECKPOINTS_TABLE)) is None:
        actions.append(Action("create the checkpoints table", sql.create_checkpoints(config.db_schema)))

    for binding, table, delta in tables:
        columns = column_specs(binding.columns)
        backfill = binding.backfill
        existing = client.existing_columns(conn, table)
        if existing is not None and backfilled(binding.resource_path, backfill, last):
            actions.append(Action(f"drop table {table} to backfill it (backfill {backfill})", sql.drop_table(table)))
            existing = None
        if existing is None:
            actions.append(Action(f"create table {table}", sql.create_table(table, columns, delta_updates=delta)))
            continue
        for column in columns:
            have = existing.get(column.name)
            if have is None:
                actions.append(
                    Action(f"add column {column.name} {column.type} to {table}", sql.add_column(table, column))
                )
                continue
            if have.type != column.type:
                if (have.type, column.type) not in WIDENINGS:
                    raise ConfigError(
                        f"column {column.name!r} of {table} has type {have.type}, which can't hold the field's "
                        f"new type {column.type}; backfill the binding to re-create the table"
                    )
                actions.append(
                    Action(
                        f"widen column {column.name} of {table} from {have.type} to {column.type}",
                        sql.widen_column(table, column.name, have.type, column.type),
                    )
                )
            if column.nullable and not have.nullable:
                actions.append(
                    Action(f"allow nulls in column {column.name} of {table}", sql.drop_not_null(table, column.name))
                )
    return actions


def describe(actions: list[Action]) -> str:
    """The actionDescription text: each action and its statement."""
    return "\n".join(f"-- {a.description}\n{a.statement};" for a in actions)


def run(conn: psycopg.Connection[Any], actions: list[Action]) -> None:
    """Run every action in one transaction (PostgreSQL DDL is transactional: all or nothing)."""
    with conn.cursor() as cur:
        for action in actions:
            cur.execute(action.statement.encode())
    conn.commit()
