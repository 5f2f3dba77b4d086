"""Fixtures: one PostgreSQL server per test session, a fresh database per test, the connector's modules."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from flow_sdk.testing import postgres

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))


def connector_module(name: str) -> ModuleType:
    """A module of the materialize-postgres folder (its name has a hyphen, so no plain import)."""
    return importlib.import_module(f"materialize-postgres.{name}")


@pytest.fixture(scope="session")
def pg_server() -> Iterator[str]:
    """The DSN of the session's server (FLOW_SDK_TEST_POSTGRES_DSN, else embedded)."""
    with postgres.server() as dsn:
        yield dsn


@pytest.fixture
def pg_dsn(pg_server: str) -> str:
    """The DSN of a new, empty database for this test."""
    return postgres.fresh_database(pg_server)


@pytest.fixture
def endpoint(pg_dsn: str) -> dict[str, Any]:
    """An endpoint config pointing at the test's database."""
    return endpoint_config(pg_dsn)


def endpoint_config(dsn: str) -> dict[str, Any]:
    """An endpoint config pointing at the database of `dsn`."""
    params = postgres.connect_params(dsn)
    host = params.get("host", "localhost")
    address = f"{host}:{params['port']}" if params.get("port") else host
    config: dict[str, Any] = {"address": address, "user": params.get("user", "postgres"), "database": params["dbname"]}
    if params.get("password"):
        config["password"] = params["password"]
    if params.get("sslmode"):
        config["sslmode"] = params["sslmode"]
    return config


@pytest.fixture
def endpoint_for() -> Any:
    """The endpoint_config function, as a fixture."""
    return endpoint_config
