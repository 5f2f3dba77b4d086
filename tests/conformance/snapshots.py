"""Reads Flow's insta regression snapshots from ../shared/conformance."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest

# The repo sits next to ../shared on a developer's machine and in CI; a user's fresh
# clone has no shared folder, and then conformance tests skip with this reason.
SHARED_DIR = Path(__file__).resolve().parents[2].parent / "shared" / "conformance"
SKIP_REASON = f"Flow's conformance fixtures are not present at {SHARED_DIR} (a fresh clone without ../shared)"

_HEX_ROW = re.compile(r"^\|([0-9a-f ]*)\|")


@dataclass(frozen=True)
class Block:
    """One `// name` block of a catalogue snapshot."""

    name: str
    body: str


def require_shared() -> Path:
    """Return the fixtures folder, or skip the calling test when it is missing."""
    if not SHARED_DIR.is_dir():
        pytest.skip(SKIP_REASON)
    return SHARED_DIR


def snapshot_body(path: Path) -> str:
    """Strip the insta header (between the first two `---` lines)."""
    text = path.read_text()
    parts = text.split("---\n", 2)
    if len(parts) != 3 or parts[0] != "":
        raise ValueError(f"{path}: missing insta header")
    return parts[2]


def catalogue_blocks(path: Path) -> list[Block]:
    """Split a catalogue snapshot into its `// name` blocks."""
    blocks: list[Block] = []
    name: str | None = None
    lines: list[str] = []
    for line in snapshot_body(path).splitlines():
        if line.startswith("// "):
            if name is not None:
                blocks.append(Block(name, "\n".join(lines).strip()))
            name, lines = line[3:].strip(), []
        else:
            lines.append(line)
    if name is not None:
        blocks.append(Block(name, "\n".join(lines).strip()))
    return blocks


def hexdump_bytes(body: str) -> bytes:
    """Decode an insta hexdump (`|0a150807 ...| ascii offset` rows) to bytes."""
    out = bytearray()
    for line in body.splitlines():
        m = _HEX_ROW.match(line.strip())
        if m:
            out += bytes.fromhex(m.group(1).replace(" ", ""))
    return bytes(out)


def fixture_files(suffix: str) -> list[Path]:
    """All snapshot files ending in `suffix` (e.g. `_json.snap`)."""
    return sorted(require_shared().glob(f"regression__*{suffix}"))
