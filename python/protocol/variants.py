"""Which variant a protocol message sets: the one place that answers it."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from flow_sdk.errors import ProtocolError

# Members of a message envelope that are not variants.
ENVELOPE_EXTRAS = frozenset({"$internal"})


def variant_of(
    message: Mapping[str, Any],
    allowed: Collection[str],
    *,
    what: str,
    error: type[ProtocolError] = ProtocolError,
) -> str:
    """The single variant set in a message dict (`what` names it, e.g. "capture request").

    Explicit nulls and `$internal` count as unset. Raises `error` when the message is not an
    object, sets no variant or several, sets one not in `allowed`, or sets one to a non-object.
    """
    if not isinstance(message, Mapping):
        raise error(f"a {what} must be a JSON object", expected="an object", received=type(message).__name__)
    present = [k for k, v in message.items() if v is not None and k not in ENVELOPE_EXTRAS]
    if len(present) != 1:
        received = ", ".join(repr(k) for k in present) or "an empty message"
        raise error(
            f"a {what} must set exactly one variant", expected=f"one of {', '.join(allowed)}", received=received
        )
    name = present[0]
    if name not in allowed:
        raise error(f"unknown {what} variant {name!r}", expected=f"one of {', '.join(allowed)}", received=repr(name))
    if not isinstance(message[name], Mapping):
        raise error(
            f"{what} variant {name!r} must be a JSON object",
            expected="an object",
            received=type(message[name]).__name__,
        )
    return name
