"""Endpoint and resource configuration: schemas, a typed view, and the libpq connection parameters."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flow_sdk.materialize import resource_config_schema

SSL_MODES = ("disable", "allow", "prefer", "require", "verify-ca", "verify-full")

ENDPOINT_SCHEMA: dict[str, Any] = {
    "title": "PostgreSQL",
    "type": "object",
    "properties": {
        "address": {
            "type": "string",
            "title": "Address",
            "description": "host[:port] of the server (port 5432 by default), or /socket/directory[:port].",
            "minLength": 1,
        },
        "user": {"type": "string", "title": "User", "minLength": 1},
        "password": {"type": "string", "title": "Password", "secret": True},
        "database": {"type": "string", "title": "Database", "description": "Defaults to the user's name."},
        "schema": {
            "type": "string",
            "title": "Schema",
            "default": "public",
            "description": "Schema of tables whose resource config names none, and of the checkpoints table.",
        },
        "sslmode": {"type": "string", "title": "SSL mode", "enum": list(SSL_MODES)},
        "hardDelete": {
            "type": "boolean",
            "title": "Hard delete",
            "default": False,
            "description": "Delete rows of deleted documents, instead of keeping them with their deletion marker.",
        },
    },
    "required": ["address", "user"],
}

RESOURCE_SCHEMA: dict[str, Any] = resource_config_schema(
    {
        "table": {"type": "string", "minLength": 1, "title": "Table", "description": "Name of the table."},
        "schema": {"type": "string", "title": "Schema", "description": "Schema of the table (else the endpoint's)."},
        "delta_updates": {
            "type": "boolean",
            "default": False,
            "title": "Delta updates",
            "description": "Append every store as a new row instead of keeping one row per key.",
        },
    },
    collection_name="table",
    schema_name="schema",
    delta_updates="delta_updates",
)


@dataclass(frozen=True, slots=True)
class EndpointConfig:
    """A validated endpoint config."""

    address: str
    user: str
    password: str = ""
    database: str = ""
    schema: str = "public"
    sslmode: str = ""
    hard_delete: bool = False

    @classmethod
    def from_json(cls, config: Mapping[str, Any]) -> EndpointConfig:
        """Build from a config already validated against ENDPOINT_SCHEMA."""
        return cls(
            address=str(config["address"]),
            user=str(config["user"]),
            password=str(config.get("password") or ""),
            database=str(config.get("database") or ""),
            schema=str(config.get("schema") or "public"),
            sslmode=str(config.get("sslmode") or ""),
            hard_delete=bool(config.get("hardDelete", False)),
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


@dataclass(frozen=True, slots=True)
class ResourceConfig:
    """A validated resource config, with the endpoint's default schema applied."""

    table: str
    schema: str
    delta_updates: bool

    @classmethod
    def from_json(cls, config: Mapping[str, Any], default_schema: str) -> ResourceConfig:
        """Build from a config already validated against RESOURCE_SCHEMA."""
        return cls(
            table=str(config["table"]),
            schema=str(config.get("schema") or default_schema),
            delta_updates=bool(config.get("delta_updates", False)),
        )

    @property
    def path(self) -> list[str]:
        """The binding's resource path: [schema, table]."""
        return [self.schema, self.table]
