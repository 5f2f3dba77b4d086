"""Fixtures of the Airbyte shim tests: the peer virtualenv with the real PyPI sources, and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.peers import peer_python
from tests.pipeline.conftest import pg_server

from .helpers import PEER, REQUIREMENTS

__all__ = ["peer", "pg_server"]  # pg_server: the pipeline tests' PostgreSQL fixture, shared


@pytest.fixture(scope="session")
def peer() -> Path:
    """The interpreter of .build/peers/airbyte (flow-sdk[airbyte], airbyte-source-faker, -hardcoded-records)."""
    return peer_python(PEER, REQUIREMENTS)
