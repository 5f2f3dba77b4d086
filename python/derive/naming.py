"""Python names for Flow names: transform methods in snake_case, generated classes in PascalCase."""

from __future__ import annotations

import keyword
import re

_WORD = re.compile(r"[A-Z]+(?![a-z])[0-9]*|[A-Z]?[a-z]+[0-9]*|[0-9]+")


def words(name: str) -> list[str]:
    """The words of a Flow name: split at case changes, digits and any non-alphanumeric character."""
    return _WORD.findall(name)


def snake_case(name: str) -> str:
    """The method name of a transform, as Flow's derive-python names it (`fromInts` -> `from_ints`).

    A name that would start with a digit, or be a Python keyword, gets a trailing or leading `_`.
    """
    result = "_".join(word.lower() for word in words(name)) or "_"
    if result[0].isdigit():
        result = "_" + result
    return result + "_" if keyword.iskeyword(result) else result


def pascal_case(name: str) -> str:
    """The class-name part of a Flow name (`fromInts` -> `FromInts`, `process-strings` -> `ProcessStrings`)."""
    result = "".join(word[:1].upper() + word[1:].lower() if not word.isupper() else word for word in words(name))
    return ("_" + result if result[:1].isdigit() else result) or "_"
