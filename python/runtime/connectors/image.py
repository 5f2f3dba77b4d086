"""Run a `connector: {image: ...}` endpoint through `docker run -i`, as Flow's runtime would.

Before starting anything the image is inspected, so that a wrong image fails with a
configuration error naming the problem rather than with a protocol error later:

* a `:local` tag is never pulled (flowctl treats it as built on this machine, by
  `./build-local.sh`); any other tag is pulled when the engine does not have it yet;
* the `FLOW_RUNTIME_PROTOCOL` label is required and must name the task's protocol;
* `FLOW_RUNTIME_CODEC` selects the codec: `json`, or protobuf when absent (Flow's default);
* the image must have an entrypoint or a command.
"""

from __future__ import annotations

import subprocess
from typing import Any

import orjson

from flow_sdk.errors import ConfigError
from flow_sdk.runtime.catalog.loader import ImageEndpoint
from flow_sdk.runtime.connectors.process import ConnectorCommand, docker_available
from flow_sdk.stdio import CODEC_ENV, Codec, ProtocolName, excerpt

PROTOCOL_LABEL = "FLOW_RUNTIME_PROTOCOL"
CODEC_LABEL = "FLOW_RUNTIME_CODEC"
_TIMEOUT = 600.0  # a pull of a large image on a slow link


def is_local_tag(image: str) -> bool:
    """Whether `image` is tagged `:local`: built on this machine and never pulled."""
    last = image.rsplit("/", 1)[-1]
    return last.partition("@")[0].endswith(":local")


def _docker(args: list[str]) -> subprocess.CompletedProcess[bytes]:
    try:
        return subprocess.run(["docker", *args], capture_output=True, timeout=_TIMEOUT, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise ConfigError(f"`docker {args[0]}` failed: {exc}") from exc


def _inspect(image: str) -> dict[str, Any] | None:
    done = _docker(["image", "inspect", "--format", "{{json .Config}}", image])
    if done.returncode != 0:
        return None
    try:
        config = orjson.loads(done.stdout)
    except orjson.JSONDecodeError:
        raise ConfigError(f"`docker image inspect {image}` printed no JSON: {excerpt(done.stdout)!r}") from None
    return config if isinstance(config, dict) else {}


def image_config(image: str, *, task: str) -> dict[str, Any]:
    """The image's config (labels, entrypoint, ...), pulling the image first unless it is `:local`."""
    config = _inspect(image)
    if config is not None:
        return config
    if is_local_tag(image):
        name = image.rsplit("/", 1)[-1].partition(":")[0]
        raise ConfigError(
            f"{task}: image {image!r} is not on this machine, and `:local` images are never pulled; "
            f"build it first (`./build-local.sh {name}`) or use a `local` endpoint"
        )
    pulled = _docker(["pull", "--quiet", image])
    if pulled.returncode != 0:
        reason = pulled.stderr.decode("utf-8", errors="replace").strip() or f"exit code {pulled.returncode}"
        raise ConfigError(f"{task}: cannot pull image {image!r}: {excerpt(reason.encode())}")
    config = _inspect(image)
    if config is None:
        raise ConfigError(f"{task}: image {image!r} was pulled but `docker image inspect` cannot find it")
    return config


def codec_of(config: dict[str, Any], image: str, *, task: str, protocol: ProtocolName | None) -> Codec:
    """The codec the image speaks, after checking its labels and entrypoint as Flow does."""
    labels = config.get("Labels") or {}
    spoken = labels.get(PROTOCOL_LABEL)
    if not spoken:
        raise ConfigError(
            f"{task}: image {image!r} is missing the required {PROTOCOL_LABEL!r} label "
            f"(add `LABEL {PROTOCOL_LABEL}={protocol or 'capture'}` to its Dockerfile)"
        )
    if protocol is not None and spoken != protocol:
        raise ConfigError(
            f"{task}: image {image!r} speaks the {spoken} protocol ({PROTOCOL_LABEL}={spoken}), "
            f"but the task is a {protocol} task"
        )
    if not config.get("Entrypoint") and not config.get("Cmd"):
        raise ConfigError(f"{task}: image {image!r} has neither an entrypoint nor a command")
    name = labels.get(CODEC_LABEL, Codec.PROTO.value)
    try:
        return Codec(name)
    except ValueError:
        raise ConfigError(f"{task}: image {image!r} has {CODEC_LABEL}={name!r}; expected 'json' or 'proto'") from None


def image_command(endpoint: ImageEndpoint, *, task: str = "", protocol: ProtocolName | None = None) -> ConnectorCommand:
    """The `docker run -i` command for an image endpoint; ConfigError when the image cannot serve the task."""
    task = task or "task"
    if not docker_available():
        raise ConfigError(
            f"{task}: endpoint uses image {endpoint.image!r} but no docker engine is reachable "
            "(`docker info` failed); run the connector from source with a `local` endpoint instead, "
            "e.g. `local: {command: [python, -m, my_connector], config: ...}`"
        )
    config = image_config(endpoint.image, task=task)
    codec = codec_of(config, endpoint.image, task=task, protocol=protocol)
    # Our connectors also read the codec from the environment; others ignore it.
    argv = ["docker", "run", "--interactive", "--rm", "--env", f"{CODEC_ENV}={codec.value}", endpoint.image]
    return ConnectorCommand(argv, {}, str(endpoint.source.parent), codec, endpoint.image)
