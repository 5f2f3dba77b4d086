"""Bad input: exit 1 and one error record naming the problem, never only a traceback."""

from __future__ import annotations

from typing import Any

import pytest

from .driver import CONFIG, Run, incremental, open_request, run

pytestmark = pytest.mark.e2e

SECRET = "s3cr3t-api-key-value"


def assert_one_clear_error(result: Run, *needles: str) -> str:
    assert result.code == 1, result.raw_stderr
    errors = result.errors()
    assert len(errors) == 1, result.raw_stderr
    message = errors[0]["msg"]
    for needle in needles:
        assert needle in message, message
    assert not message.startswith("Traceback")
    assert not [r for r in result.stderr if r.get("level") == "raw"], "non-JSON output on stderr"
    return str(message)


def test_malformed_request_line() -> None:
    result = run([b'{"spec": {"connectorType": \n'], close_stdin=True)
    assert_one_clear_error(result, "protocol error", "line 1", "malformed JSON")


def test_request_that_is_not_an_object() -> None:
    result = run([b"[1, 2]\n"], close_stdin=True)
    assert_one_clear_error(result, "expected a JSON object")


def test_unknown_variant() -> None:
    result = run([{"frobnicate": {}}], close_stdin=True)
    assert_one_clear_error(result, "unknown capture request variant 'frobnicate'")


def test_open_with_a_binding_index_out_of_range() -> None:
    request = open_request(incremental("users"))
    binding = request["open"]["capture"]["bindings"][0]
    del binding["collection"]
    binding["collectionIndex"] = 4
    request["open"]["capture"]["linkedCollections"] = [{"name": "acmeCo/users", "key": ["/id"]}]
    result = run([request], close_stdin=True)
    assert_one_clear_error(result, "bindings[0].collectionIndex is out of range")


@pytest.mark.parametrize(
    ("state", "needles"),
    [
        ({"bindingStateV1": {"users": {"cursor": "last tuesday"}}}, ("binding 0", "users", "cursor type")),
        ({"bindingStateV1": {"users": {"page": 3}}}, ("binding 0", "unexpected page")),
        ({"bindingStateV1": {"users": [1]}}, ("bindingStateV1/users must be an object",)),
    ],
)
def test_state_that_does_not_match_the_stream(state: Any, needles: tuple[str, ...]) -> None:
    result = run([open_request(incremental("users"), state=state)], close_stdin=True)
    assert_one_clear_error(result, "configuration error", *needles)


def test_unknown_stream() -> None:
    result = run([open_request([{"stream": "nope", "syncMode": "incremental"}])], close_stdin=True)
    assert_one_clear_error(result, "unknown stream 'nope'")


@pytest.mark.parametrize("variant", ["discover", "open"])
def test_invalid_config_names_each_pointer_and_hides_secrets(variant: str) -> None:
    config = {"data_name": "Not Valid!", "records_per_stream": -5, "api_key": [SECRET]}
    if variant == "discover":
        request: dict[str, Any] = {"discover": {"name": "x", "connectorType": "IMAGE", "config": config}}
    else:
        request = open_request(incremental("users"), config=config)
    result = run([request], close_stdin=True)
    message = assert_one_clear_error(result, "configuration error", "/data_name", "/records_per_stream", "/api_key")
    assert SECRET not in result.raw_stderr.decode()
    # The typed config's errors quote no value at all, secret or not: only where and what is wrong.
    assert "Not Valid!" not in message and "-5" not in message


def test_secret_of_a_valid_config_never_reaches_the_logs() -> None:
    config = dict(CONFIG, api_key=SECRET, records_per_stream=10)
    result = run([open_request(incremental("users"), config=config)], close_stdin=False)
    assert result.code == 0
    assert SECRET not in result.raw_stderr.decode()


def test_acknowledge_without_explicit_acknowledgements() -> None:
    result = run(
        [
            open_request(incremental("users"), config=dict(CONFIG, records_per_stream=100_000)),
            {"acknowledge": {"checkpoints": 1}},
        ]
    )
    assert_one_clear_error(result, "protocol error", "acknowledge")
