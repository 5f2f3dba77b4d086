"""Flow's total order over JSON values, shared by reductions (minimize, maximize, keyed merges) and shapes (enums).

null < false < true < numbers < strings < arrays < objects; arrays compare item by item, objects
property by property in sorted name order, the shorter one first when one is a prefix of the other.
"""

from __future__ import annotations

import functools
from typing import Any


class _Absent:
    def __repr__(self) -> str:
        return "<absent>"


# Missing value marker: an absent location differs from one holding JSON null (it orders as null).
ABSENT: Any = _Absent()


def _rank(value: Any) -> int:
    if value is None or value is ABSENT:
        return 0
    if isinstance(value, bool):
        return 1
    if isinstance(value, int | float):
        return 2
    if isinstance(value, str):
        return 3
    if isinstance(value, list):
        return 4
    return 5


def compare(a: Any, b: Any) -> int:
    """Total order over JSON values: negative, zero or positive."""
    ra, rb = _rank(a), _rank(b)
    if ra != rb:
        return -1 if ra < rb else 1
    if ra in (1, 2, 3):
        return -1 if a < b else (1 if a > b else 0)
    if ra == 4:
        for x, y in zip(a, b, strict=False):
            c = compare(x, y)
            if c:
                return c
        return (len(a) > len(b)) - (len(a) < len(b))
    if ra == 5:
        for ka, kb in zip(sorted(a), sorted(b), strict=False):
            if ka != kb:
                return -1 if ka < kb else 1
            c = compare(a[ka], b[kb])
            if c:
                return c
        return (len(a) > len(b)) - (len(a) < len(b))
    return 0


sort_key = functools.cmp_to_key(compare)
"""A `key=` for `sorted` giving Flow's order."""
