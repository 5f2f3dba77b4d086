"""Sans-I/O pieces of the materialization runtime: per-binding plans.

`BindingPlan` knows how to pull a binding's key and value fields out of a document. (The order of
requests and responses is checked by `flow_sdk.protocol.materialize`, in the runtime's role.)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flow_sdk.errors import ConfigError
from flow_sdk.json_pointer import lookup
from flow_sdk.json_pointer import parse as parse_pointer
from flow_sdk.materialize.fields import resolve_collection
from flow_sdk.runtime.documents.combine import Combiner


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
        collection = resolve_collection(b, linked)
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
