"""Flow's reduction strategies, against hand-computed expectations."""

from __future__ import annotations

import copy
import re
from typing import Any

import pytest

from flow_sdk.errors import ReduceError, SchemaReduceError
from flow_sdk.runtime.schema.reduce import (
    ABSENT,
    compile_schema,
    reduce,
)


def fold(schema: dict[str, Any], *docs: Any, full: bool = False) -> Any:
    """Reduce documents left to right, as a runtime combining one key would."""
    node = compile_schema(schema)
    acc: Any = ABSENT
    for doc in docs:
        acc = reduce(node, acc, copy.deepcopy(doc), full=full)
    return acc


def merged(**properties: Any) -> dict[str, Any]:
    return {"type": "object", "reduce": {"strategy": "merge"}, "properties": properties}


def test_default_is_last_write_wins_for_the_whole_document() -> None:
    schema = {"type": "object", "properties": {"n": {"reduce": {"strategy": "sum"}}}}
    # The root has no annotation: nested annotations do not apply, the last document replaces all.
    assert fold(schema, {"n": 1, "a": 1}, {"n": 2}) == {"n": 2}


def test_first_and_last_write_wins() -> None:
    schema = merged(fww={"reduce": {"strategy": "firstWriteWins"}}, lww={"reduce": {"strategy": "lastWriteWins"}})
    assert fold(schema, {"fww": "one", "lww": "one"}, {"fww": "two", "lww": "two"}) == {"fww": "one", "lww": "two"}
    # A location first seen in a later document is still "first" there.
    assert fold(schema, {"lww": 1}, {"fww": "late"}, {"fww": "later"}) == {"lww": 1, "fww": "late"}


def test_sum_of_integers_and_floats() -> None:
    schema = merged(n={"reduce": {"strategy": "sum"}})
    assert fold(schema, {"n": 1}, {"n": 2}, {"n": 39}) == {"n": 42}
    assert fold(schema, {"n": 1.5}, {"n": 2}) == {"n": 3.5}
    with pytest.raises(ReduceError, match="sum at /n: the new value 'x' is not a number"):
        fold(schema, {"n": 1}, {"n": "x"})


def test_minimize_and_maximize() -> None:
    schema = merged(min={"reduce": {"strategy": "minimize"}}, max={"reduce": {"strategy": "maximize"}})
    assert fold(schema, {"min": 32, "max": "abc"}, {"min": 42, "max": "def"}) == {"min": 32, "max": "def"}


def test_minimize_with_key_merges_equal_items() -> None:
    # Track the minimum and how many times it was seen: [value, count] ordered by /0, counts summed.
    pair = {"type": "array", "items": [{"type": "string"}, {"type": "number", "reduce": {"strategy": "sum"}}]}
    schema = merged(
        min={**pair, "reduce": {"strategy": "minimize", "key": ["/0"]}},
        max={**pair, "reduce": {"strategy": "maximize", "key": ["/0"]}},
    )
    docs = [
        {"min": ["a", 1], "max": ["a", 1]},
        {"min": ["a", 1], "max": ["b", 1]},
        {"min": ["b", 1], "max": ["b", 1]},
    ]
    assert fold(schema, *docs) == {"min": ["a", 2], "max": ["b", 2]}


def test_append() -> None:
    schema = merged(value={"type": "array", "reduce": {"strategy": "append"}})
    assert fold(schema, {"value": [1, 2]}, {"value": [3, None, "abc"]}) == {"value": [1, 2, 3, None, "abc"]}
    # A null left side makes append a no-op.
    assert fold(schema, {"value": None}, {"value": [1]}) == {"value": None}


def test_merge_objects_and_arrays_by_index() -> None:
    value = {
        "type": ["array", "object"],
        "reduce": {"strategy": "merge"},
        "items": {"type": "number", "reduce": {"strategy": "sum"}},
        "additionalProperties": {"type": "number", "reduce": {"strategy": "sum"}},
    }
    schema = merged(value=value)
    assert fold(schema, {"value": [1, 1]}, {"value": [2, 2, 2]}) == {"value": [3, 3, 2]}
    assert fold(schema, {"value": {"a": 1, "b": 1}}, {"value": {"a": 1, "c": 1}}) == {"value": {"a": 2, "b": 1, "c": 1}}
    with pytest.raises(ReduceError, match="merge at /value: both sides must be objects or both arrays"):
        fold(schema, {"value": [1]}, {"value": {"a": 1}})


def test_merge_sorted_arrays_by_key() -> None:
    item = {"type": "object", "reduce": {"strategy": "merge"}, "properties": {"n": {"reduce": {"strategy": "sum"}}}}
    schema = merged(value={"type": "array", "reduce": {"strategy": "merge", "key": ["/k"]}, "items": item})
    left = {"value": [{"k": "a", "n": 1}, {"k": "c", "n": 1}]}
    right = {"value": [{"k": "b", "n": 5}, {"k": "c", "n": 2}]}
    assert fold(schema, left, right) == {"value": [{"k": "a", "n": 1}, {"k": "b", "n": 5}, {"k": "c", "n": 3}]}


def test_nested_annotations_through_refs() -> None:
    schema = {
        "$defs": {"counter": {"type": "integer", "reduce": {"strategy": "sum"}}},
        "type": "object",
        "reduce": {"strategy": "merge"},
        "properties": {
            "stats": {
                "type": "object",
                "reduce": {"strategy": "merge"},
                "properties": {"clicks": {"$ref": "#/$defs/counter"}, "last": {"type": "string"}},
            }
        },
    }
    docs = [{"stats": {"clicks": 1, "last": "a"}}, {"stats": {"clicks": 2, "last": "b"}}]
    assert fold(schema, *docs) == {"stats": {"clicks": 3, "last": "b"}}


def test_set_of_objects_add_remove_intersect() -> None:
    set_schema = {
        "type": "object",
        "reduce": {"strategy": "set"},
        "additionalProperties": {
            "type": "object",
            "reduce": {"strategy": "merge"},
            "additionalProperties": {"type": "number", "reduce": {"strategy": "sum"}},
        },
    }
    schema = merged(value=set_schema)
    docs = [
        {"value": {"add": {"a": 1, "b": 1}}},
        {"value": {"add": {"a": 2}}},
        {"value": {"remove": {"b": 0}}},
        {"value": {"add": {"c": 3}}},
    ]
    # Partial reduction keeps the removals, so the update still removes "b" from an older base.
    assert fold(schema, *docs) == {"value": {"add": {"a": 3, "c": 3}, "remove": {"b": 0}}}
    # Full reduction onto the stored document keeps only the members.
    assert fold(schema, *docs, full=True) == {"value": {"add": {"a": 3, "c": 3}}}

    base = {"value": {"add": {"a": 1, "x": 9}}}
    update = fold(schema, {"value": {"intersect": {"a": 0, "c": 0}}}, {"value": {"add": {"c": 1}}})
    assert update == {"value": {"add": {"c": 1}, "intersect": {"a": 0, "c": 0}}}
    node = compile_schema(schema)
    assert reduce(node, copy.deepcopy(base), update, full=True) == {"value": {"add": {"a": 1, "c": 1}}}

    with pytest.raises(ReduceError, match="remove and intersect cannot be in the same update"):
        fold(schema, {"value": {"remove": {"a": 1}, "intersect": {"b": 1}}})


def test_set_of_sorted_arrays() -> None:
    schema = merged(value={"type": "object", "reduce": {"strategy": "set", "key": ["/id"]}})
    docs = [
        {"value": {"add": [{"id": 3}, {"id": 1}]}},
        {"value": {"add": [{"id": 2}], "remove": [{"id": 3}]}},
    ]
    assert fold(schema, *docs, full=True) == {"value": {"add": [{"id": 1}, {"id": 2}]}}


def test_recursive_schema_compiles_and_reduces() -> None:
    schema: dict[str, Any] = {
        "$defs": {
            "tree": {
                "type": "object",
                "reduce": {"strategy": "merge"},
                "properties": {
                    "count": {"reduce": {"strategy": "sum"}},
                    "children": {
                        "type": "object",
                        "additionalProperties": {"$ref": "#/$defs/tree"},
                        "reduce": {"strategy": "merge"},
                    },
                },
            }
        },
        "$ref": "#/$defs/tree",
    }
    left = {"count": 1, "children": {"x": {"count": 1, "children": {"y": {"count": 5}}}}}
    right = {"count": 1, "children": {"x": {"count": 2, "children": {"y": {"count": 5}}}}}
    assert fold(schema, left, right) == {"count": 2, "children": {"x": {"count": 3, "children": {"y": {"count": 10}}}}}


def test_invalid_annotations_are_schema_errors() -> None:
    with pytest.raises(SchemaReduceError, match="reduce strategy 'average' is not supported"):
        compile_schema({"reduce": {"strategy": "average"}})
    with pytest.raises(SchemaReduceError, match="names no schema in the document"):
        compile_schema({"$ref": "https://example.com/schema.json"})


def test_combiner_groups_by_key_and_reduces() -> None:
    from flow_sdk.errors import DocumentKeyError
    from flow_sdk.runtime.documents.combine import Combiner

    schema = merged(id={"type": "integer"}, n={"reduce": {"strategy": "sum"}})
    combiner = Combiner(["/id"], schema)
    for doc in ({"id": 1, "n": 1}, {"id": 2, "n": 5}, {"id": 1, "n": 2}, {"id": True, "n": 7}):
        combiner.add(doc)
    assert len(combiner) == 3  # true and 1 are different keys
    assert list(combiner.drain()) == [
        ([1], {"id": 1, "n": 3}),
        ([2], {"id": 2, "n": 5}),
        ([True], {"id": True, "n": 7}),
    ]
    assert len(combiner) == 0
    assert combiner.reduce_onto({"id": 1, "n": 10}, {"id": 1, "n": 3}) == {"id": 1, "n": 13}

    lww = Combiner(["/id"])
    lww.add({"id": "a", "v": 1})
    lww.add({"id": "a", "v": 2})
    assert list(lww.drain()) == [(["a"], {"id": "a", "v": 2})]
    assert lww.reduce_onto({"id": "a", "v": 0, "old": True}, {"id": "a", "v": 2}) == {"id": "a", "v": 2}
    with pytest.raises(DocumentKeyError, match="no value at key pointer /id"):
        lww.add({"other": 1})


# A schema whose reductions sit behind references the old reduce-only resolver refused: a relative
# URI into a bundled resource, an `$anchor` of that resource, and an `$id`-relative reference back.
ORDER_URI = "https://example.com/schemas/order.json"
BEHIND_REFS: dict[str, Any] = {
    "$id": ORDER_URI,
    "type": "object",
    "reduce": {"strategy": "merge"},
    "$defs": {
        "lib": {
            "$id": "lib/counters.json",
            "$defs": {
                "sum": {"type": "integer", "reduce": {"strategy": "sum"}},
                "high": {"$anchor": "high", "type": "integer", "reduce": {"strategy": "maximize"}},
                # Relative to lib/counters.json: back up to the root resource's definitions.
                "tags": {"$ref": "../order.json#/$defs/tagSet"},
            },
        },
        "tagSet": {"type": "array", "reduce": {"strategy": "append"}},
        # A resource whose own relative reference resolves against its `$id` (lib/visits.json).
        "visits": {"$id": "lib/visits.json", "$ref": "counters.json#/$defs/sum"},
    },
    "required": ["id"],
    "properties": {
        "id": {"type": "string"},
        "clicks": {"$ref": "lib/counters.json#/$defs/sum"},
        "peak": {"$ref": "lib/counters.json#high"},
        "tags": {"$ref": "lib/counters.json#/$defs/tags"},
        "visits": {"$ref": "lib/visits.json"},
    },
}
BEHIND_REFS_DOCS = [
    {"id": "a", "clicks": 1, "peak": 5, "tags": ["x"], "visits": 10},
    {"id": "a", "clicks": 2, "peak": 3, "tags": ["y"], "visits": 1},
]


def test_reductions_behind_relative_refs_and_anchors() -> None:
    expected = {"id": "a", "clicks": 3, "peak": 5, "tags": ["x", "y"], "visits": 11}
    assert fold(BEHIND_REFS, *BEHIND_REFS_DOCS) == expected


def test_reductions_behind_external_refs() -> None:
    external = {"https://example.com/shared/stats.json": {"type": "integer", "reduce": {"strategy": "minimize"}}}
    schema = {"$id": ORDER_URI, **merged(low={"$ref": "../shared/stats.json"})}
    node = compile_schema(schema, external)
    assert reduce(node, {"low": 4}, {"low": 2}) == {"low": 2}
    assert reduce(node, {"low": 1}, {"low": 2}) == {"low": 1}


def test_projections_and_reductions_read_the_same_refs() -> None:
    from flow_sdk.errors import ProjectionError
    from flow_sdk.runtime.schema.projections import build_projections

    projections = {p["field"]: p for p in build_projections(BEHIND_REFS, ["/id"])}
    assert projections["clicks"]["inference"]["reduce"] == "REDUCE_SUM"
    assert projections["peak"]["inference"]["reduce"] == "REDUCE_MAXIMIZE"
    assert projections["tags"]["inference"]["reduce"] == "REDUCE_APPEND"
    assert projections["visits"]["inference"]["reduce"] == "REDUCE_SUM"

    # A reference that names nothing fails both, with the same explanation.
    broken = merged(x={"$ref": "lib/missing.json"})
    broken["$id"] = ORDER_URI
    message = "'lib/missing.json' (as 'https://example.com/schemas/lib/missing.json') names no schema"
    with pytest.raises(ProjectionError, match=re.escape(message)):
        build_projections(broken, ["/x"])
    with pytest.raises(SchemaReduceError, match=re.escape(message)):
        compile_schema(broken)


def test_combiner_reduces_through_refs() -> None:
    from flow_sdk.runtime.documents.combine import Combiner

    combiner = Combiner(["/id"], BEHIND_REFS)
    for doc in (*BEHIND_REFS_DOCS, {"id": "b", "clicks": 7, "peak": 1, "tags": []}):
        combiner.add(copy.deepcopy(doc))
    assert list(combiner.drain()) == [
        (["a"], {"id": "a", "clicks": 3, "peak": 5, "tags": ["x", "y"], "visits": 11}),
        (["b"], {"id": "b", "clicks": 7, "peak": 1, "tags": []}),
    ]
    # Applying the combined update onto a stored document is a full reduction through the same refs.
    stored = {"id": "a", "clicks": 10, "peak": 9, "tags": ["w"]}
    update = {"id": "a", "clicks": 3, "peak": 5, "tags": ["x"]}
    assert combiner.reduce_onto(stored, update) == {"id": "a", "clicks": 13, "peak": 9, "tags": ["w", "x"]}


def test_dynamic_refs_are_followed_alike() -> None:
    from flow_sdk.runtime.schema.projections import build_projections

    schema = merged(id={"type": "string"}, n={"$dynamicRef": "#counter"})
    schema["required"] = ["id"]
    schema["$defs"] = {"counter": {"$dynamicAnchor": "counter", "type": "integer", "reduce": {"strategy": "sum"}}}
    projections = {p["field"]: p for p in build_projections(schema, ["/id"])}
    assert projections["n"]["inference"]["reduce"] == "REDUCE_SUM"
    assert projections["n"]["inference"]["types"] == ["integer"]
    assert fold(schema, {"id": "a", "n": 1}, {"id": "a", "n": 2}) == {"id": "a", "n": 3}
