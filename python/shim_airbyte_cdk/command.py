"""Run an Airbyte source as a command (its own virtualenv's entry point, or a docker image).

Config, configured catalog and state are passed as files, as the Airbyte protocol prescribes;
the messages the source prints are parsed line by line. Records become `(stream, namespace, data)`
tuples like the in-process source's, so the translation is the same in both modes.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import orjson

from flow_sdk import log
from flow_sdk.errors import ConfigError, ConnectorError

from .sources import Item, first_of

_logger = log.get_logger("flow_sdk.shim_airbyte_cdk")
_CHUNK = 1 << 16


def docker_argv(image: str, mount: str) -> list[str]:
    """`docker run` of an Airbyte image, with the folder of the protocol files mounted at the same path."""
    return ["docker", "run", "-i", "--rm", "--network", "host", "-v", f"{mount}:{mount}", image]


class CommandSource:
    """An Airbyte source run as `argv` (+ `spec|check|discover|read` and its file arguments).

    With `image`, `argv` is ignored and the source runs as `docker run -i IMAGE`.
    """

    def __init__(self, argv: Sequence[str] = (), *, image: str | None = None, env: Mapping[str, str] | None = None):
        if not argv and not image:
            raise ConfigError("an Airbyte command source needs a command or an image")
        self.argv = list(argv)
        self.image = image
        self.env = dict(env or {})
        self.exit_code: int | None = None

    def _argv(self, folder: str) -> list[str]:
        return docker_argv(self.image, folder) if self.image else list(self.argv)

    def _messages(self, verb: str, files: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
        """Run one verb and yield the parsed messages it prints (records too)."""
        with tempfile.TemporaryDirectory(prefix="airbyte-") as folder:
            args = [verb]
            for flag, content in files.items():
                path = os.path.join(folder, f"{flag}.json")
                with open(path, "wb") as out:
                    out.write(orjson.dumps(content))
                args += [f"--{flag}", path]
            yield from self._run(self._argv(folder) + args, verb)

    def _run(self, argv: list[str], verb: str) -> Iterator[dict[str, Any]]:
        env = {**os.environ, **self.env}
        try:
            proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, env=env, bufsize=1 << 20)
        except OSError as exc:
            raise ConfigError(f"cannot start Airbyte source `{' '.join(argv)}`: {exc}") from exc
        assert proc.stdout is not None
        loads = orjson.loads
        try:
            for line in proc.stdout:
                try:
                    message = loads(line)
                except orjson.JSONDecodeError:
                    if line.strip():
                        _logger.info(line.decode(errors="replace").rstrip(), extra={"fields": {"source": "stdout"}})
                    continue
                if isinstance(message, dict):
                    yield message
        finally:
            if proc.poll() is None:
                proc.terminate()
            code = proc.wait()
            proc.stdout.close()
        self.exit_code = code
        if code != 0:
            raise ConnectorError(f"Airbyte source `{verb}` exited with code {code}", fields={"argv": argv})

    def spec(self) -> dict[str, Any]:
        """The source's ConnectorSpecification."""
        return first_of(self._messages("spec", {}), "SPEC", "spec", "spec")

    def check(self, config: Mapping[str, Any]) -> dict[str, Any]:
        """The source's AirbyteConnectionStatus for `config`."""
        return first_of(self._messages("check", {"config": config}), "CONNECTION_STATUS", "connectionStatus", "check")

    def discover(self, config: Mapping[str, Any]) -> dict[str, Any]:
        """The source's AirbyteCatalog."""
        return first_of(self._messages("discover", {"config": config}), "CATALOG", "catalog", "discover")

    def read(
        self, config: Mapping[str, Any], catalog: Mapping[str, Any], state: list[dict[str, Any]]
    ) -> Iterator[Item]:
        """Read; records as tuples, every other message as its dict."""
        files = {"config": config, "catalog": catalog, "state": state}
        for message in self._messages("read", files):
            if message.get("type") == "RECORD":
                record = message["record"]
                yield (record["stream"], record.get("namespace"), record["data"])
            else:
                yield message
