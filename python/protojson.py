"""Protobuf messages <-> Flow's JSON form (plain dicts), per PROTOCOL.md section 6.

`google.protobuf.json_format` is not used: it would base64 the raw-JSON `*_json`
bytes fields instead of embedding them, and print timestamps with `Z` rather
than `+00:00`. Conversion walks descriptors instead, with per-type plans cached.
"""

from __future__ import annotations

import base64
import binascii
import calendar
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any, Literal, TypeVar

import orjson
from google.protobuf import unknown_fields as _unknown
from google.protobuf.descriptor import Descriptor, EnumDescriptor, FieldDescriptor
from google.protobuf.message import DecodeError, Message

from flow_sdk.errors import ProtocolError
from flow_sdk.proto import capture_pb2, derive_pb2, materialize_pb2

__all__ = [
    "decode",
    "encode",
    "flow_json_to_message",
    "message_class",
    "message_to_flow_json",
    "unknown_fields",
]

M = TypeVar("M", bound=Message)
ProtocolName = Literal["capture", "materialize", "derive"]
Direction = Literal["request", "response"]

_FD = FieldDescriptor
_SIGNED_64 = frozenset({_FD.TYPE_INT64, _FD.TYPE_SINT64, _FD.TYPE_SFIXED64})
_UNSIGNED_64 = frozenset({_FD.TYPE_UINT64, _FD.TYPE_FIXED64})
_SIGNED_32 = frozenset({_FD.TYPE_INT32, _FD.TYPE_SINT32, _FD.TYPE_SFIXED32})
_UNSIGNED_32 = frozenset({_FD.TYPE_UINT32, _FD.TYPE_FIXED32})
_FLOATS = frozenset({_FD.TYPE_DOUBLE, _FD.TYPE_FLOAT})
_INT_RANGES: dict[int, tuple[int, int]] = {
    **dict.fromkeys(_SIGNED_64, (-(2**63), 2**63 - 1)),
    **dict.fromkeys(_UNSIGNED_64, (0, 2**64 - 1)),
    **dict.fromkeys(_SIGNED_32, (-(2**31), 2**31 - 1)),
    **dict.fromkeys(_UNSIGNED_32, (0, 2**32 - 1)),
}
_TIMESTAMP = "google.protobuf.Timestamp"
_DURATION = "google.protobuf.Duration"
# Upstream marks raw-JSON bytes fields by these name suffixes (gogoproto casts).
_RAW_JSON_SUFFIXES = ("_json", "_json_vec", "_json_map")

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_TIMESTAMP_RE = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?([Zz]|[+-]\d{2}:\d{2})$"
)
_INT_RE = re.compile(r"-?\d+")
_DURATION_RE = re.compile(r"^(-)?(\d+)(?:\.(\d{1,9}))?s$")
# Timestamp's documented range: 0001-01-01T00:00:00Z .. 9999-12-31T23:59:59Z.
_MIN_SECONDS = -62135596800
_MAX_SECONDS = 253402300799
_MAX_DURATION_SECONDS = 315576000000

_CLASSES: dict[tuple[str, str], type[Message]] = {
    ("capture", "request"): capture_pb2.Request,
    ("capture", "response"): capture_pb2.Response,
    ("materialize", "request"): materialize_pb2.Request,
    ("materialize", "response"): materialize_pb2.Response,
    ("derive", "request"): derive_pb2.Request,
    ("derive", "response"): derive_pb2.Response,
}


# ---------------------------------------------------------------------------
# Field plans


@dataclass(frozen=True, slots=True)
class _Field:
    """How one field converts; computed once per message type."""

    desc: FieldDescriptor
    name: str
    json_name: str
    index: int
    repeated: bool
    is_map: bool
    # For maps these describe the value; `key_type` is the map key's scalar type.
    type: int
    message: Descriptor | None
    enum: EnumDescriptor | None
    raw_json: bool
    key_type: int


@cache
def _plan(desc: Descriptor) -> dict[str, _Field]:
    """Fields of `desc` by proto name (declaration order)."""
    out: dict[str, _Field] = {}
    for f in desc.fields:
        is_map = f.message_type is not None and f.message_type.GetOptions().map_entry
        leaf = f.message_type.fields_by_name["value"] if is_map and f.message_type else f
        key_type = f.message_type.fields_by_name["key"].type if is_map and f.message_type else 0
        raw = leaf.type == _FD.TYPE_BYTES and f.name.endswith(_RAW_JSON_SUFFIXES)
        out[f.name] = _Field(
            desc=f,
            name=f.name,
            json_name=f.json_name,
            index=f.index,
            repeated=f.is_repeated and not is_map,
            is_map=bool(is_map),
            type=leaf.type,
            message=leaf.message_type,
            enum=leaf.enum_type,
            raw_json=raw,
            key_type=key_type,
        )
    return out


@cache
def _json_lookup(desc: Descriptor) -> dict[str, _Field]:
    """Fields of `desc` by JSON name, also accepting proto names (as ProtoJSON parsers do)."""
    plan = _plan(desc)
    lookup = {f.name: f for f in plan.values()}
    lookup.update({f.json_name: f for f in plan.values()})
    return lookup


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


# ---------------------------------------------------------------------------
# protobuf -> dict


def message_to_flow_json(msg: Message) -> dict[str, Any]:
    """Convert a message to Flow's JSON form (a dict as `orjson.loads` would give)."""
    return _message_out(msg, "")


def _message_out(msg: Message, path: str) -> dict[str, Any]:
    plan = _plan(msg.DESCRIPTOR)
    # ListFields yields exactly what JSON shows: non-default scalars, present
    # messages (even empty ones), non-empty repeated fields and maps.
    listed = [(plan[fd.name], value) for fd, value in msg.ListFields() if fd.name in plan]
    listed.sort(key=lambda item: item[0].index)
    out: dict[str, Any] = {}
    for field, value in listed:
        fpath = _join(path, field.json_name)
        if field.is_map:
            out[field.json_name] = {
                _map_key_out(k): _value_out(field, value[k], f"{fpath}[{k!r}]") for k in sorted(value)
            }
        elif field.repeated:
            out[field.json_name] = [_value_out(field, v, f"{fpath}[{i}]") for i, v in enumerate(value)]
        else:
            out[field.json_name] = _value_out(field, value, fpath)
    return out


def _map_key_out(key: Any) -> str:
    if isinstance(key, bool):
        return "true" if key else "false"
    return str(key)


def _value_out(field: _Field, value: Any, path: str) -> Any:
    t = field.type
    if t == _FD.TYPE_MESSAGE:
        assert field.message is not None
        full_name = field.message.full_name
        if full_name == _TIMESTAMP:
            return _timestamp_out(value.seconds, value.nanos)
        if full_name == _DURATION:
            return _duration_out(value.seconds, value.nanos)
        return _message_out(value, path)
    if t == _FD.TYPE_BYTES:
        if field.raw_json:
            try:
                return orjson.loads(value)
            except orjson.JSONDecodeError as exc:
                raise ProtocolError(
                    f"{path} does not hold valid JSON", expected="JSON text", received=f"{exc}"
                ) from exc
        return base64.b64encode(value).decode("ascii")
    if t in _SIGNED_64 or t in _UNSIGNED_64:
        return str(value)
    if t == _FD.TYPE_ENUM:
        assert field.enum is not None
        known = field.enum.values_by_number.get(value)
        # An enum number this build doesn't know stays a number, as in ProtoJSON.
        return known.name if known is not None else value
    if t in _FLOATS and not math.isfinite(value):
        return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
    return value


def _fraction(nanos: int) -> str:
    """Fractional seconds with 3, 6 or 9 digits, or nothing when zero."""
    if nanos == 0:
        return ""
    if nanos % 1_000_000 == 0:
        return f".{nanos // 1_000_000:03d}"
    if nanos % 1_000 == 0:
        return f".{nanos // 1_000:06d}"
    return f".{nanos:09d}"


def _timestamp_out(seconds: int, nanos: int) -> str:
    dt = _EPOCH + timedelta(seconds=seconds)
    return (
        f"{dt.year:04d}-{dt.month:02d}-{dt.day:02d}T{dt.hour:02d}:{dt.minute:02d}:{dt.second:02d}"
        f"{_fraction(nanos)}+00:00"
    )


def _duration_out(seconds: int, nanos: int) -> str:
    # Seconds and nanos share a sign (or one of them is zero).
    sign = "-" if seconds < 0 or nanos < 0 else ""
    return f"{sign}{abs(seconds)}{_fraction(abs(nanos))}s"


# ---------------------------------------------------------------------------
# dict -> protobuf


def flow_json_to_message(obj: Mapping[str, Any], cls: type[M]) -> M:
    """Build a `cls` message from Flow's JSON form; unknown keys are ignored."""
    msg = cls()
    _message_in(msg, obj, "")
    return msg


def _bad(path: str, expected: str, value: Any) -> ProtocolError:
    shown = repr(value)
    if len(shown) > 60:
        shown = shown[:57] + "..."
    return ProtocolError(
        f"invalid value for field {path or '<root>'}",
        expected=expected,
        received=f"{type(value).__name__} {shown}",
        fields={"path": path},
    )


def _message_in(msg: Message, obj: Any, path: str) -> None:
    if not isinstance(obj, Mapping):
        raise _bad(path, "a JSON object", obj)
    lookup = _json_lookup(msg.DESCRIPTOR)
    for key, value in obj.items():
        field = lookup.get(key)
        # A newer runtime may send fields we lack; `null` means absent (ProtoJSON).
        if field is None or value is None:
            continue
        fpath = _join(path, field.json_name)
        if field.is_map:
            _map_in(msg, field, value, fpath)
        elif field.repeated:
            _repeated_in(msg, field, value, fpath)
        elif field.type == _FD.TYPE_MESSAGE:
            _submessage_in(getattr(msg, field.name), field, value, fpath)
        else:
            scalar = _scalar_in(field, value, fpath)
            if scalar is not _SKIP:
                setattr(msg, field.name, scalar)


def _submessage_in(sub: Message, field: _Field, value: Any, path: str) -> None:
    assert field.message is not None
    full_name = field.message.full_name
    if full_name == _TIMESTAMP:
        sub.seconds, sub.nanos = _timestamp_in(value, path)  # type: ignore[attr-defined]
    elif full_name == _DURATION:
        sub.seconds, sub.nanos = _duration_in(value, path)  # type: ignore[attr-defined]
    else:
        _message_in(sub, value, path)
    # Marks presence even for `{}`, which is meaningful (e.g. `"reset": {}`).
    sub.SetInParent()


def _repeated_in(msg: Message, field: _Field, value: Any, path: str) -> None:
    if not isinstance(value, list | tuple):
        raise _bad(path, "a JSON array", value)
    container = getattr(msg, field.name)
    for i, item in enumerate(value):
        ipath = f"{path}[{i}]"
        # Inside raw JSON, `null` is a value like any other.
        if item is None and not field.raw_json:
            raise _bad(ipath, "a non-null array item", item)
        if field.type == _FD.TYPE_MESSAGE:
            _submessage_in(container.add(), field, item, ipath)
        else:
            scalar = _scalar_in(field, item, ipath)
            if scalar is not _SKIP:
                container.append(scalar)


def _map_in(msg: Message, field: _Field, value: Any, path: str) -> None:
    if not isinstance(value, Mapping):
        raise _bad(path, "a JSON object", value)
    container = getattr(msg, field.name)
    for raw_key, item in value.items():
        ipath = f"{path}[{raw_key!r}]"
        key = _map_key_in(field.key_type, raw_key, ipath)
        if item is None and not field.raw_json:
            raise _bad(ipath, "a non-null map value", item)
        if field.type == _FD.TYPE_MESSAGE:
            _submessage_in(container[key], field, item, ipath)
        else:
            scalar = _scalar_in(field, item, ipath)
            if scalar is not _SKIP:
                container[key] = scalar


def _map_key_in(key_type: int, key: Any, path: str) -> Any:
    if not isinstance(key, str):
        raise _bad(path, "a string map key", key)
    if key_type == _FD.TYPE_STRING:
        return key
    if key_type == _FD.TYPE_BOOL:
        if key not in ("true", "false"):
            raise _bad(path, "a map key of true or false", key)
        return key == "true"
    return _int_in(key_type, key, path)


class _Skip:
    """Marker for a value that is dropped (an enum name this build doesn't know)."""


_SKIP: Any = _Skip()


def _scalar_in(field: _Field, value: Any, path: str) -> Any:
    t = field.type
    if t == _FD.TYPE_BYTES:
        if field.raw_json:
            try:
                return orjson.dumps(value)
            except (orjson.JSONEncodeError, TypeError) as exc:
                raise _bad(path, "a JSON-serializable value", value) from exc
        return _bytes_in(value, path)
    if t == _FD.TYPE_STRING:
        if not isinstance(value, str):
            raise _bad(path, "a JSON string", value)
        return value
    if t == _FD.TYPE_BOOL:
        if not isinstance(value, bool):
            raise _bad(path, "a JSON boolean", value)
        return value
    if t == _FD.TYPE_ENUM:
        return _enum_in(field, value, path)
    if t in _FLOATS:
        return _float_in(value, path)
    return _int_in(t, value, path)


def _bytes_in(value: Any, path: str) -> bytes:
    if not isinstance(value, str):
        raise _bad(path, "a base64 string", value)
    # Accept the URL-safe alphabet and missing padding too (ProtoJSON does).
    text = value.replace("-", "+").replace("_", "/")
    text += "=" * (-len(text) % 4)
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise _bad(path, "a base64 string", value) from exc


def _enum_in(field: _Field, value: Any, path: str) -> Any:
    assert field.enum is not None
    if isinstance(value, str):
        known = field.enum.values_by_name.get(value)
        # A name from a newer protocol: drop it rather than fail the whole message.
        return known.number if known is not None else _SKIP
    if isinstance(value, int) and not isinstance(value, bool):
        return _int_in(_FD.TYPE_INT32, value, path)
    raise _bad(path, f"a {field.enum.name} name", value)


def _float_in(value: Any, path: str) -> float:
    if isinstance(value, bool):
        raise _bad(path, "a JSON number", value)
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        special = {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}
        if value in special:
            return special[value]
        try:
            return float(value)
        except ValueError:
            pass
    raise _bad(path, "a JSON number", value)


def _int_in(field_type: int, value: Any, path: str) -> int:
    low, high = _INT_RANGES[field_type]
    expected = f"an integer in [{low}, {high}]"
    if isinstance(value, bool):
        raise _bad(path, expected, value)
    # ProtoJSON accepts integral numbers and decimal strings alike.
    integral = (isinstance(value, float) and value.is_integer()) or (
        isinstance(value, str) and _INT_RE.fullmatch(value) is not None
    )
    if not isinstance(value, int) and not integral:
        raise _bad(path, expected, value)
    number = int(value)
    if not low <= number <= high:
        raise _bad(path, expected, value)
    return number


def _nanos_in(digits: str | None) -> int:
    return int((digits or "").ljust(9, "0"))


def _timestamp_in(value: Any, path: str) -> tuple[int, int]:
    m = _TIMESTAMP_RE.match(value) if isinstance(value, str) else None
    if m is None:
        raise _bad(path, "an RFC 3339 timestamp", value)
    year, month, day, hour, minute, second = (int(g) for g in m.groups()[:6])
    offset = m.group(8)
    try:
        naive = datetime(year, month, day, hour, minute, second)
    except ValueError as exc:
        raise _bad(path, "an RFC 3339 timestamp", value) from exc
    seconds = calendar.timegm(naive.timetuple())
    if offset not in ("Z", "z"):
        sign = -1 if offset[0] == "-" else 1
        seconds -= sign * (int(offset[1:3]) * 3600 + int(offset[4:6]) * 60)
    if not _MIN_SECONDS <= seconds <= _MAX_SECONDS:
        raise _bad(path, "a timestamp within years 0001..9999", value)
    return seconds, _nanos_in(m.group(7))


def _duration_in(value: Any, path: str) -> tuple[int, int]:
    m = _DURATION_RE.match(value) if isinstance(value, str) else None
    if m is None:
        raise _bad(path, "a duration such as '300s' or '1.5s'", value)
    seconds, nanos = int(m.group(2)), _nanos_in(m.group(3))
    if seconds > _MAX_DURATION_SECONDS:
        raise _bad(path, "a duration within +-10000 years", value)
    if m.group(1):
        seconds, nanos = -seconds, -nanos
    return seconds, nanos


# ---------------------------------------------------------------------------
# Protocol-level helpers


def message_class(protocol: ProtocolName, direction: Direction) -> type[Message]:
    """The Request or Response class of a connector protocol."""
    try:
        return _CLASSES[(protocol, direction)]
    except KeyError:
        raise ValueError(f"unknown protocol/direction: {protocol!r}/{direction!r}") from None


def decode(protocol: ProtocolName, direction: Direction, data: bytes) -> dict[str, Any]:
    """Decode protobuf bytes of a protocol message into Flow's JSON form."""
    cls = message_class(protocol, direction)
    try:
        msg = cls.FromString(data)
    except DecodeError as exc:
        raise ProtocolError(
            f"undecodable {protocol} {direction} ({len(data)} bytes): {exc}",
            expected=f"a protobuf {cls.DESCRIPTOR.full_name}",
            received="malformed protobuf bytes",
        ) from exc
    return message_to_flow_json(msg)


def encode(protocol: ProtocolName, direction: Direction, obj: Mapping[str, Any]) -> bytes:
    """Encode a protocol message in Flow's JSON form as protobuf bytes."""
    msg = flow_json_to_message(obj, message_class(protocol, direction))
    # Deterministic: map entries in key order, as Flow's own encoder writes them.
    return msg.SerializeToString(deterministic=True)


def unknown_fields(msg: Message) -> list[str]:
    """Paths of fields this build does not know, anywhere in the message tree."""
    found: list[str] = []
    _collect_unknown(msg, "", found)
    return found


def _collect_unknown(msg: Message, path: str, found: list[str]) -> None:
    unknown = _unknown.UnknownFieldSet(msg)
    for i in range(len(unknown)):
        found.append(_join(path, f"#{unknown[i].field_number}"))
    plan = _plan(msg.DESCRIPTOR)
    for fd, value in msg.ListFields():
        field = plan.get(fd.name)
        if field is None or field.type != _FD.TYPE_MESSAGE:
            continue
        fpath = _join(path, field.json_name)
        if field.is_map:
            for key in sorted(value):
                _collect_unknown(value[key], f"{fpath}[{key!r}]", found)
        elif field.repeated:
            for i, item in enumerate(value):
                _collect_unknown(item, f"{fpath}[{i}]", found)
        else:
            _collect_unknown(value, fpath, found)
