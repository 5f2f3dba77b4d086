"""Airbyte state (STREAM, GLOBAL, LEGACY) kept in a Flow connector state, and restored from it.

Layout of the Flow connector state:

* `bindingStateV1/<stateKey>`: `{"streamState": <the stream's Airbyte state>, "rowId": <next row id>}`.
  A binding whose backfill counter is raised gets a new state key, so it starts afresh.
* `airbyteGlobal`: `{"shared_state": ...}` once the source checkpoints with GLOBAL state; the
  per-stream parts of a GLOBAL state live under each binding as above.
* `airbyteLegacy`: the `data` of the last LEGACY state.

Every change is checkpointed as an RFC 7396 merge patch holding only what changed. A merge patch
cannot store a JSON null, so a null inside an Airbyte state restores as an absent property.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from flow_sdk.state import BINDING_STATE, binding_states, stale_keys_patch

GLOBAL = "airbyteGlobal"
LEGACY = "airbyteLegacy"
STREAM_STATE = "streamState"
ROW_ID = "rowId"


@dataclass(frozen=True)
class BoundStream:
    """What the shim knows of one binding of an `open` request."""

    index: int
    stream: str
    namespace: str | None
    state_key: str
    incremental: bool
    fallback_key: bool


def diff_patch(old: Any, new: Any) -> Any:
    """The RFC 7396 merge patch turning `old` into `new` (only what changed; removed properties as null)."""
    if not isinstance(new, dict) or not isinstance(old, dict):
        return new
    patch: dict[str, Any] = {key: None for key in old if key not in new}
    for key, value in new.items():
        if key not in old:
            patch[key] = value
        elif old[key] != value:
            patch[key] = (
                diff_patch(old[key], value) if isinstance(value, dict) and isinstance(old[key], dict) else value
            )
    return patch


def _descriptor(bound: BoundStream) -> dict[str, Any]:
    descriptor: dict[str, Any] = {"name": bound.stream}
    if bound.namespace:
        descriptor["namespace"] = bound.namespace
    return descriptor


def _stream_state(bound: BoundStream, stream_state: Any) -> dict[str, Any]:
    return {"stream_descriptor": _descriptor(bound), "stream_state": stream_state}


def airbyte_input_state(state: Any, bound: Sequence[BoundStream]) -> list[dict[str, Any]]:
    """The Airbyte state messages (`--state` list) that resume the streams of `bound` from a Flow state."""
    per_key = binding_states(state)
    stream_states = [
        (b, per_key[b.state_key][STREAM_STATE])
        for b in bound
        if b.incremental and STREAM_STATE in per_key.get(b.state_key, {})
    ]
    if isinstance(state, dict) and isinstance(state.get(LEGACY), dict | list):
        data = state[LEGACY]
        if isinstance(data, dict):
            # A stream reset by a raised backfill counter has no entry under its (new) state key.
            fresh = {b.stream for b in bound if b.state_key not in per_key or not b.incremental}
            data = {name: value for name, value in data.items() if name not in fresh}
        return [{"type": "LEGACY", "data": data}]
    if isinstance(state, dict) and isinstance(state.get(GLOBAL), dict):
        return [
            {
                "type": "GLOBAL",
                "global": {
                    "shared_state": state[GLOBAL].get("shared_state"),
                    "stream_states": [
                        {"stream_descriptor": _descriptor(b), "stream_state": s} for b, s in stream_states
                    ],
                },
            }
        ]
    return [
        {"type": "STREAM", "stream": {"stream_descriptor": _descriptor(b), "stream_state": s}} for b, s in stream_states
    ]


class StateBook:
    """The Airbyte state the shim has checkpointed so far, and the merge patches that record each change."""

    def __init__(self, state: Any, bound: Sequence[BoundStream]) -> None:
        per_key = binding_states(state)
        self._bound = list(bound)
        self.stream_states: dict[int, Any] = {
            b.index: per_key[b.state_key][STREAM_STATE]
            for b in bound
            if b.incremental and STREAM_STATE in per_key.get(b.state_key, {})
        }
        self.row_ids: dict[int, int] = {
            b.index: int(per_key.get(b.state_key, {}).get(ROW_ID, 0)) if b.incremental else 0 for b in bound
        }
        self.committed_rows = dict(self.row_ids)
        whole = state if isinstance(state, dict) else {}
        self.global_state: Any = whole.get(GLOBAL)
        self.legacy: Any = whole.get(LEGACY)
        self.stale = stale_keys_patch(state, [b.state_key for b in bound])

    def _entry(
        self, bound: BoundStream, rows: Mapping[int, int], new_state: Any = None, has_state: bool = False
    ) -> Any:
        entry: dict[str, Any] = {}
        if has_state:
            old = self.stream_states.get(bound.index)
            if bound.index not in self.stream_states or old != new_state:
                entry[STREAM_STATE] = new_state if old is None else diff_patch(old, new_state)
            self.stream_states[bound.index] = new_state
        if rows[bound.index] != self.committed_rows[bound.index]:
            entry[ROW_ID] = rows[bound.index]
            self.committed_rows[bound.index] = rows[bound.index]
        return entry

    def stream_patch(self, bound: BoundStream, stream_state: Any) -> dict[str, Any]:
        """The patch of a STREAM state of one binding (which commits that binding's records)."""
        entry = self._entry(bound, self.row_ids, stream_state, True)
        return {BINDING_STATE: {bound.state_key: entry}}

    def rows_patch(self, indices: Sequence[int]) -> dict[str, Any]:
        """The patch recording the row counters of `indices` (when their records commit with no state)."""
        by_index = {b.index: b for b in self._bound}
        entries = {by_index[i].state_key: self._entry(by_index[i], self.row_ids) for i in indices}
        return {BINDING_STATE: {k: v for k, v in entries.items() if v}}

    def global_patch(self, shared_state: Any, stream_states: Mapping[int, Any]) -> dict[str, Any]:
        """The patch of a GLOBAL state (commits every binding's records)."""
        new_global = {"shared_state": shared_state}
        patch: dict[str, Any] = {GLOBAL: diff_patch(self.global_state, new_global) if self.global_state else new_global}
        self.global_state = new_global
        entries = {}
        for b in self._bound:
            has = b.index in stream_states
            entries[b.state_key] = self._entry(b, self.row_ids, stream_states.get(b.index), has)
        patch[BINDING_STATE] = entries
        return patch

    def legacy_patch(self, data: Any) -> dict[str, Any]:
        """The patch of a LEGACY state (commits every binding's records)."""
        patch: dict[str, Any] = {LEGACY: data if self.legacy is None else diff_patch(self.legacy, data)}
        self.legacy = data
        # An entry (possibly empty) marks each binding as covered by the legacy state.
        patch[BINDING_STATE] = {b.state_key: self._entry(b, self.row_ids) for b in self._bound}
        return patch
