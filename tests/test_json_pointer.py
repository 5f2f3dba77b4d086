"""The shared RFC 6901 pointer helpers."""

from __future__ import annotations

import pytest

from flow_sdk import json_pointer

MISSING = object()


def test_parse_unescapes_and_rejects_malformed_pointers() -> None:
    assert json_pointer.parse("") == ()
    assert json_pointer.parse("/a~1b/~0c/0") == ("a/b", "~c", "0")
    with pytest.raises(ValueError, match="must be empty or begin with '/'"):
        json_pointer.parse("a/b")
    with pytest.raises(ValueError, match="invalid '~' escape"):
        json_pointer.parse("/a~2")


def test_lookup_tells_null_from_missing() -> None:
    doc = {"a": {"b": [10, {"c": None}]}, "x/y": 1}
    assert json_pointer.get(doc, "/a/b/1/c", MISSING) is None
    assert json_pointer.get(doc, "/a/b/1/d", MISSING) is MISSING
    assert json_pointer.get(doc, "/a/b/2", MISSING) is MISSING
    assert json_pointer.get(doc, "/a/b/0") == 10
    assert json_pointer.get(doc, "/x~1y") == 1
    assert json_pointer.get(doc, "") is doc


def test_format_path_round_trips_through_parse() -> None:
    path = ["a/b", "~c", 3]
    assert json_pointer.format_path(path) == "/a~1b/~0c/3"
    assert json_pointer.parse(json_pointer.format_path(path)) == ("a/b", "~c", "3")
