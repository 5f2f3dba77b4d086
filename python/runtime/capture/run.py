"""Run capture sessions: open a connector, check what it sends, and hand committed transactions to a sink.

One session: send `open`, expect `opened`, then read `captured` / `checkpoint` / `sourcedSchema` /
`backfillBegin` / `backfillComplete` until the connector closes stdout. Documents accumulate per
binding; a `checkpoint` seals them. After each read batch every sealed checkpoint is committed as
one transaction (several checkpoints may merge, as in Flow), then acknowledged when the connector
asked for explicit acknowledgements. Documents after the last checkpoint of a session are dropped.

The hot path: each read block is decoded in one call with documents kept as the connector's text
(`capture_decode`); per message one attribute test and one append. Per binding and block, the
documents are parsed in one call, validated (compiled, see `doc_validation`) and journaled from
their text with the UUID spliced in (`flow_uuid`). Blocks the fast decoder can't take are parsed
into dicts and handled message by message.
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import quote

import orjson

from flow_sdk.capture.request import Acknowledge, Request
from flow_sdk.capture.response import Opened
from flow_sdk.errors import ConnectorError, ProtocolError, RemoteProtocolError
from flow_sdk.flow import CaptureSpec, binding_collection
from flow_sdk.protocol.capture import CaptureProtocol, Role
from flow_sdk.runtime.capture.decode import CaptureResponse, decode_block
from flow_sdk.runtime.capture.pending import Pending, Transaction
from flow_sdk.runtime.catalog import specs
from flow_sdk.runtime.catalog.loader import Catalog
from flow_sdk.runtime.connectors import raw
from flow_sdk.runtime.connectors.process import ConnectorProcess
from flow_sdk.runtime.documents.flow_uuid import UuidStamper
from flow_sdk.runtime.progress import Progress
from flow_sdk.runtime.schema.validation import SchemaValidator
from flow_sdk.runtime.storage.journal import JournalWriter, file_name, journal_path
from flow_sdk.runtime.storage.recovery_log import RecoveryLog, exclusive_lock
from flow_sdk.stdio import parse_json_texts


@dataclass(frozen=True)
class Target:
    """Where a binding's documents go: its collection and that collection's compiled write schema."""

    collection: str
    validator: SchemaValidator


def targets_of(capture_spec: Mapping[str, Any]) -> list[Target]:
    """One Target per binding of a CaptureSpec (Flow JSON form; inline or linked collections)."""
    spec = CaptureSpec.from_flow_json(capture_spec)
    compiled: dict[str, SchemaValidator] = {}
    targets = []
    for index, binding in enumerate(spec.bindings):
        collection = binding_collection(binding, spec.linked_collections, where=f"bindings[{index}]")
        name = collection.name
        if name not in compiled:
            if collection.write_schema is None:
                raise ConnectorError(f"binding {index}: collection {name!r} has no write schema")
            compiled[name] = SchemaValidator(name, collection.write_schema, collection.key)
        targets.append(Target(name, compiled[name]))
    return targets


_M_TRIM_THRESHOLD = -1
_M_TOP_PAD = -2
_tuned = False


def tune_allocator() -> None:
    """Stop glibc from returning heap memory to the OS after every batch (once per process).

    Each read batch allocates and frees thousands of small objects; with glibc's defaults the
    heap top is trimmed after each batch and the next one page-faults it back in, which made
    `orjson.dumps` ~8x slower here. A large trim threshold and top pad keep the heap warm.
    """
    global _tuned
    if _tuned or not sys.platform.startswith("linux"):
        return
    _tuned = True
    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.mallopt(_M_TRIM_THRESHOLD, 256 << 20)
        libc.mallopt(_M_TOP_PAD, 64 << 20)
    except (OSError, AttributeError):
        pass  # not glibc: nothing to tune


class Sink(Protocol):
    """Receives committed transactions."""

    def commit(self, txn: Transaction) -> None:
        """Durably (or visibly) record one transaction."""


@dataclass
class SessionResult:
    """What one session did."""

    documents: int = 0
    checkpoints: int = 0
    transactions: int = 0
    state: dict[str, Any] = field(default_factory=dict)
    stopped: bool = False  # ended because `should_stop` said so, not by the connector


def describe(msg: Mapping[str, Any]) -> str:
    """The variant name(s) of a message, for error messages."""
    names = [k for k, v in msg.items() if v is not None and k != "$internal"]
    return ", ".join(names) if names else "an empty message"


class _BlockMessages:
    """The messages of a decoded block as dicts, for the few responses the fast path hands elsewhere."""

    def __init__(self, decoded: list[CaptureResponse], body: bytes) -> None:
        self._decoded = decoded
        self._body = body
        self._lines: list[bytes] | None = None
        self._cursor = 0  # responses are asked for in block order (never an earlier one): search on from here

    def of(self, response: CaptureResponse) -> Any:
        """The message of `response` (one of the block's), parsed from its line."""
        if self._lines is None:
            self._lines = self._body.split(b"\n")
        decoded = self._decoded
        index = next(i for i in range(self._cursor, len(decoded)) if decoded[i] is response)
        self._cursor = index
        return orjson.loads(self._lines[index])


class CaptureSession:
    """Drives one connector session and validates everything it sends."""

    def __init__(
        self,
        process: ConnectorProcess,
        targets: Sequence[Target],
        sink: Sink,
        *,
        state: dict[str, Any],
        progress: Progress | None = None,
        should_stop: Callable[[], bool] = lambda: False,
        stamper: UuidStamper | None = None,
    ) -> None:
        self.process = process
        self.targets = list(targets)
        self.stamper = stamper
        self.sink = sink
        self.state = state
        self.progress = progress
        self.should_stop = should_stop
        self.result = SessionResult(state=state)
        # The order rules, shared with the connector framework; checkpoints are reported in bulk.
        self.protocol = CaptureProtocol(Role.RUNTIME)

    def run(self, open_request: Mapping[str, Any]) -> SessionResult:
        """Open the session and process it until the connector is done (or `should_stop` says so)."""
        proc = self.process
        self.protocol.send(open_request)
        proc.send(open_request)
        first = proc.read()
        if first is None:
            proc.finish()
            self.protocol.receive_end()  # raises: `opened` is owed
            return self.result
        self._receive(first)
        explicit_acks = Opened.from_flow_json(first["opened"]).explicit_acknowledgements
        tune_allocator()
        # Documents are acyclic and freed by reference counting; the cyclic collector would
        # rescan every buffered document over and over (it cuts throughput by 3-10x).
        collecting = gc.isenabled()
        gc.disable()
        try:
            self._loop(explicit_acks)
        finally:
            if collecting:
                gc.enable()
        return self.result

    def _receive(self, message: Any) -> None:
        """Feed one response to the protocol core; on a violation the connector is killed first."""
        try:
            self.protocol.receive(message)
        except ProtocolError:
            self.process.kill()
            raise

    def _loop(self, explicit_acks: bool) -> None:
        proc = self.process
        pending = Pending(len(self.targets), self.state, self._encode_docs, self._encode_texts)
        message_iter = None if proc.codec.value == "json" else proc.messages()
        while True:
            messages = self._next_block(pending, message_iter)
            if messages is None:
                break
            if messages:
                self._dispatch(messages, pending)
            pending.encode_batch()
            del messages  # the block's documents are journal lines now: free them before committing
            txn = pending.take()
            if txn is not None and self._commit(txn, explicit_acks):
                return
        proc.finish()

    def _next_block(self, pending: Pending, message_iter: Iterator[dict[str, Any]] | None) -> list[Any] | None:
        """Read one block: decoded straight into `pending` (returns []), or its messages as dicts; None at the end."""
        proc = self.process
        if message_iter is not None:
            one = next(message_iter, None)
            return None if one is None else [one]
        body = proc.read_body()
        if body is None:
            return None
        decoded = decode_block(body)
        if decoded is None:
            return proc.parse_body(body)
        proc.lines_read += len(decoded)
        self._take_decoded(decoded, body, pending)
        return []

    def _dispatch(self, messages: list[Any], pending: Pending) -> None:
        """The general path: messages as dicts, one by one."""
        push, seal = pending.push, pending.seal
        msg: Any = None
        try:
            for msg in messages:
                cap = msg.get("captured")
                if cap is not None:
                    push[cap.get("binding", 0)](cap["doc"])
                    continue
                cp = msg.get("checkpoint")
                if cp is not None:
                    seal(cp)
                    continue
                self._other(msg)
        except (KeyError, TypeError, AttributeError) as exc:
            proc = self.process
            if type(msg) is not dict:
                index = next(i for i, m in enumerate(messages) if m is msg)
                raise proc.not_an_object(proc.lines_read - len(messages) + index + 1, msg) from None
            raise self._malformed(msg, len(self.targets), exc) from None

    def _commit(self, txn: Transaction, explicit_acks: bool) -> bool:
        """Commit one transaction and acknowledge it; True when `should_stop` ends the session here."""
        proc, result = self.process, self.result
        self.protocol.receive_checkpoints(txn.checkpoints)
        self.sink.commit(txn)
        result.documents += txn.documents
        result.checkpoints += txn.checkpoints
        result.transactions += 1
        result.state = txn.state
        if self.progress is not None:
            self.progress.add_transaction(txn.counts, txn.checkpoints)
        if explicit_acks:
            acknowledge = Request(acknowledge=Acknowledge(checkpoints=txn.checkpoints))
            self.protocol.send(acknowledge)
            proc.send(acknowledge.to_flow_json())
        if self.stamper is not None:
            self.stamper.next_transaction()
        proc.touch()  # our own commit time is not the connector's silence
        if self.should_stop():
            result.stopped = True
            proc.kill()
            return True
        return False

    def _take_decoded(self, decoded: list[CaptureResponse], body: bytes, pending: Pending) -> None:
        """Dispatch a block decoded by `decode_block`; other variants take the general path one by one."""
        messages = _BlockMessages(decoded, body)
        push_text, seal = pending.push_text, pending.seal
        response: Any = None
        try:
            for response in decoded:
                cap = response.captured
                if cap is not None:
                    push_text[cap.binding](cap.doc)
                    continue
                if response.checkpoint:
                    cp = orjson.loads(memoryview(response.checkpoint))
                    if cp is not None:
                        seal(cp)
                        continue
                self._other(messages.of(response))
        except (KeyError, TypeError, AttributeError) as exc:
            raise self._malformed(messages.of(response), len(self.targets), exc) from None

    def _encode_docs(self, binding: int, docs: list[Any]) -> bytes:
        """Journal lines of parsed documents: validated, then stamped (the write schema describes them unstamped)."""
        self._validate(binding, docs)
        if self.stamper is not None:
            self.stamper.stamp(docs)
        return b"\n".join(map(orjson.dumps, docs)) + b"\n"

    def _encode_texts(self, binding: int, texts: list[Any]) -> bytes:
        """Journal lines of documents given as raw JSON texts: parsed in one call, validated, stamped."""
        docs = parse_json_texts(texts)
        self._validate(binding, docs)
        if self.stamper is None:
            return b"\n".join(texts) + b"\n"
        return self.stamper.journal_lines(docs, texts)

    def _validate(self, binding: int, docs: list[Any]) -> None:
        validator = self.targets[binding].validator
        bad = validator.first_invalid(docs)
        if bad is not None:
            self.process.kill()
            raise validator.error(bad)

    def _other(self, msg: Mapping[str, Any]) -> None:
        """Every message but captured/checkpoint: the protocol core checks it (order, variant, binding)."""
        self._receive(msg)

    def _malformed(self, msg: Any, nbind: int, exc: Exception) -> RemoteProtocolError:
        """Explain a message that broke the fast path."""
        self.process.kill()
        for kind in ("captured", "checkpoint"):
            body = msg.get(kind) if isinstance(msg, dict) else None
            if body is None:
                continue
            if not isinstance(body, dict):
                return RemoteProtocolError(f"`{kind}` must be an object, got {type(body).__name__}")
            if kind == "captured":
                binding = body.get("binding", 0)
                if not isinstance(binding, int) or isinstance(binding, bool) or not 0 <= binding < nbind:
                    return RemoteProtocolError(
                        f"`captured` names binding {binding!r}, but the capture has {nbind} binding(s) "
                        f"(0..{nbind - 1})",
                        fields={"binding": binding},
                    )
                if "doc" not in body:
                    return RemoteProtocolError("`captured` has no `doc`")
        return RemoteProtocolError(f"malformed response {describe(msg) if isinstance(msg, dict) else msg!r}: {exc!r}")


def open_request_with_state(open_request: Mapping[str, Any], state: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of an `open` request carrying another connector state."""
    body = dict(open_request["open"])
    body["state"] = dict(state)
    return {**open_request, "open": body}


def run_sessions(
    start: Callable[[], ConnectorProcess],
    open_request: Mapping[str, Any],
    targets: Sequence[Target],
    sink: Sink,
    *,
    state: dict[str, Any],
    sessions: int | None,
    interval_seconds: float = 0.0,
    progress: Progress | None = None,
    should_stop: Callable[[], bool] = lambda: False,
    stop_when_idle: bool = False,
    stamper: UuidStamper | None = None,
) -> SessionResult:
    """Run sessions one after another, each reopened with the reduced state; totals in the result.

    `sessions` None or 0 means no bound: sessions then follow each other `interval_seconds`
    apart, unless `stop_when_idle` ends the run at the first session that captured nothing.
    """
    total = SessionResult(state=state)
    count = 0
    while sessions is None or sessions <= 0 or count < sessions:
        if count and interval_seconds and not sessions and not stop_when_idle:
            time.sleep(interval_seconds)
        with start() as process:
            session = CaptureSession(
                process,
                targets,
                sink,
                state=total.state,
                progress=progress,
                should_stop=should_stop,
                stamper=stamper,
            )
            result = session.run(open_request_with_state(open_request, total.state))
            if progress is not None:
                progress.add_logs(process.warnings, process.errors)
        count += 1
        total.documents += result.documents
        total.checkpoints += result.checkpoints
        total.transactions += result.transactions
        total.state = result.state
        if progress is not None:
            progress.sessions = count
        if result.stopped:
            total.stopped = True
            break
        if stop_when_idle and result.documents == 0:
            break
        if should_stop():
            total.stopped = True
            break
    return total


# --------------------------------------------------------------------------------------
# Setting a capture up from a catalog, and the durable (journal + recovery log) sink.


def collection_lock(state_dir: str | Path, collection: str) -> contextlib.AbstractContextManager[None]:
    """Hold the lock of one collection's journal: one capture writes it at a time (fails at once if held)."""
    return exclusive_lock(
        Path(state_dir) / f"capture-{file_name(collection)}.lock",
        f"collection {collection!r} is being captured by another run over {state_dir}",
    )


def prepare(
    catalog: Catalog, name: str, start: Callable[[], ConnectorProcess], *, cache: Path | None = None
) -> tuple[dict[str, Any], list[Target]]:
    """Validate a catalog capture with its connector; return its `open` request and binding targets.

    With a `cache` file, an unchanged Validate request reuses the last Validated response
    (restarts skip a connector launch); any change to the capture validates again.
    """
    from flow_sdk.runtime.materialize.setup import cached_response, remember_response, request_digest

    request = specs.validate_request(catalog, name)
    digest = request_digest(request)
    validated = cached_response(cache, digest)
    if validated is None:
        validated = raw.unary(start, request)
        if cache is not None:
            remember_response(cache, digest, validated)
    paths = raw.validated_paths(validated, len(request["validate"].get("bindings") or []))
    spec = raw.task_spec(catalog, name, paths)
    return specs.open_request(catalog, name, spec=spec), targets_of(spec)


class DurableSink:
    """Appends each transaction's documents to collection journals, then commits offsets + state."""

    def __init__(
        self,
        state_dir: str | Path,
        task: str,
        targets: Sequence[Target],
        log: RecoveryLog,
        *,
        checkpoints: int = 0,
        transactions: int = 0,
        fsync: bool = False,
        progress: Progress | None = None,
    ) -> None:
        self.task = task
        self.log = log
        self.fsync = fsync
        self.progress = progress
        self.checkpoints = checkpoints
        self.transactions = transactions
        committed = log.offsets()
        self.writers: dict[str, JournalWriter] = {}
        self.binding_writers: list[JournalWriter] = []
        for target in targets:
            if target.collection not in self.writers:
                path = journal_path(state_dir, target.collection)
                self.writers[target.collection] = JournalWriter(path, committed.get(target.collection, 0))
            self.binding_writers.append(self.writers[target.collection])

    def commit(self, txn: Transaction) -> None:
        """Append, then commit atomically (see `recovery_log` for why this order is exact)."""
        for b, chunks in txn.chunks.items():
            data = b"".join(chunks)
            self.binding_writers[b].append(data)
            if self.progress is not None:
                self.progress.add_bytes(b, len(data))
        if self.fsync:
            for writer in self.writers.values():
                if writer.end != writer.committed:
                    writer.sync()
        self.checkpoints += txn.checkpoints
        self.transactions += 1
        offsets = {c: (w.path.name, w.end) for c, w in self.writers.items() if w.end != w.committed}
        self.log.commit(self.task, txn.state, self.checkpoints, self.transactions, offsets)
        for writer in self.writers.values():
            writer.mark_committed()

    def close(self) -> None:
        """Close the journal files."""
        for writer in self.writers.values():
            writer.close()


def run_capture(
    catalog: Catalog,
    name: str,
    state_dir: str | Path,
    *,
    sessions: int | None = 1,
    timeout: float | None = None,
    fsync: bool = False,
    show_progress: bool = True,
    progress: Progress | None = None,
    should_stop: Callable[[], bool] = lambda: False,
) -> tuple[SessionResult, Progress]:
    """`flow-sdk capture`: a durable capture run that resumes from the state directory.

    Journals are stamped with `/_meta/uuid`. `should_stop` is asked after each commit and
    between sessions (e.g. a SIGTERM flag: stop at a transaction boundary). Captures of disjoint
    collections may run concurrently over one directory; each collection has one writer.
    """
    start = raw.starter(catalog, name, timeout=timeout)
    cache = Path(state_dir) / f"capture-{quote(name, safe='')}.spec"
    open_request, targets = prepare(catalog, name, start, cache=cache)
    if progress is None:
        progress = Progress(f"capture {name}", [t.collection for t in targets], enabled=show_progress)
    with contextlib.ExitStack() as locks:
        for collection in sorted({t.collection for t in targets}):
            locks.enter_context(collection_lock(state_dir, collection))
        log = RecoveryLog(state_dir)
        try:
            state, checkpoints, transactions = log.state(name)
            sink = DurableSink(
                state_dir,
                name,
                targets,
                log,
                checkpoints=checkpoints,
                transactions=transactions,
                fsync=fsync,
                progress=progress,
            )
            try:
                result = run_sessions(
                    start,
                    open_request,
                    targets,
                    sink,
                    state=state,
                    sessions=sessions,
                    interval_seconds=catalog.capture(name).interval_seconds,
                    progress=progress,
                    should_stop=should_stop,
                    stamper=UuidStamper(),
                )
            finally:
                sink.close()
        finally:
            log.close()
    return result, progress
