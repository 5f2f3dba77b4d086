"""Peer virtualenvs for tests: real packages from PyPI that cannot share flow-sdk's environment.

`peer_python(name, requirements)` creates `.build/peers/<name>` once (or reuses it while its
requirements are unchanged) and returns its interpreter. Installs are quiet and timed.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PEERS = REPO / ".build" / "peers"
_STAMP = ".peer-requirements"


def peer_python(name: str, requirements: Sequence[str], *, python: str = sys.executable) -> Path:
    """The interpreter of the virtualenv `.build/peers/<name>` holding `requirements` (pip arguments).

    Created on first use; reused while a stamp of the same requirements is present. A
    requirement may be `-e <path>` (e.g. this repository, to run flow-sdk beside the peer).
    """
    venv = PEERS / name
    bin_python = venv / "bin" / "python"
    want = hashlib.sha256("\n".join(requirements).encode()).hexdigest()
    stamp = venv / _STAMP
    if bin_python.exists() and stamp.exists() and stamp.read_text() == want:
        return bin_python
    started = time.monotonic()
    subprocess.run([python, "-m", "venv", "--clear", str(venv)], check=True, capture_output=True)
    log = venv / "pip-install.log"
    with log.open("w") as out:
        done = subprocess.run(
            [str(bin_python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", *requirements],
            stdout=out,
            stderr=subprocess.STDOUT,
            check=False,
            env={**os.environ, "PIP_NO_INPUT": "1"},
        )
    if done.returncode != 0:
        raise RuntimeError(f"installing peer {name} ({' '.join(requirements)}) failed; see {log}")
    stamp.write_text(want)
    print(f"peer {name}: installed in {time.monotonic() - started:.0f}s", file=sys.stderr)
    return bin_python
