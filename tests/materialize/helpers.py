"""Request builders and a subprocess driver for materialization connector tests."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import orjson

REPO = Path(__file__).resolve().parents[2]


def projection(field: str, ptr: str, types: list[str], *, key: bool = False, must: bool = True) -> dict[str, Any]:
    """A Projection dict."""
    p: dict[str, Any] = {"ptr": ptr, "field": field, "inference": {"types": types}}
    if must:
        p["inference"]["exists"] = "MUST"
    if key:
        p["isPrimaryKey"] = True
    return p


def collection(name: str = "acmeCo/things", extra: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """A CollectionSpec dict keyed on /id with fields id, name, and the root document."""
    projections = [
        projection("id", "/id", ["integer"], key=True),
        projection("name", "/name", ["string"]),
        projection("flow_document", "", ["object"]),
        *(extra or []),
    ]
    return {"name": name, "key": ["/id"], "projections": projections, "writeSchema": {"type": "object"}}


def binding(
    resource: dict[str, Any],
    path: list[str],
    *,
    values: list[str] | None = None,
    document: str = "flow_document",
    delta: bool = False,
    coll: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A MaterializationSpec binding dict."""
    selection: dict[str, Any] = {"keys": ["id"], "values": values if values is not None else ["name"]}
    if document:
        selection["document"] = document
    b: dict[str, Any] = {
        "resourceConfig": resource,
        "resourcePath": path,
        "collection": coll or collection(),
        "fieldSelection": selection,
    }
    if delta:
        b["deltaUpdates"] = True
    return b


def materialization(config: dict[str, Any], bindings: list[dict[str, Any]]) -> dict[str, Any]:
    """A MaterializationSpec dict."""
    return {"name": "acmeCo/mat", "connectorType": "LOCAL", "config": config, "bindings": bindings}


def open_request(mat: dict[str, Any], state: Any = None, key_begin: int = 0) -> dict[str, Any]:
    """An open request."""
    body: dict[str, Any] = {
        "materialization": mat,
        "version": "v1",
        "range": {"keyBegin": key_begin, "keyEnd": 0xFFFFFFFF, "rClockEnd": 0xFFFFFFFF},
    }
    if state is not None:
        body["state"] = state
    return {"open": body}


def checkpoint(offset: int) -> dict[str, Any]:
    """A consumer.Checkpoint dict reading one journal through `offset`."""
    return {"sources": {"acmeCo/things/pivot=00": {"readThrough": str(offset)}}}


def store(
    binding: int,
    doc: dict[str, Any],
    *,
    values: tuple[str, ...] = ("name",),
    exists: bool = False,
    delete: bool = False,
) -> dict[str, Any]:
    """A store request for a document with an id."""
    body: dict[str, Any] = {"key": [doc["id"]], "values": [doc.get(v) for v in values], "doc": doc}
    if binding:
        body["binding"] = binding
    if exists:
        body["exists"] = True
    if delete:
        body["delete"] = True
    return {"store": body}


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7396: what the runtime does with mergePatch connector states."""
    if not isinstance(patch, dict):
        return patch
    out = dict(target) if isinstance(target, dict) else {}
    for k, v in patch.items():
        if v is None:
            out.pop(k, None)
        else:
            out[k] = merge_patch(out.get(k), v)
    return out


def reduce_state(state: Any, connector_state: dict[str, Any] | None) -> Any:
    """Apply a response's ConnectorState to the runtime's copy of the state."""
    if not connector_state:
        return state
    if connector_state.get("mergePatch"):
        return merge_patch(state, connector_state.get("updated"))
    return connector_state.get("updated")


class ConnectorProcess:
    """A connector run as `python -m <module>` from the repo root, spoken to over real pipes."""

    def __init__(self, module: str, env: dict[str, str] | None = None) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", module],
            cwd=REPO,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env={**os.environ, "FLOW_SDK_CODEC": "json", **(env or {})},
        )

    def send(self, *messages: dict[str, Any]) -> None:
        """Write requests as JSON lines."""
        assert self.proc.stdin is not None
        self.proc.stdin.write(b"".join(orjson.dumps(m) + b"\n" for m in messages))
        self.proc.stdin.flush()

    def recv(self) -> dict[str, Any]:
        """Read one response (fails if the connector exited)."""
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line:
            raise AssertionError(f"connector ended (rc={self.proc.wait()}): {self.stderr()}")
        return orjson.loads(line)  # type: ignore[no-any-return]

    def recv_kind(self, kind: str) -> dict[str, Any]:
        """Read one response and check its variant."""
        msg = self.recv()
        assert list(msg) == [kind], msg
        return msg[kind]  # type: ignore[no-any-return]

    def finish(self) -> tuple[int, list[dict[str, Any]], str]:
        """Close stdin; return exit code, remaining responses, stderr."""
        out, err = self.proc.communicate(timeout=60)
        responses = [orjson.loads(line) for line in out.splitlines() if line.strip()]
        return self.proc.returncode, responses, err.decode()

    def kill(self) -> None:
        """SIGKILL the connector, as a crash."""
        self.proc.send_signal(signal.SIGKILL)
        self.proc.communicate(timeout=60)

    def stderr(self) -> str:
        """Whatever the connector wrote to stderr (after it exited)."""
        assert self.proc.stderr is not None
        return self.proc.stderr.read().decode()
