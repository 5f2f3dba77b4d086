"""Run a Singer tap that is only an executable: files for its arguments, its stdout as messages, its stderr as logs.

A tap of any language is started as `COMMAND --config FILE [--catalog|--properties FILE] [--state FILE]`
(or with `--discover` / `--about --format json`). Its stdout is read line by line as JSON Singer
messages; its stderr becomes structured log records of the `singer.<tap>` logger, and the last of
them explain a failure.
"""

from __future__ import annotations

import collections
import contextlib
import json
import os
import re
import subprocess
import tempfile
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import IO, Any

import orjson

from .. import log
from ..errors import ConfigError, ConnectorError

# singer-sdk's console lines: `2026-01-01 10:00:00,000 | INFO     | tap-x | message`; singer-python's: `INFO message`.
_SDK_LINE = re.compile(r"^\S+ \S+ \| (?P<level>[A-Z]+) *\| (?P<name>[^|]*?) *\| (?P<msg>.*)$")
_PLAIN_LINE = re.compile(r"^(?P<level>DEBUG|INFO|WARNING|ERROR|CRITICAL|FATAL) (?P<msg>.*)$")
_LEVELS = {"DEBUG": 10, "INFO": 20, "WARNING": 30, "WARN": 30, "ERROR": 40, "CRITICAL": 50, "FATAL": 50}
_TAIL_LINES = 20
_STOP_GRACE_SECONDS = 5.0


def log_line(logger_name: str, line: str) -> None:
    """Log one stderr line of a tap at the level it names; METRIC lines at debug level."""
    level, name, message = 20, logger_name, line
    if match := _SDK_LINE.match(line):
        level = _LEVELS.get(match["level"], 20)
        name, message = "singer." + match["name"].strip(), match["msg"]
    elif match := _PLAIN_LINE.match(line):
        level, message = _LEVELS[match["level"]], match["msg"]
    if message.startswith("METRIC"):
        level = min(level, 10)
    log.get_logger(name).log(level, message)


def _error_lines(tail: Sequence[str]) -> str:
    """The tap's own explanation: its last error lines (or last lines), joined."""
    errors = [line for line in tail if re.search(r"ERROR|CRITICAL|FATAL|Traceback|Error:|Exception", line)]
    chosen = (errors or list(tail))[-5:]
    return " / ".join(line.strip() for line in chosen) or "no output on stderr"


class TapCommand:
    """A Singer tap executable, run once per request with its arguments written to files.

    `catalog_flag` is `--catalog`, or `--properties` for older taps that only read that one.
    """

    def __init__(
        self,
        command: Sequence[str],
        *,
        catalog_flag: str = "--catalog",
        env: Mapping[str, str] | None = None,
        cwd: str | None = None,
    ) -> None:
        if not command or not all(isinstance(part, str) and part for part in command):
            raise ConfigError("the Singer tap command must be a non-empty list of strings")
        if catalog_flag not in ("--catalog", "--properties"):
            raise ConfigError(f"catalog_flag must be --catalog or --properties, not {catalog_flag!r}")
        self.command = list(command)
        self.catalog_flag = catalog_flag
        self.env = dict(env or {})
        self.cwd = cwd
        self.logger_name = "singer." + Path(self.command[0]).name

    # -- requests ------------------------------------------------------------------------------

    def about(self) -> dict[str, Any] | None:
        """The tap's `--about --format json` document, or None when it has no such option."""
        with tempfile.TemporaryDirectory(prefix="singer-") as tmp:
            proc = self._popen(["--about", "--format", "json"], Path(tmp), stderr=subprocess.DEVNULL)
            out, _ = proc.communicate(timeout=120)
        if proc.returncode != 0:
            return None
        with contextlib.suppress(ValueError):
            doc = json.loads(out)
            return doc if isinstance(doc, dict) else None
        return None

    def discover(self, config: Mapping[str, Any]) -> dict[str, Any]:
        """The tap's catalog from `--discover`; ConfigError with the tap's message when it fails."""
        with self._files(config) as (tmp, args):
            proc = self._popen([*args, "--discover"], tmp)
            tail = self._drain_stderr(proc)
            out = proc.stdout.read() if proc.stdout else b""
            code = proc.wait()
            tail.join()
        if code != 0:
            raise ConfigError(f"the tap's discovery failed (exit code {code}): {_error_lines(tail.lines)}")
        try:
            catalog = orjson.loads(out)
        except orjson.JSONDecodeError as exc:
            raise ConfigError(f"the tap's discovery wrote no JSON catalog: {exc}") from None
        if not isinstance(catalog, dict):
            raise ConfigError("the tap's discovery wrote no catalog object")
        return catalog

    def sync(
        self,
        config: Mapping[str, Any],
        catalog: Mapping[str, Any],
        state: Mapping[str, Any],
        on_message: Callable[[dict[str, Any]], None],
    ) -> None:
        """Run a sync, handing each stdout message to `on_message`; a failure raises with the tap's message.

        If `on_message` raises, the tap is stopped (SIGTERM, then SIGKILL) and the exception propagates.
        """
        with self._files(config, catalog, state) as (tmp, args):
            proc = self._popen(args, tmp)
            tail = self._drain_stderr(proc)
            try:
                for message in _messages(proc.stdout, self.logger_name):
                    on_message(message)
            except BaseException:
                _stop(proc)
                raise
            finally:
                code = proc.wait()
                tail.join()
        if code != 0:
            raise ConnectorError(
                f"the Singer tap failed (exit code {code}): {_error_lines(tail.lines)}",
                fields={"command": self.command[0]},
            )

    # -- plumbing ------------------------------------------------------------------------------

    @contextlib.contextmanager
    def _files(
        self,
        config: Mapping[str, Any],
        catalog: Mapping[str, Any] | None = None,
        state: Mapping[str, Any] | None = None,
    ) -> Iterator[tuple[Path, list[str]]]:
        with tempfile.TemporaryDirectory(prefix="singer-") as name:
            tmp = Path(name)
            args = ["--config", _write(tmp / "config.json", config)]
            if catalog is not None:
                args += [self.catalog_flag, _write(tmp / "catalog.json", catalog)]
            if state:
                args += ["--state", _write(tmp / "state.json", state)]
            yield tmp, args

    def _popen(self, args: list[str], tmp: Path, stderr: int = subprocess.PIPE) -> subprocess.Popen[bytes]:
        try:
            return subprocess.Popen(
                [*self.command, *args],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=stderr,
                env={**os.environ, **self.env},
                cwd=self.cwd or str(tmp),
            )
        except OSError as exc:
            raise ConfigError(f"cannot start the Singer tap {self.command[0]!r}: {exc.strerror or exc}") from None

    def _drain_stderr(self, proc: subprocess.Popen[bytes]) -> _StderrTail:
        tail = _StderrTail(proc.stderr, self.logger_name)
        tail.start()
        return tail


class _StderrTail(threading.Thread):
    """Forwards a tap's stderr to the log, keeping its last lines."""

    def __init__(self, stream: IO[bytes] | None, logger_name: str) -> None:
        super().__init__(name="singer-stderr", daemon=True)
        self.stream = stream
        self.logger_name = logger_name
        self.lines: collections.deque[str] = collections.deque(maxlen=_TAIL_LINES)

    def run(self) -> None:
        if self.stream is None:
            return
        for raw in self.stream:
            line = raw.decode("utf-8", "replace").rstrip()
            if line:
                self.lines.append(line)
                log_line(self.logger_name, line)


def _messages(stream: IO[bytes] | None, logger_name: str) -> Iterator[dict[str, Any]]:
    if stream is None:
        return
    loads = orjson.loads
    for line in stream:
        try:
            message = loads(line)
        except orjson.JSONDecodeError:
            text = line.decode("utf-8", "replace").strip()
            if text:  # a stray print of the tap: not a message, so a log line
                log.get_logger(logger_name).warning("tap wrote a non-JSON line to stdout: %.200s", text)
            continue
        if isinstance(message, dict):
            yield message


def _write(path: Path, value: Mapping[str, Any]) -> str:
    # The directory is private (0700): the config holds secrets.
    path.write_bytes(orjson.dumps(value))
    return str(path)


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is not None:
        return
    # The tap stays in our process group, so a runtime that kills the group ends it too.
    proc.terminate()
    try:
        proc.wait(_STOP_GRACE_SECONDS)
    except subprocess.TimeoutExpired:
        proc.kill()
