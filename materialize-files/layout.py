"""On-disk layout of materialize-files, and the filesystem operations it needs to be crash-safe.

    <directory>/<binding path>/<commit>.jsonl|csv    published files, one per binding per transaction
    <directory>/<binding path>/_columns.json         column types written by Apply (the "table schema")
    <directory>/.flow-staging/<shard>/<txn>-<n>.*     staged files of transactions not yet published

Paths recorded in connector state are relative to <directory>.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import orjson

from flow_sdk.errors import ConfigError, ConnectorError
from flow_sdk.materialize import ExistingColumn

COLUMNS_FILE = "_columns.json"
STAGING_DIR = ".flow-staging"


def binding_dir(root: Path, path: str) -> Path:
    """The directory of a binding; its path must stay inside the root."""
    rel = Path(path)
    if rel.is_absolute() or ".." in rel.parts or not rel.parts or rel.parts[0] == STAGING_DIR:
        raise ConfigError(f"resource path {path!r} must be a relative path inside the directory, without '..'")
    return root / rel


def fsync_dir(path: Path) -> None:
    """Make a directory's entries (new or renamed files) durable."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def read_columns(directory: Path) -> dict[str, ExistingColumn]:
    """The columns Apply recorded for a binding directory (empty if none)."""
    try:
        raw = orjson.loads((directory / COLUMNS_FILE).read_bytes())
    except FileNotFoundError:
        return {}
    return {f: ExistingColumn(c["type"], bool(c.get("nullable", True))) for f, c in raw.items()}


def write_columns(directory: Path, cols: dict[str, ExistingColumn]) -> None:
    """Atomically replace a binding directory's column record."""
    body = {f: {"type": c.type, "nullable": c.nullable} for f, c in sorted(cols.items())}
    tmp = directory / (COLUMNS_FILE + ".tmp")
    tmp.write_bytes(orjson.dumps(body, option=orjson.OPT_INDENT_2))
    os.replace(tmp, directory / COLUMNS_FILE)


def publish(root: Path, ops: Any) -> int:
    """Move staged files into place; idempotent. Returns how many files were moved now.

    For each {"staged", "final"}: if the staged file exists, rename it over the final path (an
    atomic rename, so a crash leaves either one or the other); if only the final file exists the
    operation already happened.
    """
    moved = 0
    for op in ops:
        staged, final = root / op["staged"], root / op["final"]
        if staged.exists():
            final.parent.mkdir(parents=True, exist_ok=True)
            os.replace(staged, final)
            fsync_dir(final.parent)
            moved += 1
        elif not final.exists():
            raise ConnectorError(
                f"staged file {op['staged']} and its destination {op['final']} are both missing: "
                "was the directory modified outside the connector?"
            )
    return moved
