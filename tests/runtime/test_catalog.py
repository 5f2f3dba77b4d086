"""Loading Flow catalog files: imports, file references, endpoints and errors."""

from __future__ import annotations

import json
import os
import stat
import textwrap
from pathlib import Path

import pytest

from flow_sdk.errors import ConfigError
from flow_sdk.runtime.catalog.loader import (
    ImageEndpoint,
    LocalEndpoint,
    load_catalog,
    parse_duration,
)
from flow_sdk.runtime.schema.projections import ExplicitProjection

DATA = Path(__file__).parent / "data" / "catalog"


def write(tmp: Path, name: str, text: str) -> Path:
    """Write a dedented file under tmp and return its path."""
    path = tmp / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


COLLECTION = """
collections:
  acmeCo/things:
    schema:
      type: object
      required: [id]
      properties: {id: {type: string}}
    key: [/id]
"""


def test_imports_are_followed_once_and_cycles_tolerated() -> None:
    catalog = load_catalog(DATA / "flow.yaml")
    names = [p.name for p in catalog.files]
    assert names == ["flow.yaml", "collections.flow.yaml", "materialize.flow.json"]
    assert set(catalog.collections) == {"acmeCo/users"}
    assert set(catalog.captures) == {"acmeCo/source-users"}
    assert set(catalog.materializations) == {"acmeCo/to-postgres"}


def test_schema_and_config_are_loaded_from_files_relative_to_their_catalog() -> None:
    catalog = load_catalog(DATA / "flow.yaml")
    users = catalog.collection("acmeCo/users")
    assert users.source == DATA / "collections.flow.yaml"
    assert users.write_schema["required"] == ["id", "region", "profile"]
    assert users.read_schema is users.write_schema and not users.has_read_schema
    assert users.key == ["/id"]
    assert users.projections == [
        ExplicitProjection("user_name", "/profile/name", False),
        ExplicitProjection("region", "/region", True),
    ]

    capture = catalog.capture("acmeCo/source-users")
    assert isinstance(capture.endpoint, LocalEndpoint)
    assert capture.endpoint.command == ["python", "-m", "source_users"]
    assert capture.endpoint.config == {"host": "db.example.com", "port": 5432, "password": "hunter2"}
    assert capture.endpoint.env == {"LOG_LEVEL": "debug"}
    assert capture.endpoint.sealed_config is None
    assert capture.interval_seconds == 150
    assert [(b.target, b.backfill, b.disable) for b in capture.bindings] == [
        ("acmeCo/users", 2, False),
        ("acmeCo/not-defined-but-disabled", 0, True),
    ]

    mat = catalog.materialization("acmeCo/to-postgres")
    assert isinstance(mat.endpoint, ImageEndpoint)
    assert mat.endpoint.image == "ghcr.io/estuary/materialize-postgres:dev"
    assert mat.source == DATA / "materialize.flow.json"
    binding = mat.bindings[0]
    assert binding.source.name == "acmeCo/users"
    assert binding.fields.require == {"updated_at": {"ddl": "TIMESTAMPTZ"}}
    assert binding.fields.exclude == ["profile/email"]
    assert binding.fields.recommended is True


def test_defaults_match_flow(tmp_path: Path) -> None:
    root = write(
        tmp_path,
        "flow.yaml",
        COLLECTION
        + """
captures:
  acmeCo/cap:
    endpoint: {connector: {image: "ghcr.io/x:v1", config: {}}}
    bindings: [{resource: {stream: a}, target: acmeCo/things}]
materializations:
  acmeCo/mat:
    endpoint: {local: {command: [run], config: {}, protobuf: true}}
    bindings: [{resource: {table: t}, source: {name: acmeCo/things, notBefore: 2024-01-02T03:04:05Z}}]
""",
    )
    catalog = load_catalog(root)
    assert catalog.capture("acmeCo/cap").interval_seconds == 300
    mat = catalog.materialization("acmeCo/mat")
    assert isinstance(mat.endpoint, LocalEndpoint) and mat.endpoint.protobuf
    binding = mat.bindings[0]
    assert binding.fields.recommended is True and binding.fields.group_by == []
    assert (binding.backfill, binding.priority, binding.disable) == (0, 0, False)
    # YAML timestamps stay strings: they travel as JSON.
    assert binding.source.not_before == "2024-01-02T03:04:05Z"


def test_include_is_an_alias_of_require(tmp_path: Path) -> None:
    root = write(
        tmp_path,
        "flow.yaml",
        COLLECTION
        + """
materializations:
  acmeCo/mat:
    endpoint: {local: {command: [run], config: {}}}
    bindings:
      - resource: {table: t}
        source: acmeCo/things
        fields: {recommended: 1, include: {id: {}}, groupBy: [id]}
""",
    )
    fields = load_catalog(root).materialization("acmeCo/mat").bindings[0].fields
    assert fields.require == {"id": {}} and fields.recommended == 1 and fields.group_by == ["id"]


def test_json_catalog_and_schema_fragment(tmp_path: Path) -> None:
    write(
        tmp_path,
        "schemas/all.yaml",
        """
        $defs:
          thing: {type: object, required: [id], properties: {id: {type: integer}}}
        """,
    )
    root = tmp_path / "flow.json"
    root.write_text(
        json.dumps(
            {
                "collections": {
                    "acmeCo/things": {"schema": "schemas/all.yaml#/$defs/thing", "key": ["/id"]},
                }
            }
        )
    )
    schema = load_catalog(root).collection("acmeCo/things").write_schema
    assert schema["properties"] == {"id": {"type": "integer"}}


def test_write_and_read_schemas(tmp_path: Path) -> None:
    root = write(
        tmp_path,
        "flow.yaml",
        """
        collections:
          acmeCo/things:
            writeSchema: {type: object, properties: {id: {type: string}}}
            readSchema: {$ref: "flow://write-schema", required: [id]}
            key: [/id]
        """,
    )
    things = load_catalog(root).collection("acmeCo/things")
    assert things.has_read_schema
    assert things.read_schema == {"$ref": "flow://write-schema", "required": ["id"]}


@pytest.mark.parametrize(
    ("files", "message"),
    [
        ({"flow.yaml": "import: [missing.yaml]\n"}, "import 'missing.yaml' not found"),
        (
            {"flow.yaml": "collections:\n  acmeCo/x: {schema: nope.yaml, key: [/id]}\n"},
            "schema file 'nope.yaml' not found",
        ),
        (
            {"flow.yaml": "collections:\n  acmeCo/x: {schema: {type: object}}\n"},
            "`key` is missing",
        ),
        (
            {"flow.yaml": "collections:\n  acmeCo/x: {schema: {type: object}, key: [id]}\n"},
            "must be empty or begin with '/'",
        ),
        (
            {"flow.yaml": "collections:\n  acmeCo/x: {schema: {type: object}, key: ['/a~2']}\n"},
            "invalid '~' escape",
        ),
        (
            {"flow.yaml": "collections:\n  acmeCo/x: {key: [/id]}\n"},
            "give either `schema`, or both",
        ),
        (
            {"flow.yaml": "colections: {}\n"},
            "unknown property colections",
        ),
        (
            {"flow.yaml": "collections: [\n"},
            "cannot parse file",
        ),
        (
            {
                "flow.yaml": COLLECTION + "captures:\n  acmeCo/c:\n    endpoint: {local: {command: [x], config: {}}}\n"
                "    bindings: [{resource: {}, target: acmeCo/nope}]\n"
            },
            "target collection 'acmeCo/nope' is not defined",
        ),
        (
            {
                "flow.yaml": COLLECTION
                + "materializations:\n  acmeCo/m:\n    endpoint: {connector: {image: i, config: cfg.yaml}}\n"
                "    bindings: [{resource: {}, source: acmeCo/things}]\n"
            },
            "config file 'cfg.yaml' not found",
        ),
        (
            {
                "flow.yaml": COLLECTION
                + "captures:\n  acmeCo/c:\n    endpoint: {local: {command: [], config: {}}}\n    bindings: []\n"
            },
            "command must be a non-empty list",
        ),
        (
            {
                "flow.yaml": COLLECTION + "captures:\n  acmeCo/c:\n    endpoint: {local: {command: [x], config: {}}}\n"
                "    interval: soon\n    bindings: []\n"
            },
            "invalid duration",
        ),
        (
            {
                "flow.yaml": COLLECTION
                + "materializations:\n  acmeCo/m:\n    endpoint: {local: {command: [x], config: {}}}\n"
                "    bindings: [{resource: {}, source: acmeCo/things, fields: {exclude: [id]}}]\n"
            },
            "`recommended` is missing",
        ),
    ],
)
def test_errors_name_the_file(tmp_path: Path, files: dict[str, str], message: str) -> None:
    for name, text in files.items():
        write(tmp_path, name, text)
    with pytest.raises(ConfigError) as info:
        load_catalog(tmp_path / "flow.yaml")
    assert str(info.value).startswith(str(tmp_path / "flow.yaml") + ":")
    assert message in str(info.value)
    assert info.value.fields["file"] == str(tmp_path / "flow.yaml")


def test_error_in_imported_file_names_that_file(tmp_path: Path) -> None:
    write(tmp_path, "flow.yaml", "import: [sub/other.yaml]\n")
    write(tmp_path, "sub/other.yaml", "collections:\n  acmeCo/x: {schema: {type: object}, key: []}\n")
    with pytest.raises(ConfigError, match=r"sub/other\.yaml: collection 'acmeCo/x': `key` is missing"):
        load_catalog(tmp_path / "flow.yaml")


def test_duplicate_definitions_across_files(tmp_path: Path) -> None:
    write(tmp_path, "flow.yaml", "import: [other.yaml]\n" + COLLECTION)
    write(tmp_path, "other.yaml", COLLECTION)
    with pytest.raises(ConfigError, match="already defined in"):
        load_catalog(tmp_path / "flow.yaml")


def test_missing_root_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="catalog file not found"):
        load_catalog(tmp_path / "nope.flow.yaml")


def test_unknown_task_lookup_lists_known_ones() -> None:
    catalog = load_catalog(DATA / "flow.yaml")
    with pytest.raises(ConfigError, match=r"no capture named 'acmeCo/x' \(defined: acmeCo/source-users\)"):
        catalog.capture("acmeCo/x")
    assert catalog.task_kind("acmeCo/to-postgres") == "materialization"


SEALED = {
    "host": "db",
    "password_sops": "ENC[AES256_GCM,data:xyz,type:str]",
    "sops": {"encrypted_suffix": "_sops", "mac": "ENC[...]", "version": "3.8.1"},
}


def sealed_catalog(tmp_path: Path) -> Path:
    """A catalog whose capture config file is sops-encrypted."""
    (tmp_path / "config.json").write_text(json.dumps(SEALED))
    return write(
        tmp_path,
        "flow.yaml",
        COLLECTION
        + """
captures:
  acmeCo/c:
    endpoint: {local: {command: [x], config: config.json}}
    bindings: []
""",
    )


def test_sealed_config_without_sops_is_a_config_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = sealed_catalog(tmp_path)
    monkeypatch.setenv("PATH", str(tmp_path / "empty-bin"))
    with pytest.raises(ConfigError, match=r"sops.*not found on PATH") as info:
        load_catalog(root)
    assert str(tmp_path / "config.json") in str(info.value)


def test_sealed_config_can_be_loaded_without_decrypting(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = sealed_catalog(tmp_path)
    monkeypatch.setenv("PATH", str(tmp_path / "empty-bin"))
    endpoint = load_catalog(root, decrypt=False).capture("acmeCo/c").endpoint
    assert endpoint.config == SEALED and endpoint.sealed_config == SEALED


def fake_sops(tmp_path: Path, output: dict[str, object]) -> Path:
    """Install a `sops` stand-in that records its arguments and prints `output`."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    script = bin_dir / "sops"
    script.write_text(
        f'#!/bin/sh\necho "$@" > "{tmp_path / "sops-args.txt"}"\ncat <<\'EOF\'\n{json.dumps(output)}\nEOF\n'
    )
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return bin_dir


def test_sealed_config_is_decrypted_by_sops(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = sealed_catalog(tmp_path)
    bin_dir = fake_sops(tmp_path, {"host": "db", "password_sops": "hunter2", "nested": [{"key_sops": 1}]})
    monkeypatch.setenv("PATH", str(bin_dir) + os.pathsep + os.environ.get("PATH", ""))
    endpoint = load_catalog(root).capture("acmeCo/c").endpoint
    assert endpoint.config == {"host": "db", "password": "hunter2", "nested": [{"key": 1}]}
    assert endpoint.sealed_config == SEALED
    args = (tmp_path / "sops-args.txt").read_text().split()
    assert args == ["--decrypt", "--output-type", "json", str(tmp_path / "config.json")]


def test_parse_duration() -> None:
    assert parse_duration("5m") == 300
    assert parse_duration("1h 30m") == 5400
    assert parse_duration("90s") == 90
    assert parse_duration("1.5s") == 1.5
    with pytest.raises(ValueError, match="invalid duration"):
        parse_duration("5 parsecs")
    with pytest.raises(ValueError, match="invalid duration"):
        parse_duration("m5")


def shim_catalog(tmp_path: Path, endpoint: str) -> Path:
    """A catalog with one capture whose endpoint stanza is `endpoint` (one YAML line)."""
    return write(
        tmp_path,
        "flow.yaml",
        COLLECTION
        + f"""
captures:
  acmeCo/cap:
    endpoint:
      {endpoint}
    bindings:
      - resource: {{stream: things}}
        target: acmeCo/things
""",
    )


@pytest.mark.parametrize(
    ("endpoint", "command"),
    [
        (
            "airbyte: {command: [.venv/bin/source-faker], config: {count: 3}, env: {A: b}}",
            ["python", "-m", "flow_sdk.shim_airbyte_cdk", "--", ".venv/bin/source-faker"],
        ),
        (
            "airbyte: {image: 'airbyte/source-faker:6.2.0', config: {}}",
            ["python", "-m", "flow_sdk.shim_airbyte_cdk", "--image", "airbyte/source-faker:6.2.0"],
        ),
        (
            "singer: {command: [tap-x, --debug], config: {}}",
            ["python", "-m", "flow_sdk.shim_singer_sdk", "--", "tap-x", "--debug"],
        ),
        (
            "singer: {command: [tap-old], catalogFlag: --properties, config: {}}",
            ["python", "-m", "flow_sdk.shim_singer_sdk", "--properties", "--", "tap-old"],
        ),
    ],
)
def test_airbyte_and_singer_endpoints_run_through_their_shim(tmp_path: Path, endpoint: str, command: list[str]) -> None:
    path = shim_catalog(tmp_path, endpoint)
    endpoint_def = load_catalog(path).capture("acmeCo/cap").endpoint
    assert isinstance(endpoint_def, LocalEndpoint)
    assert endpoint_def.command == command
    assert endpoint_def.source == path


@pytest.mark.parametrize(
    ("endpoint", "message"),
    [
        ("airbyte: {config: {}}", "endpoint.airbyte.command must be a non-empty list"),
        ("airbyte: {command: [x], image: y, config: {}}", "needs `command` or `image`, not both"),
        ("singer: {command: [x], catalogFlag: --nope, config: {}}", "catalogFlag must be --catalog or --properties"),
        ("singer: {command: [x], image: y, config: {}}", "image"),
    ],
)
def test_shim_endpoint_mistakes_are_named(tmp_path: Path, endpoint: str, message: str) -> None:
    path = shim_catalog(tmp_path, endpoint)
    with pytest.raises(ConfigError, match=message):
        load_catalog(path)
