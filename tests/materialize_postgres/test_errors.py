"""psycopg errors become flow-sdk errors at one boundary, and `transient` drives the retries of connect and fence."""

from __future__ import annotations

import socket
from typing import Any

import psycopg
import pytest

from flow_sdk.errors import ConfigError, ConnectorError, DataError, TransientError, is_transient
from flow_sdk.flow import RangeSpec
from flow_sdk.materialize import bindings_of

from .conftest import connector_module
from .helpers import FULL_RANGE, binding, collection, materialization, projection, serve, store, transaction

client = connector_module("client")
config_module = connector_module("config")


@pytest.mark.parametrize(
    ("sqlstate", "kind"),
    [
        ("40001", TransientError),  # serialization failure
        ("40P01", TransientError),  # deadlock detected
        ("57P01", TransientError),  # admin shutdown
        ("08006", TransientError),  # connection failure
        ("53300", TransientError),  # too many connections
        ("28P01", ConfigError),  # invalid password
        ("3D000", ConfigError),  # database does not exist
        ("42501", ConfigError),  # insufficient privilege
        ("22P02", DataError),  # invalid text representation
        ("22003", DataError),  # numeric value out of range
        ("23502", DataError),  # not-null violation
        ("42P01", ConnectorError),  # undefined table: none of the groups
    ],
)
def test_server_errors_are_classified_by_sqlstate(pg_dsn: str, sqlstate: str, kind: type[ConnectorError]) -> None:
    with psycopg.connect(pg_dsn) as conn, pytest.raises(psycopg.Error) as raised:
        conn.execute(f"DO $$ BEGIN RAISE EXCEPTION 'boom' USING ERRCODE = '{sqlstate}'; END $$".encode())
    error = client.error_of(raised.value, "testing")
    assert type(error) is kind
    assert is_transient(error) == (kind is TransientError)
    assert sqlstate in str(error) and "while testing" in str(error)


def _endpoint(endpoint: dict[str, Any], **changes: Any) -> Any:
    return config_module.EndpointConfig.model_validate(endpoint | changes)


def test_missing_database_is_a_config_error_without_retries(endpoint: dict[str, Any]) -> None:
    with pytest.raises(ConfigError, match='database "no_such_database" does not exist'):
        client.connect(_endpoint(endpoint, database="no_such_database"))


def test_refused_connection_is_transient_and_retried(endpoint: dict[str, Any], monkeypatch: Any) -> None:
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    retries: list[int] = []
    monkeypatch.setattr(client, "CONNECT_ATTEMPTS", 3)
    monkeypatch.setattr(client, "_log_retry", lambda attempt, error, delay: retries.append(attempt))
    with pytest.raises(TransientError, match="connecting to"):
        client.connect(_endpoint(endpoint, address=f"127.0.0.1:{port}"))
    assert retries == [1, 2]


def test_missing_privilege_is_a_config_error(endpoint: dict[str, Any], pg_dsn: str) -> None:
    with psycopg.connect(pg_dsn, autocommit=True) as conn:
        conn.execute(b"DROP ROLE IF EXISTS flow_limited")
        conn.execute(b"CREATE ROLE flow_limited LOGIN PASSWORD 'secret1'")
        conn.execute(b"CREATE SCHEMA locked")
        conn.execute(b"REVOKE ALL ON SCHEMA public FROM PUBLIC")
    coll = collection("acmeCo/users", [projection("id", ["integer"], key=True)])
    config = endpoint | {"user": "flow_limited", "password": "secret1", "schema": "locked"}
    spec = materialization(config, [binding(coll, "users", schema="locked")])
    with pytest.raises(ConfigError, match="42501"):
        serve([{"apply": {"materialization": spec}}])


SCORES = collection("acmeCo/scores", [projection("id", ["integer"], key=True), projection("name", ["string"])])


def _session(endpoint: dict[str, Any], stores: list[dict[str, Any]]) -> None:
    spec = materialization(endpoint, [binding(SCORES, "scores")])
    serve([{"apply": {"materialization": spec}}])
    serve([{"open": {"materialization": spec, "range": FULL_RANGE}}, *transaction(1, [], stores)])


@pytest.mark.parametrize(
    ("row", "sqlstate"),
    [
        (([1], ["nul \u0000 inside"]), "22"),  # text PostgreSQL can't hold
        (([2**63], ["too big"]), "22003"),  # out of range for BIGINT
    ],
)
def test_bad_values_are_data_errors_naming_binding_and_table(
    endpoint: dict[str, Any], row: tuple[list[Any], list[Any]], sqlstate: str
) -> None:
    key, values = row
    with pytest.raises(DataError) as raised:
        _session(endpoint, [store(key, values, {"id": key[0], "name": values[0]})])
    text = str(raised.value)
    assert "storing binding 0 (public.scores)" in text and f"SQLSTATE {sqlstate}" in text


def test_fence_reconnects_after_the_connection_broke(endpoint: dict[str, Any], pg_dsn: str) -> None:
    config = _endpoint(endpoint)
    spec = materialization(endpoint, [binding(SCORES, "scores")])
    serve([{"apply": {"materialization": spec}}])
    bindings = bindings_of(spec)
    resources = [config_module.ResourceConfig.model_validate(b.resource_config) for b in bindings]
    transactor = connector_module("transactor").PostgresTransactor(client.connect(config), config, bindings, resources)
    first = transactor.conn
    with psycopg.connect(pg_dsn, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", (first.info.backend_pid,))
    fence = transactor.fence(spec["name"], RangeSpec.from_flow_json(FULL_RANGE))
    assert transactor.conn is not first and fence.token.fence >= 1
    transactor.close()
