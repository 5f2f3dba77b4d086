"""A small Airbyte source on the real airbyte-cdk whose state type is configurable (STREAM, GLOBAL, LEGACY).

Streams `alpha` and `beta` hold ids 1..count, read interleaved; every `every` ids the source
checkpoints both in the chosen state type and resumes exactly after the checkpointed id. It also
prints to stdout once (a stray print), can fail its check, and can fail with an error TRACE.

Runs in the peer virtualenv: `python counter_source.py` serves Flow through the shim in process;
`python counter_source.py spec|check|discover|read ...` is the plain Airbyte command.
"""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Iterator, Mapping
from typing import Any

import orjson
from airbyte_cdk.entrypoint import AirbyteEntrypoint, launch
from airbyte_cdk.exception_handler import init_uncaught_exception_handler
from airbyte_cdk.models import (
    AirbyteCatalog,
    AirbyteConnectionStatus,
    AirbyteGlobalState,
    AirbyteMessage,
    AirbyteMessageSerializer,
    AirbyteRecordMessage,
    AirbyteStateBlob,
    AirbyteStateMessage,
    AirbyteStateType,
    AirbyteStream,
    AirbyteStreamState,
    ConfiguredAirbyteCatalog,
    ConnectorSpecification,
    Status,
    StreamDescriptor,
    SyncMode,
    Type,
)
from airbyte_cdk.sources import Source
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

STREAMS = ("alpha", "beta")
SCHEMA = {"type": "object", "properties": {"id": {"type": "integer"}, "stream": {"type": "string"}}}
SPEC = {
    "type": "object",
    "required": ["count"],
    "properties": {
        "count": {"type": "integer"},
        "every": {"type": "integer", "default": 10},
        "state_type": {"type": "string", "enum": ["STREAM", "GLOBAL", "LEGACY"], "default": "STREAM"},
        "delay": {"type": "number", "default": 0},
        "fail_check": {"type": "boolean", "default": False},
        "fail_at": {"type": "integer", "default": 0},
        "token": {"type": "string", "airbyte_secret": True},
    },
}


def _positions(state: list[AirbyteStateMessage] | None) -> dict[str, int]:
    """The last id read of each stream, from any state type."""
    out = dict.fromkeys(STREAMS, 0)
    for message in state or []:
        if message.type == AirbyteStateType.LEGACY:
            for name, value in (message.data or {}).items():
                out[name] = int(value["id"])
        elif message.type == AirbyteStateType.GLOBAL and message.global_ is not None:
            for entry in message.global_.stream_states or []:
                out[entry.stream_descriptor.name] = int(entry.stream_state.id)
        elif message.type == AirbyteStateType.STREAM and message.stream is not None:
            out[message.stream.stream_descriptor.name] = int(message.stream.stream_state.id)
    return out


class CounterSource(Source):
    """See the module docstring."""

    def spec(self, logger: logging.Logger) -> ConnectorSpecification:
        return ConnectorSpecification(documentationUrl="https://example.com/counter", connectionSpecification=SPEC)

    def check(self, logger: logging.Logger, config: Mapping[str, Any]) -> AirbyteConnectionStatus:
        if config.get("fail_check"):
            return AirbyteConnectionStatus(status=Status.FAILED, message="the counter refuses fail_check=true")
        return AirbyteConnectionStatus(status=Status.SUCCEEDED)

    def discover(self, logger: logging.Logger, config: Mapping[str, Any]) -> AirbyteCatalog:
        streams = [
            AirbyteStream(
                name=name,
                json_schema=SCHEMA,
                supported_sync_modes=[SyncMode.full_refresh, SyncMode.incremental],
                source_defined_cursor=True,
                default_cursor_field=["id"],
                source_defined_primary_key=[["id"]],
            )
            for name in STREAMS
        ]
        return AirbyteCatalog(streams=streams)

    def _state(self, kind: str, positions: dict[str, int], names: list[str], round_: int) -> list[AirbyteMessage]:
        def stream_state(name: str) -> AirbyteStreamState:
            return AirbyteStreamState(
                stream_descriptor=StreamDescriptor(name=name), stream_state=AirbyteStateBlob(id=positions[name])
            )

        if kind == "GLOBAL":
            shared = AirbyteStateBlob(round=round_)
            glob = AirbyteGlobalState(shared_state=shared, stream_states=[stream_state(n) for n in names])
            states = [AirbyteStateMessage(type=AirbyteStateType.GLOBAL, global_=glob)]
        elif kind == "LEGACY":
            data = {n: {"id": positions[n]} for n in names}
            states = [AirbyteStateMessage(type=AirbyteStateType.LEGACY, data=data)]
        else:
            states = [AirbyteStateMessage(type=AirbyteStateType.STREAM, stream=stream_state(n)) for n in names]
        return [AirbyteMessage(type=Type.STATE, state=s) for s in states]

    def read(
        self,
        logger: logging.Logger,
        config: Mapping[str, Any],
        catalog: ConfiguredAirbyteCatalog,
        state: list[AirbyteStateMessage] | None = None,
    ) -> Iterator[AirbyteMessage]:
        print("a stray print from the counter source")
        count, every, kind = int(config["count"]), int(config.get("every", 10)), config.get("state_type", "STREAM")
        names = [c.stream.name for c in catalog.streams]
        positions = _positions(state)
        logger.info(f"counter resumes at {positions}")
        for i in range(1, count + 1):
            for name in names:
                if i > positions[name]:
                    if config.get("fail_at") and i == config["fail_at"]:
                        raise AirbyteTracedException(message=f"the counter failed at {i}")
                    data = {"id": i, "stream": name}
                    now = int(time.time() * 1000)
                    yield AirbyteMessage(
                        type=Type.RECORD, record=AirbyteRecordMessage(stream=name, data=data, emitted_at=now)
                    )
                    positions[name] = i
            if i % every == 0 or i == count:
                yield from self._state(kind, positions, names, i)
                time.sleep(float(config.get("delay", 0)))


def command(argv: list[str]) -> None:
    """The Airbyte command line. `read` prints the source's messages itself: the CDK 6 entrypoint
    counts records per state and so refuses GLOBAL and LEGACY state messages."""
    source = CounterSource()
    args = AirbyteEntrypoint.parse_args(argv)
    if args.command != "read":
        launch(source, argv)
        return
    config = source.read_config(args.config)
    catalog = source.read_catalog(args.catalog)
    state = source.read_state(args.state) if args.state else []
    logger = logging.getLogger("airbyte.CounterSource")
    init_uncaught_exception_handler(logger)  # an AirbyteTracedException is printed as an error TRACE
    for message in source.read(logger, config, catalog, state):
        sys.stdout.write(orjson.dumps(AirbyteMessageSerializer.dump(message)).decode() + "\n")


if __name__ == "__main__":
    if len(sys.argv) > 1:
        command(sys.argv[1:])
    else:
        from flow_sdk.shim_airbyte_cdk import CaptureShim

        CaptureShim(delegate=CounterSource(), oauth2=None).main()
