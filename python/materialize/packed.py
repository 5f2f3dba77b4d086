"""Decoding of packed keys and values (FoundationDB tuple encoding), used with the protobuf codec.

With the protobuf codec the runtime sends `keyPacked`/`valuesPacked` (base64 in Flow JSON form)
instead of JSON arrays. Flow packs JSON scalars as tuple elements; objects and arrays are packed
as the bytes of their JSON text, which is decoded back to the value here.
"""

from __future__ import annotations

import base64
import struct
from typing import Any

import orjson

from ..errors import ProtocolError

_DOUBLE = struct.Struct(">d")
_FLOAT = struct.Struct(">f")


def _bytes_until_nul(data: bytes, pos: int) -> tuple[bytes, int]:
    """Escaped byte string starting at pos: 0x00 0xFF is a literal NUL, a lone 0x00 ends it."""
    out = bytearray()
    n = len(data)
    while True:
        end = data.find(b"\x00", pos)
        if end < 0:
            raise ProtocolError("packed tuple: unterminated byte string")
        out += data[pos:end]
        if end + 1 < n and data[end + 1] == 0xFF:
            out.append(0)
            pos = end + 2
            continue
        return bytes(out), end + 1


def _ordered_float(raw: bytes) -> bytes:
    # Encoding flipped the sign bit of positives and every bit of negatives; undo it.
    if raw[0] & 0x80:
        return bytes([raw[0] ^ 0x80]) + raw[1:]
    return bytes(b ^ 0xFF for b in raw)


def unpack(data: bytes) -> list[Any]:
    """Decode a packed tuple into a list of JSON values."""
    out: list[Any] = []
    pos, n = 0, len(data)
    while pos < n:
        code = data[pos]
        pos += 1
        if code == 0x00:
            out.append(None)
        elif code in (0x01, 0x02):
            raw, pos = _bytes_until_nul(data, pos)
            if code == 0x02:
                out.append(raw.decode("utf-8"))
            elif raw[:1] in (b"[", b"{"):
                out.append(orjson.loads(raw))
            else:
                out.append(base64.b64encode(raw).decode())
        elif 0x0C <= code <= 0x1C:
            size = code - 0x14
            if size >= 0:
                out.append(int.from_bytes(data[pos : pos + size], "big"))
            else:
                size = -size
                raw = data[pos : pos + size]
                out.append(int.from_bytes(raw, "big") - (1 << (8 * size)) + 1)
            pos += size
        elif code == 0x1D:
            size = data[pos]
            out.append(int.from_bytes(data[pos + 1 : pos + 1 + size], "big"))
            pos += 1 + size
        elif code == 0x0B:
            size = data[pos] ^ 0xFF
            raw = data[pos + 1 : pos + 1 + size]
            out.append(int.from_bytes(raw, "big") - (1 << (8 * size)) + 1)
            pos += 1 + size
        elif code == 0x20:
            out.append(_FLOAT.unpack(_ordered_float(data[pos : pos + 4]))[0])
            pos += 4
        elif code == 0x21:
            out.append(_DOUBLE.unpack(_ordered_float(data[pos : pos + 8]))[0])
            pos += 8
        elif code == 0x26:
            out.append(False)
        elif code == 0x27:
            out.append(True)
        else:
            raise ProtocolError(f"packed tuple: unsupported element code 0x{code:02x} at byte {pos - 1}")
    return out


def unpack_b64(text: str) -> list[Any]:
    """Decode a base64 packed tuple (its Flow JSON form)."""
    return unpack(base64.b64decode(text))
