"""The session transactor: loads by one join per transaction, stores by COPY, commits with the fence checked."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from itertools import count, groupby, repeat
from typing import Any

import psycopg

from flow_sdk.errors import ConnectorError
from flow_sdk.flow import RangeSpec
from flow_sdk.materialize import Binding, Fence, Load, Loaded, Store, Transactional
from flow_sdk.materialize.transactor import StoreBatch, load_batches, store_batches

from . import client, sql
from .config import EndpointConfig, ResourceConfig
from .copier import Copier
from .encode import BatchEncoder, RowEncoder, batch_encoder, row_encoder
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
    encode_batch: BatchEncoder
    encode_batch_texts: BatchEncoder  # the same, from the documents' JSON texts
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


def _target(binding: Binding, resource: ResourceConfig, config: EndpointConfig) -> _Target:
    table = resource.table_in(config.db_schema)
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
        encode_batch=batch_encoder(columns),
        encode_batch_texts=batch_encoder(columns, doc_text=True),
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

    def __init__(
        self,
        conn: psycopg.Connection[Any],
        config: EndpointConfig,
        bindings: Sequence[Binding],
        resources: Sequence[ResourceConfig],
    ) -> None:
        self.conn = conn
        self.config = config
        self.targets = [_target(b, r, config) for b, r in zip(bindings, resources, strict=True)]
        # What a COPY statement writes, to name the binding and table in a data error.
        self._copy_targets = {
            statement: f"binding {t.index} ({t.table})"
            for t in self.targets
            for statement in (t.copy_direct, t.copy_update, t.copy_delete, t.copy_mark, t.copy_load)
        }
        self._staged: set[tuple[int, str]] = set()  # (binding, "update"|"delete") used this transaction
        self._copier: Copier | None = None
        self._load_copier: Copier | None = None

    # -- fencing ------------------------------------------------------------------------------

    def fence(self, materialization: str, key_range: RangeSpec | None) -> Fence:
        """Bump overlapping fences and recover the stored checkpoint (see client.fence), retrying transient failures.

        Nothing is visible until the fence transaction commits, so a failed attempt is simply redone,
        on a new connection when the old one broke.
        """
        begin, end = client.key_range(key_range)

        def attempt() -> tuple[client.FenceToken, Any]:
            if self.conn.broken or self.conn.closed:
                self.conn = client.connect(self.config)
            with client.translated(f"fencing {materialization!r}"):
                self.conn.rollback()
                client.ensure_checkpoints_table(self.conn, self.config.db_schema)
                fenced = client.fence(self.conn, self.config.db_schema, materialization, begin, end)
                self._create_temp_tables()
            return fenced

        token, checkpoint = client.retried(attempt)
        log.info("fenced", extra={"fields": {"fence": token.fence, "keyBegin": begin, "keyEnd": end}})
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
        with self._copying("loading"):
            self._load(loads, loaded)

    def _load(self, loads: Iterator[Load], loaded: Loaded) -> None:
        targets = self.targets
        copier: Copier | None = None
        used: set[int] = set()
        keys: list[list[Any]] = []  # by ordinal: the rows name their key by number, not by value
        for batch in load_batches(loads):
            if copier is None:
                copier = self._load_copier = Copier(self.conn)
            bindings, batch_keys = zip(*batch, strict=True)
            for index in set(bindings) - used:
                if targets[index].document is None:
                    t = targets[index]
                    raise ConnectorError(f"binding {index} ({t.table}) has no document column to load from")
                used.add(index)
            first = len(keys)
            keys.extend(batch_keys)
            if bindings.count(bindings[0]) == len(bindings):  # one binding: a single map over the batch
                t = targets[bindings[0]]
                copier.write(t.copy_load, list(map(t.encode_load, batch_keys, repeat(()), count(first))))
                continue
            numbered = zip(count(first), batch)
            for binding, run in groupby(numbered, key=lambda item: item[1].binding):  # runs of one binding
                t = targets[binding]
                copier.write(t.copy_load, [t.encode_load(load.key, (), ordinal) for ordinal, load in run])
        if copier is None:
            return
        copier.finish()
        copier.close()
        self._load_copier = None  # errors from here on are the join's, not a COPY's
        with self.conn.cursor() as cur:
            for i in sorted(used):
                cur.execute(sql.analyze_load_table(i).encode())
        query = sql.load_query(
            [(i, targets[i].table, targets[i].keys, targets[i].document or "") for i in sorted(used)]
        )
        # Streamed in chunks: the client holds one chunk of documents at a time, however many match. (Not a
        # named cursor: DECLARE plans for the first rows, which picks per-key index lookups over a hash join.)
        # Chunks need libpq 17; older ones stream row by row.
        size = LOAD_BATCH_ROWS if psycopg.capabilities.has_stream_chunked() else 1
        with self.conn.cursor() as cur:
            for binding, ordinal, doc in cur.stream(query.encode(), size=size):
                loaded(binding, keys[ordinal], doc)
        self.conn.commit()  # end the read transaction: the store transaction starts fresh

    # -- stores -------------------------------------------------------------------------------

    def store(self, stores: Iterator[Store]) -> None:
        """Stream stores: new keys and delta rows straight into tables, updates and deletes into staging."""
        copier = self._copier = Copier(self.conn)
        with self._copying("storing"):
            for batch in store_batches(stores):
                if not self._store_uniform(copier, batch):
                    self._store_mixed(copier, batch)
            copier.finish()

    @contextlib.contextmanager
    def _copying(self, doing: str) -> Iterator[None]:
        """Translate database errors of a load or store phase, naming the binding the failing COPY wrote."""
        try:
            yield
        except psycopg.Error as exc:
            copier = self._copier if doing == "storing" else self._load_copier
            where = self._copy_targets.get(copier.last, "") if copier is not None else ""
            raise client.error_of(exc, f"{doing} {where}".rstrip()) from exc

    def _store_uniform(self, copier: Copier, batch: StoreBatch) -> bool:
        """The common case in one pass of C-level loops: one binding, all inserts or all updates, no deletes."""
        bindings, exists = batch.bindings, batch.exists
        binding = bindings[0]
        if any(batch.deletes) or bindings.count(binding) != len(bindings):
            return False
        t = self.targets[binding]
        if t.delta or not any(exists):
            statement = t.copy_direct
        elif all(exists):
            self._staged.add((t.index, "update"))
            statement = t.copy_update
        else:
            return False
        try:
            texts = batch.doc_texts
            if texts is not None:  # the documents as the runtime sent them: no parse, no serialization
                lines = t.encode_batch_texts(batch.keys, batch.values, texts)
            else:
                lines = t.encode_batch(batch.keys, batch.values, batch.docs)
        except ValueError:  # a key or values list of an unexpected length: the row encoder explains
            lines = list(map(t.encode, batch.keys, batch.values, batch.docs))
        copier.write(statement, lines)
        return True

    def _store_mixed(self, copier: Copier, stores: Iterable[Store]) -> None:
        """Any batch, row by row: lines go to the copier in runs that share one statement."""
        targets = self.targets
        hard_delete = self.config.hard_delete
        staged = self._staged
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
        if batch:
            copier.write(current, batch)

    def commit(self, checkpoint: Mapping[str, Any], fence: Fence) -> None:
        """Check the fence and write the checkpoint, apply staged deletes and upserts, commit."""
        token: client.FenceToken = fence.token
        # Never retried: a failure here may leave the commit's outcome unknown; the runtime recovers.
        with client.translated("writing the checkpoint"):
            client.write_checkpoint(self.conn, self.config.db_schema, token, checkpoint)
        with self.conn.cursor() as cur:
            for index, kind in sorted(self._staged):
                t = self.targets[index]
                name = sql.stage_table_name(index, kind)
                with client.translated(f"merging staged rows into binding {index} ({t.table})"):
                    if kind == "delete":
                        cur.execute(sql.delete_staged(t.table, name, t.keys).encode())
                    elif kind == "mark":
                        cur.execute(sql.mark_deleted(t.table, name, t.keys, t.document or "").encode())
                    else:
                        cur.execute(sql.merge_updates(t.table, name, t.columns).encode())
        with client.translated("committing"):
            self.conn.commit()
        self._staged.clear()
        if self._copier is not None:
            self._copier.close()
            self._copier = None

    def close(self) -> None:
        """Close the connection; an uncommitted transaction is rolled back by the server."""
        self.conn.close()
