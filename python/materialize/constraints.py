"""Validate-time constraints: which projections a destination requires, allows, forbids or can't take.

`validated` bindings carry `projectionConstraints: [{field, constraint: {type, reason}}]`;
projections not listed are implicitly forbidden, and a field may be listed twice (e.g.
FIELD_REQUIRED and INCOMPATIBLE: the binding needs a backfill).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from ..flow import CollectionSpec
from .fields import TypeMap, collection_json, field_type
from .response import Validated


class ConstraintType(StrEnum):
    """Flow's constraint types (enum names as they appear in JSON)."""

    FIELD_REQUIRED = "FIELD_REQUIRED"
    LOCATION_REQUIRED = "LOCATION_REQUIRED"
    LOCATION_RECOMMENDED = "LOCATION_RECOMMENDED"
    FIELD_OPTIONAL = "FIELD_OPTIONAL"
    FIELD_FORBIDDEN = "FIELD_FORBIDDEN"
    INCOMPATIBLE = "INCOMPATIBLE"


@dataclass(frozen=True, slots=True)
class ExistingColumn:
    """A column that already exists at the destination for a field (e.g. from a prior apply)."""

    type: str
    nullable: bool = True


# Whether a projection may be stored into an existing column; given the new destination type
# (already mapped) and the existing column. The default: same type, and nullable if the new one is.
Compatible = Callable[[Mapping[str, Any], str, ExistingColumn], bool]


def same_type(projection: Mapping[str, Any], new_type: str, existing: ExistingColumn) -> bool:
    """The default compatibility rule: identical type; a NOT NULL column can't take nullable values."""
    return new_type == existing.type and (existing.nullable or not field_type(projection).nullable)


def constraint(field: str, kind: ConstraintType, reason: str) -> dict[str, Any]:
    """One `projectionConstraints` entry in Flow JSON form."""
    return {"field": field, "constraint": {"type": kind.value, "reason": reason}}


def projection_constraints(
    collection: CollectionSpec | Mapping[str, Any],
    *,
    type_map: TypeMap,
    destination: str,
    group_by: Sequence[str] = (),
    stores_document: bool = True,
    values_allowed: bool = True,
    existing: Mapping[str, ExistingColumn] | None = None,
    compatible: Compatible = same_type,
) -> list[dict[str, Any]]:
    """Constraints for every projection of a collection, with reasons a user can act on.

    * key fields (`group_by`, else the projections marked `isPrimaryKey`) are FIELD_REQUIRED;
    * the root document (ptr "") is FIELD_REQUIRED if `stores_document`, else FIELD_OPTIONAL;
    * other fields are FIELD_OPTIONAL (FIELD_FORBIDDEN when `values_allowed` is false);
    * a type `type_map` can't map is FIELD_FORBIDDEN;
    * a field whose column already exists (`existing`) with an incompatible type is additionally
      INCOMPATIBLE (cleared by backfilling the binding, which re-creates the destination).
    """
    collection = collection_json(collection)
    keys = set(group_by) or {p["field"] for p in collection.get("projections") or [] if p.get("isPrimaryKey")}
    existing = existing or {}
    out: list[dict[str, Any]] = []
    for projection in collection.get("projections") or []:
        field = projection["field"]
        ptr = projection.get("ptr", "")
        ft = field_type(projection)
        mapped = type_map(projection)
        if mapped is None:
            role = "key " if field in keys else ""
            out.append(
                constraint(
                    field,
                    ConstraintType.FIELD_FORBIDDEN,
                    f"{role}field {field!r} has type {ft.describe()}, which {destination} can't store",
                )
            )
            continue
        if field in keys:
            out.append(
                constraint(
                    field,
                    ConstraintType.FIELD_REQUIRED,
                    f"{field!r} is part of the collection key, which {destination} needs",
                )
            )
        elif ptr == "":
            if stores_document:
                out.append(
                    constraint(
                        field,
                        ConstraintType.FIELD_REQUIRED,
                        f"{destination} stores the root document, so it must be selected",
                    )
                )
            else:
                out.append(
                    constraint(field, ConstraintType.FIELD_OPTIONAL, "the root document may be stored as a column")
                )
        elif values_allowed:
            out.append(
                constraint(field, ConstraintType.FIELD_OPTIONAL, f"{field!r} may be materialized as a {mapped} column")
            )
        else:
            out.append(
                constraint(
                    field,
                    ConstraintType.FIELD_FORBIDDEN,
                    f"{destination} writes whole documents only; select no fields besides the key and the document",
                )
            )
            continue
        column = existing.get(field)
        if column is not None and not compatible(projection, mapped, column):
            out.append(
                constraint(
                    field,
                    ConstraintType.INCOMPATIBLE,
                    f"field {field!r} now maps to {mapped} ({ft.describe()}) but the existing column has type "
                    f"{column.type}{'' if column.nullable else ' NOT NULL'}; backfill the binding to re-create it, "
                    "or exclude the field",
                )
            )
    return out


def validated_binding(
    *,
    resource_path: Sequence[str],
    constraints: list[dict[str, Any]],
    delta_updates: bool = False,
    case_insensitive_fields: bool = False,
) -> Validated.Binding:
    """One binding of the `validated` response, from constraints as `projection_constraints` returns them."""
    return Validated.Binding(
        resource_path=list(resource_path),
        projection_constraints=[Validated.ProjectionConstraint.from_flow_json(c) for c in constraints],
        delta_updates=delta_updates,
        case_insensitive_fields=case_insensitive_fields,
    )
