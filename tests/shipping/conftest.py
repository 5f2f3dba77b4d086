"""Shared pieces of the shipping tests: the repository root, the connector folders, and a cache."""

from __future__ import annotations

import hashlib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
CACHE = ROOT / ".build" / "shipping"


def connectors() -> list[str]:
    """The connector folders of this repository (run as `python -m <folder>`)."""
    return sorted(p.parent.name for p in ROOT.glob("*/__main__.py") if p.parent.name != "python")


def protocol_of(connector: str) -> str:
    """What the connector speaks, from its own catalog: a capture or a materialization."""
    catalog = yaml.safe_load((ROOT / connector / "test.flow.yaml").read_text())
    kinds = {"captures": "capture", "materializations": "materialize", "derivations": "derive"}
    [kind] = [protocol for key, protocol in kinds.items() if key in catalog]
    return kind


def source_digest() -> str:
    """A digest of everything an install of flow-sdk is built from, to key cached virtualenvs."""
    digest = hashlib.sha256()
    files = [ROOT / "pyproject.toml", ROOT / "setup.py", ROOT / "base-image" / "install.sh"]
    files += sorted(p for p in (ROOT / "python").rglob("*") if p.is_file() and "__pycache__" not in p.parts)
    for path in files:
        digest.update(str(path.relative_to(ROOT)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]
