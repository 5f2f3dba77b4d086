"""The connector: tap-jsonl's `TapJsonl` class, served in process by `shim_singer_sdk.CaptureShim`."""

from __future__ import annotations

# tap-jsonl is not installed where flow-sdk is type-checked, and ships no type information where it is.
from tap_jsonl.tap import TapJsonl  # type: ignore[import-not-found,import-untyped,unused-ignore]

from flow_sdk import shim_singer_sdk

DOCS = "https://pypi.org/project/tap-jsonl/"


def connector() -> shim_singer_sdk.CaptureShim:
    """The capture: every JSONL file matching the config's `path` glob, one Singer stream."""
    return shim_singer_sdk.CaptureShim(delegate_factory=TapJsonl, documentation_url=DOCS)
