"""RFC 6901 JSON pointers: parse, look up, and format, in one place for every module."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

_BAD_ESCAPE = re.compile(r"~(?![01])")


def parse(ptr: str) -> tuple[str, ...]:
    """Split a pointer into unescaped tokens; ValueError when it is malformed."""
    if ptr == "":
        return ()
    if not ptr.startswith("/"):
        raise ValueError(f"JSON pointer {ptr!r} must be empty or begin with '/'")
    tokens = ptr[1:].split("/")
    if any(_BAD_ESCAPE.search(token) for token in tokens):
        raise ValueError(f"JSON pointer {ptr!r} has an invalid '~' escape")
    return tuple(token.replace("~1", "/").replace("~0", "~") for token in tokens)


def lookup(doc: Any, tokens: Sequence[str], missing: Any = None) -> Any:
    """The value at parsed `tokens` within `doc`, or `missing` where there is none."""
    for token in tokens:
        if isinstance(doc, dict):
            if token not in doc:
                return missing
            doc = doc[token]
        elif isinstance(doc, list) and token.isdigit() and int(token) < len(doc):
            doc = doc[int(token)]
        else:
            return missing
    return doc


def get(doc: Any, ptr: str, missing: Any = None) -> Any:
    """The value at pointer `ptr` within `doc`, or `missing`; ValueError for a malformed pointer."""
    return lookup(doc, parse(ptr), missing)


def escape(token: object) -> str:
    """One reference token, escaped (`~` and `/`)."""
    return str(token).replace("~", "~0").replace("/", "~1")


def format_path(path: Iterable[object]) -> str:
    """The pointer of a path of object keys and array indices ('' is the root)."""
    return "".join("/" + escape(token) for token in path)
