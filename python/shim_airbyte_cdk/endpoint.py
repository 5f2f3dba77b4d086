"""Catalog `airbyte:` endpoints: `airbyte: {command: [...]}` or `airbyte: {image: ...}` run through the shim."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flow_sdk.errors import ConfigError

_USAGE = "usage: python -m flow_sdk.shim_airbyte_cdk (--image IMAGE | -- COMMAND [ARGS...])"


def parse_argv(argv: list[str]) -> tuple[list[str] | None, str | None]:
    """(command, image) of the shim's command line."""
    if len(argv) == 2 and argv[0] == "--image" and argv[1]:
        return None, argv[1]
    if len(argv) >= 2 and argv[0] == "--":
        return argv[1:], None
    raise ConfigError(f"{_USAGE}; got {argv!r}")


def shim_command(airbyte: Mapping[str, Any], python: str = "python") -> list[str]:
    """The `local` endpoint command that runs an `airbyte:` endpoint stanza through the shim.

    The runtime runs it as a `local` endpoint's command (same config, env and working directory;
    a leading `python` becomes the runtime's own interpreter).
    """
    command, image = airbyte.get("command"), airbyte.get("image")
    if (command is None) == (image is None):
        raise ConfigError("an `airbyte` endpoint needs exactly one of `command` (a list) or `image`")
    if image is not None:
        if not isinstance(image, str) or not image:
            raise ConfigError("endpoint.airbyte.image must be a non-empty string")
        return [python, "-m", "flow_sdk.shim_airbyte_cdk", "--image", image]
    if not isinstance(command, list) or not command or not all(isinstance(a, str) for a in command):
        raise ConfigError("endpoint.airbyte.command must be a non-empty list of strings")
    return [python, "-m", "flow_sdk.shim_airbyte_cdk", "--", *command]
