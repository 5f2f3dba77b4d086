"""A tiny, deliberately misbehaving capture connector for the runtime's tests (mode: $BAD_MODE)."""

from __future__ import annotations

import json
import os
import sqlite3
import sys
import time

MODE = os.environ.get("BAD_MODE", "ok")


def send(msg: object) -> None:
    """Write one response line."""
    sys.stdout.write(json.dumps(msg) + "\n")
    sys.stdout.flush()


def captured(doc: object, binding: int = 0) -> None:
    """Emit one document."""
    send({"captured": {"binding": binding, "doc": doc}})


def checkpoint(updated: object, merge: bool = True) -> None:
    """Emit one checkpoint."""
    send({"checkpoint": {"state": {"updated": updated, "mergePatch": merge}}})


def committed_offset(collection: str) -> int:
    """The journal offset the runtime's recovery log has committed (0 if none)."""
    db = sqlite3.connect(os.path.join(os.environ["STATE_DIR"], "recovery.db"))
    row = db.execute("SELECT committed FROM journals WHERE collection = ?", (collection,)).fetchone()
    db.close()
    return int(row[0]) if row else 0


def session(request: dict[str, object]) -> None:
    """Answer `open` according to MODE."""
    if MODE == "before_opened":
        captured({"id": 1})
        return
    if MODE == "acks":
        send({"opened": {"explicitAcknowledgements": True}})
        for i in range(1, 4):
            captured({"id": i})
            checkpoint({"n": i})
            ack = json.loads(sys.stdin.readline())
            # The acknowledge must come after the runtime committed the checkpoint.
            offset = committed_offset("test/things")
            sys.stderr.write(json.dumps({"level": "info", "msg": f"ack {i} {ack} committed={offset}"}) + "\n")
        return
    send({"opened": {}})
    if MODE == "ok":
        for i in range(1, 4):
            captured({"id": i, "n": i})
        checkpoint({"cursor": 3})
    elif MODE == "schema":
        captured({"id": 1, "n": 1})
        captured({"id": 7, "n": "seven"})
        checkpoint({"cursor": 7})
    elif MODE == "exit":
        captured({"id": 1, "n": 1})
        sys.stderr.write(json.dumps({"level": "error", "msg": "database exploded"}) + "\n")
        sys.stderr.flush()
        sys.exit(3)
    elif MODE == "crash_torn":
        sys.stdout.write('{"captured": {"binding": 0, "doc": {"id": 2')  # dies mid-line
        sys.stdout.flush()
        sys.stderr.write("Traceback (most recent call last):\nMemoryError: out of memory\n")
        sys.stderr.flush()
        os._exit(2)
    elif MODE == "hang":
        captured({"id": 1, "n": 1})
        time.sleep(120)
    elif MODE == "garbage":
        captured({"id": 1, "n": 1})
        sys.stdout.write("this is not json at all\n")
        sys.stdout.flush()
        time.sleep(120)
    elif MODE == "binding":
        captured({"id": 1}, binding=5)
        checkpoint({})
    elif MODE == "bad_state":
        captured({"id": 1})
        send({"checkpoint": {"state": {"updated": [1, 2]}}})
    elif MODE == "array":
        sys.stdout.write("[1, 2]\n")
        sys.stdout.flush()
    elif MODE == "wrong_variant_session":
        send({"validated": {}})
    elif MODE == "mixed":  # other variants and a document with its own `_meta` among plain ones
        captured({"id": 1})
        send({"backfillBegin": {"binding": 0}})
        captured({"id": 2, "_meta": {"op": "d"}})
        send({"sourcedSchema": {"binding": 0, "schemaJson": {"type": "object"}}})
        captured({"id": 3})
        send({"backfillComplete": {}})
        checkpoint({"cursor": 3})
    elif MODE == "null_checkpoint":
        captured({"id": 1})
        send({"checkpoint": None})
    elif MODE == "merge":
        captured({"id": 1})
        checkpoint({"a": 1, "b": {"c": 1}}, merge=False)
        captured({"id": 2})
        checkpoint({"b": {"c": None, "d": 2}})
        captured({"id": 3})  # never checkpointed: must not be committed


def main() -> None:
    """Read requests and answer them."""
    for line in sys.stdin:
        request = json.loads(line)
        if "spec" in request:
            if MODE == "wrong_variant":
                send({"validated": {"bindings": []}})
            else:
                send({"spec": {"protocol": 3032023, "configSchema": {}, "resourceConfigSchema": {}}})
            return
        if "validate" in request:
            bindings = request["validate"].get("bindings", [])
            send({"validated": {"bindings": [{"resourcePath": [f"r{i}"]} for i in range(len(bindings))]}})
            return
        if "open" in request:
            session(request)
            return


if __name__ == "__main__":
    main()
