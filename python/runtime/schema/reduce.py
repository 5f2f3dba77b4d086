"""Flow's reduction annotations: combine two documents of the same key as the collection schema says.

A collection schema annotates locations with `reduce: {strategy: ...}`. The schema is compiled once
into a tree of `ReduceNode`s (one per location, following `properties`, `additionalProperties`,
`patternProperties`, `items`/`prefixItems`, `$ref`s and `allOf`/`anyOf`/`oneOf`), so reducing a
document never re-reads the schema. `$ref`s resolve through the resolver projections use
(`flow_sdk.runtime.schema.refs`), so every schema that projects also reduces.
Strategies: lastWriteWins (the default where nothing is annotated), firstWriteWins, merge, sum,
minimize, maximize, append and set.

Two kinds of reduction happen in a runtime. Partial: combining documents of one transaction
(`full=False`); the result is itself an update, so a `set` keeps its `remove`/`intersect` parts.
Full: applying an update onto the complete stored document (`full=True`, the left side may be
absent); a `set` then keeps only its members (`add`). Differences from Flow: annotations under
`if`/`then`/`else` are not applied, and under `anyOf`/`oneOf` the first annotated branch wins
regardless of which branch validates.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import orjson

from flow_sdk import json_pointer
from flow_sdk.errors import ReduceError, SchemaReduceError
from flow_sdk.runtime.schema.ordering import ABSENT as ABSENT  # also imported from here by the runtime
from flow_sdk.runtime.schema.ordering import compare
from flow_sdk.runtime.schema.refs import SchemaIndex, unresolved

STRATEGIES = (
    "lastWriteWins",
    "firstWriteWins",
    "merge",
    "sum",
    "minimize",
    "maximize",
    "append",
    "set",
)
_SET_PARTS = ("add", "intersect", "remove")


@dataclass(eq=False)
class ReduceNode:
    """The reduction rules of one document location and its children."""

    strategy: str = "lastWriteWins"
    # JSON pointers, relative to this location, that order items (minimize/maximize, merge and set arrays).
    key: tuple[tuple[str, ...], ...] = ()
    properties: dict[str, ReduceNode] = field(default_factory=dict)
    patterns: list[tuple[re.Pattern[str], ReduceNode]] = field(default_factory=list)
    additional: ReduceNode | None = None
    prefix_items: list[ReduceNode] = field(default_factory=list)
    items: ReduceNode | None = None

    def child_property(self, name: str) -> ReduceNode:
        """Rules for property `name` of an object at this location."""
        node = self.properties.get(name)
        if node is not None:
            return node
        for pattern, pattern_node in self.patterns:
            if pattern.search(name):
                return pattern_node
        return self.additional or _DEFAULT

    def child_item(self, index: int) -> ReduceNode:
        """Rules for item `index` of an array at this location."""
        if index < len(self.prefix_items):
            return self.prefix_items[index]
        return self.items or _DEFAULT


_DEFAULT = ReduceNode()


def parse_pointer(pointer: str) -> tuple[str, ...]:
    """Split a JSON pointer of a schema annotation into tokens; SchemaReduceError when malformed."""
    try:
        return json_pointer.parse(pointer)
    except ValueError as exc:
        raise SchemaReduceError(str(exc)) from None


def resolve(doc: Any, tokens: Sequence[str]) -> Any:
    """The value at a parsed pointer within `doc`, or ABSENT."""
    return json_pointer.lookup(doc, tokens, ABSENT)


class _Compiler:
    """Builds the ReduceNode tree; a location is identified by the set of subschemas that apply to it."""

    def __init__(self, root: Any, external: Mapping[str, Any] | None) -> None:
        self.index = SchemaIndex(root, external)
        self.nodes: dict[tuple[int, ...], ReduceNode] = {}

    def expand(self, schemas: Sequence[tuple[Any, str]]) -> list[tuple[dict[str, Any], str]]:
        """All subschemas applying at a location, with their base URIs: the given ones, their $refs, applicators."""
        out: list[tuple[dict[str, Any], str]] = []
        seen: set[int] = set()
        pending = list(schemas)
        while pending:
            schema, base = pending.pop(0)
            if not isinstance(schema, dict) or id(schema) in seen:
                continue
            seen.add(id(schema))
            base = self.index.base_of(schema, base)
            out.append((schema, base))
            for keyword in ("$ref", "$dynamicRef"):
                ref = schema.get(keyword)
                if isinstance(ref, str):
                    found = self.index.resolve(ref, base)
                    if found is None:
                        raise SchemaReduceError(unresolved(ref, base))
                    pending.append((found.schema, found.enclosing))
            for keyword in ("allOf", "anyOf", "oneOf"):
                if isinstance(schema.get(keyword), list):
                    pending.extend((sub, base) for sub in schema[keyword])
        return out

    def node(self, schemas: Sequence[tuple[Any, str]]) -> ReduceNode:
        """The (shared) node of the location the given subschemas apply to."""
        expanded = self.expand(schemas)
        ident = tuple(sorted(id(s) for s, _ in expanded))
        existing = self.nodes.get(ident)
        if existing is not None:
            return existing
        node = ReduceNode()
        self.nodes[ident] = node  # registered before children, so recursive schemas terminate
        annotation = next((s["reduce"] for s, _ in expanded if "reduce" in s), None)
        if annotation is not None:
            node.strategy, node.key = _parse_annotation(annotation)
        children = _Children()
        for schema, base in expanded:
            children.add(schema, base)
        node.properties = {name: self.node(subs) for name, subs in children.properties.items()}
        try:
            node.patterns = [(re.compile(p), self.node(subs)) for p, subs in children.patterns.items()]
        except re.error as exc:
            raise SchemaReduceError(f"patternProperties has an invalid pattern: {exc}") from None
        node.additional = self.node(children.additional) if children.additional else None
        node.items = self.node(children.items) if children.items else None
        node.prefix_items = [self.node(subs) for subs in children.prefix]
        return node


_Located = list[tuple[Any, str]]


@dataclass
class _Children:
    """The subschemas (with their base URIs) that apply to each child location of one location."""

    properties: dict[str, _Located] = field(default_factory=dict)
    patterns: dict[str, _Located] = field(default_factory=dict)
    additional: _Located = field(default_factory=list)
    items: _Located = field(default_factory=list)
    prefix: list[_Located] = field(default_factory=list)

    def add(self, schema: dict[str, Any], base: str) -> None:
        """Sort the child subschemas of `schema` into the locations they apply to."""
        for name, sub in (schema.get("properties") or {}).items():
            self.properties.setdefault(name, []).append((sub, base))
        for pattern, sub in (schema.get("patternProperties") or {}).items():
            self.patterns.setdefault(pattern, []).append((sub, base))
        if isinstance(schema.get("additionalProperties"), dict):
            self.additional.append((schema["additionalProperties"], base))
        tuple_items = schema.get("prefixItems")
        if isinstance(schema.get("items"), list):  # draft 2019 tuple form
            tuple_items = schema["items"]
        elif isinstance(schema.get("items"), dict):
            self.items.append((schema["items"], base))
        if isinstance(schema.get("additionalItems"), dict):
            self.items.append((schema["additionalItems"], base))
        for i, sub in enumerate(tuple_items or []):
            while len(self.prefix) <= i:
                self.prefix.append([])
            self.prefix[i].append((sub, base))


def _parse_annotation(annotation: Any) -> tuple[str, tuple[tuple[str, ...], ...]]:
    if not isinstance(annotation, Mapping) or not isinstance(annotation.get("strategy"), str):
        raise SchemaReduceError(f"reduce annotation must be an object with a strategy, got {annotation!r}")
    strategy = annotation["strategy"]
    if strategy not in STRATEGIES:
        raise SchemaReduceError(f"reduce strategy {strategy!r} is not supported; use one of {', '.join(STRATEGIES)}")
    key = annotation.get("key") or []
    if not isinstance(key, list) or not all(isinstance(k, str) for k in key):
        raise SchemaReduceError(f"reduce key of {strategy} must be a list of JSON pointers, got {key!r}")
    return strategy, tuple(parse_pointer(k) for k in key)


def compile_schema(schema: Any, external: Mapping[str, Any] | None = None) -> ReduceNode:
    """Compile a collection schema's reduce annotations into a ReduceNode tree, once per schema.

    `$ref`s resolve exactly as they do for projections (`flow_sdk.runtime.schema.refs`): pointers,
    anchors, relative and absolute URIs of `$id`-named (bundled) resources, and the schemas in
    `external`. A reference that names no known schema is a SchemaReduceError.
    """
    compiler = _Compiler(schema, external)
    return compiler.node([(schema, compiler.index.root_uri)])


def _compare_keyed(key: tuple[tuple[str, ...], ...], a: Any, b: Any) -> int:
    if not key:
        return compare(a, b)
    for tokens in key:
        c = compare(resolve(a, tokens), resolve(b, tokens))
        if c:
            return c
    return 0


def _where(path: tuple[str, ...]) -> str:
    return "/" + "/".join(path) if path else "the document root"


def reduce(node: ReduceNode, lhs: Any, rhs: Any, *, full: bool = False, path: tuple[str, ...] = ()) -> Any:
    """Reduce `rhs` into `lhs` (ABSENT when there is none) at a location governed by `node`.

    `lhs` may be modified in place and returned; callers pass values they own.
    """
    return _REDUCERS[node.strategy](node, lhs, rhs, full, path)


def _last(node: ReduceNode, lhs: Any, rhs: Any, full: bool, path: tuple[str, ...]) -> Any:
    return rhs


def _first(node: ReduceNode, lhs: Any, rhs: Any, full: bool, path: tuple[str, ...]) -> Any:
    return rhs if lhs is ABSENT else lhs


def _sum(node: ReduceNode, lhs: Any, rhs: Any, full: bool, path: tuple[str, ...]) -> Any:
    if lhs is ABSENT and rhs is None:
        return None
    if not _is_number(rhs):
        raise ReduceError(f"sum at {_where(path)}: the new value {rhs!r} is not a number")
    if lhs is ABSENT or lhs is None:
        return rhs
    if not _is_number(lhs):
        raise ReduceError(f"sum at {_where(path)}: the existing value {lhs!r} is not a number")
    total = lhs + rhs
    if isinstance(total, float) and math.isinf(total):
        raise ReduceError(f"sum at {_where(path)} overflowed")
    return total


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _extremum(sign: int) -> Callable[[ReduceNode, Any, Any, bool, tuple[str, ...]], Any]:
    def reducer(node: ReduceNode, lhs: Any, rhs: Any, full: bool, path: tuple[str, ...]) -> Any:
        if lhs is ABSENT:
            return rhs
        order = _compare_keyed(node.key, rhs, lhs) * sign
        if order > 0:
            return rhs
        if order < 0:
            return lhs
        # Equal under the key: the two are deeply merged (e.g. to count how often the extremum was seen).
        return _deep_merge(node, lhs, rhs, full, path, by_key=False)

    return reducer


def _append(node: ReduceNode, lhs: Any, rhs: Any, full: bool, path: tuple[str, ...]) -> Any:
    if lhs is ABSENT:
        return rhs
    if not isinstance(rhs, list):
        raise ReduceError(f"append at {_where(path)}: the new value must be an array, got {type(rhs).__name__}")
    if lhs is None:
        return None  # Flow: a null left side turns append into a no-op
    if not isinstance(lhs, list):
        raise ReduceError(f"append at {_where(path)}: the existing value must be an array")
    lhs.extend(rhs)
    return lhs


def _merge(node: ReduceNode, lhs: Any, rhs: Any, full: bool, path: tuple[str, ...]) -> Any:
    return _deep_merge(node, lhs, rhs, full, path, by_key=True)


def _deep_merge(node: ReduceNode, lhs: Any, rhs: Any, full: bool, path: tuple[str, ...], *, by_key: bool) -> Any:
    if lhs is ABSENT or lhs is None:
        # Reduce into an empty container, so nested locations are checked and normalized (a set's
        # removals dropped in a full reduction) even when nothing was there before.
        if isinstance(rhs, dict):
            lhs = {}
        elif isinstance(rhs, list) and not (by_key and node.key):
            lhs = []
        else:
            return rhs
    if isinstance(lhs, dict) and isinstance(rhs, dict):
        for name, value in rhs.items():
            lhs[name] = reduce(node.child_property(name), lhs.get(name, ABSENT), value, full=full, path=(*path, name))
        return lhs
    if isinstance(lhs, list) and isinstance(rhs, list):
        if by_key and node.key:
            return _merge_sorted(node, lhs, rhs, full, path)
        for i, value in enumerate(rhs):
            prior = lhs[i] if i < len(lhs) else ABSENT
            reduced = reduce(node.child_item(i), prior, value, full=full, path=(*path, str(i)))
            if i < len(lhs):
                lhs[i] = reduced
            else:
                lhs.append(reduced)
        return lhs
    if node.strategy in ("minimize", "maximize"):
        return rhs  # scalars equal under the key: nothing to merge
    raise ReduceError(
        f"merge at {_where(path)}: both sides must be objects or both arrays, "
        f"got {type(lhs).__name__} and {type(rhs).__name__}"
    )


def _merge_sorted(node: ReduceNode, lhs: list[Any], rhs: list[Any], full: bool, path: tuple[str, ...]) -> list[Any]:
    """Merge two arrays ordered by `node.key`; items with equal keys are reduced together."""
    out: list[Any] = []
    i = j = 0
    items = node.items or _DEFAULT
    while i < len(lhs) and j < len(rhs):
        c = _compare_keyed(node.key, lhs[i], rhs[j])
        if c < 0:
            out.append(lhs[i])
            i += 1
        elif c > 0:
            out.append(rhs[j])
            j += 1
        else:
            out.append(reduce(items, lhs[i], rhs[j], full=full, path=(*path, str(len(out)))))
            i += 1
            j += 1
    out.extend(lhs[i:])
    out.extend(rhs[j:])
    return out


class _SetOps:
    """Set members keyed for lookup: object properties, or array items by the set's key."""

    def __init__(self, node: ReduceNode, part: str) -> None:
        self.part_node = node.child_property(part)
        self.key = node.key

    def item_key(self, item: Any) -> str:
        if not self.key:
            return orjson.dumps(item, option=orjson.OPT_SORT_KEYS).decode()
        return orjson.dumps([resolve(item, t) for t in self.key], option=orjson.OPT_SORT_KEYS, default=str).decode()

    def as_map(self, value: Any) -> dict[str, Any]:
        if isinstance(value, dict):
            return dict(value)
        if isinstance(value, list):
            return {self.item_key(item): item for item in value}
        return {}


def _set(node: ReduceNode, lhs: Any, rhs: Any, full: bool, path: tuple[str, ...]) -> Any:
    if not isinstance(rhs, dict) or any(k not in _SET_PARTS for k in rhs):
        raise ReduceError(f"set at {_where(path)}: the update must be an object of add, intersect and remove")
    if "remove" in rhs and "intersect" in rhs:
        raise ReduceError(f"set at {_where(path)}: remove and intersect cannot be in the same update")
    if lhs is ABSENT or lhs is None:
        lhs = {}
    if not isinstance(lhs, dict):
        raise ReduceError(f"set at {_where(path)}: the existing value must be an object")
    as_array = any(isinstance(v, list) for v in (*lhs.values(), *rhs.values()))
    ops = _SetOps(node, "add")
    add, remove, intersect = _compose_set(ops, lhs, rhs)
    member = ops.part_node.additional or ops.part_node.items or _DEFAULT
    for k, v in ops.as_map(rhs.get("add")).items():
        add[k] = reduce(member, add.get(k, ABSENT), v, full=full, path=(*path, "add", k))
    out: dict[str, Any] = {}

    def shaped(members: dict[str, Any]) -> Any:
        if not as_array:
            return members
        return [members[k] for k in sorted(members, key=lambda k: _SortKey(node.key, members[k]))]

    if add or full:
        out["add"] = shaped(add)
    if not full:
        if intersect is not None:
            out["intersect"] = shaped(intersect)
        elif remove:
            out["remove"] = shaped(remove)
    return out


_Members = dict[str, Any]


def _compose_set(
    ops: _SetOps, lhs: dict[str, Any], rhs: dict[str, Any]
) -> tuple[_Members, _Members | None, _Members | None]:
    """(add, remove, intersect) of two set updates composed, before the new additions are reduced in.

    An update applies to a set S as ((S - remove) or (S & intersect)) | add; the new one goes on top.
    """
    add = ops.as_map(lhs.get("add"))
    remove = ops.as_map(lhs.get("remove")) if "remove" in lhs else None
    intersect = ops.as_map(lhs.get("intersect")) if "intersect" in lhs else None
    if "remove" in rhs:
        removed = ops.as_map(rhs["remove"])
        add = {k: v for k, v in add.items() if k not in removed}
        if intersect is not None:
            intersect = {k: v for k, v in intersect.items() if k not in removed}
        else:
            remove = {**(remove or {}), **removed}
    if "intersect" in rhs:
        kept = ops.as_map(rhs["intersect"])
        add = {k: v for k, v in add.items() if k in kept}
        if intersect is not None:
            intersect = {k: v for k, v in intersect.items() if k in kept}
        else:
            intersect = {k: v for k, v in kept.items() if k not in (remove or {})}
            remove = None
    return add, remove, intersect


class _SortKey:
    """Orders set members of the array form by the set's key."""

    __slots__ = ("key", "value")

    def __init__(self, key: tuple[tuple[str, ...], ...], value: Any) -> None:
        self.key = key
        self.value = value

    def __lt__(self, other: _SortKey) -> bool:
        return _compare_keyed(self.key, self.value, other.value) < 0


_REDUCERS: dict[str, Callable[[ReduceNode, Any, Any, bool, tuple[str, ...]], Any]] = {
    "lastWriteWins": _last,
    "firstWriteWins": _first,
    "merge": _merge,
    "sum": _sum,
    "minimize": _extremum(-1),
    "maximize": _extremum(1),
    "append": _append,
    "set": _set,
}
