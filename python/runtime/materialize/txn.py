"""Sans-I/O pieces of the materialization runtime: response order checks and per-binding plans.

`ResponseOrder` tracks what the runtime sent (`sent`) and checks every connector response
(`received`) against it, raising a ProtocolError that names what was expected and what came:

* `opened` answers `open`, once;
* `acknowledged` answers an outstanding `acknowledge` (at most one per acknowledge sent);
* `loaded` only between the transaction's first request and `flushed`, and only once the
  connector acknowledged the previous commit; for a non-delta binding in range;
* `flushed` answers `flush`; `startedCommit` answers `startCommit`.

`BindingPlan` knows how to pull a binding's key and value fields out of a document.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Any

from flow_sdk.errors import ConfigError, ProtocolError
from flow_sdk.json_pointer import lookup
from flow_sdk.json_pointer import parse as parse_pointer
from flow_sdk.runtime.documents.combine import Combiner

RESPONSES = ("opened", "loaded", "flushed", "startedCommit", "acknowledged")


class Phase(Enum):
    """Where the runtime is in the session."""

    OPENING = "opening"  # open sent, opened owed
    IDLE = "idle"  # between transactions (after opened / startedCommit)
    LOADING = "loading"  # the transaction started: loads may be sent
    FLUSHING = "flushing"  # flush sent: loaded..., then flushed owed
    STORING = "storing"  # flushed received: stores may be sent
    COMMITTING = "committing"  # startCommit sent: startedCommit owed


_OWED = {
    Phase.OPENING: "opened",
    Phase.IDLE: "acknowledged",
    Phase.LOADING: "loaded or acknowledged",
    Phase.FLUSHING: "loaded or flushed",
    Phase.STORING: "nothing (stores are being sent)",
    Phase.COMMITTING: "startedCommit",
}


def response_kind(msg: Mapping[str, Any]) -> str:
    """The one variant a response sets, or a ProtocolError."""
    found = [k for k, v in msg.items() if v is not None and k != "$internal"]
    if len(found) != 1:
        raise ProtocolError(
            f"a response must set exactly one variant, got {found or 'none'}",
            expected="one of " + ", ".join(RESPONSES),
            received=", ".join(found) or "an empty message",
        )
    return found[0]


class ResponseOrder:
    """The materialize protocol's order, from the runtime's side."""

    def __init__(self, delta_updates: Sequence[bool]) -> None:
        self.delta = list(delta_updates)
        self.phase = Phase.OPENING
        self.acks_owed = 0

    def sent(self, kind: str) -> None:
        """Note a request the runtime wrote (open, acknowledge, flush, startCommit)."""
        if kind == "acknowledge":
            self.acks_owed += 1
            if self.phase is Phase.IDLE:
                self.phase = Phase.LOADING
        elif kind == "flush":
            assert self.phase is Phase.LOADING, self.phase
            self.phase = Phase.FLUSHING
        elif kind == "startCommit":
            assert self.phase is Phase.STORING, self.phase
            self.phase = Phase.COMMITTING
        elif kind == "open":
            self.phase = Phase.OPENING

    def _wrong(self, kind: str, why: str = "") -> ProtocolError:
        expected = _OWED[self.phase]
        if self.acks_owed and "acknowledged" not in expected:
            expected += " or acknowledged"
        return ProtocolError(
            f"connector sent `{kind}` {why or 'out of order'} (runtime phase: {self.phase.value})",
            expected=expected,
            received=kind,
        )

    def received(self, msg: Mapping[str, Any]) -> tuple[str, Any]:
        """Check one response; return (kind, body)."""
        kind = response_kind(msg)
        body = msg[kind]
        if not isinstance(body, dict):
            raise ProtocolError(f"`{kind}` must be an object, got {type(body).__name__}", received=kind)
        phase = self.phase
        if kind == "acknowledged":
            if self.acks_owed <= 0:
                raise self._wrong(kind, "without an outstanding acknowledge")
            self.acks_owed -= 1
        elif kind == "loaded":
            if phase not in (Phase.LOADING, Phase.FLUSHING):
                raise self._wrong(kind, "outside of the load phase" if phase is not Phase.OPENING else "")
            if self.acks_owed:
                raise self._wrong(kind, "before acknowledging the previous commit")
            binding = body.get("binding", 0)
            if type(binding) is not int or not 0 <= binding < len(self.delta):
                raise ProtocolError(
                    f"`loaded` names binding {binding!r}, but the materialization has {len(self.delta)} binding(s)",
                    expected=f"a binding in 0..{len(self.delta) - 1}",
                    received=repr(binding),
                )
            if self.delta[binding]:
                raise ProtocolError(
                    f"`loaded` for binding {binding}, which is in delta-updates mode (never loaded)",
                    expected="loaded for a standard-updates binding",
                    received=f"binding {binding}",
                )
            if "doc" not in body:
                raise ProtocolError("`loaded` has no `doc`", expected="loaded.doc", received="loaded")
        elif kind == "opened":
            if phase is not Phase.OPENING:
                raise self._wrong(kind, "twice")
            self.phase = Phase.IDLE
        elif kind == "flushed":
            if phase is not Phase.FLUSHING:
                raise self._wrong(kind, "without a flush")
            self.phase = Phase.STORING
        elif kind == "startedCommit":
            if phase is not Phase.COMMITTING:
                raise self._wrong(kind, "without a startCommit")
            self.phase = Phase.IDLE
        else:
            raise ProtocolError(
                f"response `{kind}` is not valid during a materialization session",
                expected=_OWED[phase],
                received=kind,
            )
        return kind, body


@dataclass
class BindingPlan:
    """One binding: its collection, selected fields as parsed pointers, and its combiner."""

    index: int
    collection: str
    delta_updates: bool
    key_fields: list[str]
    value_fields: list[str]
    key_pointers: list[str]
    value_tokens: list[tuple[str, ...]]
    schema: Any

    def combiner(self) -> Combiner:
        """A fresh combiner over this binding's group-by key."""
        return Combiner(self.key_pointers, self.schema)

    def values(self, doc: Any) -> list[Any]:
        """The binding's value fields of a document (null where absent)."""
        out = []
        for tokens in self.value_tokens:
            out.append(lookup(doc, tokens))
        return out


def binding_plans(spec: Mapping[str, Any]) -> list[BindingPlan]:
    """The plans of a MaterializationSpec's bindings (Flow JSON form, inline or linked collections)."""
    linked = spec.get("linkedCollections") or []
    plans = []
    for index, b in enumerate(spec.get("bindings") or []):
        collection = b.get("collection")
        if collection is None:
            collection = linked[b.get("collectionIndex", 0)]
        ptrs = {p["field"]: p.get("ptr", "") for p in collection.get("projections") or []}
        selection = b.get("fieldSelection") or {}
        keys = list(selection.get("keys") or [])
        values = list(selection.get("values") or [])
        missing = [f for f in keys + values if f not in ptrs]
        if missing:
            raise ConfigError(f"binding {index}: collection {collection['name']!r} has no field {missing[0]!r}")
        # Reductions are annotated in the write schema (the read schema may bundle inferred refs).
        schema = collection.get("writeSchema") or collection.get("readSchema")
        plans.append(
            BindingPlan(
                index=index,
                collection=collection["name"],
                delta_updates=bool(b.get("deltaUpdates")),
                key_fields=keys,
                value_fields=values,
                key_pointers=[ptrs[f] for f in keys],
                value_tokens=[parse_pointer(ptrs[f]) for f in values],
                schema=schema,
            )
        )
    return plans


def is_deletion(doc: Any) -> bool:
    """Whether a document is a deletion tombstone (`/_meta/op` is "d")."""
    if type(doc) is not dict:
        return False
    meta = doc.get("_meta")
    return type(meta) is dict and meta.get("op") == "d"
