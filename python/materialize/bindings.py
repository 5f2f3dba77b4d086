"""Connector-friendly views of a materialization's bindings: typed requests in, one dataclass per binding out.

`bindings_of` reads a MaterializationSpec (of `apply` or `open`), `proposed_bindings` a `validate`
request. Both resolve each binding's collection (inline or linked) with `resolve_collection`, once,
into Flow JSON form (what the column and constraint helpers read).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..flow import MaterializationSpec
from .fields import Column, collection_json, columns, resolve_collection
from .request import Validate


@dataclass(frozen=True, slots=True)
class Binding:
    """One binding of an applied or opened materialization, with its columns resolved."""

    index: int
    resource_config: Mapping[str, Any]
    resource_path: list[str]
    collection: Mapping[str, Any]
    field_selection: Mapping[str, Any]
    delta_updates: bool
    columns: list[Column]
    backfill: int = 0

    @property
    def collection_name(self) -> str:
        """The bound collection's name."""
        return str(self.collection.get("name", ""))


@dataclass(frozen=True, slots=True)
class ProposedBinding:
    """One binding of a `validate` request: a collection and the resource config proposed for it."""

    index: int
    resource_config: Mapping[str, Any]
    collection: Mapping[str, Any]
    group_by: list[str]
    backfill: int

    @property
    def collection_name(self) -> str:
        """The bound collection's name."""
        return str(self.collection.get("name", ""))


def bindings_of(materialization: MaterializationSpec | Mapping[str, Any] | None) -> list[Binding]:
    """The bindings of a MaterializationSpec (typed, or a Flow JSON dict), in order."""
    if materialization is None:
        return []
    spec = materialization if isinstance(materialization, Mapping) else materialization.to_flow_json()
    linked = spec.get("linkedCollections") or None
    out: list[Binding] = []
    for index, b in enumerate(spec.get("bindings") or []):
        collection = resolve_collection(b, linked)
        selection = b.get("fieldSelection") or {}
        out.append(
            Binding(
                index=index,
                resource_config=b.get("resourceConfig") or {},
                resource_path=list(b.get("resourcePath") or []),
                collection=collection,
                field_selection=selection,
                delta_updates=bool(b.get("deltaUpdates")),
                columns=columns(selection, collection),
                backfill=int(b.get("backfill", 0)),
            )
        )
    return out


def proposed_bindings(request: Validate) -> list[ProposedBinding]:
    """The bindings of a `validate` request, in order."""
    return [
        ProposedBinding(
            index=index,
            resource_config=b.resource_config or {},
            collection=collection_json(resolve_collection(b, request.linked_collections)),
            group_by=list(b.group_by),
            backfill=b.backfill,
        )
        for index, b in enumerate(request.bindings)
    ]
