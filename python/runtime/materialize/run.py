"""`flow-sdk materialize`: run a catalog materialization over local collection journals, durably.

Setup (`materialize_setup`): Validate, field selection from the connector's constraints, Apply
(with the last committed connector state), then one session: `open` -> `opened`, and the runtime
sends `acknowledge` for the commit it recovered from. Then, while the journals (or the
`--fixture`) hold documents past the checkpoint, one transaction at a time:

1. read up to `max_docs` documents / `max_bytes` bytes of committed journal lines, combining them
   per binding by group-by key (`Combiner`, with the schema's reductions);
2. `load` every combined key of standard-updates bindings (never for delta updates); wait until
   the connector `acknowledged` the previous commit, then `flush`; collect `loaded` until
   `flushed`;
3. `store` each key: the full reduction of the loaded document (if any) and the combined update,
   `exists` when it was loaded; a deletion (`/_meta/op == "d"`) is stored with `delete` when it
   existed and dropped otherwise (delta-updates bindings store every combined document as is);
4. `startCommit` with the runtime checkpoint (`sources[<collection>].readThrough` = journal byte
   offset read through) -> `startedCommit`;
5. commit checkpoint + connector state (reduced over `flushed` and `startedCommit`) in the
   recovery log (`materialize_state`), then `acknowledge`. `acknowledged` states are merged and
   saved when they arrive (not transactionally: connectors tolerate a repeated acknowledge).

A checkpoint returned in `opened.runtimeCheckpoint` (an authoritative destination) wins over the
recovery log's. Responses are read by a thread into a queue, so a connector answering loads
while loads are still being written can never deadlock the pipes. The order of every request and
response is checked by `flow_sdk.protocol.materialize` in the runtime's role; control messages
(open, acknowledge, flush, startCommit and their responses) are typed wire models, while load,
store and loaded keep their dict fast paths.

Faults: see `materialize_faults` (`FLOW_SDK_FAULT=PHASE:N[:TARGET]`).
"""

from __future__ import annotations

import gc
import queue
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, TypeVar
from urllib.parse import quote

import orjson

from flow_sdk.errors import ConfigError, ConnectorError, LocalProtocolError, ProtocolError, RemoteProtocolError
from flow_sdk.gazette import Checkpoint
from flow_sdk.materialize import request, response
from flow_sdk.materialize.fields import resolve_collection
from flow_sdk.protocol.materialize import MaterializeProtocol, Role, parse_body
from flow_sdk.runtime.catalog import specs
from flow_sdk.runtime.catalog.loader import Catalog
from flow_sdk.runtime.connectors import raw
from flow_sdk.runtime.connectors.process import ConnectorProcess
from flow_sdk.runtime.documents.combine import Combiner, hashable_key
from flow_sdk.runtime.documents.flow_uuid import PublishedAt
from flow_sdk.runtime.materialize.faults import FaultInjector
from flow_sdk.runtime.materialize.setup import prepare
from flow_sdk.runtime.materialize.txn import BindingPlan, binding_plans, is_deletion
from flow_sdk.runtime.schema.reduce import ABSENT
from flow_sdk.runtime.storage.journal_reader import Sources, load_fixture
from flow_sdk.runtime.storage.materialize_state import (
    MaterializationLog,
    checkpoint_of,
    offsets_of,
    task_lock,
)
from flow_sdk.state import apply_connector_state
from flow_sdk.stdio import Codec, MessageWriter
from flow_sdk.wire import WireModel

M = TypeVar("M", bound=WireModel)
_VARIANT: dict[type[WireModel], str] = {
    response.Opened: "opened",
    response.Flushed: "flushed",
    response.StartedCommit: "startedCommit",
}


DEFAULT_MAX_DOCS = 20_000
DEFAULT_MAX_BYTES = 16 << 20
_EOF = object()


@dataclass(frozen=True)
class Limits:
    """Bounds of one transaction (a single document larger than `max_bytes` still goes alone)."""

    max_docs: int = DEFAULT_MAX_DOCS
    max_bytes: int = DEFAULT_MAX_BYTES


@dataclass
class MaterializeResult:
    """What a run did."""

    transactions: int = 0
    documents: int = 0
    loads: int = 0
    loaded: int = 0
    stores: int = 0
    deletes: int = 0
    checkpoint: dict[str, Any] = field(default_factory=dict)
    state: Any = None
    bytes: int = 0  # journal bytes read
    warnings: int = 0  # connector log records at warning / error level
    errors: int = 0


UUID_PTR = "/_meta/uuid"


def published_at_fields(spec: Mapping[str, Any]) -> list[list[int]]:
    """Per binding: positions among its selected values of projections of `/_meta/uuid` as a date-time."""
    linked = spec.get("linkedCollections") or []
    out = []
    for b in spec.get("bindings") or []:
        collection = resolve_collection(b, linked)
        uuid_fields = {
            p["field"]
            for p in collection.get("projections") or []
            if p.get("ptr") == UUID_PTR
            and ((p.get("inference") or {}).get("string") or {}).get("format") == "date-time"
        }
        values = (b.get("fieldSelection") or {}).get("values") or []
        out.append([i for i, f in enumerate(values) if f in uuid_fields])
    return out


def values_function(plan: BindingPlan, uuid_positions: Sequence[int]) -> Callable[[Any], list[Any]]:
    """The binding's value extractor, with publication times in place of the UUIDs they come from."""
    if not uuid_positions:
        return plan.values
    base = plan.values
    published_at = PublishedAt()

    def values(doc: Any) -> list[Any]:
        out = base(doc)
        for i in uuid_positions:
            out[i] = published_at(out[i])
        return out

    return values


class _Responses:
    """Reads the connector's responses on a thread; the session takes them in order."""

    def __init__(self, proc: ConnectorProcess) -> None:
        self.proc = proc
        self._queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._ready: deque[dict[str, Any]] = deque()
        self._done = False
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self) -> None:
        proc, put = self.proc, self._queue.put
        try:
            if proc.codec is Codec.JSON:
                while (lines := proc.read_lines()) is not None:
                    batch = [line for line in lines if line.strip()]
                    msgs = proc.parse_lines(batch)
                    for i, msg in enumerate(msgs):
                        if type(msg) is not dict:
                            raise proc.not_an_object(proc.lines_read - len(batch) + i + 1, msg)
                    if msgs:
                        put(msgs)
            else:
                for msg in proc.messages():
                    put([msg])
        except BaseException as exc:  # handed to the session thread
            put(exc)
            return
        put(_EOF)

    def next(self, ended: Callable[[], ProtocolError]) -> dict[str, Any]:
        """The next response; at end of stream, the error explaining why it ended."""
        ready = self._ready
        while not ready:
            if self._done:
                raise self._ended(ended)
            item = self._queue.get()
            if item is _EOF:
                self._done = True
                continue
            if isinstance(item, BaseException):
                self._done = True
                raise item
            ready.extend(item)
        return ready.popleft()

    def _ended(self, ended: Callable[[], ProtocolError]) -> ConnectorError:
        code = self.proc.wait(timeout=10)
        if code != 0 or self.proc.timed_out:
            return self.proc.exit_error(code)
        return ended()


class MaterializeSession:
    """One connector session: recover, then transactions until the sources are drained."""

    def __init__(
        self,
        proc: ConnectorProcess,
        plans: Sequence[BindingPlan],
        sources: Sources,
        log: MaterializationLog,
        *,
        state: Any,
        checkpoint: Mapping[str, Any],
        transactions: int = 0,
        limits: Limits = Limits(),
        faults: FaultInjector | None = None,
        trace: IO[bytes] | None = None,
        max_transactions: int | None = None,
        follow: Callable[[], bool] | None = None,
        uuid_values: Sequence[Sequence[int]] = (),
        should_stop: Callable[[], bool] = lambda: False,
        on_commit: Callable[[MaterializeResult], None] | None = None,
    ) -> None:
        self.proc = proc
        self.plans = list(plans)
        self.sources = sources
        self.log = log
        self.state = state
        self.recovered_checkpoint = dict(checkpoint)
        self.limits = limits
        self.faults = faults or FaultInjector()
        self.faults.child_pid = proc.pid
        self.trace = trace
        self.max_transactions = max_transactions
        self.follow = follow
        self.order = MaterializeProtocol(Role.RUNTIME)
        self.result = MaterializeResult(transactions=transactions, state=state)
        self.by_collection: dict[str, list[BindingPlan]] = {}
        for plan in self.plans:
            self.by_collection.setdefault(plan.collection, []).append(plan)
        self.offsets: dict[str, int] = {}
        self._rotate = 0
        self._writer = self._writer_of(proc)
        self._responses: _Responses | None = None
        # Per transaction: binding -> slot -> (key, combined update); binding -> slot -> loaded doc.
        self._entries: list[dict[Any, tuple[list[Any], Any]]] = []
        self._loaded: list[dict[Any, Any]] = []
        self._combiners: list[Combiner] = [p.combiner() for p in self.plans]
        positions = list(uuid_values) or [[] for _ in self.plans]
        self._values = [values_function(p, pos) for p, pos in zip(self.plans, positions, strict=True)]
        self.should_stop = should_stop
        self.on_commit = on_commit

    @staticmethod
    def _writer_of(proc: ConnectorProcess) -> MessageWriter | None:
        # Buffered writes keep one syscall per batch of stores instead of one per store.
        return proc.writer

    # --- I/O helpers ----------------------------------------------------------------------

    def _write(self, msg: Mapping[str, Any]) -> None:
        if self._writer is None:
            self.proc.send(msg)
            return
        try:
            self._writer.write(msg)
        except (BrokenPipeError, ValueError):
            self._connector_gone()

    def _flush(self) -> None:
        if self._writer is None:
            return
        try:
            self._writer.flush()
        except (BrokenPipeError, ValueError):
            self._connector_gone()

    def _send(self, kind: str, body: WireModel) -> None:
        """Write one control request (its order checked first: a runtime bug must not reach the connector)."""
        if kind == "open":
            self.order.open([p.delta_updates for p in self.plans])
        else:
            self.order.request(kind)
        self._write({kind: body.to_flow_json()})
        self._flush()

    def _connector_gone(self) -> None:
        """Our write failed: explain by the connector's exit."""
        assert self._responses is not None
        # Drain what it said before dying: a protocol error there is the better explanation.
        while True:
            self._handle(self._responses.next(self.order.end_of_responses))

    def _next(self) -> tuple[str, Any]:
        assert self._responses is not None
        return self._handle(self._responses.next(self.order.end_of_responses))

    def _handle(self, msg: dict[str, Any]) -> tuple[str, Any]:
        order = self.order
        try:
            kind = order.response_kind(msg)
            body = msg[kind]
            if kind == "loaded":
                binding = body.get("binding", 0)
                if type(binding) is not int:
                    binding = -1  # named as out of range
                order.loaded(binding)
                if "doc" not in body:
                    raise RemoteProtocolError("`loaded` has no `doc`", expected="loaded.doc", received="loaded")
            else:
                order.response(kind)
        except ProtocolError:
            self.proc.kill()
            raise
        if kind == "loaded":
            self._on_loaded(body)
        elif kind == "acknowledged":
            acknowledged = parse_body(response.Acknowledged, body)
            self._apply_state(acknowledged.state, "acknowledged")
            if acknowledged.state is not None:
                self.log.save_state(self.state)
        return kind, body

    def _apply_state(self, update: Any, what: str) -> None:
        """Fold a typed response's ConnectorState into the session's state."""
        if update is not None:
            self.state = apply_connector_state(self.state, update.to_flow_json(), what, RemoteProtocolError)

    def _until(self, wanted: type[M]) -> M:
        """Responses until the one of `wanted`'s variant (loaded and acknowledged are handled on the way)."""
        name = _VARIANT[wanted]
        while True:
            kind, body = self._next()
            if kind == name:
                return parse_body(wanted, body)

    def _on_loaded(self, body: Mapping[str, Any]) -> None:
        binding = body.get("binding", 0)
        doc = body["doc"]
        try:
            key = self._combiners[binding].keys.key(doc)
        except ConnectorError as exc:
            self.proc.kill()
            raise ProtocolError(f"`loaded` document of binding {binding} has no key: {exc}") from None
        slot = hashable_key(key)
        if slot not in self._entries[binding]:
            self.proc.kill()
            raise ProtocolError(
                f"`loaded` binding {binding} key {key!r}, which was not requested in this transaction",
                expected="loaded for a requested key",
                received=f"key {key!r}",
            )
        if slot in self._loaded[binding]:
            self.proc.kill()
            raise ProtocolError(
                f"`loaded` binding {binding} key {key!r} twice in one transaction",
                expected="each key at most once",
                received=f"key {key!r} again",
            )
        self._loaded[binding][slot] = doc
        self.result.loaded += 1
        if self.trace is not None:
            self.trace.write(orjson.dumps(["loaded", binding, doc]) + b"\n")

    # --- the session ----------------------------------------------------------------------

    def run(self, open_request: Mapping[str, Any]) -> MaterializeResult:
        """Open, recover, and run transactions until done."""
        self._responses = _Responses(self.proc)
        self._send("open", parse_body(request.Open, open_request["open"], LocalProtocolError))
        opened = self._until(response.Opened)
        authoritative = opened.runtime_checkpoint
        if authoritative is not None and authoritative.sources:
            self.offsets = offsets_of(authoritative.to_flow_json())
        else:
            self.offsets = offsets_of(self.recovered_checkpoint)
        self.faults.reached("opened")
        self._send("acknowledge", request.Acknowledge())
        self.faults.reached("acknowledge")
        collecting = gc.isenabled()
        gc.disable()  # documents are acyclic; the cyclic collector only rescans them
        try:
            while self.max_transactions is None or self.result.transactions < self.max_transactions:
                if self.should_stop():
                    break
                if not self._transaction():
                    if self.follow is not None and self.follow():
                        continue
                    break
        finally:
            if collecting:
                gc.enable()
        while self.order.acknowledgement_owed:
            self._next()
        self.result.state = self.state
        self.result.checkpoint = checkpoint_of(self.offsets)
        self.proc.close_input()
        self.proc.finish()
        self.result.warnings, self.result.errors = self.proc.warnings, self.proc.errors
        return self.result

    def _read(self) -> int:
        """Read and combine the next transaction's documents; how many were read."""
        ends = self.sources.ends()
        names = self.sources.collections
        docs_left, bytes_left = self.limits.max_docs, self.limits.max_bytes
        read = 0
        loads = orjson.loads
        n = len(names)
        self._rotate = (self._rotate + 1) % max(n, 1)
        for i in range(n):
            name = names[(self._rotate + i) % n]
            start, end = self.offsets.get(name, 0), ends[name]
            if start > end:
                raise ConfigError(
                    f"the checkpoint reads journal {name!r} through byte {start}, past its committed end {end}: "
                    "was the state directory reset or the fixture changed?"
                )
            adders = [self._combiners[p.index].add for p in self.by_collection[name]]
            while start < end and docs_left > 0 and bytes_left > 0:
                lines, after = self.sources.read_lines(name, start, end, bytes_left)
                if not lines:
                    break
                if len(lines) > docs_left:
                    lines = lines[:docs_left]
                    after = start + sum(map(len, lines)) + len(lines)
                try:
                    if len(adders) == 1:
                        add = adders[0]
                        for line in lines:
                            add(loads(line))
                    else:
                        for line in lines:
                            for add in adders:
                                add(loads(line))  # each combiner owns its own copy
                except orjson.JSONDecodeError as exc:
                    raise ConfigError(f"journal {name!r} holds a malformed line after byte {start}: {exc}") from None
                read += len(lines)
                docs_left -= len(lines)
                bytes_left -= after - start
                self.result.bytes += after - start
                start = after
            self.offsets[name] = start
        return read

    def _transaction(self) -> bool:
        """One transaction; False when there was nothing to read."""
        self.proc.touch()
        read = self._read()
        if not read:
            return False
        result, faults = self.result, self.faults
        self._entries = []
        self._loaded = [{} for _ in self.plans]
        self._send_loads()
        while self.order.acknowledgement_owed:  # the previous commit must be acknowledged before flush
            self._next()
        self._send("flush", request.Flush())
        self._apply_state(self._until(response.Flushed).state, "flushed")
        faults.reached("flushed")
        self._send_stores()
        self._entries = []
        self._loaded = []
        # 4. startCommit.
        checkpoint = checkpoint_of(self.offsets)
        self._send("startCommit", request.StartCommit(runtime_checkpoint=Checkpoint.from_flow_json(checkpoint)))
        self._apply_state(self._until(response.StartedCommit).state, "startedCommit")
        faults.reached("startedCommit")
        # 5. Durable commit, then acknowledge.
        result.transactions += 1
        result.documents += read
        self.log.commit(checkpoint, self.state, result.transactions)
        faults.reached("commit")
        if self.trace is not None:
            self.trace.write(orjson.dumps(["commit", checkpoint]) + b"\n")
            self.trace.flush()
        self._send("acknowledge", request.Acknowledge())
        faults.reached("acknowledge")
        if self.on_commit is not None:
            result.warnings, result.errors = self.proc.warnings, self.proc.errors
            self.on_commit(result)
        return True

    def _send_loads(self) -> None:
        """2. Drain the combiners; `load` every combined key of the standard-updates bindings."""
        result, faults, write = self.result, self.faults, self._write
        armed = faults.armed
        for plan, combiner in zip(self.plans, self._combiners, strict=True):
            entries = {hashable_key(k): (k, d) for k, d in combiner.drain()}
            self._entries.append(entries)
            if plan.delta_updates or not entries:
                continue
            self.order.loads((plan.index,))
            prefix = {"binding": plan.index} if plan.index else {}
            for key, _ in entries.values():
                write({"load": {**prefix, "key": key}})
                if armed:
                    self._flush()
                    faults.reached("load")
            result.loads += len(entries)
        self._flush()

    def _send_stores(self) -> None:
        """3. `store` every combined key: reduced onto its loaded document, or a deletion of one that exists."""
        result, faults, write, trace = self.result, self.faults, self._write, self.trace
        armed = faults.armed
        for plan, combiner, entries, loaded, values in zip(
            self.plans, self._combiners, self._entries, self._loaded, self._values, strict=True
        ):
            prefix = {"binding": plan.index} if plan.index else {}
            delta = plan.delta_updates
            if entries:
                self.order.stores((plan.index,))
            for slot, (key, update) in entries.items():
                base = ABSENT if delta else loaded.get(slot, ABSENT)
                exists = base is not ABSENT
                body: dict[str, Any]
                if not delta and is_deletion(update):
                    if not exists:
                        continue  # deleting what was never stored: nothing to do
                    body = {
                        **prefix,
                        "key": key,
                        "values": values(update),
                        "doc": update,
                        "exists": True,
                        "delete": True,
                    }
                    result.deletes += 1
                else:
                    doc = update if delta else combiner.reduce_onto(base, update)
                    body = {**prefix, "key": key, "values": values(doc), "doc": doc}
                    if exists:
                        body["exists"] = True
                write({"store": body})
                result.stores += 1
                if trace is not None:
                    trace.write(orjson.dumps(["store", plan.collection, body]) + b"\n")
                if armed:
                    self._flush()
                    faults.reached("store")


def run_materialize(
    catalog: Catalog,
    name: str,
    state_dir: str | Path,
    *,
    fixture: str | Path | None = None,
    limits: Limits = Limits(),
    timeout: float | None = None,
    trace: IO[bytes] | None = None,
    max_transactions: int | None = None,
    follow: Callable[[], bool] | None = None,
    faults: FaultInjector | None = None,
    should_stop: Callable[[], bool] = lambda: False,
    on_commit: Callable[[MaterializeResult], None] | None = None,
) -> MaterializeResult:
    """`flow-sdk materialize`: resume a materialization from DIR's recovery log and run it.

    Reads the journals `flow-sdk capture` wrote under `state_dir` (or the documents of `fixture`)
    until they are drained, `max_transactions` ran, or, when caught up, `follow()` returns False
    (it may sleep; None means stop when caught up). `should_stop()` is asked before each
    transaction (stop at a transaction boundary); `on_commit` sees the totals after each one.
    Values projecting `/_meta/uuid` as a date-time (`flow_published_at`) get the UUID's time.
    """
    catalog.materialization(name)
    start = raw.starter(catalog, name, timeout=timeout)
    with task_lock(state_dir, name):
        log = MaterializationLog(state_dir, name)
        try:
            recovered = log.recover()
            # Journal runs skip Validate/Apply while the task is unchanged (see `prepare`).
            cache = None if fixture is not None else Path(state_dir) / f"materialize-{quote(name, safe='')}.spec"
            prepared = prepare(catalog, name, start, state=recovered.state, cache=cache)
            applied_state = prepared.applied.state.to_flow_json() if prepared.applied.state else None
            state = apply_connector_state(recovered.state, applied_state, "applied", RemoteProtocolError)
            if state != recovered.state:
                log.save_state(state)
            plans = binding_plans(prepared.spec)
            collections = [p.collection for p in plans]
            if fixture is not None:
                sources = Sources(collections, fixture=load_fixture(fixture))
            else:
                sources = Sources(collections, state_dir=state_dir, committed=log.journal_offsets)
            open_request = specs.open_request(catalog, name, spec=prepared.spec, version=prepared.version, state=state)
            try:
                with start() as proc:
                    session = MaterializeSession(
                        proc,
                        plans,
                        sources,
                        log,
                        state=state,
                        checkpoint=recovered.checkpoint,
                        transactions=recovered.transactions,
                        limits=limits,
                        faults=faults if faults is not None else FaultInjector.from_env(),
                        trace=trace,
                        max_transactions=max_transactions,
                        follow=follow,
                        uuid_values=published_at_fields(prepared.spec),
                        should_stop=should_stop,
                        on_commit=on_commit,
                    )
                    return session.run(open_request)
            finally:
                sources.close()
        finally:
            log.close()


def preview_materialization(
    catalog: Catalog,
    name: str,
    fixture: str | Path,
    *,
    transactions: int | None = None,
    limits: Limits = Limits(),
    timeout: float | None = None,
    out: IO[bytes] | None = None,
) -> MaterializeResult:
    """Run a materialization over a fixture in a throwaway state directory, printing loads and stores.

    Prints JSON lines `["loaded", binding, doc]`, `["store", collection, store body]` and
    `["commit", checkpoint]`. The connector writes to its real destination, as Flow's preview does.
    """
    import tempfile

    with tempfile.TemporaryDirectory(prefix="flow-sdk-preview-") as tmp:
        return run_materialize(
            catalog,
            name,
            tmp,
            fixture=fixture,
            limits=limits,
            timeout=timeout,
            trace=out or sys.stdout.buffer,
            max_transactions=transactions,
        )


def poll_every(seconds: float, should_stop: Callable[[], bool] = lambda: False) -> Callable[[], bool]:
    """A `follow` callback: sleep `seconds` and keep going until `should_stop()`."""

    def follow() -> bool:
        if should_stop():
            return False
        time.sleep(seconds)
        return not should_stop()

    return follow
