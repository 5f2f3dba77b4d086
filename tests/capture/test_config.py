"""Config validation: every violation with its JSON pointer, secrets never quoted."""

from __future__ import annotations

from typing import Any

import pytest

from flow_sdk import log
from flow_sdk.config import secret_locations, validate_config
from flow_sdk.errors import ConfigError

SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["name", "credentials"],
    "properties": {
        "name": {"type": "string", "pattern": "^[a-z]+$"},
        "port": {"type": "integer", "minimum": 1},
        "credentials": {
            "type": "object",
            "properties": {
                "password": {"type": "string", "secret": True, "minLength": 12},
                "token": {"type": "string", "airbyte_secret": True},
            },
        },
        "hosts": {"type": "array", "items": {"type": "string"}},
    },
}


def test_valid_config_passes_and_is_returned() -> None:
    config = {"name": "abc", "credentials": {"password": "long-enough-pw"}}
    assert validate_config(config, SCHEMA) is config


def test_every_violation_is_reported_with_its_pointer() -> None:
    config = {"name": "ABC", "port": 0, "credentials": {}, "hosts": ["a", 3]}
    with pytest.raises(ConfigError) as caught:
        validate_config(config, SCHEMA)
    pointers = {v["pointer"] for v in caught.value.fields["violations"]}  # type: ignore[attr-defined]
    assert pointers == {"/name", "/port", "/hosts/1"}
    assert "/name:" in caught.value.message and "/hosts/1:" in caught.value.message


def test_missing_required_field_is_named() -> None:
    with pytest.raises(ConfigError) as caught:
        validate_config({"credentials": {}}, SCHEMA)
    assert "'name' is a required property" in caught.value.message


def test_secret_values_are_never_quoted(capsys: pytest.CaptureFixture[str]) -> None:
    password = "hunter2-short"[:9]  # violates minLength, so a naive message would quote it
    token = ["tok-abcdef-123"]  # wrong type, so a naive message would quote it
    config = {"name": "ok", "credentials": {"password": password, "token": token}}
    with pytest.raises(ConfigError) as caught:
        validate_config(config, SCHEMA)
    text = str(caught.value) + repr(caught.value.fields)
    assert password not in text and "tok-abcdef-123" not in text
    assert "/credentials/password" in text and "/credentials/token" in text
    # Registered for redaction too: a later log line quoting them is scrubbed.
    assert password not in log.redact(f"connecting with {password}")


def test_parent_errors_do_not_quote_nested_secrets() -> None:
    schema = {
        "type": "object",
        "properties": {"auth": {"type": "array", "properties": {"key": {"type": "string", "secret": True}}}},
    }
    with pytest.raises(ConfigError) as caught:
        validate_config({"auth": {"key": "very-secret-key"}}, schema)
    assert "very-secret-key" not in str(caught.value)


def test_secret_locations_follow_nested_and_alternative_schemas() -> None:
    schema = {
        "properties": {
            "creds": {
                "oneOf": [
                    {"properties": {"apiKey": {"type": "string", "secret": True}}},
                    {"properties": {"pw": {"type": "string", "airbyte_secret": True}}},
                ]
            },
            "list": {"items": {"properties": {"k": {"secret": True}}}},
        }
    }
    config = {"creds": {"apiKey": "A", "pw": "B"}, "list": [{"k": "C"}, {"k": "D"}]}
    assert sorted(secret_locations(config, schema)) == [
        ("/creds/apiKey", "A"),
        ("/creds/pw", "B"),
        ("/list/0/k", "C"),
        ("/list/1/k", "D"),
    ]


def test_invalid_schema_is_reported() -> None:
    with pytest.raises(ConfigError, match="schema is itself invalid"):
        validate_config({}, {"type": "not-a-type"})
