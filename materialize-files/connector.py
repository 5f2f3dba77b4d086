"""materialize-files: a local directory of JSONL or CSV files per binding, exactly once by idempotent replay.

Every binding is in delta-updates mode: each transaction appends one new file per binding that
received stores, holding that transaction's rows. Files are staged under `.flow-staging/`, their
(staged, final) paths go into `startedCommit` state, and they are renamed into place when the
transaction is acknowledged (or, after a crash, when the next session opens or Apply runs).
"""

from __future__ import annotations

import csv
import io
import os
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any, Literal

import orjson
from pydantic import ConfigDict, Field

from flow_sdk.config import ConfigModel
from flow_sdk.errors import ConfigError
from flow_sdk.flow import ConnectorState as StateUpdate
from flow_sdk.materialize import (
    Binding,
    Column,
    Connector,
    ExistingColumn,
    IdempotentReplay,
    Store,
    Transactor,
    TypeMapper,
    bindings_of,
    collection_name_field,
    projection_constraints,
    proposed_bindings,
    replay_pending,
    resource_path,
    validated_binding,
)
from flow_sdk.materialize.request import Apply, Open, Validate
from flow_sdk.materialize.response import Applied, Opened, Validated

from .layout import STAGING_DIR, binding_dir, fsync_dir, publish, read_columns, write_columns

DESTINATION = "materialize-files"
TYPES = TypeMapper(
    {
        "string": "string",
        "integer": "integer",
        "number": "number",
        "boolean": "boolean",
        "object": "json",
        "array": "json",
        "multiple": "json",
    }
)
EXTENSIONS = {"jsonl": "jsonl", "csv": "csv"}


class _Writer:
    """One staged file of one binding for the current transaction."""

    def __init__(self, path: Path, fmt: str, cols: list[Column]) -> None:
        self.path = path
        self.fmt = fmt
        self.fields = [c.field for c in cols]
        self.has_document = bool(cols) and cols[-1].role == "document"
        self.file: IO[bytes] = open(path, "wb")  # noqa: SIM115 (closed in finish)
        if fmt == "csv":
            self._text = io.TextIOWrapper(self.file, encoding="utf-8", newline="")
            self._csv = csv.writer(self._text)
            self._csv.writerow(self.fields)

    def write(self, store: Store) -> None:
        """Append one store as a row."""
        row = [*store.key, *store.values]
        if self.has_document:
            row.append(store.doc)
        if self.fmt == "jsonl":
            self.file.write(orjson.dumps(dict(zip(self.fields, row, strict=True))) + b"\n")
        else:
            self._csv.writerow(_csv_cell(v) for v in row)

    def finish(self) -> None:
        """Flush, fsync and close."""
        if self.fmt == "csv":
            self._text.flush()
        self.file.flush()
        os.fsync(self.file.fileno())
        if self.fmt == "csv":
            self._text.close()
        else:
            self.file.close()


def _csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    # Numbers, objects and arrays as their JSON text.
    return orjson.dumps(value).decode()


class FilesTransactor(IdempotentReplay):
    """Stages one file per binding per transaction; publishes them by rename when acknowledged."""

    def __init__(self, root: Path, fmt: str, bindings: list[Binding]) -> None:
        self.root = root
        self.fmt = fmt
        self.bindings = bindings
        self.dirs = [binding_dir(root, b.resource_path[-1]) for b in bindings]
        self.writers: dict[int, _Writer] = {}

    def session_open(self, open_request: Open) -> Opened:
        """Publish pending files, then remove staged files of transactions that never committed."""
        opened = super().session_open(open_request)
        self.staging = self.root / STAGING_DIR / self.shard
        self.staging.mkdir(parents=True, exist_ok=True)
        for orphan in self.staging.iterdir():
            orphan.unlink()
        return opened

    def store(self, stores: Iterator[Store]) -> None:
        """Stream each store into its binding's staged file."""
        txn = uuid.uuid4().hex[:12]
        writers = self.writers
        for store in stores:
            writer = writers.get(store.binding)
            if writer is None:
                path = self.staging / f"{txn}-{store.binding}.{EXTENSIONS[self.fmt]}"
                writer = writers[store.binding] = _Writer(path, self.fmt, self.bindings[store.binding].columns)
            writer.write(store)

    def prepare_commit(self) -> Any:
        """Fsync staged files; return their (staged, final) relative paths."""
        if not self.writers:
            return None
        # Names sort in commit order; the shard in the name keeps shards from colliding.
        stamp = f"{time.time_ns():020d}-{self.shard}"
        ops = []
        for binding, writer in sorted(self.writers.items()):
            writer.finish()
            final = self.dirs[binding] / f"{stamp}.{EXTENSIONS[self.fmt]}"
            ops.append(
                {
                    "staged": str(writer.path.relative_to(self.root)),
                    "final": str(final.relative_to(self.root)),
                }
            )
        fsync_dir(self.staging)
        self.writers = {}
        return ops

    def apply_pending(self, ops: Any) -> None:
        """Rename staged files into place (idempotent)."""
        publish(self.root, ops)

    def close(self) -> None:
        """Close any half-written staged files (they are removed at the next open)."""
        for writer in self.writers.values():
            writer.file.close()


class FilesConfig(ConfigModel):
    """The endpoint: a root directory and the file format."""

    model_config = ConfigDict(title="Files")

    directory: str = Field(title="Directory", min_length=1, description="Root directory of the files.")
    format: Literal["jsonl", "csv"] = Field("jsonl", title="Format")

    @property
    def root(self) -> Path:
        """The root directory, with `~` expanded."""
        return Path(self.directory).expanduser()


class FilesResource(ConfigModel):
    """One binding: the directory of its files, under the root."""

    model_config = ConfigDict(title="Resource")

    path: str = collection_name_field(title="Path", min_length=1, description="Directory of this binding's files.")


class FilesConnector(Connector):
    """Materializes each binding into a directory of JSONL or CSV files."""

    config_model = FilesConfig
    resource_model = FilesResource

    def validate(self, config: FilesConfig, request: Validate) -> Validated:
        """Every binding delta updates; key and document required; columns recorded by Apply must match."""
        out = []
        seen: set[str] = set()
        for binding in proposed_bindings(request):
            path = resource_path(self.resource(binding))
            if path[-1] in seen:
                raise ConfigError(f"two bindings write to the same path {path[-1]!r}")
            seen.add(path[-1])
            constraints = projection_constraints(
                binding.collection,
                type_map=TYPES,
                destination=DESTINATION,
                group_by=binding.group_by,
                stores_document=True,
                existing=read_columns(binding_dir(config.root, path[-1])),
            )
            out.append(validated_binding(resource_path=path, constraints=constraints, delta_updates=True))
        return Validated(bindings=out)

    def apply(self, config: FilesConfig, request: Apply) -> Applied:
        """Create binding directories, record column types, publish files left pending."""
        root = config.root
        actions = []
        state = replay_pending(request.state, lambda ops: publish(root, ops))
        if state:
            actions.append("published files staged by an interrupted session")
        for binding in bindings_of(request.materialization):
            self.resource(binding)
            directory = binding_dir(root, binding.resource_path[-1])
            if not directory.exists():
                directory.mkdir(parents=True)
                actions.append(f"created directory {directory}")
            recorded = read_columns(directory)
            wanted = dict(recorded)
            for col in binding.columns:
                mapped = TYPES(col.projection) or "json"
                wanted[col.field] = ExistingColumn(mapped, col.type.nullable)
            if wanted != recorded:
                write_columns(directory, wanted)
                actions.append(f"recorded columns of {directory}")
        return Applied(
            action_description="\n".join(actions), state=StateUpdate.from_flow_json(state) if state else None
        )

    def open(self, config: FilesConfig, request: Open) -> Transactor:
        """A transactor over the configured directory."""
        return FilesTransactor(config.root, config.format, bindings_of(request.materialization))


__all__ = ["FilesConnector", "FilesTransactor"]
