"""The side a protocol core serves: the same machine checks a connector's session or a runtime's."""

from __future__ import annotations

from enum import Enum


class Role(Enum):
    """Which side of a connection a protocol core serves.

    A connector receives requests and sends responses; a runtime sends requests and receives
    responses. The role decides whether an order violation is local (ours) or remote (the peer's).
    """

    CONNECTOR = "connector"
    RUNTIME = "runtime"
