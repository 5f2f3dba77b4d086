"""Every entry point exits 1 with one clear error record on stderr."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import orjson
import pytest

pytestmark = pytest.mark.e2e


def run_snippet(body: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[bytes]:
    code = "from flow_sdk import entrypoint, log, errors\nlog.configure()\n" + textwrap.dedent(body)
    return subprocess.run([sys.executable, "-c", code], capture_output=True, timeout=60, env=env)


def records(stderr: bytes) -> list[dict[str, object]]:
    return [orjson.loads(line) for line in stderr.splitlines() if line.strip()]


def test_config_error_is_one_record_without_traceback() -> None:
    proc = run_snippet(
        """
        def main():
            raise errors.ConfigError("field /port: 99999 is greater than the maximum of 65535")
        entrypoint.run(main)
        """
    )
    assert proc.returncode == 1
    (record,) = records(proc.stderr)
    assert record["level"] == "error"
    assert record["msg"] == "configuration error: field /port: 99999 is greater than the maximum of 65535"
    assert b"Traceback" not in proc.stderr


def test_protocol_error_names_expected_and_received() -> None:
    proc = run_snippet(
        """
        entrypoint.run(lambda: (_ for _ in ()).throw(
            errors.ProtocolError("unexpected message", expected="open", received="acknowledge")))
        """
    )
    assert proc.returncode == 1
    (record,) = records(proc.stderr)
    assert record["msg"] == "protocol error: unexpected message (expected open, received acknowledge)"
    assert record["fields"] == {"expected": "open", "received": "acknowledge"}


def test_unexpected_exception_keeps_its_traceback_in_fields() -> None:
    proc = run_snippet(
        """
        def main():
            return {}["missing"]
        entrypoint.run(main)
        """
    )
    assert proc.returncode == 1
    (record,) = records(proc.stderr)
    assert record["msg"] == "KeyError: 'missing'"
    assert "Traceback" in str(record["fields"]["traceback"])  # type: ignore[index]


def test_success_exits_with_returned_code() -> None:
    assert run_snippet("entrypoint.run(lambda: 0)").returncode == 0
    assert run_snippet("entrypoint.run(lambda: 3)").returncode == 3


def test_secrets_never_reach_stderr() -> None:
    proc = run_snippet(
        """
        log.register_secrets(["hunter2-password"])
        fields = {"fields": {"dsn": "pw=hunter2-password"}}
        log.get_logger("x").warning("connecting with hunter2-password", extra=fields)
        def main():
            raise errors.ConfigError("login failed for password hunter2-password")
        entrypoint.run(main)
        """
    )
    assert proc.returncode == 1
    assert b"hunter2" not in proc.stderr
    warn, error = records(proc.stderr)
    assert warn["msg"] == "connecting with <redacted>"
    assert warn["fields"] == {"dsn": "pw=<redacted>", "logger": "x"}
    assert error["msg"] == "configuration error: login failed for password <redacted>"


def test_log_level_from_environment() -> None:
    body = """
        lg = log.get_logger("x")
        lg.debug("hidden-or-not")
        lg.info("shown")
        """
    quiet = run_snippet(body, env={"LOG_LEVEL": "warn", "PATH": "/usr/bin:/bin"})
    assert records(quiet.stderr) == []
    verbose = run_snippet(body, env={"LOG_LEVEL": "debug", "PATH": "/usr/bin:/bin"})
    assert [r["level"] for r in records(verbose.stderr)] == ["debug", "info"]
