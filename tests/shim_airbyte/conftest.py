"""Fixtures of the Airbyte shim tests: the peer virtualenv with the real PyPI sources, and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.peers import peer_python
from tests.pipeline.conftest import pg_server

from .helpers import PEER, REQUIREMENTS

__all__ = ["peer", "pg_server"]  # pg_server: the pipeline tests' PostgreSQL fixture, shared


def pytest_configure(config: pytest.Config) -> None:
    """Register this suite's markers (harmless when pyproject registers them too)."""
    config.addinivalue_line("markers", "peer: installs real peer packages from PyPI into a cached virtualenv")
    config.addinivalue_line("markers", "campaign: a kill-and-resume fault campaign")


@pytest.fixture(scope="session")
def peer() -> Path:
    """The interpreter of .build/peers/airbyte (flow-sdk[airbyte], airbyte-source-faker, -hardcoded-records)."""
    return peer_python(PEER, REQUIREMENTS)
