"""The connector API: config models (spec, defaults, secrets, validation), (config, request) handlers, resources."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import orjson
import pytest
from pydantic import Field

from flow_sdk.config import ConfigModel, secret
from flow_sdk.errors import ConfigError
from flow_sdk.materialize import (
    AtLeastOnce,
    Connector,
    Store,
    Transactor,
    bindings_of,
    collection_name_field,
    delta_updates_field,
    proposed_bindings,
    resource_path,
    validated_binding,
)
from flow_sdk.materialize.request import Apply, Open, Validate
from flow_sdk.materialize.response import Applied, Validated

from .helpers import binding, collection, materialization, open_request

REPO = Path(__file__).resolve().parents[2]


class Endpoint(ConfigModel):
    host: str
    token: str = secret()
    retries: int = Field(3, ge=0)


class Resource(ConfigModel):
    table: str = collection_name_field(min_length=1)
    delta: bool = delta_updates_field()


class Sink(AtLeastOnce):
    def __init__(self, seen: list[Any]) -> None:
        self.seen = seen

    def store(self, stores: Any) -> None:
        self.seen.extend(stores)


class Typed(Connector):
    config_model = Endpoint
    resource_model = Resource

    def __init__(self) -> None:
        self.calls: list[tuple[str, Any, Any]] = []
        self.stored: list[Store] = []

    def validate(self, config: Endpoint, request: Validate) -> Validated:
        self.calls.append(("validate", config, request))
        out = []
        for b in proposed_bindings(request):
            resource: Resource = self.resource(b)
            out.append(
                validated_binding(resource_path=resource_path(resource), constraints=[], delta_updates=resource.delta)
            )
        return Validated(bindings=out)

    def apply(self, config: Endpoint, request: Apply) -> Applied:
        self.calls.append(("apply", config, request))
        return Applied(action_description=f"applied {len(bindings_of(request.materialization))} bindings")

    def open(self, config: Endpoint, request: Open) -> Transactor:
        self.calls.append(("open", config, request))
        return Sink(self.stored)


def serve(connector: Connector, *requests: dict[str, Any]) -> list[dict[str, Any]]:
    out = io.BytesIO()
    connector.serve(io.BytesIO(b"".join(orjson.dumps(r) + b"\n" for r in requests)), out)
    return [orjson.loads(line) for line in out.getvalue().splitlines()]


def validate_request(config: dict[str, Any], *resources: dict[str, Any]) -> dict[str, Any]:
    bindings = [{"resourceConfig": r, "collectionIndex": 0} for r in resources]
    return {
        "validate": {"name": "acmeCo/mat", "config": config, "bindings": bindings, "linkedCollections": [collection()]}
    }


def test_spec_comes_from_the_models() -> None:
    (out,) = serve(Typed(), {"spec": {"connectorType": "IMAGE"}})
    spec = out["spec"]
    assert spec["protocol"] == 3032023
    config = spec["configSchema"]
    assert config["required"] == ["host", "token"] and config["properties"]["token"]["secret"] is True
    assert config["properties"]["retries"]["default"] == 3 and config["additionalProperties"] is False
    resource = spec["resourceConfigSchema"]["properties"]
    assert resource["table"]["x-collection-name"] is True and resource["delta"]["x-delta-updates"] is True


def test_handlers_get_the_parsed_config_and_typed_request() -> None:
    connector = Typed()
    (out,) = serve(
        connector, validate_request({"host": "h", "token": "t"}, {"table": "a"}, {"table": "b", "delta": True})
    )
    assert out == {"validated": {"bindings": [{"resourcePath": ["a"]}, {"resourcePath": ["b"], "deltaUpdates": True}]}}
    kind, config, request = connector.calls[0]
    assert kind == "validate" and config == Endpoint(host="h", token="t", retries=3)
    assert isinstance(request, Validate) and request.linked_collections[0].name == "acmeCo/things"


def test_bad_config_names_the_field_without_its_value() -> None:
    with pytest.raises(ConfigError) as raised:
        serve(Typed(), validate_request({"host": "h", "token": "s3cret-value", "retries": -1}, {"table": "a"}))
    assert "/retries" in str(raised.value) and "s3cret-value" not in str(raised.value)


def test_bad_resource_names_the_binding_and_its_collection() -> None:
    with pytest.raises(ConfigError, match=r"binding 1 \(acmeCo/things\).*/table"):
        serve(Typed(), validate_request({"host": "h", "token": "t"}, {"table": "a"}, {"table": ""}))


def test_open_and_apply_get_typed_requests_and_sessions_run() -> None:
    connector = Typed()
    mat = materialization({"host": "h", "token": "t"}, [binding({"table": "a"}, ["a"], delta=True)])
    out = serve(
        connector,
        {"apply": {"materialization": mat}},
        open_request(mat),
        {"acknowledge": {}},
        {"flush": {}},
        {"store": {"key": [1], "values": ["x"], "doc": {"id": 1}}},
        {"startCommit": {"runtimeCheckpoint": {}}},
    )
    assert [next(iter(r)) for r in out] == ["applied", "opened", "acknowledged", "flushed", "startedCommit"]
    assert out[0]["applied"] == {"actionDescription": "applied 1 bindings"}
    assert isinstance(connector.calls[1][2], Open) and connector.calls[1][2].materialization is not None
    assert [s.doc for s in connector.stored] == [{"id": 1}]


# What users of the three connectors see in their specs: required fields, defaults, secrets, annotations.
EXPECTED_SPECS: dict[str, dict[str, Any]] = {
    "materialize-postgres": {
        "config": (["address", "user"], {"schema": "public", "hardDelete": False}, ["password"]),
        "resource": (["table"], {"delta_updates": False}, {"table": "x-collection-name", "schema": "x-schema-name"}),
    },
    "materialize-files": {
        "config": (["directory"], {"format": "jsonl"}, []),
        "resource": (["path"], {}, {"path": "x-collection-name"}),
    },
    "materialize-webhook": {
        "config": (
            ["url"],
            {"headers": {}, "batchSize": 100, "maxAttempts": 5, "timeoutSeconds": 30, "maxBackoffSeconds": 30},
            [],
        ),
        "resource": (["name"], {}, {"name": "x-collection-name"}),
    },
}


@pytest.mark.e2e
@pytest.mark.parametrize("module", sorted(EXPECTED_SPECS))
def test_connector_specs_keep_what_users_rely_on(module: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", module],
        input=b'{"spec":{"connectorType":"IMAGE"}}\n',
        capture_output=True,
        cwd=REPO,
        env={"FLOW_SDK_CODEC": "json", "PATH": ""},
        timeout=60,
        check=True,
    )
    spec = json.loads(done.stdout)["spec"]
    required, defaults, secrets = EXPECTED_SPECS[module]["config"]
    config = spec["configSchema"]
    assert config["required"] == required
    assert {k: config["properties"][k]["default"] for k in defaults} == defaults
    assert sorted(k for k, p in config["properties"].items() if p.get("secret")) == secrets
    required, defaults, annotations = EXPECTED_SPECS[module]["resource"]
    resource = spec["resourceConfigSchema"]
    assert resource["required"] == required
    assert {k: resource["properties"][k]["default"] for k in defaults} == defaults
    for name, annotation in annotations.items():
        assert resource["properties"][name][annotation] is True
    for schema in (config, resource):  # every advertised default is valid against its own property
        for prop in schema["properties"].values():
            assert "default" not in prop or prop["default"] is not None
