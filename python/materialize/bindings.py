"""A connector-friendly view of a MaterializationSpec's bindings (Flow JSON form in, dataclasses out)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .fields import Column, columns, resolve_collection


@dataclass(frozen=True, slots=True)
class Binding:
    """One binding of an opened/applied materialization, with its columns resolved."""

    index: int
    resource_config: Mapping[str, Any]
    resource_path: list[str]
    collection: Mapping[str, Any]
    field_selection: Mapping[str, Any]
    delta_updates: bool
    columns: list[Column]

    @property
    def collection_name(self) -> str:
        """The bound collection's name."""
        return str(self.collection.get("name", ""))


def bindings_of(materialization: Mapping[str, Any]) -> list[Binding]:
    """The bindings of a MaterializationSpec dict, in order (inlined or linked collections)."""
    linked = materialization.get("linkedCollections") or None
    out: list[Binding] = []
    for index, b in enumerate(materialization.get("bindings") or []):
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
            )
        )
    return out
