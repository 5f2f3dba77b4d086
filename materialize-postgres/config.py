"""Endpoint and resource configuration models, and the libpq connection parameters."""

from __future__ import annotations

from typing import Literal

from pydantic import ConfigDict, Field
from pydantic.json_schema import SkipJsonSchema

from flow_sdk.config import ConfigModel, secret
from flow_sdk.materialize import collection_name_field, delta_updates_field, schema_name_field
from flow_sdk.materialize.resource import no_null_default

from . import sql

SslMode = Literal["disable", "allow", "prefer", "require", "verify-ca", "verify-full"]


class EndpointConfig(ConfigModel):
    """How to reach the server, and where tables go by default."""

    model_config = ConfigDict(title="PostgreSQL", frozen=True)

    address: str = Field(
        title="Address",
        description="host[:port] of the server (port 5432 by default), or /socket/directory[:port].",
        min_length=1,
    )
    user: str = Field(title="User", min_length=1)
    password: str = secret("", title="Password")
    database: str = Field("", title="Database", description="Defaults to the user's name.")
    db_schema: str = Field(
        "public",
        alias="schema",
        title="Schema",
        description="Schema of tables whose resource config names none, and of the checkpoints table.",
    )
    sslmode: SslMode | SkipJsonSchema[None] = Field(None, title="SSL mode", json_schema_extra=no_null_default)
    hard_delete: bool = Field(
        False,
        alias="hardDelete",
        title="Hard delete",
        description="Delete rows of deleted documents, instead of keeping them with their deletion marker.",
    )

    def conninfo(self) -> dict[str, str]:
        """libpq connection keywords (passed as keywords, so no value needs escaping)."""
        out = {"user": self.user, "application_name": "flow-sdk materialize-postgres"}
        host, sep, port = self.address.rpartition(":")
        if not sep or not port.isdigit() or (not host.startswith("/") and ":" in host and not host.endswith("]")):
            host, port = self.address, ""  # no port, or a bare IPv6 address
        # A host starting with "/" is the directory of a unix socket (libpq reads it so).
        out["host"] = host if host.startswith("/") else host.strip("[]")
        if port:
            out["port"] = port
        if self.password:
            out["password"] = self.password
        if self.database:
            out["dbname"] = self.database
        if self.sslmode:
            out["sslmode"] = self.sslmode
        return out


class ResourceConfig(ConfigModel):
    """One binding: its table, and optionally its schema and delta-updates mode."""

    model_config = ConfigDict(title="Resource", frozen=True)

    table: str = collection_name_field(title="Table", min_length=1, description="Name of the table.")
    db_schema: str | SkipJsonSchema[None] = schema_name_field(
        None, alias="schema", title="Schema", description="Schema of the table (else the endpoint's)."
    )
    delta_updates: bool = delta_updates_field(
        False,
        title="Delta updates",
        description="Append every store as a new row instead of keeping one row per key.",
    )

    def table_in(self, default_schema: str) -> sql.Table:
        """The binding's table, in the endpoint's schema unless the resource names one."""
        return sql.Table(self.db_schema or default_schema, self.table)

    def path(self, default_schema: str) -> list[str]:
        """The binding's resource path: [schema, table]."""
        table = self.table_in(default_schema)
        return [table.schema, table.name]
