"""Base classes of the pydantic wire models: Flow JSON form <-> typed models.

Conventions shared by every model built on `WireModel`:

* Python attributes are snake_case; JSON keys are their lowerCamelCase form,
  which is also Flow's JSON name (Flow names `*_json` fields after their
  payload, e.g. `config`, so attributes use that payload name too).
* Raw-JSON fields (`config`, `doc`, schemas, `statePatches`, ...) are typed
  `RawJSON`: the parsed JSON value, kept by reference. They are never
  validated nor copied, so a schema of an `open` costs nothing to carry.
  A JSON `null` there reads as unset (None) and is omitted on output.
* 64-bit integers are Python `int`s (`Int64` for int64/sint64/sfixed64, `UInt64`
  for uint64/fixed64, each checked against its own range). They are read from a
  JSON string (Flow's form) or a number, and always written as a decimal string.
* `bytes` fields stay base64 `str`s; timestamps and durations stay strings
  (`None` when unset, as they are messages in protobuf).
* Unknown JSON keys are ignored (a newer peer may send more fields). An
  explicit `null` for a sub-message reads as unset, as in ProtoJSON.
* Enums are `WireEnum`s whose values are Flow's names (`"IMAGE"`, `"MUST"`). A name
  we do not know (a newer runtime's) is kept as an extra member and written back
  unchanged, rather than refused.
* `to_flow_json()` writes proto3 form: fields equal to their default are
  omitted, while a sub-message that is set is always written, even if empty.
"""

from __future__ import annotations

import enum
import types
import typing
from collections.abc import Callable
from typing import Annotated, Any, ClassVar, Self, TypeAlias

from pydantic import (
    AliasChoices,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    model_validator,
)
from pydantic.alias_generators import to_camel
from pydantic.fields import FieldInfo
from pydantic_core import ErrorDetails

from flow_sdk.errors import ProtocolError

__all__ = [
    "Int64",
    "RawJSON",
    "UInt64",
    "VariantsModel",
    "WireEnum",
    "WireModel",
    "describe_validation_error",
]

# A parsed JSON value embedded verbatim (Flow's `*_json` bytes fields).
RawJSON: TypeAlias = Any


class WireEnum(enum.StrEnum):
    """A protocol enum that tolerates names it does not know, keeping them for output."""

    @classmethod
    def _missing_(cls, value: object) -> WireEnum | None:
        if not isinstance(value, str) or not value.isidentifier():
            return None
        # Python's Enum allows a pseudo-member made on demand; cache it so identity holds.
        member = str.__new__(cls, value)
        member._name_ = value
        member._value_ = value
        return cls._value2member_map_.setdefault(value, member)  # type: ignore[return-value]


_INT64_MIN, _INT64_MAX = -(1 << 63), (1 << 63) - 1  # int64, sint64, sfixed64
_UINT64_MAX = (1 << 64) - 1  # uint64, fixed64


class _Int64Marker:
    """Annotation marker: this field is written as a JSON string."""


def _ranged_int64(low: int, high: int, what: str) -> Any:
    """A validator accepting Flow's string form of a 64-bit integer, or a plain JSON number, within [low, high]."""

    def from_json(value: object) -> object:
        if isinstance(value, bool):
            raise ValueError(f"expected {what}, got a boolean")
        if isinstance(value, str):
            try:
                value = int(value, 10)
            except ValueError:
                raise ValueError(f"expected {what} as a decimal string, got {value!r}") from None
        if isinstance(value, int) and not low <= value <= high:
            raise ValueError(f"{value} is outside the range of {what} ({low}..{high})")
        return value

    return BeforeValidator(from_json)


# Protobuf's signed and unsigned 64-bit types share one JSON form (a decimal string) but not a range.
Int64: TypeAlias = Annotated[int, _ranged_int64(_INT64_MIN, _INT64_MAX, "a signed 64-bit integer"), _Int64Marker()]
UInt64: TypeAlias = Annotated[int, _ranged_int64(0, _UINT64_MAX, "an unsigned 64-bit integer"), _Int64Marker()]


class _Kind(enum.Enum):
    """How `to_flow_json` writes one field (decided once per class)."""

    RAW = enum.auto()
    RAW_LIST = enum.auto()
    RAW_MAP = enum.auto()
    MESSAGE = enum.auto()
    MESSAGE_LIST = enum.auto()
    MESSAGE_MAP = enum.auto()
    ENUM = enum.auto()
    ENUM_LIST = enum.auto()
    INT64 = enum.auto()
    SCALAR = enum.auto()
    SCALAR_LIST = enum.auto()
    SCALAR_MAP = enum.auto()


# A field writer maps (value, default) to its JSON form, or to _OMIT when proto3 leaves it out.
_OMIT: Any = object()
_Writer = Callable[[Any, Any], Any]
_Plan = tuple[tuple[str, str, _Writer, Any], ...]
_PLANS: dict[type[WireModel], _Plan] = {}


def _strip_optional(annotation: Any) -> Any:
    """`X | None` -> `X`; anything else unchanged."""
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(args) == 1:
            return args[0]
    return annotation


def _element_kind(annotation: Any) -> str:
    """Classify a list element or map value type: raw, message, enum or scalar."""
    annotation = _strip_optional(annotation)
    if annotation is Any:
        return "raw"
    if isinstance(annotation, type) and issubclass(annotation, WireModel):
        return "message"
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        return "enum"
    return "scalar"


def _classify(field: FieldInfo) -> _Kind:
    """Decide how a (resolved) field is written."""
    if any(isinstance(m, _Int64Marker) for m in field.metadata):
        return _Kind.INT64
    annotation = _strip_optional(field.annotation)
    origin = typing.get_origin(annotation)
    if origin is list:
        element = _element_kind(typing.get_args(annotation)[0])
        return {
            "raw": _Kind.RAW_LIST,
            "message": _Kind.MESSAGE_LIST,
            "enum": _Kind.ENUM_LIST,
            "scalar": _Kind.SCALAR_LIST,
        }[element]
    if origin is dict:
        element = _element_kind(typing.get_args(annotation)[1])
        if element == "enum":
            raise TypeError("maps of enums are not used by Flow")
        return {
            "raw": _Kind.RAW_MAP,
            "message": _Kind.MESSAGE_MAP,
            "scalar": _Kind.SCALAR_MAP,
        }[element]
    return {
        "raw": _Kind.RAW,
        "message": _Kind.MESSAGE,
        "enum": _Kind.ENUM,
        "scalar": _Kind.SCALAR,
    }[_element_kind(annotation)]


def _json_name(name: str, field: FieldInfo) -> str:
    """The JSON key a field is written under."""
    return field.serialization_alias or field.alias or name


def _sorted_map(value: dict[str, Any]) -> dict[str, Any]:
    """Flow writes map entries in key order."""
    return {k: value[k] for k in sorted(value)}


class WireModel(BaseModel):
    """Base of every Flow protocol message model."""

    model_config = ConfigDict(
        alias_generator=to_camel,
        validate_by_name=True,
        validate_by_alias=True,
        extra="ignore",
    )

    @classmethod
    def from_flow_json(cls, obj: Any) -> Self:
        """Build a model from its Flow JSON form (a parsed JSON object)."""
        try:
            return cls.model_validate(obj)
        except ValidationError as exc:
            raise ProtocolError(
                describe_validation_error(cls, exc),
                fields={"errors": exc.errors(include_url=False, include_input=False)},
            ) from exc

    def to_flow_json(self) -> dict[str, Any]:
        """Write this model in Flow JSON form (proto3: default fields omitted)."""
        out: dict[str, Any] = {}
        values = self.__dict__
        for name, key, write, default in _plan(type(self)):
            value = values[name]
            if value is not None and (written := write(value, default)) is not _OMIT:
                out[key] = written
        return out


def _nonempty(write: Callable[[Any], Any]) -> _Writer:
    """A writer of a list or map: an empty one is the proto3 default, so it is omitted."""
    return lambda value, _default: write(value) if value else _OMIT


_WRITERS: dict[_Kind, _Writer] = {
    _Kind.SCALAR: lambda value, default: value if value != default else _OMIT,
    _Kind.MESSAGE: lambda value, _default: value.to_flow_json(),
    _Kind.RAW: lambda value, _default: value,
    _Kind.ENUM: lambda value, default: value.value if value != default else _OMIT,
    _Kind.INT64: lambda value, _default: str(value) if value != 0 else _OMIT,
    _Kind.MESSAGE_LIST: _nonempty(lambda value: [item.to_flow_json() for item in value]),
    _Kind.SCALAR_LIST: _nonempty(list),
    _Kind.RAW_LIST: _nonempty(list),
    _Kind.ENUM_LIST: _nonempty(lambda value: [item.value for item in value]),
    _Kind.MESSAGE_MAP: _nonempty(lambda value: {k: value[k].to_flow_json() for k in sorted(value)}),
    _Kind.SCALAR_MAP: _nonempty(_sorted_map),
    _Kind.RAW_MAP: _nonempty(_sorted_map),
}


def _plan(cls: type[WireModel]) -> _Plan:
    """Per-class list of (attribute, JSON key, writer, default), built on first use."""
    plan = _PLANS.get(cls)
    if plan is None:
        if not cls.__pydantic_complete__:
            cls.model_rebuild()
        plan = tuple(
            (name, _json_name(name, field), _WRITERS[_classify(field)], field.get_default(call_default_factory=True))
            for name, field in cls.model_fields.items()
        )
        _PLANS[cls] = plan
    return plan


class VariantsModel(WireModel):
    """Base of a top-level Request/Response: exactly one variant, plus `$internal`.

    Every field declared by a subclass is a variant. An explicit JSON `null`
    variant counts as absent. A message holding only `$internal` is valid
    (the runtime's private traffic); connectors should ignore it.
    """

    # Runtime-private bytes (base64); connectors must not depend on them.
    internal: str = Field(
        default="",
        validation_alias=AliasChoices("$internal", "internal"),
        serialization_alias="$internal",
    )

    _VARIANTS: ClassVar[dict[type[VariantsModel], tuple[tuple[str, str], ...]]] = {}

    @classmethod
    def variant_fields(cls) -> tuple[tuple[str, str], ...]:
        """(attribute, JSON key) of every variant, in declaration order."""
        found = cls._VARIANTS.get(cls)
        if found is None:
            found = tuple(
                (name, _json_name(name, field)) for name, field in cls.model_fields.items() if name != "internal"
            )
            cls._VARIANTS[cls] = found
        return found

    @model_validator(mode="after")
    def _exactly_one_variant(self) -> Self:
        """Reject two variants, or none without `$internal`."""
        present = [key for name, key in self.variant_fields() if self.__dict__[name] is not None]
        what = type(self).__module__.removeprefix("flow_sdk.") + "." + type(self).__qualname__
        if len(present) > 1:
            raise ProtocolError(
                f"{what} has more than one variant set: {', '.join(present)}",
                expected="exactly one variant",
                received=", ".join(present),
            )
        if not present and not self.internal:
            raise ProtocolError(
                f"{what} has no variant set",
                expected="one of " + ", ".join(key for _, key in self.variant_fields()),
                received="none",
            )
        return self

    def is_internal_only(self) -> bool:
        """True for a message carrying only `$internal` (no variant)."""
        return all(self.__dict__[name] is None for name, _ in self.variant_fields())

    def variant_name(self) -> str:
        """JSON key (camelCase) of the variant that is set."""
        for name, key in self.variant_fields():
            if self.__dict__[name] is not None:
                return key
        raise ProtocolError(f"{type(self).__qualname__} carries only $internal and no variant")

    def variant(self) -> WireModel:
        """The sub-message of the variant that is set."""
        for name, _ in self.variant_fields():
            value = self.__dict__[name]
            if value is not None:
                assert isinstance(value, WireModel)
                return value
        raise ProtocolError(f"{type(self).__qualname__} carries only $internal and no variant")


def _location(loc: tuple[int | str, ...]) -> str:
    """Render a pydantic error location with JSON keys: `open.bindings[0].backfill`."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else part
    return out or "<message>"


def _describe_one(error: ErrorDetails) -> str:
    """One error as `path: message (got input)`."""
    text = f"{_location(error['loc'])}: {error['msg']}"
    if error["type"] not in ("missing", "model_type", "dict_type"):
        shown = repr(error["input"])
        if len(shown) > 60:
            shown = shown[:57] + "..."
        text += f" (got {shown})"
    return text


def describe_validation_error(cls: type[BaseModel], exc: ValidationError, limit: int = 3) -> str:
    """A readable one-line summary of a ValidationError: which fields, what is wrong."""
    errors = exc.errors(include_url=False)
    what = cls.__module__.removeprefix("flow_sdk.") + "." + cls.__qualname__
    parts = [_describe_one(e) for e in errors[:limit]]
    if len(errors) > limit:
        parts.append(f"and {len(errors) - limit} more")
    return f"invalid {what}: " + "; ".join(parts)
