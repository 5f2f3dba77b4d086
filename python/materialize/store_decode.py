"""Decode a block of plain `store` requests into a StoreBatch whose documents stay JSON text.

Between `flushed` and `startCommit` the runtime sends nothing but stores. msgspec decodes a block
of them in one call and keeps each `doc` as a `msgspec.Raw`, the exact bytes of the request: a
connector that writes documents as text (a `flow_document` column, a file) never parses or
serializes them, and one that wants objects parses the whole batch in one call (`StoreBatch.docs`).

Only plain stores qualify: any other member (`$internal`, `keyPacked`, ...), another variant, a
field of another type or bad JSON gives None, and the session parses that block the general way.
"""

from __future__ import annotations

from operator import attrgetter
from typing import Any

import msgspec

from ..stdio import decode_lines
from .transactor import StoreBatch


class StoreBody(msgspec.Struct, forbid_unknown_fields=True, gc=False):
    """A plain `store` request: key and values as JSON values, the document as raw JSON text."""

    key: list[Any]
    doc: msgspec.Raw
    values: list[Any] = []
    binding: int = 0
    exists: bool = False
    delete: bool = False


class StoreRequest(msgspec.Struct, forbid_unknown_fields=True, gc=False):
    """A request that is a plain store and nothing else."""

    store: StoreBody


_decoder = msgspec.json.Decoder(list[StoreRequest])
_body = attrgetter("store")
_fields = attrgetter("binding", "key", "values", "doc", "exists", "delete")


def decode_stores(block: bytes) -> StoreBatch | None:
    """The stores of `block` (complete JSON lines, no final newline) as one batch; None unless all are plain stores."""
    # msgspec.ValidationError (another variant, an extra member, a field of another type) is a DecodeError too.
    requests = decode_lines(block, _decoder.decode, msgspec.DecodeError)
    if requests is None:
        return None
    bindings, keys, values, texts, exists, deletes = zip(*map(_fields, map(_body, requests)), strict=True)
    return StoreBatch(bindings, keys, values, None, exists, deletes, doc_texts=texts)
