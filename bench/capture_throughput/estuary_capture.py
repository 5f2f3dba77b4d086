"""A minimal estuary-cdk capture emitting the same documents (runs in bench/.venvs/estuary-cdk)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from common import CHECKPOINT_EVERY, documents
from estuary_cdk.capture import BaseCaptureConnector, Request, Task, request, response
from estuary_cdk.capture.common import ResourceConfig
from estuary_cdk.flow import ConnectorSpec
from estuary_cdk.logger import FlowLogger
from pydantic import BaseModel


class EndpointConfig(BaseModel):
    """How many documents to emit."""

    count: int


class State(BaseModel):
    """Connector state: per-binding cursors."""

    bindingStateV1: dict[str, dict[str, Any]] = {}  # noqa: N815 - Flow's JSON name


class Bench(BaseCaptureConnector[EndpointConfig, ResourceConfig, State]):
    """Emits `count` users documents on binding 0 with Task.captured / Task.checkpoint."""

    def request_class(self) -> type[Request[EndpointConfig, ResourceConfig, State]]:
        return Request[EndpointConfig, ResourceConfig, State]

    async def spec(self, log: FlowLogger, _: request.Spec) -> ConnectorSpec:
        return ConnectorSpec(
            configSchema=EndpointConfig.model_json_schema(),
            resourceConfigSchema=ResourceConfig.model_json_schema(),
            documentationUrl="https://example",
            resourcePathPointers=["/name"],
        )

    async def discover(self, log: FlowLogger, discover: request.Discover[EndpointConfig]) -> Any:
        raise NotImplementedError

    async def validate(self, log: FlowLogger, validate: Any) -> Any:
        raise NotImplementedError

    async def open(
        self, log: FlowLogger, open: request.Open[EndpointConfig, ResourceConfig, State]
    ) -> tuple[response.Opened, Callable[[Task], Awaitable[None]]]:
        count = open.capture.config.count

        async def capture(task: Task) -> None:
            n = 0
            for doc in documents(count):
                task.captured(0, doc)
                n += 1
                if n == CHECKPOINT_EVERY:
                    await task.checkpoint(State(bindingStateV1={"users": {"cursor": doc["updated_at"]}}))
                    n = 0
            await task.checkpoint(State())
            task.stopping.event.set()

        return response.Opened(explicitAcknowledgements=False), capture


if __name__ == "__main__":
    asyncio.run(Bench().serve())
