"""The connector API: typed configs and resources (or low-level schemas), typed handlers, prepare_open -> open."""

from __future__ import annotations

from typing import Any, ClassVar

import pydantic
import pytest

from flow_sdk.capture import Connector, Session
from flow_sdk.capture import request as rq
from flow_sdk.capture import response as rs
from flow_sdk.config import ConfigModel, secret
from flow_sdk.errors import ConfigError

from .harness import open_request, serve_in_process


class Endpoint(ConfigModel):
    host: str = pydantic.Field(title="Host")
    port: int = pydantic.Field(5432, ge=1, title="Port")
    password: str = secret("", title="Password")


class Table(ConfigModel):
    table: str = pydantic.Field(title="Table")


class Typed(Connector):
    """Records what its handlers receive."""

    config_model: ClassVar[type[ConfigModel] | None] = Endpoint
    resource_model: ClassVar[type[ConfigModel] | None] = Table
    resource_path_pointers: ClassVar[list[str]] = ["/table"]

    def __init__(self) -> None:
        self.seen: list[Any] = []

    def discover(self, config: Endpoint, request: rq.Discover) -> rs.Discovered:
        self.seen.append((config, request))
        return rs.Discovered(bindings=[rs.Discovered.Binding(recommended_name=config.host, key=["/id"])])

    def prepare_open(self, config: Endpoint, request: rq.Open) -> Any:
        return {"tables": [r.table for r in super().prepare_open(config, request)], "port": config.port}

    def open(self, config: Endpoint, request: rq.Open, session: Session, prepared: Any) -> None:
        self.seen.append(prepared)
        session.checkpoint({})


def _validate(resources: list[Any], config: Any = None) -> dict[str, Any]:
    bindings = [
        {"resourceConfig": r, "collection": {"name": f"acmeCo/t{i}", "key": ["/id"], "writeSchema": {}}}
        for i, r in enumerate(resources)
    ]
    return {"validate": {"name": "acmeCo/cap", "config": config or {"host": "db"}, "bindings": bindings}}


def test_spec_schemas_come_from_the_models() -> None:
    [out] = serve_in_process(Typed(), [{"spec": {"connectorType": "IMAGE"}}], close_stdin=True)
    config = out["spec"]["configSchema"]
    assert config["required"] == ["host"]
    assert config["properties"]["port"] == {"default": 5432, "minimum": 1, "title": "Port", "type": "integer"}
    assert config["properties"]["password"]["secret"] is True
    assert out["spec"]["resourceConfigSchema"]["required"] == ["table"]
    assert out["spec"]["resourcePathPointers"] == ["/table"]


def test_handlers_receive_the_parsed_config_and_typed_request() -> None:
    connector = Typed()
    [out] = serve_in_process(
        connector, [{"discover": {"name": "acmeCo/cap", "config": {"host": "db"}}}], close_stdin=True
    )
    assert out == {"discovered": {"bindings": [{"recommendedName": "db", "key": ["/id"]}]}}
    [(config, request)] = connector.seen
    assert config == Endpoint(host="db", port=5432)
    assert isinstance(request, rq.Discover) and request.name == "acmeCo/cap"


def test_validate_parses_each_resource_and_derives_its_path() -> None:
    [out] = serve_in_process(Typed(), [_validate([{"table": "a"}, {"table": "b"}])], close_stdin=True)
    assert out == {"validated": {"bindings": [{"resourcePath": ["a"]}, {"resourcePath": ["b"]}]}}


def test_bad_resource_names_binding_index_collection_and_field() -> None:
    with pytest.raises(ConfigError) as caught:
        serve_in_process(Typed(), [_validate([{"table": "a"}, {"tabel": "b"}])], close_stdin=True)
    message = str(caught.value)
    assert "binding 1 (collection 'acmeCo/t1')" in message
    assert "/table: Field required" in message and "/tabel: Extra inputs are not permitted" in message


def test_bad_endpoint_config_names_the_field_without_its_value() -> None:
    with pytest.raises(ConfigError) as caught:
        serve_in_process(Typed(), [_validate([], config={"host": "db", "port": 0, "password": 7})], close_stdin=True)
    message = str(caught.value)
    assert "/port" in message and "/password" in message and "7" not in message.split(":", 1)[1].replace("/", "")


def test_open_receives_what_prepare_open_returned() -> None:
    connector = Typed()
    request = open_request(2, config={"host": "db", "port": 9}, resources=[{"table": "x"}, {"table": "y"}])
    out = serve_in_process(connector, [request])
    assert out[0] == {"opened": {}}
    assert connector.seen == [{"tables": ["x", "y"], "port": 9}]


def test_a_refused_prepare_open_sends_no_opened() -> None:
    request = open_request(1, config={"host": "db"}, resources=[{"nope": 1}])
    with pytest.raises(ConfigError, match="binding 0"):
        serve_in_process(Typed(), [request])


class LowLevel(Connector):
    """No models: JSON schemas, and dicts in the handlers."""

    config_schema: ClassVar[dict[str, Any]] = {
        "type": "object",
        "required": ["url"],
        "properties": {"url": {"type": "string"}},
    }
    resource_config_schema: ClassVar[dict[str, Any]] = {
        "type": "object",
        "required": ["path"],
        "properties": {"path": {"type": "string"}},
    }
    resource_path_pointers: ClassVar[list[str]] = ["/path"]

    def open(self, config: dict[str, Any], request: rq.Open, session: Session, prepared: Any) -> None:
        assert config == {"url": "u"}
        assert prepared == [{"path": "p"}]
        session.emit(0, {"id": 1})
        session.checkpoint({"done": True})


def test_low_level_path_uses_the_json_schemas_and_dicts() -> None:
    [spec] = serve_in_process(LowLevel(), [{"spec": {}}], close_stdin=True)
    assert spec["spec"]["configSchema"] == LowLevel.config_schema
    out = serve_in_process(LowLevel(), [open_request(1, config={"url": "u"}, resources=[{"path": "p"}])])
    assert [next(iter(m)) for m in out] == ["opened", "captured", "checkpoint"]
    with pytest.raises(ConfigError, match=r"binding 0 \(collection 'acmeCo/c0'\).*'path' is a required property"):
        serve_in_process(LowLevel(), [open_request(1, config={"url": "u"}, resources=[{}])])


def test_session_exposes_only_what_authors_call() -> None:
    public = {name for name in dir(Session) if not name.startswith("_")}
    assert {"emit", "emit_many", "checkpoint", "sourced_schema", "backfill_begin", "backfill_complete"} <= public
    assert {"wait_acknowledged", "stopping"} <= public
    assert not public & {"put", "commit", "fail", "finish", "units", "stop", "acknowledge", "protocol"}
