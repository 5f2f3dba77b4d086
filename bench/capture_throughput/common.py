"""Shared by every benchmark variant: the repository root and source-bigdata's generator.

Only the standard library is imported here, so each competitor's own virtualenv can use it.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[2]
STREAM = "users"
DATA_NAME = "bench"
SEED = 42
PER_CURSOR = 10
CHECKPOINT_EVERY = 5000


def generator() -> ModuleType:
    """source-bigdata's generator module (pure Python, no dependencies)."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    return importlib.import_module("source-bigdata.generator")


def documents(count: int):  # type: ignore[no-untyped-def]
    """The same `count` users documents every variant emits."""
    gen = generator()
    return gen.users(gen.stream_seed(SEED, DATA_NAME, STREAM), 1, count + 1, PER_CURSOR)
