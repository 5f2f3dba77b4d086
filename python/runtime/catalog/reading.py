"""Reading catalog files and checking the values in them; every problem is a ConfigError naming the file.

YAML and JSON files are parsed safely (YAML timestamps stay strings, as JSON has none); a
reference `file[#/json/pointer]` loads part of a file relative to the catalog file naming it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from flow_sdk import json_pointer
from flow_sdk.errors import ConfigError
from flow_sdk.json_pointer import parse as parse_pointer

JSON = Any

# Marks a pointer that leads nowhere (JSON null is a value).
_MISSING = object()


class _Loader(yaml.SafeLoader):
    """A safe YAML loader that keeps timestamps as strings, as JSON has no datetime."""


_Loader.yaml_implicit_resolvers = {
    key: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def file_error(path: Path, problem: str) -> ConfigError:
    """A ConfigError naming the file at fault."""
    return ConfigError(f"{path}: {problem}", fields={"file": str(path)})


def read_document(path: Path) -> JSON:
    """Parse a YAML or JSON file (by extension; YAML otherwise, as YAML reads JSON too)."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise file_error(path, "file not found") from None
    except OSError as exc:
        raise file_error(path, f"cannot read file: {exc.strerror or exc}") from None
    try:
        if path.suffix.lower() == ".json":
            return json.loads(text)
        return yaml.load(text, Loader=_Loader)  # A SafeLoader subclass: no arbitrary objects.
    except (ValueError, yaml.YAMLError) as exc:
        raise file_error(path, f"cannot parse file: {exc}") from None


def resolve_reference(origin: Path, reference: str, what: str) -> tuple[Path, JSON]:
    """Load `file[#/pointer]` relative to the catalog file `origin`."""
    if re.match(r"^[A-Za-z][A-Za-z0-9+.-]+://", reference) and not reference.startswith("file://"):
        raise file_error(origin, f"{what} {reference!r}: only local files can be referenced")
    ref = reference.removeprefix("file://")
    location, _, fragment = ref.partition("#")
    path = (origin.parent / location).resolve() if location else origin
    if location and not path.is_file():
        raise file_error(origin, f"{what} file {location!r} not found (looked for {path})")
    doc = read_document(path)
    if fragment:
        try:
            tokens = parse_pointer(fragment)
        except ValueError as exc:
            raise file_error(origin, f"{what} {reference!r}: {exc}") from None
        found = json_pointer.lookup(doc, tokens, _MISSING)
        if found is _MISSING:
            raise file_error(origin, f"{what} {reference!r}: fragment does not exist in {path}")
        doc = found
    return path, doc


_NAME = re.compile(r"^[\w\-.]+(/[\w\-.]+)*$", re.UNICODE)


def check_keys(path: Path, where: str, obj: Mapping[str, JSON], allowed: set[str]) -> None:
    """Reject unknown properties (Flow's models deny unknown fields)."""
    unknown = sorted(set(obj) - allowed)
    if unknown:
        raise file_error(path, f"{where}: unknown propert{'y' if len(unknown) == 1 else 'ies'} {', '.join(unknown)}")


def as_mapping(path: Path, where: str, value: JSON) -> dict[str, JSON]:
    """The value as a mapping, or a ConfigError."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise file_error(path, f"{where}: expected a mapping, got {type(value).__name__}")
    return value


def as_list(path: Path, where: str, value: JSON) -> list[JSON]:
    """The value as a list, or a ConfigError."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise file_error(path, f"{where}: expected a list, got {type(value).__name__}")
    return value


def as_string(path: Path, where: str, value: JSON) -> str:
    """The value as a non-empty string, or a ConfigError."""
    if not isinstance(value, str) or not value:
        raise file_error(path, f"{where}: expected a non-empty string")
    return value


def as_count(path: Path, where: str, value: JSON) -> int:
    """The value as a non-negative integer (absent means 0)."""
    if value is None:
        return 0
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise file_error(path, f"{where}: expected a non-negative integer")
    return value


def as_flag(path: Path, where: str, value: JSON) -> bool:
    """The value as a boolean (absent means false)."""
    if value is None:
        return False
    if not isinstance(value, bool):
        raise file_error(path, f"{where}: expected true or false")
    return value


def check_name(path: Path, what: str, value: str) -> str:
    """Check a catalog name (collection, capture, ...) is well formed."""
    if not _NAME.match(value):
        raise file_error(path, f"{what} name {value!r} is invalid (use letters, digits, -_. and / separators)")
    return value


def check_pointer(path: Path, where: str, value: JSON, *, allow_root: bool = True) -> str:
    """Check a JSON pointer is well formed."""
    if not isinstance(value, str):
        raise file_error(path, f"{where}: expected a JSON pointer string")
    try:
        parse_pointer(value)
    except ValueError as exc:
        raise file_error(path, f"{where}: {exc}") from None
    if not allow_root and value == "":
        raise file_error(path, f"{where}: the document root is not allowed here")
    return value


_DURATION_UNITS = {
    "ms": 0.001,
    "msec": 0.001,
    "s": 1,
    "sec": 1,
    "secs": 1,
    "second": 1,
    "seconds": 1,
    "m": 60,
    "min": 60,
    "mins": 60,
    "minute": 60,
    "minutes": 60,
    "h": 3600,
    "hr": 3600,
    "hrs": 3600,
    "hour": 3600,
    "hours": 3600,
    "d": 86400,
    "day": 86400,
    "days": 86400,
}


def parse_duration(text: str) -> float:
    """Parse a humantime duration (`5m`, `1h 30m`, `90s`) into seconds; ValueError if malformed."""
    parts = re.findall(r"(\d+(?:\.\d+)?)\s*([a-zA-Z]+)", text)
    if not parts or re.sub(r"(\d+(?:\.\d+)?)\s*([a-zA-Z]+)|\s+", "", text):
        raise ValueError(f"invalid duration {text!r}")
    total = 0.0
    for number, unit in parts:
        if unit not in _DURATION_UNITS:
            raise ValueError(f"invalid duration unit {unit!r} in {text!r}")
        total += float(number) * _DURATION_UNITS[unit]
    return total
