"""Connector state: RFC 7396 merge patches and the per-binding `bindingStateV1` layout."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from ..errors import ConfigError
from ..merge_patch import merge_patch

BINDING_STATE = "bindingStateV1"


def reduce_checkpoints(initial: Any, checkpoints: Iterable[Mapping[str, Any]]) -> Any:
    """Fold `checkpoint` bodies ({updated, mergePatch}) over a state the way Flow's runtime does."""
    state = initial
    for body in checkpoints:
        updated = body.get("state", {}).get("updated", {})
        state = merge_patch(state, updated) if body.get("state", {}).get("mergePatch") else updated
    return state


def binding_states(state: Any) -> dict[str, Any]:
    """The `{stateKey: state}` map of a connector state, or an explanation of why it has the wrong shape."""
    if state is None or state == {}:
        return {}
    if not isinstance(state, dict):
        raise ConfigError(f"connector state must be a JSON object, got {type(state).__name__}")
    inner = state.get(BINDING_STATE, {})
    if not isinstance(inner, dict):
        raise ConfigError(
            f"connector state /{BINDING_STATE} must be an object of stateKey -> state, got {type(inner).__name__}"
        )
    for key, value in inner.items():
        if not isinstance(value, dict):
            raise ConfigError(f"connector state /{BINDING_STATE}/{key} must be an object, got {type(value).__name__}")
    return inner


def binding_patch(state_key: str, patch: Mapping[str, Any] | None) -> dict[str, Any]:
    """A merge patch that sets (or with None, drops) one binding's state."""
    return {BINDING_STATE: {state_key: patch}}


def stale_keys_patch(state: Any, bound: Iterable[str]) -> dict[str, Any] | None:
    """A merge patch dropping the state of every stateKey no longer bound, or None if there is none."""
    keep = set(bound)
    stale = [key for key in binding_states(state) if key not in keep]
    if not stale:
        return None
    return {BINDING_STATE: dict.fromkeys(stale)}
