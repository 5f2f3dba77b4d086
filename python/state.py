"""Connector state, in one place: folding ConnectorState updates, state keys, per-binding state.

Used alike by the capture and materialize frameworks, the local runtime and the tests, so a
checkpoint means the same thing wherever it is read.

* A `ConnectorState` is `{"updated": <JSON>, "mergePatch": <bool>}` (Flow JSON form). With
  `mergePatch` the update is an RFC 7396 merge patch of the previous state; without it the
  update replaces the state. A ConnectorState without `updated` changes nothing.
* A binding's state key is its resource path, `/`-joined and escaped as Flow escapes it for a
  Gazette name, plus `.v<backfill>` once the binding has been backfilled. The runtime puts it in
  each binding's `stateKey`; connectors keep their per-binding state under
  `{"bindingStateV1": {<stateKey>: ...}}`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from flow_sdk.errors import ConfigError, ProtocolError
from flow_sdk.merge_patch import merge_patch

BINDING_STATE = "bindingStateV1"


def apply_connector_state(
    state: Any, connector_state: Any, what: str = "checkpoint", error: type[ProtocolError] = ProtocolError
) -> Any:
    """The state after one ConnectorState (`{updated, mergePatch}`); None leaves it unchanged.

    A malformed ConnectorState raises `error` (a RemoteProtocolError where a peer sent it) naming
    `what` carried it. The inputs are never modified.
    """
    if connector_state is None:
        return state
    if not isinstance(connector_state, dict):
        raise error(f"{what}.state must be a ConnectorState object, got {type(connector_state).__name__}")
    merge = connector_state.get("mergePatch", False)
    if not isinstance(merge, bool):
        raise error(f"{what}.state.mergePatch must be true or false, got {merge!r:.80}")
    updated = connector_state.get("updated")
    if updated is None:
        return state
    if not isinstance(updated, dict):
        raise error(f"{what}.state.updated must be a JSON object, got {type(updated).__name__}: {updated!r:.80}")
    return merge_patch(state, updated) if merge else updated


def reduce_checkpoints(initial: Any, checkpoints: Iterable[Mapping[str, Any]]) -> Any:
    """Fold `checkpoint` bodies (`{"state": ConnectorState}`) over `initial`, as Flow's runtime does."""
    state = initial
    for body in checkpoints:
        state = apply_connector_state(state, body.get("state"))
    return state


# -- state keys ------------------------------------------------------------------------------


def percent_encode(char: str) -> str:
    """Percent-encode the UTF-8 bytes of one character (upper-case hex)."""
    return "".join(f"%{b:02X}" for b in char.encode("utf-8"))


def encode_resource_path(resource_path: Sequence[str]) -> str:
    """Join path components with `/` and escape them for a Gazette name, as Flow does.

    Letters and digits (any script) and `-_+.=` stay; everything else, `/` included, is
    percent-encoded.
    """
    return "".join(c if c.isalnum() or c in "-_+.=" else percent_encode(c) for c in "/".join(resource_path))


def state_key(resource_path: Sequence[str], backfill: int = 0) -> str:
    """A binding's state key: its encoded resource path, plus `.v<backfill>` once backfilled."""
    encoded = encode_resource_path(resource_path)
    return f"{encoded}.v{backfill}" if backfill > 0 else encoded


def state_key_of(binding: Mapping[str, Any]) -> str:
    """A binding's `stateKey`; older specs without one get it computed from resource path and backfill."""
    key = binding.get("stateKey")
    if key:
        return str(key)
    return state_key([str(p) for p in binding.get("resourcePath") or []], int(binding.get("backfill") or 0))


# -- per-binding state -----------------------------------------------------------------------


def binding_states(state: Any) -> dict[str, Any]:
    """The `{stateKey: state}` map of a connector state; ConfigError when it has another shape."""
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


def binding_patch(key: str, patch: Mapping[str, Any] | None) -> dict[str, Any]:
    """A merge patch that sets (or with None, drops) the state of the binding with state key `key`."""
    return {BINDING_STATE: {key: patch}}


def stale_keys_patch(state: Any, bound: Iterable[str]) -> dict[str, Any] | None:
    """A merge patch dropping the state of every state key no longer bound, or None if there is none."""
    keep = set(bound)
    stale = [key for key in binding_states(state) if key not in keep]
    if not stale:
        return None
    return {BINDING_STATE: dict.fromkeys(stale)}
