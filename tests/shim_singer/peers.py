"""Peer virtualenvs for tests: real packages from PyPI, each in its own virtualenv under `.build/peers/NAME`.

A peer whose dependencies may clash with ours gets a virtualenv of its own, created once and reused
while its requirements (and, for peers that install this repository, pyproject.toml) are unchanged.
Creation is serialized by a lock file, so parallel test processes share one install.
(The Airbyte shim's tests have their own copy of this idea; the two are to be unified.)
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import shutil
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
PEERS = REPO / ".build" / "peers"
_STAMP = ".peer-stamp"


def _wanted(requirements: Sequence[str], with_repo: bool) -> str:
    parts = {"python": sys.version.split()[0], "requirements": list(requirements)}
    if with_repo:
        parts["pyproject"] = hashlib.sha256((REPO / "pyproject.toml").read_bytes()).hexdigest()
    return json.dumps(parts, sort_keys=True)


def peer_venv(name: str, requirements: Sequence[str], *, with_repo: str | None = None) -> Path:
    """The virtualenv `.build/peers/NAME` with `requirements` installed (created or refreshed as needed).

    `with_repo`, when given, also installs this repository editable with that extra (e.g. "singer"),
    for peers that run flow-sdk next to the peer package. Returns the virtualenv's directory.
    """
    root = PEERS / name
    want = _wanted([*requirements, f"repo[{with_repo}]" if with_repo else ""], with_repo is not None)
    PEERS.mkdir(parents=True, exist_ok=True)
    with open(PEERS / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        stamp = root / _STAMP
        if stamp.exists() and stamp.read_text() == want and (root / "bin" / "python").exists():
            return root
        shutil.rmtree(root, ignore_errors=True)
        started = time.monotonic()
        subprocess.run([sys.executable, "-m", "venv", str(root)], check=True)
        packages = list(requirements)
        if with_repo:
            packages += ["-e", f"{REPO}[{with_repo}]"]
        done = subprocess.run(
            [str(root / "bin" / "python"), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", *packages],
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            shutil.rmtree(root, ignore_errors=True)
            raise RuntimeError(f"installing peer {name} ({' '.join(packages)}) failed:\n{done.stderr[-4000:]}")
        stamp.write_text(want)
        sys.stderr.write(f"peer virtualenv {name}: installed in {time.monotonic() - started:.1f}s\n")
        return root
