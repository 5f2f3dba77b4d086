"""The session transactor: loads by one join per transaction, stores by COPY, commits with the fence checked."""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import psycopg

from flow_sdk.errors import ConnectorError
from flow_sdk.materialize import Binding, Fence, Load, Loaded, Store, Transactional

from . import client, sql
from .config import EndpointConfig, ResourceConfig
from .copier import BATCH_ROWS, Copier
from .encode import RowEncoder, row_encoder
from .mapping import ColumnSpec, column_specs

log = logging.getLogger("materialize-postgres")
LOAD_BATCH_ROWS = 2000


@dataclass(slots=True)
class _Target:
    """Everything the hot loops need for one binding, computed once per session."""

    index: int
    table: sql.Table
    columns: list[ColumnSpec]
    keys: list[ColumnSpec]
    delta: bool
    encode: RowEncoder
    encode_mark: RowEncoder
    encode_key: RowEncoder
    encode_load: RowEncoder
    document: str | None
    copy_direct: str
    copy_update: str
    copy_delete: str
    copy_mark: str
    mark_columns: list[ColumnSpec]
    copy_load: str


def _target(binding: Binding, config: EndpointConfig) -> _Target:
    resource = ResourceConfig.from_json(binding.resource_config, config.schema)
    table = sql.Table(resource.schema, resource.table)
    columns = column_specs(binding.columns)
    keys = [c for c in columns if c.is_key]
    document = next((c.name for c in columns if c.role == "document"), None)
    mark_columns = [c for c in columns if c.role in ("key", "document")]
    i = binding.index
    return _Target(
        index=i,
        table=table,
        columns=columns,
        keys=keys,
        delta=binding.delta_updates,
        encode=row_encoder(columns),
        encode_mark=row_encoder(mark_columns),
        encode_key=row_encoder(keys),
        encode_load=row_encoder(keys, ordinal=True),
        document=document,
        copy_direct=sql.copy_into(table.sql(), columns),
        copy_update=sql.copy_into(sql.temp(sql.stage_table_name(i, "update")), columns),
        copy_delete=sql.copy_into(sql.temp(sql.stage_table_name(i, "delete")), keys),
        copy_load=sql.copy_load_keys(i, keys),
        copy_mark=sql.copy_into(sql.temp(sql.stage_table_name(i, "mark")), mark_columns),
        mark_columns=mark_columns,
    )


class PostgresTransactor(Transactional):
    """One session's connection and per-binding plans."""

    def __init__(self, conn: psycopg.Connection[Any], config: EndpointConfig, bindings: list[Binding]) -> None:
        self.conn = conn
        self.config = config
        self.targets = [_target(b, config) for b in bindings]
        self._staged: set[tuple[int, str]] = set()  # (binding, "update"|"delete") used this transaction
        self._copier: Copier | None = None

    # -- fencing ------------------------------------------------------------------------------

    def fence(self, materialization: str, key_range: Mapping[str, Any]) -> Fence:
        """Bump overlapping fences and recover the stored checkpoint (see client.fence)."""
        client.ensure_checkpoints_table(self.conn, self.config.schema)
        begin, end = client.key_range(key_range)
        token, checkpoint = client.fence(self.conn, self.config.schema, materialization, begin, end)
        log.info("fenced", extra={"fields": {"fence": token.fence, "keyBegin": begin, "keyEnd": end}})
        self._create_temp_tables()
        return Fence(checkpoint, token)

    def _create_temp_tables(self) -> None:
        """The session's load and staging tables (ON COMMIT DELETE ROWS: every commit empties them)."""
        with self.conn.cursor() as cur:
            for t in self.targets:
                if t.delta:
                    continue
                cur.execute(sql.create_load_table(t.index, t.keys).encode())
                update = sql.stage_table_name(t.index, "update")
                cur.execute(sql.create_stage_table(update, t.columns).encode())
                if self.config.hard_delete:
                    delete = sql.stage_table_name(t.index, "delete")
                    cur.execute(sql.create_stage_table(delete, t.keys).encode())
                elif t.document is not None:
                    mark = sql.stage_table_name(t.index, "mark")
                    cur.execute(sql.create_stage_table(mark, t.mark_columns).encode())
        self.conn.commit()

    # -- loads --------------------------------------------------------------------------------

    def load(self, loads: Iterator[Load], loaded: Loaded) -> None:
        """COPY every requested key into per-binding temp tables, then answer all with one join."""
        targets = self.targets
        copier: Copier | None = None
        batch: list[str] = []
        current = ""
        used: list[int] = []
        keys: list[list[Any]] = []  # by ordinal: the rows name their key by number, not by value
        for load in loads:
            t = targets[load.binding]
            if copier is None:
                copier = Copier(self.conn)
            if t.index not in used:
                if t.document is None:
                    raise ConnectorError(f"binding {t.index} ({t.table}) has no document column to load from")
                used.append(t.index)
            if t.copy_load is not current:
                if batch:
                    copier.write(current, batch)
                    batch = []
                current = t.copy_load
            batch.append(t.encode_load(load.key, (), len(keys)))
            keys.append(load.key)
            if len(batch) >= BATCH_ROWS:
                copier.write(current, batch)
                batch = []
        if copier is None:
            return
        if batch:
            copier.write(current, batch)
        copier.finish()
        copier.close()
        query = sql.load_query([
            (i, targets[i].table, targets[i].keys, targets[i].document or "") for i in sorted(used)
        ])
        # A server-side cursor: the client holds one batch of documents at a time, however many match.
        with self.conn.cursor(name="flow_load") as cur:
            cur.itersize = LOAD_BATCH_ROWS
            cur.execute(query.encode())
            while rows := cur.fetchmany(LOAD_BATCH_ROWS):
                for binding, ordinal, doc in rows:
                    loaded(binding, keys[ordinal], doc)
        self.conn.commit()  # end the read transaction: the store transaction starts fresh

    # -- stores -------------------------------------------------------------------------------

    def store(self, stores: Iterator[Store]) -> None:
        """Stream stores: new keys and delta rows straight into tables, updates and deletes into staging."""
        targets = self.targets
        hard_delete = self.config.hard_delete
        staged = self._staged
        copier = self._copier = Copier(self.conn)
        # Lines go to the copier in batches for one statement at a time: few calls per row.
        batch: list[str] = []
        current = ""
        for s in stores:
            t = targets[s.binding]
            if t.delta or not s.exists:
                if s.delete and not t.delta:
                    continue  # deleting a key that was never stored: nothing to do
                statement, line = t.copy_direct, t.encode(s.key, s.values, s.doc)
            elif s.delete and hard_delete:
                staged.add((t.index, "delete"))
                statement, line = t.copy_delete, t.encode_key(s.key, (), None)
            elif s.delete and t.document is not None:
                staged.add((t.index, "mark"))
                statement, line = t.copy_mark, t.encode_mark(s.key, (), s.doc)
            else:
                staged.add((t.index, "update"))
                statement, line = t.copy_update, t.encode(s.key, s.values, s.doc)
            if statement is not current:
                if batch:
                    copier.write(current, batch)
                    batch = []
                current = statement
            batch.append(line)
            if len(batch) >= BATCH_ROWS:
                copier.write(current, batch)
                batch = []
        if batch:
            copier.write(current, batch)
        copier.finish()

    def commit(self, checkpoint: Mapping[str, Any], fence: Fence) -> None:
        """Check the fence and write the checkpoint, apply staged deletes and upserts, commit."""
        token: client.FenceToken = fence.token
        client.write_checkpoint(self.conn, self.config.schema, token, checkpoint)
        with self.conn.cursor() as cur:
            for (index, kind) in sorted(self._staged):
                t = self.targets[index]
                name = sql.stage_table_name(index, kind)
                if kind == "delete":
                    cur.execute(sql.delete_staged(t.table, name, t.keys).encode())
                elif kind == "mark":
                    cur.execute(sql.mark_deleted(t.table, name, t.keys, t.document or "").encode())
                else:
                    cur.execute(sql.merge_updates(t.table, name, t.columns).encode())
        self.conn.commit()
        self._staged.clear()
        if self._copier is not None:
            self._copier.close()
            self._copier = None

    def close(self) -> None:
        """Close the connection; an uncommitted transaction is rolled back by the server."""
        self.conn.close()
