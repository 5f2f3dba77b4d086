"""COPY text-format rows from Store key/values/document, with the least Python work per row.

Each binding gets one row function, generated once from its columns: a straight-line body that
reads each value and formats it with the encoder its column type needs, then returns the whole
line from one f-string. Per row that is a single call, no loop over columns and no dispatch.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Sequence
from typing import Any

import orjson

from .mapping import BOOLEAN, BYTEA, JSONB, ColumnSpec

NULL = "\\N"
_TEXT_ESCAPES = str.maketrans({"\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t"})

RowEncoder = Callable[[Sequence[Any], Sequence[Any], Any], str]


def text(value: str) -> str:
    """A string as a COPY text field: backslash, newline, carriage return and tab escaped."""
    if "\\" in value or "\n" in value or "\r" in value or "\t" in value:
        return value.translate(_TEXT_ESCAPES)
    return value


def json_text(value: Any) -> str:
    """A JSON value as a COPY text field (orjson escapes control characters; only backslashes remain)."""
    out = orjson.dumps(value).decode()
    return out.replace("\\", "\\\\") if "\\" in out else out


def bytea(value: str) -> str:
    """Base64 content as a bytea hex literal, its backslash escaped for COPY."""
    return "\\\\x" + base64.b64decode(value).hex()


def _expression(column: ColumnSpec, var: str) -> str:
    """The f-string replacement field that encodes `var` for this column."""
    if column.type == JSONB:
        inner = f"json_text({var})"
    elif column.type == BOOLEAN:
        inner = f"('t' if {var} else 'f')"
    elif column.type == BYTEA:
        inner = f"bytea({var})"
    elif column.json_type == "string":
        inner = f"text({var})"
    else:  # numbers: str() of an int or float is valid PostgreSQL input
        inner = var
    if column.is_key and column.type != JSONB:
        return "{" + inner + "}"  # keys are never null
    return "{NULL if " + var + " is None else " + inner + "}"


def row_encoder(columns: Sequence[ColumnSpec], *, ordinal: bool = False) -> RowEncoder:
    """A function (key, values, doc) -> one COPY text line for these columns, in Store order.

    With `ordinal`, a final field holds `doc` as is: an integer (the load table's ordinal column).
    """
    lines = ["def encode(key, values, doc):"]
    fields = []
    k = v = 0
    for i, column in enumerate(columns):
        var = f"c{i}"
        if column.role == "key":
            lines.append(f"    {var} = key[{k}]")
            k += 1
        elif column.role == "value":
            lines.append(f"    {var} = values[{v}]")
            v += 1
        else:
            lines.append(f"    {var} = doc")
        fields.append(_expression(column, var))
    if ordinal:
        fields.append("{doc}")
    lines.append('    return f"' + "\\t".join(fields) + '\\n"')
    namespace: dict[str, Any] = {"NULL": NULL, "text": text, "json_text": json_text, "bytea": bytea}
    exec("\n".join(lines), namespace)  # the source is built only from our own fixed fragments
    encoder: RowEncoder = namespace["encode"]
    return encoder
