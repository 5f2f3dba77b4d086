"""Specs and requests built from a catalog, checked against Flow's rules and fixtures."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Any

import pytest

from flow_sdk.errors import ConfigError
from flow_sdk.runtime.catalog import specs
from flow_sdk.runtime.catalog.loader import Catalog, FieldsDef, load_catalog
from tests.conformance.snapshots import catalogue_blocks, require_shared

DATA = Path(__file__).parent / "data" / "catalog"


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog(DATA / "flow.yaml")


def write_catalog(tmp: Path, text: str) -> Catalog:
    """Load a one-file catalog."""
    path = tmp / "flow.yaml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return load_catalog(path)


@pytest.mark.parametrize(
    ("path", "backfill", "expected"),
    [
        (["a/cdc", "table+baz"], 3, "a%2Fcdc%2Ftable+baz.v3"),  # Flow's capture fixture.
        (["some path"], 1, "some%20path.v1"),  # Flow's materialize fixture.
        (["public", "users"], 0, "public%2Fusers"),  # No suffix before the first backfill.
        (["he!lo৬", "a/part%", "_¾the-=res+."], 0, "he%21lo৬%2Fa%2Fpart%25%2F_¾the-=res+."),
        (
            ["prefix", "http://user:password@foo.bar.example.com:9000/hooks///baz?type=critical&test=true"],
            0,
            "prefix%2Fhttp%3A%2F%2Fuser%3Apassword%40foo.bar.example.com%3A9000%2Fhooks%2F%2F%2Fbaz"
            "%3Ftype=critical%26test=true",
        ),
    ],
)
def test_state_key_escaping_and_backfill_suffix(path: list[str], backfill: int, expected: str) -> None:
    assert specs.state_key(path, backfill) == expected


def test_resource_path_from_pointers_or_guessed() -> None:
    resource = {"schema": "public", "table": "users", "delta_updates": False, "n": 7}
    assert specs.resource_path(resource, ["/table", "/n", "/missing"]) == ["users", "7", ""]
    assert specs.resource_path(resource) == ["public", "users"]
    assert specs.resource_path({"bucket_name": "b", "prefix": "p", "flag": True}) == ["b", "p"]


def test_collection_spec(catalog: Catalog) -> None:
    spec = specs.collection_spec(catalog, "acmeCo/users")
    assert list(spec) == [
        "name",
        "writeSchema",
        "key",
        "uuidPtr",
        "partitionFields",
        "projections",
        "ackTemplate",
    ]
    assert spec["name"] == "acmeCo/users"
    assert spec["key"] == ["/id"]
    assert spec["uuidPtr"] == "/_meta/uuid"
    assert spec["partitionFields"] == ["region"]
    assert spec["ackTemplate"] == {"_meta": {"uuid": "DocUUIDPlaceholder-329Bb50aa48EAa9ef", "ack": True}}
    fields = {p["field"]: p for p in spec["projections"]}
    assert fields["user_name"]["explicit"] is True
    assert fields["region"]["isPartitionKey"] is True
    assert fields["region"]["inference"]["enum"] == ["eu", "us"]


def test_read_schema_bundles_the_write_schema(tmp_path: Path) -> None:
    catalog = write_catalog(
        tmp_path,
        """
        collections:
          acmeCo/things:
            writeSchema: {type: object, required: [id], properties: {id: {type: integer}}}
            readSchema:
              allOf: [{$ref: "flow://write-schema"}, {$ref: "flow://inferred-schema"}]
              properties: {seen: {type: boolean}}
            key: [/id]
        """,
    )
    spec = specs.collection_spec(catalog, "acmeCo/things")
    assert spec["readSchema"]["$defs"]["flow://write-schema"]["$id"] == "flow://write-schema"
    assert "flow://inferred-schema" in spec["readSchema"]["$defs"]
    fields = {p["field"]: p for p in spec["projections"]}
    # Projections follow the read schema, which includes the write schema by reference.
    assert fields["id"]["inference"]["types"] == ["integer"]
    assert fields["seen"]["inference"]["types"] == ["boolean"]


@pytest.mark.parametrize(
    ("schema", "message"),
    [
        ("{type: object, properties: {id: {type: object}}}", "may be an object or array"),
        ("{type: object, properties: {id: false}}", "cannot exist"),
        ("{type: array}", "must be an object schema"),
        (
            "{type: object, properties: {id: {$ref: 'https://example.com/id.json'}}}",
            r"collection 'acmeCo/x': write schema: \$ref 'https://example.com/id.json' names no schema",
        ),
    ],
)
def test_bad_keys_are_config_errors(tmp_path: Path, schema: str, message: str) -> None:
    catalog = write_catalog(tmp_path, f"collections:\n  acmeCo/x:\n    schema: {schema}\n    key: [/id]\n")
    with pytest.raises(ConfigError, match=message) as info:
        specs.collection_spec(catalog, "acmeCo/x")
    assert str(tmp_path / "flow.yaml") in str(info.value)


def test_capture_spec(catalog: Catalog) -> None:
    spec = specs.capture_spec(catalog, "acmeCo/source-users")
    assert list(spec) == ["name", "connectorType", "config", "bindings", "intervalSeconds"]
    assert spec["connectorType"] == "LOCAL"
    assert spec["intervalSeconds"] == 150
    # The disabled binding is left out.
    assert len(spec["bindings"]) == 1
    binding = spec["bindings"][0]
    assert list(binding) == ["resourceConfig", "resourcePath", "collection", "backfill", "stateKey"]
    assert binding["resourcePath"] == ["public", "users"]
    assert binding["stateKey"] == "public%2Fusers.v2"
    assert binding["collection"] == specs.collection_spec(catalog, "acmeCo/users")


def test_capture_spec_uses_connector_pointers_or_validated_paths(catalog: Catalog) -> None:
    by_pointer = specs.capture_spec(catalog, "acmeCo/source-users", ["/stream"])
    assert by_pointer["bindings"][0]["resourcePath"] == ["users"]
    assert by_pointer["bindings"][0]["stateKey"] == "users.v2"
    validated = specs.capture_spec(catalog, "acmeCo/source-users", resource_paths=[["db", "users"]])
    assert validated["bindings"][0]["stateKey"] == "db%2Fusers.v2"
    with pytest.raises(ConfigError, match="2 resource paths given for 1 enabled bindings"):
        specs.capture_spec(catalog, "acmeCo/source-users", resource_paths=[["a"], ["b"]])


def test_materialization_spec(catalog: Catalog) -> None:
    spec = specs.materialization_spec(catalog, "acmeCo/to-postgres")
    assert list(spec) == ["name", "connectorType", "config", "bindings"]
    assert spec["connectorType"] == "IMAGE"
    binding = spec["bindings"][0]
    assert list(binding) == [
        "resourceConfig",
        "resourcePath",
        "collection",
        "partitionSelector",
        "fieldSelection",
        "journalReadSuffix",
        "stateKey",
    ]
    assert binding["partitionSelector"] == {
        "include": {"labels": [{"name": "estuary.dev/collection", "value": "acmeCo/users"}]},
        "exclude": {},
    }
    assert binding["fieldSelection"] == {
        "keys": ["id"],
        # `profile` is represented by its children; `profile/name` by the explicit `user_name`;
        # `profile/email` is excluded.
        "values": ["flow_published_at", "region", "updated_at", "user_name"],
        "document": "flow_document",
        "fieldConfig": {"updated_at": {"ddl": "TIMESTAMPTZ"}},
    }
    assert binding["journalReadSuffix"] == "materialize/acmeCo/to-postgres/public%2Fusers"
    assert binding["stateKey"] == "public%2Fusers"


def test_materialization_options(tmp_path: Path) -> None:
    catalog = write_catalog(
        tmp_path,
        """
        collections:
          acmeCo/events:
            schema:
              type: object
              required: [id, kind]
              properties:
                id: {type: string}
                kind: {type: string}
                body: {type: object, properties: {text: {type: string}}}
            key: [/id]
            projections:
              kind: {location: /kind, partition: true}
        materializations:
          acmeCo/m:
            endpoint: {local: {command: [x], config: {}}}
            bindings:
              - resource: {table: events, delta_updates: true}
                source:
                  name: acmeCo/events
                  partitions: {include: {kind: [click, "a b"]}, exclude: {kind: [7]}}
                  notBefore: 2024-01-01T00:00:00Z
                priority: 2
                backfill: 1
                fields: {recommended: 1, groupBy: [kind, id], exclude: [flow_published_at]}
              - resource: {table: off}
                source: acmeCo/events
                disable: true
        """,
    )
    spec = specs.materialization_spec(catalog, "acmeCo/m")
    assert len(spec["bindings"]) == 1
    binding = spec["bindings"][0]
    assert binding["priority"] == 2
    assert binding["deltaUpdates"] is True
    assert binding["notBefore"] == "2024-01-01T00:00:00Z"
    assert binding["backfill"] == 1
    assert binding["stateKey"] == "events.v1"
    assert binding["journalReadSuffix"] == "materialize/acmeCo/m/events.v1"
    assert binding["partitionSelector"] == {
        "include": {
            "labels": [
                {"name": "estuary.dev/collection", "value": "acmeCo/events"},
                {"name": "estuary.dev/field/kind", "value": "a%20b"},
                {"name": "estuary.dev/field/kind", "value": "click"},
            ]
        },
        "exclude": {"labels": [{"name": "estuary.dev/field/kind", "value": "%_7"}]},
    }
    # Depth 1: `body` is selected whole, not its child.
    assert binding["fieldSelection"] == {"keys": ["kind", "id"], "values": ["body"], "document": "flow_document"}

    given = [{"keys": ["id"], "values": ["kind"]}]
    chosen = specs.materialization_spec(catalog, "acmeCo/m", given, delta_updates=[False])
    assert chosen["bindings"][0]["fieldSelection"] == given[0]
    assert "deltaUpdates" not in chosen["bindings"][0]


def test_field_selection_rejects_unknown_fields(catalog: Catalog) -> None:
    collection = specs.collection_spec(catalog, "acmeCo/users")
    with pytest.raises(ConfigError, match=r"no field 'nope' \(named in fields.require\)"):
        specs.default_field_selection(collection, FieldsDef(require={"nope": {}}))
    selection = specs.default_field_selection(collection, FieldsDef(recommended=False, require={"region": {}}))
    assert selection == {"keys": ["id"], "values": ["region"], "document": "flow_document"}


def test_validate_requests(catalog: Catalog) -> None:
    capture = specs.validate_request(catalog, "acmeCo/source-users")["validate"]
    assert list(capture) == ["name", "connectorType", "config", "bindings"]
    assert list(capture["bindings"][0]) == ["resourceConfig", "collection", "backfill"]
    mat = specs.validate_request(catalog, "acmeCo/to-postgres", last_version="aa:bb")["validate"]
    assert list(mat) == ["name", "connectorType", "config", "bindings", "lastVersion"]
    assert mat["bindings"][0]["groupBy"] == ["id"]
    assert mat["bindings"][0]["fieldConfig"] == {"updated_at": {"ddl": "TIMESTAMPTZ"}}


def test_apply_and_open_requests(catalog: Catalog) -> None:
    apply = specs.apply_request(catalog, "acmeCo/to-postgres", version="v1", state={"done": True})
    assert list(apply) == ["apply"]
    assert list(apply["apply"]) == ["materialization", "version", "state"]
    assert apply["apply"]["version"] == "v1"

    opened = specs.open_request(catalog, "acmeCo/source-users", state={"cursor": 3})["open"]
    assert list(opened) == ["capture", "version", "range", "state"]
    assert opened["range"] == {"keyEnd": 4294967295, "rClockEnd": 4294967295}
    assert opened["state"] == {"cursor": 3}
    # With no explicit version, the version is the spec's content hash: stable, and it changes
    # with the spec.
    assert opened["version"] == specs.spec_version(opened["capture"])
    assert opened["version"] == specs.open_request(catalog, "acmeCo/source-users")["open"]["version"]
    other = specs.capture_spec(catalog, "acmeCo/source-users", ["/stream"])
    assert specs.spec_version(other) != opened["version"]

    fresh = specs.open_request(catalog, "acmeCo/to-postgres", spec={"name": "x"}, version="v2")["open"]
    assert fresh == {
        "materialization": {"name": "x"},
        "version": "v2",
        "range": {"keyEnd": 4294967295, "rClockEnd": 4294967295},
        "state": {},
    }
    assert specs.spec_request(catalog, "acmeCo/to-postgres") == {
        "spec": {"connectorType": "IMAGE", "config": {"address": "localhost:5432", "database": "flow"}}
    }


def test_open_request_carries_the_sealed_config(tmp_path: Path) -> None:
    catalog = load_catalog(_sealed_catalog(tmp_path), decrypt=False)
    opened = specs.open_request(catalog, "acmeCo/c")["open"]
    assert opened["sealedConfig"] == {"a_sops": "ENC[x]", "sops": {"mac": "m"}}


def _sealed_catalog(tmp: Path) -> Path:
    """A catalog with an inline sops-sealed config."""
    path = tmp / "flow.yaml"
    path.write_text(
        textwrap.dedent(
            """
            collections:
              acmeCo/x: {schema: {type: object, properties: {id: {type: string}}, required: [id]}, key: [/id]}
            captures:
              acmeCo/c:
                endpoint: {local: {command: [x], config: {a_sops: "ENC[x]", sops: {mac: m}}}}
                bindings: [{resource: {stream: s}, target: acmeCo/x}]
            """
        )
    )
    return path


# --------------------------------------------------------------------------------------
# Shapes against Flow's own fixtures.


def _fixture(name: str, variant: str) -> dict[str, Any]:
    shared = require_shared()
    blocks = {b.name: b.body for b in catalogue_blocks(shared / name)}
    parsed: dict[str, Any] = json.loads(blocks[variant])
    return parsed


def _assert_keys_in_fixture_order(ours: dict[str, Any], theirs: dict[str, Any], where: str) -> None:
    """Every key we emit exists in Flow's fixture, and in the same relative order."""
    unknown = [k for k in ours if k not in theirs]
    assert not unknown, f"{where}: keys not in Flow's fixture: {unknown}"
    order = [k for k in theirs if k in ours]
    assert list(ours) == order, f"{where}: order differs from Flow's"


def test_capture_shapes_match_flow_fixture(catalog: Catalog) -> None:
    theirs = _fixture("regression__capture_request_json.snap", "apply")["apply"]["capture"]
    ours = specs.capture_spec(catalog, "acmeCo/source-users")
    _assert_keys_in_fixture_order(ours, theirs, "CaptureSpec")
    _assert_keys_in_fixture_order(ours["bindings"][0], theirs["bindings"][0], "capture binding")
    collection, their_collection = ours["bindings"][0]["collection"], theirs["bindings"][0]["collection"]
    _assert_keys_in_fixture_order(collection, their_collection, "CollectionSpec")
    their_projection = their_collection["projections"][0]
    their_inference = their_projection["inference"]
    # The fixture sets neither `explicit` nor `isPrimaryKey`: take flow.proto's field order.
    projection_order = ["ptr", "field", "explicit", "isPartitionKey", "isPrimaryKey", "inference"]
    assert [k for k in projection_order if k in their_projection] == list(their_projection)
    for projection in collection["projections"]:
        _assert_keys_in_fixture_order(projection, dict.fromkeys(projection_order), "Projection")
        _assert_keys_in_fixture_order(projection["inference"], their_inference, "Inference")
        if "string" in projection["inference"]:
            _assert_keys_in_fixture_order(projection["inference"]["string"], their_inference["string"], "String")

    theirs_open = _fixture("regression__capture_request_json.snap", "open")["open"]
    ours_open = specs.open_request(catalog, "acmeCo/source-users")["open"]
    _assert_keys_in_fixture_order(ours_open, theirs_open, "capture Open")
    _assert_keys_in_fixture_order(ours_open["range"], theirs_open["range"], "RangeSpec")


def test_materialize_shapes_match_flow_fixture(catalog: Catalog) -> None:
    theirs = _fixture("regression__materialize_request_json.snap", "apply")["apply"]["materialization"]
    ours = specs.materialization_spec(catalog, "acmeCo/to-postgres")
    _assert_keys_in_fixture_order(ours, theirs, "MaterializationSpec")
    _assert_keys_in_fixture_order(ours["bindings"][0], theirs["bindings"][0], "materialization binding")
    _assert_keys_in_fixture_order(
        ours["bindings"][0]["fieldSelection"], theirs["bindings"][0]["fieldSelection"], "FieldSelection"
    )
    theirs_validate = _fixture("regression__materialize_request_json.snap", "validate")["validate"]
    ours_validate = specs.validate_request(catalog, "acmeCo/to-postgres")["validate"]
    _assert_keys_in_fixture_order(ours_validate, theirs_validate, "materialize Validate")
    _assert_keys_in_fixture_order(
        ours_validate["bindings"][0], theirs_validate["bindings"][0], "materialize Validate binding"
    )
