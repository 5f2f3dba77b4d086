"""Suite-wide rules: a test that starts a connector, the runtime or a server must say so with a marker.

The fast suite (`bash scripts/test.sh --fast`) deselects the tests marked `campaign`, `e2e` or
`peer` (registered in pyproject.toml). So that it stays fast and its selection stays honest, an
unmarked test that starts a Python interpreter (a connector, the runtime's CLI, a pipeline step),
PostgreSQL or docker fails at that point with an error naming the marker to add. Small helper
programs (a stand-in `sops` script, say) are allowed.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from typing import Any

import pytest

PROCESS_MARKERS = ("campaign", "e2e", "peer")
# Programs that make a test slow: servers and container engines (interpreters are matched by name).
_HEAVY_PROGRAMS = frozenset({"docker", "initdb", "pg_ctl", "postgres", "podman"})


def heavy_program(args: Any) -> str | None:
    """The program `args` (as Popen takes them) would start, if it is one the fast suite must not run."""
    if isinstance(args, str | bytes | os.PathLike):
        text = os.fsdecode(args)
        program = shlex.split(text)[0] if text.strip() else text
    else:
        program = os.fsdecode(next(iter(args), ""))
    name = os.path.basename(program)
    if program == sys.executable or name.startswith("python") or name in _HEAVY_PROGRAMS:
        return program
    return None


@pytest.fixture(autouse=True)
def _heavy_processes_need_a_marker(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """In a test carrying none of PROCESS_MARKERS, refuse to start an interpreter, a server or docker."""
    if any(request.node.get_closest_marker(name) for name in PROCESS_MARKERS):
        return
    test = request.node.nodeid
    start = subprocess.Popen.__init__

    def guarded(self: subprocess.Popen[Any], args: Any, *rest: Any, **kwargs: Any) -> None:
        program = heavy_program(args)
        if program is not None:
            raise RuntimeError(
                f"{test} starts {program} but is not marked: add `@pytest.mark.e2e` "
                "(or `campaign` / `peer`, see pyproject.toml) so the fast suite leaves it out"
            )
        start(self, args, *rest, **kwargs)

    monkeypatch.setattr(subprocess.Popen, "__init__", guarded)
