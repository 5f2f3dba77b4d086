"""Connector configuration: typed config models, validation against a JSON schema, and secrets.

Every violation is reported with the JSON pointer of the offending value. Values of fields
marked `secret: true` (or Airbyte's `airbyte_secret: true`) are registered with the logger's
redaction and never quoted in a message.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any, TypeVar

import pydantic

from . import log
from .errors import ConfigError
from .json_pointer import format_path

if TYPE_CHECKING:
    from jsonschema.exceptions import ValidationError

SECRET_ANNOTATIONS = ("secret", "airbyte_secret")


def _subschemas(schema: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
    for keyword in ("oneOf", "anyOf", "allOf"):
        for alternative in schema.get(keyword, ()) or ():
            if isinstance(alternative, Mapping):
                yield alternative


def _is_secret(schema: Mapping[str, Any]) -> bool:
    return any(schema.get(name) is True for name in SECRET_ANNOTATIONS)


def secret_locations(config: Any, schema: Mapping[str, Any], at: str = "") -> Iterator[tuple[str, Any]]:
    """Yield (pointer, value) for every value of `config` that the schema marks secret."""
    if _is_secret(schema):
        yield at, config
        return
    for alternative in _subschemas(schema):
        yield from secret_locations(config, alternative, at)
    if isinstance(config, dict):
        properties = schema.get("properties") or {}
        for key, value in config.items():
            sub = properties.get(key)
            if sub is None and isinstance(schema.get("additionalProperties"), Mapping):
                sub = schema["additionalProperties"]
            if isinstance(sub, Mapping):
                yield from secret_locations(value, sub, at + format_path([key]))
    elif isinstance(config, list) and isinstance(schema.get("items"), Mapping):
        for index, item in enumerate(config):
            yield from secret_locations(item, schema["items"], at + format_path([index]))


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)
    elif value is not None and not isinstance(value, bool):
        yield str(value)


def register_config_secrets(config: Any, schema: Mapping[str, Any]) -> list[str]:
    """Register every secret value of `config` for redaction; return the secret pointers."""
    found = list(secret_locations(config, schema))
    log.register_secrets(s for _, value in found for s in _strings(value))
    return [at for at, _ in found]


def _describe(error: ValidationError, secret_pointers: list[str]) -> str:
    """One line about a violation; the offending value is quoted only if it holds no secret."""
    at = format_path(error.absolute_path)
    # Secret inside the value (an ancestor's message may print it), or the value inside a secret.
    holds_secret = any(at == s or at.startswith(s + "/") or s.startswith(at + "/") for s in secret_pointers)
    if not holds_secret:
        return log.redact(f"{at or '(root)'}: {error.message}")
    # jsonschema's messages quote the instance: say what rule failed without showing the value.
    rule = error.validator
    if rule == "required" or rule == "additionalProperties":
        return log.redact(f"{at or '(root)'}: {error.message}")
    return f"{at or '(root)'}: value (secret, withheld) fails {rule!r} {error.validator_value!r}"


def validate_config(config: Any, schema: dict[str, Any], *, what: str = "endpoint config") -> Any:
    """Check `config` against `schema`; raise ConfigError listing every violation with its pointer."""
    import jsonschema  # only here: connectors with config models never pay for importing it

    secret_pointers = register_config_secrets(config, schema)
    validator_cls = jsonschema.validators.validator_for(schema, default=jsonschema.Draft202012Validator)
    try:
        validator_cls.check_schema(schema)
    except jsonschema.SchemaError as exc:
        raise ConfigError(f"the connector's {what} schema is itself invalid: {exc.message}") from None
    validator = validator_cls(schema, format_checker=validator_cls.FORMAT_CHECKER)
    errors = sorted(validator.iter_errors(config), key=lambda e: (list(map(str, e.absolute_path)), e.message))
    if errors:
        lines = [_describe(error, secret_pointers) for error in errors]
        raise ConfigError(
            f"invalid {what}: " + "; ".join(lines),
            fields={
                "violations": [
                    {"pointer": format_path(e.absolute_path), "message": line}
                    for e, line in zip(errors, lines, strict=True)
                ]
            },
        )
    return config


# -- typed configuration models --------------------------------------------------------------


class ConfigModel(pydantic.BaseModel):
    """Base of a connector's endpoint or resource config model.

    The model is the single source of the config's JSON schema (`model_schema`), its defaults,
    its secrets (fields declared with `secret()`) and its validation (`parse_model`). Unknown
    keys are refused, naming the key, so a typo in a config does not pass silently.
    """

    model_config = pydantic.ConfigDict(extra="forbid", populate_by_name=True)


def secret(default: Any = ..., **kwargs: Any) -> Any:
    """A pydantic field marked `secret: true` in the schema: its values are redacted from every log."""
    extra = dict(kwargs.pop("json_schema_extra", None) or {})
    extra["secret"] = True
    return pydantic.Field(default, json_schema_extra=extra, **kwargs)


def model_schema(model: type[pydantic.BaseModel]) -> dict[str, Any]:
    """The JSON schema a connector advertises for `model` (validation mode, aliases as written)."""
    return model.model_json_schema(by_alias=True, mode="validation")


M = TypeVar("M", bound=pydantic.BaseModel)


def parse_model(model: type[M], value: Any, *, what: str = "endpoint config") -> M:
    """Validate `value` into `model`; ConfigError naming each bad field by JSON pointer.

    Secret values are registered for redaction before validation, and no value is quoted in
    the error (a config holds credentials), only where it is and what is wrong.
    """
    if value is None:
        value = {}
    register_config_secrets(value, model_schema(model))
    try:
        return model.model_validate(value)
    except pydantic.ValidationError as exc:
        lines = [f"{format_path(error['loc']) or '(root)'}: {error['msg']}" for error in exc.errors(include_url=False)]
        shown = lines[:10] + ([f"and {len(lines) - 10} more"] if len(lines) > 10 else [])
        raise ConfigError(
            f"invalid {what}: " + "; ".join(shown),
            fields={"violations": [{"message": line} for line in lines[:100]]},
        ) from None
