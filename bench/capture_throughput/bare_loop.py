"""The practical limit: a plain loop writing the same Flow protocol lines with orjson, no framework.

Usage: bare_loop.py COUNT [--batched]. Each document line is a constant prefix, orjson.dumps(doc)
and `}}`; a checkpoint line follows every CHECKPOINT_EVERY documents, and the buffer is written
then. `--batched` frames 200 documents per bytes.join (the trick the streams layer uses), still
on one thread.
"""

from __future__ import annotations

import sys
from itertools import islice

import orjson
from common import CHECKPOINT_EVERY, documents


def main() -> None:
    """Write COUNT documents of binding 0 with checkpoints to stdout."""
    count = int(sys.argv[1])
    out = sys.stdout.buffer
    dumps = orjson.dumps
    prefix, suffix = b'{"captured":{"binding":0,"doc":', b"}}\n"
    buf = bytearray(b'{"opened":{}}\n')
    n = 0
    for doc in documents(count):
        buf += prefix
        buf += dumps(doc)
        buf += suffix
        n += 1
        if n == CHECKPOINT_EVERY:
            state = {"bindingStateV1": {"users": {"cursor": doc["updated_at"]}}}
            buf += dumps({"checkpoint": {"state": {"updated": state, "mergePatch": True}}})
            buf += b"\n"
            out.write(buf)
            buf.clear()
            n = 0
    buf += b'{"checkpoint":{"state":{"updated":{},"mergePatch":true}}}\n'
    out.write(buf)
    out.flush()


def main_batched() -> None:
    """Like `main`, framing documents 200 at a time."""
    count = int(sys.argv[1])
    out = sys.stdout.buffer
    dumps = orjson.dumps
    prefix, suffix = b'{"captured":{"binding":0,"doc":', b"}}\n"
    separator = suffix + prefix
    parts = [b'{"opened":{}}\n']
    source = iter(documents(count))
    n = 0
    while batch := list(islice(source, 200)):
        parts.append(prefix + separator.join(map(dumps, batch)) + suffix)
        n += len(batch)
        if n >= CHECKPOINT_EVERY:
            state = {"bindingStateV1": {"users": {"cursor": batch[-1]["updated_at"]}}}
            parts.append(dumps({"checkpoint": {"state": {"updated": state, "mergePatch": True}}}) + b"\n")
            out.write(b"".join(parts))  # one copy per unit, no growing buffer
            parts.clear()
            n = 0
    parts.append(b'{"checkpoint":{"state":{"updated":{},"mergePatch":true}}}\n')
    out.write(b"".join(parts))
    out.flush()


if __name__ == "__main__":
    main_batched() if "--batched" in sys.argv else main()
