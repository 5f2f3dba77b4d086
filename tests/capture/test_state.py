"""Merge patches (RFC 7396) and the bindingStateV1 layout."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from flow_sdk.errors import ConfigError
from flow_sdk.state import (
    binding_patch,
    binding_states,
    merge_patch,
    reduce_checkpoints,
    stale_keys_patch,
)

# The examples of RFC 7396, appendix A.
RFC_EXAMPLES: list[tuple[Any, Any, Any]] = [
    ({"a": "b"}, {"a": "c"}, {"a": "c"}),
    ({"a": "b"}, {"b": "c"}, {"a": "b", "b": "c"}),
    ({"a": "b"}, {"a": None}, {}),
    ({"a": "b", "b": "c"}, {"a": None}, {"b": "c"}),
    ({"a": ["b"]}, {"a": "c"}, {"a": "c"}),
    ({"a": "c"}, {"a": ["b"]}, {"a": ["b"]}),
    ({"a": {"b": "c"}}, {"a": {"b": "d", "c": None}}, {"a": {"b": "d"}}),
    ({"a": [{"b": "c"}]}, {"a": [1]}, {"a": [1]}),
    (["a", "b"], ["c", "d"], ["c", "d"]),
    ({"a": "b"}, ["c"], ["c"]),
    ({"a": "foo"}, None, None),
    ({"a": "foo"}, "bar", "bar"),
    ({"e": None}, {"a": 1}, {"e": None, "a": 1}),
    ([1, 2], {"a": "b", "c": None}, {"a": "b"}),
    ({}, {"a": {"bb": {"ccc": None}}}, {"a": {"bb": {}}}),
]


@pytest.mark.parametrize(("target", "patch", "expected"), RFC_EXAMPLES)
def test_merge_patch_rfc_examples(target: Any, patch: Any, expected: Any) -> None:
    before = repr(target)
    assert merge_patch(target, patch) == expected
    assert repr(target) == before  # inputs are not mutated


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=3),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=2), inner, max_size=3),
    max_leaves=10,
)


@given(json_values, st.dictionaries(st.text(max_size=2), json_values, max_size=3))
def test_merge_patch_is_idempotent(target: Any, patch: dict[str, Any]) -> None:
    once = merge_patch(target, patch)
    assert merge_patch(once, patch) == once


def test_reduce_checkpoints_mixes_merge_and_replace() -> None:
    checkpoints: list[dict[str, Any]] = [
        {"state": {"updated": {"bindingStateV1": {"a": {"cursor": 1}}}, "mergePatch": True}},
        {"state": {"updated": {"bindingStateV1": {"b": {"cursor": 2}}}, "mergePatch": True}},
        {"state": {"updated": {"bindingStateV1": {"a": None}}, "mergePatch": True}},
    ]
    assert reduce_checkpoints({}, checkpoints) == {"bindingStateV1": {"b": {"cursor": 2}}}
    replaced = [*checkpoints, {"state": {"updated": {"x": 1}}}]
    assert reduce_checkpoints({}, replaced) == {"x": 1}


def test_binding_states_shapes() -> None:
    assert binding_states({}) == {}
    assert binding_states(None) == {}
    assert binding_states({"bindingStateV1": {"k": {"cursor": 3}}}) == {"k": {"cursor": 3}}
    bad_states: list[Any] = [[1], {"bindingStateV1": []}, {"bindingStateV1": {"k": 5}}]
    for bad in bad_states:
        with pytest.raises(ConfigError):
            binding_states(bad)


def test_stale_keys_are_dropped_by_patch() -> None:
    state = {"bindingStateV1": {"users": {"cursor": 1}, "old": {"cursor": 2}}}
    patch = stale_keys_patch(state, ["users", "users.v1"])
    assert patch == {"bindingStateV1": {"old": None}}
    assert merge_patch(state, patch) == {"bindingStateV1": {"users": {"cursor": 1}}}
    assert stale_keys_patch(state, ["users", "old"]) is None
    assert binding_patch("k", {"cursor": 9}) == {"bindingStateV1": {"k": {"cursor": 9}}}
