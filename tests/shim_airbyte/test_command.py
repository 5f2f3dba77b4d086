"""The command runner on its own: files passed as Airbyte expects, stray output, exit codes."""

from __future__ import annotations

import json
import sys

import pytest

from flow_sdk.errors import ConfigError, ConnectorError
from flow_sdk.shim_airbyte_cdk.command import CommandSource, docker_argv

# Echoes what it was given as Airbyte messages: argv as a LOG, the config file back as a RECORD.
ECHO = r"""
import json, sys
args = sys.argv[1:]
print("stray text, not a message")
print(json.dumps({"type": "LOG", "log": {"level": "INFO", "message": " ".join(args)}}))
if "--config" in args:
    config = json.load(open(args[args.index("--config") + 1]))
    print(json.dumps({"type": "RECORD", "record": {"stream": "s", "data": config, "emitted_at": 0}}))
if "--state" in args:
    for state in json.load(open(args[args.index("--state") + 1])):
        print(json.dumps({"type": "STATE", "state": state}))
sys.exit(int(dict(a.split("=") for a in args if "=" in a).get("exit", "0")))
"""


@pytest.mark.e2e
def test_read_passes_files_and_yields_records_as_tuples() -> None:
    source = CommandSource([sys.executable, "-c", ECHO])
    state = [{"type": "LEGACY", "data": {"x": 1}}]
    items = list(source.read({"count": 2}, {"streams": []}, state))
    log, record, state_message = items
    assert isinstance(log, dict) and log["log"]["message"].startswith("read --config ")
    assert "--catalog" in log["log"]["message"] and "--state" in log["log"]["message"]
    assert record == ("s", None, {"count": 2})
    assert state_message == {"type": "STATE", "state": {"type": "LEGACY", "data": {"x": 1}}}
    assert source.exit_code == 0


@pytest.mark.e2e
def test_a_failing_command_is_an_error_naming_the_verb() -> None:
    with pytest.raises(ConnectorError, match="`read` exited with code 3"):
        list(CommandSource([sys.executable, "-c", ECHO, "exit=3"]).read({}, {}, []))
    with pytest.raises(ConnectorError, match="ended without a SPEC message"):
        CommandSource([sys.executable, "-c", ECHO]).spec()
    with pytest.raises(ConfigError, match="cannot start Airbyte source"):
        CommandSource(["/nonexistent/source"]).spec()


def test_docker_mounts_the_protocol_files() -> None:
    argv = docker_argv("airbyte/source-faker:6", "/tmp/x")
    assert argv[:3] == ["docker", "run", "-i"] and "/tmp/x:/tmp/x" in argv and argv[-1] == "airbyte/source-faker:6"
    assert json.dumps(argv)
