"""The streams layer: write "fetch these documents", and the SDK keeps state and checkpoints.

A `Stream` is one resource of the source. It can be captured as a full refresh (`snapshot`:
every document, each run, framed by backfillBegin/backfillComplete) and, when it names a
`cursor_field`, incrementally (`incremental(cursor)`: documents whose cursor is greater than
the last committed one, in non-decreasing cursor order). `StreamsConnector` serves discover,
validate and open for a list of streams: per-binding state under the binding's `stateKey` in
`{"bindingStateV1": {...}}`, merge-patch checkpoints only at cursor boundaries, one thread per
binding.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from itertools import islice
from typing import Any, ClassVar, Literal

import orjson
import pydantic

from ..config import ConfigModel
from ..errors import ConfigError, ConnectorError
from ..flow import CaptureSpec
from ..state import binding_patch, binding_states, stale_keys_patch, state_key
from ..stdio import Codec
from . import request as rq
from . import response as rs
from .connector import Connector
from .session import Outbox, Session, Stopped, outbox_of

SyncMode = Literal["incremental", "full_refresh"]
_SUFFIX = b"}}\n"


class KeyMarker:
    """Marks a pydantic field as part of the collection key: `id: Annotated[int, Key]`."""

    def __repr__(self) -> str:
        return "Key"


Key = KeyMarker()


def key_pointers(model: type[pydantic.BaseModel]) -> list[str]:
    """JSON pointers of the fields of `model` annotated with `Key`, in declaration order."""
    return [
        "/" + (field.alias or name)
        for name, field in model.model_fields.items()
        if any(item is Key for item in field.metadata)
    ]


def document_schema(model: type[pydantic.BaseModel]) -> dict[str, Any]:
    """The JSON schema of documents shaped like `model`, as used for discovery."""
    return model.model_json_schema(by_alias=True, mode="serialization")


class Stream:
    """One resource of a source. Override `snapshot` and/or set `cursor_field` and override `incremental`.

    Documents are plain dicts (serialized with orjson, never validated per document).
    """

    # Set these on the class or per instance.
    name: str = ""
    # The document's pydantic model: gives discovery its documentSchema and key.
    document_model: type[pydantic.BaseModel] | None = None
    # Explicit key pointers; when empty, derived from `Key`-annotated fields of `document_model`.
    key: Sequence[str] = ()
    # Top-level field whose value only grows; set it to make the stream incremental.
    cursor_field: str | None = None

    def snapshot(self) -> Iterable[dict[str, Any]]:
        """Every document of the resource (full refresh). Defaults to `incremental(None)`."""
        if self.cursor_field is None:
            raise NotImplementedError(f"stream {self.name!r} implements neither snapshot nor incremental")
        return self.incremental(None)

    def incremental(self, cursor: Any | None) -> Iterable[dict[str, Any]]:
        """Documents with a cursor greater than `cursor` (all of them for None), in non-decreasing cursor order."""
        raise NotImplementedError(f"stream {self.name!r} is not incremental")

    def check_cursor(self, cursor: Any) -> None:
        """Raise ValueError if a cursor restored from state has the wrong type for this stream."""
        if self.document_model is None or self.cursor_field is None:
            return
        field = self.document_model.model_fields.get(self.cursor_field)
        if field is not None and field.annotation is not None:
            pydantic.TypeAdapter(field.annotation).validate_python(cursor, strict=True)

    def sync_modes(self) -> list[SyncMode]:
        """The sync modes this stream supports."""
        return ["incremental", "full_refresh"] if self.cursor_field else ["full_refresh"]

    def discovered_key(self) -> list[str]:
        """The collection key for discovery."""
        if self.key:
            return list(self.key)
        if self.document_model is not None:
            found = key_pointers(self.document_model)
            if found:
                return found
        raise ConnectorError(f"stream {self.name!r} declares no key (set `key` or annotate fields with Key)")

    def discovered_schema(self) -> dict[str, Any]:
        """The documentSchema for discovery."""
        if self.document_model is not None:
            return document_schema(self.document_model)
        return {"type": "object", "required": [p.lstrip("/") for p in self.discovered_key()]}


def _no_description(schema: dict[str, Any]) -> None:
    # The model's docstring is for developers; the advertised schema carries titles and field help.
    schema.pop("description", None)


class StreamResource(ConfigModel):
    """The resource config of a `StreamsConnector` binding: which stream, and how to capture it."""

    # Keys beyond these are tolerated (and ignored), as the hand-written schema before this model did.
    model_config = pydantic.ConfigDict(title="Stream", extra="ignore", json_schema_extra=_no_description)

    stream: str = pydantic.Field(title="Stream", description="Name of the stream to capture.")
    sync_mode: SyncMode = pydantic.Field(
        alias="syncMode",
        title="Sync Mode",
        description="incremental: only new records, by cursor; full_refresh: a whole snapshot.",
    )
    namespace: str = pydantic.Field("", title="Namespace", description="Namespace of the stream, if any.")
    cursor_field: list[str] = pydantic.Field(
        default_factory=list,
        alias="cursorField",
        title="Cursor Field",
        description="Field the incremental mode orders and resumes by.",
    )


class BindingPlan:
    """What one bound stream does in this session."""

    def __init__(self, index: int, stream: Stream, mode: SyncMode, state_key: str, state: dict[str, Any]) -> None:
        self.index = index
        self.stream = stream
        self.mode = mode
        self.state_key = state_key
        self.state = state


_STATE_KEYS: dict[SyncMode, frozenset[str]] = {
    "incremental": frozenset({"cursor"}),
    "full_refresh": frozenset({"snapshots"}),
}


class Plan:
    """What `StreamsConnector.prepare_open` decided, handed to `open`: the bindings and a stale-state patch."""

    def __init__(self, bindings: list[BindingPlan], stale: dict[str, Any] | None) -> None:
        self.bindings = bindings
        self.stale = stale


def _state_key(binding: CaptureSpec.Binding) -> str:
    # Older specs have no stateKey: Flow's rule computes it from resource path and backfill.
    return binding.state_key or state_key(binding.resource_path, binding.backfill)


class StreamsConnector(Connector):
    """A capture made of `Stream`s; override `streams(config)`.

    Bindings use the `StreamResource` resource config. Tuning: a unit (documents + checkpoint)
    closes after `checkpoint_every` documents or about `checkpoint_bytes` bytes, at the next
    cursor boundary.
    """

    resource_model: ClassVar[type[ConfigModel] | None] = StreamResource
    resource_path_pointers: ClassVar[list[str]] = ["/stream"]
    checkpoint_every: int = 5000
    checkpoint_bytes: int = 1 << 20

    def streams(self, config: Any) -> Sequence[Stream]:
        """The streams of this source for `config`."""
        raise NotImplementedError

    def discover(self, config: Any, request: rq.Discover) -> rs.Discovered:
        """One binding per stream, incremental where the stream supports it."""
        out = []
        for stream in self.streams(config):
            resource: dict[str, Any] = {"stream": stream.name, "syncMode": stream.sync_modes()[0]}
            if stream.cursor_field:
                resource["cursorField"] = [stream.cursor_field]
            out.append(
                rs.Discovered.Binding(
                    recommended_name=stream.name,
                    resource_config=resource,
                    document_schema=stream.discovered_schema(),
                    key=stream.discovered_key(),
                    resource_path=self.resource_path(resource),
                )
            )
        return rs.Discovered(bindings=out)

    def validate(self, config: Any, request: rq.Validate) -> rs.Validated:
        """Check every binding names a known stream in a mode it supports."""
        by_name = {s.name: s for s in self.streams(config)}
        paths = []
        for index, binding in enumerate(request.bindings):
            resource = self.resource(binding, index, request.linked_collections)
            self._resolve(by_name, index, resource)
            paths.append(rs.Validated.Binding(resource_path=self.resource_path(resource)))
        return rs.Validated(bindings=paths)

    def _resolve(self, by_name: Mapping[str, Stream], index: int, resource: StreamResource) -> tuple[Stream, SyncMode]:
        name = resource.stream
        stream = by_name.get(name)
        if stream is None:
            raise ConfigError(f"binding {index}: unknown stream {name!r} (known: {', '.join(sorted(by_name))})")
        mode = resource.sync_mode
        if mode not in stream.sync_modes():
            raise ConfigError(f"binding {index}: stream {name!r} does not support syncMode {mode!r}")
        cursor = resource.cursor_field
        if mode == "incremental" and cursor and cursor != [stream.cursor_field]:
            raise ConfigError(
                f"binding {index}: stream {name!r} can only use cursorField [{stream.cursor_field!r}], not {cursor!r}"
            )
        return stream, mode

    def prepare_open(self, config: Any, request: rq.Open) -> Plan:
        """Match bindings to streams and their restored state before `opened`; `open` receives the plan."""
        state = request.state or {}
        by_key = binding_states(state)
        by_name = {s.name: s for s in self.streams(config)}
        capture = request.capture or CaptureSpec()
        plans = []
        for index, resource in enumerate(self.resources(capture)):
            stream, mode = self._resolve(by_name, index, resource)
            key = _state_key(capture.bindings[index])
            restored = dict(by_key.get(key) or {})
            self._check_state(index, key, stream, mode, restored)
            plans.append(BindingPlan(index, stream, mode, key, restored))
        return Plan(plans, stale_keys_patch(state, [p.state_key for p in plans]))

    def _check_state(self, index: int, key: str, stream: Stream, mode: SyncMode, state: dict[str, Any]) -> None:
        unexpected = set(state) - _STATE_KEYS[mode]
        if unexpected:
            raise ConfigError(
                f"binding {index} (stream {stream.name!r}, stateKey {key!r}): state does not match a {mode} "
                f"stream: unexpected {', '.join(sorted(unexpected))} (expected only "
                f"{', '.join(sorted(_STATE_KEYS[mode]))}); backfill the binding to start over"
            )
        if mode == "incremental" and state.get("cursor") is not None:
            try:
                stream.check_cursor(state["cursor"])
            except (ValueError, TypeError) as exc:
                raise ConfigError(
                    f"binding {index} (stream {stream.name!r}, stateKey {key!r}): state cursor "
                    f"{state['cursor']!r} does not match the stream's cursor type: "
                    f"{str(exc).splitlines()[0]}"
                ) from None
        if mode == "full_refresh" and not isinstance(state.get("snapshots", 0), int):
            raise ConfigError(
                f"binding {index} (stream {stream.name!r}, stateKey {key!r}): state snapshots "
                f"must be an integer, got {state['snapshots']!r}"
            )

    def open(self, config: Any, request: rq.Open, session: Session, prepared: Plan) -> None:
        """Run every binding of the plan on its own thread; return when all finished."""
        outbox = outbox_of(session)
        if prepared.stale is not None:
            session.checkpoint(prepared.stale)
        failures: list[BaseException] = []
        threads = [
            threading.Thread(
                target=self._run_binding, args=(outbox, plan, failures), name=f"binding-{plan.index}", daemon=True
            )
            for plan in prepared.bindings
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        if failures:
            raise failures[0]
        if session.stopping:
            raise Stopped(session.stop_reason or "stopping")

    def _run_binding(self, outbox: Outbox, plan: BindingPlan, failures: list[BaseException]) -> None:
        try:
            if plan.mode == "incremental":
                run_incremental(outbox, plan, self.checkpoint_every, self.checkpoint_bytes)
            else:
                run_full_refresh(outbox, plan, self.checkpoint_every, self.checkpoint_bytes)
        except Stopped:
            pass
        except BaseException as exc:
            failures.append(exc)
            outbox.fail(exc)


def _next_limit(every: int, max_bytes: int, unit_bytes: int, docs: int) -> int:
    # Estimate the documents that fit `max_bytes` from the last unit, so the hot loop only counts.
    if docs <= 0 or unit_bytes <= 0:
        return every
    return max(1, min(every, max_bytes * docs // unit_bytes))


# Documents are pulled in small batches: big enough that framing runs in C loops, small enough
# (well under the GC's 700-allocation threshold) that live batches do not trigger collections.
BATCH = 200


def _framer(outbox: Outbox, index: int) -> Callable[[list[Any]], bytes]:
    """Frames a batch of documents as `captured` lines of binding `index`."""
    if outbox.codec is not Codec.JSON:
        encode = outbox.encode_captured
        return lambda docs: b"".join(encode(index, doc) for doc in docs)
    prefix = b'{"captured":{"binding":%d,"doc":' % index
    separator = _SUFFIX + prefix
    dumps = orjson.dumps
    return lambda docs: prefix + separator.join(map(dumps, docs)) + _SUFFIX


def _join(parts: list[bytes]) -> bytearray:
    # One copy per unit: appending batches to a growing bytearray reallocates it again and again.
    return bytearray().join(parts)


def run_incremental(outbox: Outbox, plan: BindingPlan, every: int, max_bytes: int) -> None:
    """Capture one incremental binding, checkpointing only where the cursor value changes."""
    stream, index, key = plan.stream, plan.index, plan.state_key
    field = stream.cursor_field
    assert field is not None
    committed = plan.state.get("cursor")
    frame = _framer(outbox, index)
    source: Iterator[Any] = iter(stream.incremental(committed))
    pending: list[Any] = []  # the document that ended the previous unit (its cursor is new)
    limit, count = every, 0
    parts: list[bytes] = []
    first: Any = None
    last: Any = None
    while True:
        docs = pending + list(islice(source, BATCH - len(pending)))
        pending = []
        if docs:
            if count == 0:
                first = docs[0][field]
            parts.append(frame(docs))
            count += len(docs)
            last = docs[-1][field]
            if count < limit:
                continue
            # Extend the unit to the end of its cursor value: never checkpoint between equal cursors.
            for doc in source:
                if doc[field] != last:
                    pending = [doc]
                    break
                parts.append(frame([doc]))
                count += 1
        if count:
            if (committed is not None and not first > committed) or last < first:
                raise ConnectorError(
                    f"stream {stream.name!r}: cursor {field!r} is not increasing "
                    f"(unit {first!r}..{last!r} after committed {committed!r})"
                )
            unit = _join(parts)
            limit = _next_limit(every, max_bytes, len(unit), count)
            outbox.commit(unit, binding_patch(key, {"cursor": last}))
            committed, parts, count = last, [], 0
        if not docs:
            return


def run_full_refresh(outbox: Outbox, plan: BindingPlan, every: int, max_bytes: int) -> None:
    """Capture one full-refresh binding: backfillBegin, the snapshot in units, backfillComplete."""
    index = plan.index
    outbox.commit(bytearray(outbox.encode({"backfillBegin": {"binding": index}})), {})
    frame = _framer(outbox, index)
    source = iter(plan.stream.snapshot())
    limit, count = every, 0
    parts: list[bytes] = []
    while True:
        docs = list(islice(source, BATCH))
        if docs:
            parts.append(frame(docs))
            count += len(docs)
        if count >= limit or (count and not docs):
            unit = _join(parts)
            limit = _next_limit(every, max_bytes, len(unit), count)
            # Snapshot units carry no state: a restart begins a new snapshot.
            outbox.commit(unit, {})
            parts, count = [], 0
        if not docs:
            break
    done = int(plan.state.get("snapshots", 0)) + 1
    complete = bytearray(outbox.encode({"backfillComplete": {"binding": index}}))
    outbox.commit(complete, binding_patch(plan.state_key, {"snapshots": done}))
