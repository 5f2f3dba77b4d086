"""A misbehaving materialize connector: `python -m tests.materialize_runtime.fake_connector MODE`.

Answers validate/apply sanely, then breaks the protocol as MODE says:
`loaded_after_flushed`, `started_commit_early`, `unknown_binding`, `double_opened`.
"""

from __future__ import annotations

import sys

import orjson


def main(mode: str) -> None:
    out = sys.stdout.buffer

    def say(msg: object) -> None:
        out.write(orjson.dumps(msg) + b"\n")
        out.flush()

    for line in sys.stdin.buffer:
        req = orjson.loads(line)
        if "validate" in req:
            bindings = []
            for b in req["validate"]["bindings"]:
                cons = [
                    {"field": p["field"], "constraint": {"type": "FIELD_OPTIONAL"}}
                    for p in b["collection"]["projections"]
                ]
                bindings.append({"resourcePath": [b["resourceConfig"]["name"]], "projectionConstraints": cons})
            say({"validated": {"bindings": bindings}})
        elif "apply" in req:
            say({"applied": {}})
        elif "open" in req:
            say({"opened": {}})
            if mode == "double_opened":
                say({"opened": {}})
        elif "acknowledge" in req:
            say({"acknowledged": {}})
            if mode == "started_commit_early":
                say({"startedCommit": {}})
        elif "load" in req:
            if mode == "unknown_binding":
                say({"loaded": {"binding": 5, "doc": {"id": 1}}})
        elif "flush" in req:
            say({"flushed": {}})
            if mode == "loaded_after_flushed":
                say({"loaded": {"doc": {"id": 1}}})
        elif "startCommit" in req:
            say({"startedCommit": {}})


if __name__ == "__main__":
    main(sys.argv[1])
