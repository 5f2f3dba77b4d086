"""One-shot protocol RPCs (`spec`, `discover`, `validate`, `apply`) against a catalog task's connector.

`flow-sdk raw VERB --source FILE --capture NAME` (or `--materialization NAME`) prints the
connector's response variant as pretty JSON, as `flowctl raw` does.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from flow_sdk.errors import ProtocolError, RemoteProtocolError
from flow_sdk.protocol.variants import variant_of
from flow_sdk.runtime.catalog import specs
from flow_sdk.runtime.catalog.loader import Catalog
from flow_sdk.runtime.connectors.process import ConnectorProcess, command_for_endpoint
from flow_sdk.stdio import ProtocolName

# Which response variant answers each one-shot request.
RESPONSE_OF = {"spec": "spec", "discover": "discovered", "validate": "validated", "apply": "applied"}


def protocol_of(catalog: Catalog, name: str) -> ProtocolName:
    """`capture` or `materialize`: the protocol a task's connector speaks."""
    return "capture" if catalog.task_kind(name) == "capture" else "materialize"


def starter(catalog: Catalog, name: str, *, timeout: float | None = None) -> Callable[[], ConnectorProcess]:
    """A function starting a fresh connector process for a catalog task."""
    kind = catalog.task_kind(name)
    endpoint = catalog.capture(name).endpoint if kind == "capture" else catalog.materialization(name).endpoint
    protocol = protocol_of(catalog, name)
    command = command_for_endpoint(endpoint, task=name, protocol=protocol)
    return lambda: ConnectorProcess(command, protocol, timeout=timeout)


def unary(start: Callable[[], ConnectorProcess], request: Mapping[str, Any]) -> dict[str, Any]:
    """Send one request to a fresh connector and return the body of its matching response."""
    (kind,) = (k for k in request if k != "$internal")
    expected = RESPONSE_OF[kind]
    with start() as proc:
        proc.send(request)
        proc.close_input()
        response = proc.read()
        if response is None:
            proc.finish()  # a non-zero exit explains itself better than "no response"
            raise ProtocolError(
                f"connector closed its output without answering `{kind}`", expected=expected, received=None
            )
        got = variant_of(response, tuple(RESPONSE_OF.values()), what="response", error=RemoteProtocolError)
        if got != expected:
            proc.kill()
            raise ProtocolError(f"response `{got}` is not valid for request `{kind}`", expected=expected, received=got)
        proc.finish()
        body = response[expected]
        return body if isinstance(body, dict) else {}


def validated_paths(body: Mapping[str, Any], count: int) -> list[list[str]]:
    """The resource paths of a Validated response, checked against the number of request bindings."""
    bindings = body.get("bindings") or []
    if len(bindings) != count:
        raise ProtocolError(
            f"`validated` has {len(bindings)} binding(s) but the request had {count}",
            expected=f"{count} bindings",
            received=f"{len(bindings)} bindings",
        )
    return [list(b.get("resourcePath") or []) for b in bindings]


def validate(catalog: Catalog, name: str, start: Callable[[], ConnectorProcess]) -> list[list[str]]:
    """Run Validate for a task and return the resource paths of its enabled bindings."""
    request = specs.validate_request(catalog, name)
    body = unary(start, request)
    return validated_paths(body, len(request["validate"].get("bindings") or []))


def task_spec(catalog: Catalog, name: str, paths: list[list[str]]) -> dict[str, Any]:
    """The task's spec using the resource paths the connector validated."""
    if catalog.task_kind(name) == "capture":
        return specs.capture_spec(catalog, name, resource_paths=paths)
    return specs.materialization_spec(catalog, name, resource_paths=paths)


def run_verb(verb: str, catalog: Catalog, name: str, *, timeout: float | None = None) -> dict[str, Any]:
    """Run one raw verb and return the response body to print."""
    start = starter(catalog, name, timeout=timeout)
    if verb == "spec":
        return unary(start, specs.spec_request(catalog, name))
    if verb == "discover":
        catalog.capture(name)  # discover exists only for captures
        return unary(start, specs.discover_request(catalog, name))
    if verb == "validate":
        return unary(start, specs.validate_request(catalog, name))
    if verb == "apply":
        spec = task_spec(catalog, name, validate(catalog, name, start))
        return unary(start, specs.apply_request(catalog, name, spec=spec))
    raise ValueError(f"unknown raw verb {verb!r}")
