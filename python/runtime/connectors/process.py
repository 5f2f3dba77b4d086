"""Start a connector as a child process and exchange protocol messages with it over stdio.

Endpoints of a catalog:

* `local: {command: [...], env: {...}, protobuf: bool}` runs `command` with the directory of the
  catalog file that defines it as working directory. A first element `python` or `python3` is
  replaced by the runtime's own interpreter (`sys.executable`), so a connector installed in the
  same virtualenv as flow-sdk runs without activating anything. `protobuf: true` selects the
  length-prefixed protobuf codec (the child sees `FLOW_SDK_CODEC=proto`); JSON lines otherwise.
* `connector: {image: ...}` runs `docker run -i --rm IMAGE` when a docker engine answers
  `docker info`, after checking the image's labels (`image.py`); otherwise it is a
  configuration error suggesting a `local` endpoint.

The child's stderr is forwarded to ours line by line; its last error record is kept to explain
a non-zero exit. A watchdog kills a child that produces no output for `timeout` seconds.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import IO, Any

import orjson

from flow_sdk.errors import ConfigError, ConnectorError, ProtocolError
from flow_sdk.runtime.catalog.loader import Endpoint, LocalEndpoint
from flow_sdk.stdio import CODEC_ENV, Codec, MessageReader, MessageWriter, ProtocolName, excerpt, parse_json_block

_PYTHON_NAMES = frozenset({"python", "python3"})
_CHUNK = 1 << 20
_READ = 1 << 17  # small reads keep a batch of parsed documents within CPU cache
_F_SETPIPE_SZ = 1031  # Linux fcntl: grow a pipe's buffer so fewer reads move more bytes.


@dataclass(frozen=True)
class ConnectorCommand:
    """How to start one connector process."""

    argv: list[str]
    env: dict[str, str] = field(default_factory=dict)
    cwd: str | None = None
    codec: Codec = Codec.JSON
    description: str = ""


def docker_available() -> bool:
    """Whether a docker engine answers `docker info`."""
    if shutil.which("docker") is None:
        return False
    try:
        done = subprocess.run(["docker", "info"], capture_output=True, timeout=20, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0


def command_for_endpoint(
    endpoint: Endpoint, *, task: str = "", protocol: ProtocolName | None = None
) -> ConnectorCommand:
    """The command that runs a catalog endpoint (`local` or `connector`; an image must speak `protocol`)."""
    base_dir = str(endpoint.source.parent)
    if isinstance(endpoint, LocalEndpoint):
        argv = list(endpoint.command)
        if argv[0] in _PYTHON_NAMES:
            argv[0] = sys.executable
        codec = Codec.PROTO if endpoint.protobuf else Codec.JSON
        env = {**endpoint.env, CODEC_ENV: codec.value}
        return ConnectorCommand(argv, env, base_dir, codec, " ".join(endpoint.command))
    # Image endpoints: see image.py (imported here, as it builds on this module).
    from flow_sdk.runtime.connectors.image import image_command

    return image_command(endpoint, task=task, protocol=protocol)


class ConnectorProcess:
    """One running connector: write requests to its stdin, read responses from its stdout."""

    def __init__(
        self,
        command: ConnectorCommand,
        protocol: ProtocolName,
        *,
        timeout: float | None = None,
        forward_logs: bool = True,
    ) -> None:
        self.command = command
        self.protocol = protocol
        self.timeout = timeout
        self.forward_logs = forward_logs
        self.warnings = 0
        self.errors = 0
        self.last_error: str | None = None
        self.timed_out = False
        self.last_activity = time.monotonic()
        self.lines_read = 0  # JSON lines handed out so far (for error positions)
        env = dict(os.environ)
        env.update(command.env)
        try:
            self._proc = subprocess.Popen(
                command.argv,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                cwd=command.cwd,
                env=env,
                bufsize=0,
            )
        except OSError as exc:
            raise ConfigError(f"cannot start connector `{command.description}`: {exc}") from exc
        assert self._proc.stdin is not None and self._proc.stdout is not None and self._proc.stderr is not None
        self._stdout: IO[bytes] = self._proc.stdout
        with contextlib.suppress(OSError):
            fcntl.fcntl(self._stdout.fileno(), _F_SETPIPE_SZ, _CHUNK)
        self._writer = MessageWriter(self._proc.stdin, command.codec, protocol, "request")  # type: ignore[arg-type]
        self._reader: MessageReader | None = None
        self._carry = b""
        self._torn_tail = False
        self._stderr_thread = threading.Thread(target=self._pump_stderr, daemon=True)
        self._stderr_thread.start()
        self._stop = threading.Event()
        if timeout:
            threading.Thread(target=self._watchdog, daemon=True).start()

    @property
    def pid(self) -> int:
        """The child's process id."""
        return self._proc.pid

    def stdout_fileno(self) -> int:
        """The descriptor of the child's stdout (for tools that drain it raw, like the benchmark)."""
        return self._stdout.fileno()

    @property
    def codec(self) -> Codec:
        """The codec the child speaks."""
        return self.command.codec

    # --- requests -------------------------------------------------------------------------

    def send(self, request: Mapping[str, Any]) -> None:
        """Write one request and flush it to the child."""
        try:
            self._writer.write(request)
            self._writer.flush()
        except (BrokenPipeError, ValueError):
            # The child went away; the exit status (checked by the caller) says why.
            self.touch()

    @property
    def writer(self) -> MessageWriter:
        """The buffered request writer (for callers that frame requests themselves)."""
        return self._writer

    def close_input(self) -> None:
        """Close the child's stdin: no more requests."""
        with contextlib.suppress(OSError, ValueError):
            assert self._proc.stdin is not None
            self._proc.stdin.close()

    # --- responses ------------------------------------------------------------------------

    def touch(self) -> None:
        """Record activity, resetting the inactivity timeout."""
        self.last_activity = time.monotonic()

    def _read_block(self) -> bytes | None:
        """The next run of complete lines (ending in a newline), a torn last line, or None at the end."""
        if b"\n" in self._carry:
            # Lines already buffered (e.g. behind a message taken by `read`) come first: the
            # connector may be waiting for our answer to them.
            cut = self._carry.rfind(b"\n") + 1
            block, self._carry = self._carry[:cut], self._carry[cut:]
            return block
        fd = self._stdout.fileno()
        while True:
            try:
                chunk = os.read(fd, _READ)
            except OSError:
                chunk = b""
            self.last_activity = time.monotonic()
            if not chunk:
                if self._carry.strip():
                    tail, self._carry = self._carry, b""
                    self._torn_tail = True
                    return tail
                return None
            data = self._carry + chunk if self._carry else chunk
            cut = data.rfind(b"\n") + 1
            if cut:
                self._carry = data[cut:]
                return data[:cut]
            self._carry = data

    def read_lines(self) -> list[bytes] | None:
        """The next complete JSON lines (possibly blank ones), or None at end of stream."""
        block = self._read_block()
        if block is None:
            return None
        lines = block.split(b"\n")
        if not lines[-1]:
            lines.pop()  # the empty piece after the final newline
        return lines

    def read_messages(self) -> list[Any] | None:
        """The next batch of parsed messages, or None at end of stream; a bad line is a ProtocolError."""
        body = self.read_body()
        return None if body is None else self.parse_body(body)

    def read_body(self) -> bytes | None:
        """The next complete lines of output without the final newline, or None at end of stream."""
        block = self._read_block()
        if block is None:
            return None
        return block[:-1] if block.endswith(b"\n") else block

    def parse_body(self, body: bytes) -> list[Any]:
        """Parse lines from `read_body`, counting them as read; a bad line is a ProtocolError.

        The whole block is parsed as one JSON array (its newlines turned into commas), which saves
        making and parsing one bytes object per line; anything unusual (a blank line, a line with
        two values, bad JSON) goes through `parse_lines`, which names the offending line.
        """
        msgs = parse_json_block(body)
        if msgs is not None:
            self.lines_read += len(msgs)
            return msgs
        return self.parse_lines(body.split(b"\n"))

    def parse_lines(self, lines: list[bytes]) -> list[Any]:
        """Parse a batch of JSON lines into messages; a bad line is a ProtocolError naming it."""
        start = self.lines_read
        self.lines_read += len(lines)
        fast = parse_json_block(b"\n".join(lines))
        if fast is not None:
            return fast
        msgs = []
        for i, line in enumerate(lines):
            if not line.strip():
                continue
            try:
                msgs.append(orjson.loads(line))
            except orjson.JSONDecodeError as exc:
                raise self.garbage(start + i + 1, line, f"malformed JSON ({exc})") from None
        # Callers check each message is an object as they dispatch on it (`not_an_object`).
        return msgs

    def garbage(self, line_number: int, line: bytes, what: str) -> ConnectorError:
        """The error for an unreadable line from the connector (the connector is killed)."""
        if self._torn_tail:
            # An unterminated last line is what a crash leaves behind: its exit status says more.
            with contextlib.suppress(subprocess.TimeoutExpired):
                code = self._proc.wait(timeout=2.0)
                if code != 0:
                    self._stderr_thread.join(timeout=5)
                    return self.exit_error(code)
        self.kill()
        return ProtocolError(
            f"connector `{self.command.description}` wrote garbage on stdout, line {line_number}: {what}: "
            f"{excerpt(line)!r}",
            fields={"line": line_number, "excerpt": excerpt(line)},
        )

    def not_an_object(self, line_number: int, value: Any) -> ConnectorError:
        """The error for a line that is JSON but not a message object."""
        return self.garbage(
            line_number, orjson.dumps(value), f"expected a JSON object (one message), got {type(value).__name__}"
        )

    def messages(self) -> Iterator[dict[str, Any]]:
        """Every response message until the end of the stream, in either codec."""
        if self.codec is Codec.JSON:
            while (lines := self.read_lines()) is not None:
                yield from self.parse_lines(lines)
            return
        if self._reader is None:
            self._reader = MessageReader(self._stdout, self.codec, self.protocol, "response")  # type: ignore[arg-type]
        for msg in self._reader:
            self.touch()
            yield msg

    def read(self) -> dict[str, Any] | None:
        """The next single response, or None at end of stream (not for the hot path)."""
        if self.codec is not Codec.JSON:
            if self._reader is None:
                self._reader = MessageReader(self._stdout, self.codec, self.protocol, "response")  # type: ignore[arg-type]
            msg = self._reader.read()
            self.touch()
            return msg
        while True:
            line = self._readline()
            if line is None:
                return None
            if line.strip():
                msg = self.parse_lines([line])[0]
                if type(msg) is not dict:
                    raise self.not_an_object(self.lines_read, msg)
                return msg
            self.lines_read += 1

    def _readline(self) -> bytes | None:
        fd = self._stdout.fileno()
        while b"\n" not in self._carry:
            try:
                chunk = os.read(fd, _CHUNK)
            except OSError:
                chunk = b""
            self.touch()
            if not chunk:
                if self._carry:
                    tail, self._carry = self._carry, b""
                    return tail
                return None
            self._carry += chunk
        line, _, self._carry = self._carry.partition(b"\n")
        return line

    # --- lifetime -------------------------------------------------------------------------

    def kill(self) -> None:
        """Kill the child now (idempotent)."""
        if self._proc.poll() is None:
            with contextlib.suppress(OSError):
                self._proc.kill()
        self._stop.set()

    def wait(self, timeout: float | None = None) -> int:
        """Wait for the child to exit and return its exit code."""
        try:
            code = self._proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            code = self._proc.wait()
        self._stop.set()
        self._stderr_thread.join(timeout=5)
        return code

    def exit_error(self, code: int) -> ConnectorError:
        """The error for a child that exited with a non-zero code or was killed for inactivity."""
        if self.timed_out:
            return ConnectorError(
                f"connector `{self.command.description}` produced no message for {self.timeout:g} seconds "
                "(--timeout) and was killed",
                fields={"timeout": self.timeout},
            )
        last = f": {self.last_error}" if self.last_error else " (it logged no error)"
        return ConnectorError(
            f"connector `{self.command.description}` exited with code {code}{last}",
            fields={"exitCode": code, "lastError": self.last_error},
        )

    def finish(self, grace: float = 30.0) -> None:
        """End a session whose stream is done: close stdin, wait, and fail on a non-zero exit."""
        self.close_input()
        code = self.wait(timeout=grace)
        if code != 0 or self.timed_out:
            raise self.exit_error(code)

    def __enter__(self) -> ConnectorProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close_input()
        self.kill()
        with contextlib.suppress(Exception):
            self._proc.wait(timeout=10)
        self._stop.set()
        for stream in (self._proc.stdout, self._proc.stderr):
            with contextlib.suppress(OSError):
                if stream is not None:
                    stream.close()

    # --- background threads ---------------------------------------------------------------

    def _pump_stderr(self) -> None:
        assert self._proc.stderr is not None
        out = sys.stderr.buffer if hasattr(sys.stderr, "buffer") else None
        for line in iter(self._proc.stderr.readline, b""):
            self._note_log(line)
            if self.forward_logs and out is not None:
                with contextlib.suppress(OSError, ValueError):
                    out.write(line if line.endswith(b"\n") else line + b"\n")
                    out.flush()

    def _note_log(self, line: bytes) -> None:
        text = line.strip()
        if not text:
            return
        level, message = "", ""
        try:
            record = orjson.loads(text)
        except orjson.JSONDecodeError:
            record = None
        if isinstance(record, dict):
            level = str(record.get("level", "")).lower()
            message = str(record.get("msg", record.get("message", "")))
        else:
            message = text.decode("utf-8", errors="replace")
            # A traceback's last line is the best explanation a plain-text child offers.
            level = "error" if "Error" in message or "error" in message else ""
        if level.startswith("warn"):
            self.warnings += 1
        elif level in ("error", "fatal", "critical"):
            self.errors += 1
            self.last_error = message

    def _watchdog(self) -> None:
        assert self.timeout
        period = max(0.05, min(1.0, self.timeout / 5))
        while not self._stop.wait(period):
            if self._proc.poll() is not None:
                return
            if time.monotonic() - self.last_activity > self.timeout:
                self.timed_out = True
                self.kill()
                return
