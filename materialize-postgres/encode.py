"""COPY text-format rows from Store key/values/document, with the least Python work per row.

Each binding gets one row function, generated once from its columns: a straight-line body that
reads each value and formats it with the encoder its column type needs, then returns the whole
line from one f-string. Per row that is a single call, no loop over columns and no dispatch; the
common cases (strings that need no escaping, JSON without backslashes) are decided inline by
C-level string methods, and only unusual values take a function call.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Sequence
from typing import Any

import orjson

from .mapping import BOOLEAN, BYTEA, DOUBLE, JSONB, ColumnSpec

NULL = "\\N"
_TEXT_ESCAPES = str.maketrans({"\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t"})

RowEncoder = Callable[[Sequence[Any], Sequence[Any], Any], str]
BatchEncoder = Callable[[Sequence[Sequence[Any]], Sequence[Sequence[Any]], Sequence[Any]], list[str]]


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


def _expression(column: ColumnSpec, var: str, *, doc_text: bool = False) -> str:
    """The f-string replacement field that encodes `var` for this column.

    With `doc_text`, the document column's value is the document's JSON text as bytes (see
    `StoreBatch.doc_texts`): decoded, and escaped only if it holds a backslash, tab or carriage
    return (JSON text has no raw newline inside one protocol line).
    (No backslashes may appear inside an f-string's expressions: BS stands for one backslash.)
    """
    if doc_text and column.role == "document":
        return "{" + f"(text(j) if BS in (j := str({var}, 'utf-8')) or TAB in j or CR in j else j)" + "}"
    if column.type == JSONB:
        # orjson escapes control characters itself; only its backslashes need doubling for COPY.
        inner = f"(j.replace(BS, BS2) if BS in (j := dumps({var}).decode()) else j)"
    elif column.type == BOOLEAN:
        inner = f"('t' if {var} else 'f')"
    elif column.type == BYTEA:
        inner = f"bytea({var})"
    elif column.json_type == "string":
        # isprintable() is False for tab, newline and carriage return (and some rarer characters,
        # which text() then passes through unchanged).
        inner = f"({var} if {var}.isprintable() and BS not in {var} else text({var}))"
    elif column.type == DOUBLE:
        # orjson's shortest round-trip float text is valid input and costs half of repr();
        # ints keep str(), which has no 64-bit limit.
        inner = f"(dumps({var}).decode() if type({var}) is float else {var})"
    else:  # integers and numeric strings: str() is valid PostgreSQL input
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
    encoder: RowEncoder = _compile("\n".join(lines))["encode"]
    return encoder


def batch_encoder(columns: Sequence[ColumnSpec], *, doc_text: bool = False) -> BatchEncoder:
    """A function (keys, values, docs) -> the COPY text lines of a whole batch, in Store order.

    The same fields as `row_encoder`, but the loop runs inside one generated list comprehension that
    unpacks each key and values list in its target: no function call per row. A key or values list of
    another length than the columns raises ValueError (then `row_encoder` tells what is wrong).
    With `doc_text`, `docs` are the documents' JSON texts (bytes-like) rather than JSON values.
    """
    keys = [f"c{i}" for i, c in enumerate(columns) if c.role == "key"]
    values = [f"c{i}" for i, c in enumerate(columns) if c.role == "value"]
    doc = next((f"c{i}" for i, c in enumerate(columns) if c.role == "document"), "_doc")
    fields = "\\t".join(_expression(c, f"c{i}", doc_text=doc_text) for i, c in enumerate(columns))
    target = f"({', '.join(keys)},), ({''.join(v + ', ' for v in values)}), {doc}"
    source = (
        f'def encode_batch(keys, values, docs):\n    return [f"{fields}\\n" for {target} in zip(keys, values, docs)]'
    )
    encoder: BatchEncoder = _compile(source)["encode_batch"]
    return encoder


def _compile(source: str) -> dict[str, Any]:
    namespace: dict[str, Any] = {
        "NULL": NULL,
        "text": text,
        "bytea": bytea,
        "dumps": orjson.dumps,
        "BS": "\\",
        "BS2": "\\\\",
        "TAB": "\t",
        "CR": "\r",
    }
    exec(source, namespace)  # the source is built only from our own fixed fragments
    return namespace
