"""Flow's own JSON catalogue fixtures round-trip exactly through the wire models."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from flow_sdk.capture import request as capture_request
from flow_sdk.capture import response as capture_response
from flow_sdk.derive import request as derive_request
from flow_sdk.derive import response as derive_response
from flow_sdk.materialize import request as materialize_request
from flow_sdk.materialize import response as materialize_response
from flow_sdk.wire import VariantsModel
from tests.conformance.snapshots import SHARED_DIR, Block, catalogue_blocks, fixture_files

# Fixture stem (between `regression__` and `_json.snap`) -> top-level model.
MODELS: dict[str, type[VariantsModel]] = {
    "capture_request": capture_request.Request,
    "capture_response": capture_response.Response,
    "materialize_request": materialize_request.Request,
    "materialize_response": materialize_response.Response,
    "derive_request": derive_request.Request,
    "derive_response": derive_response.Response,
}


def _stem(path: Path) -> str:
    """`regression__capture_request_json.snap` -> `capture_request`."""
    return path.name.removeprefix("regression__").removesuffix("_json.snap")


def _camel(name: str) -> str:
    """`backfill_begin` -> `backfillBegin`."""
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def _cases() -> list[tuple[Path, Block]]:
    """Every block of every catalogue JSON fixture (none when ../shared is absent)."""
    if not SHARED_DIR.is_dir():
        return []
    return [(path, block) for path in fixture_files("_json.snap") for block in catalogue_blocks(path)]


CASES = _cases()


def test_fixtures_are_present() -> None:
    """Guard against silently testing nothing: catalogues exist and each has a model."""
    paths = fixture_files("_json.snap")  # skips when ../shared is absent
    catalogues = [path for path in paths if catalogue_blocks(path)]
    assert catalogues
    for path in catalogues:
        assert _stem(path) in MODELS, f"no wire model mapped for {path.name}"


@pytest.mark.parametrize(
    ("path", "block"),
    CASES,
    ids=[f"{_stem(path)}:{block.name}" for path, block in CASES],
)
def test_block_round_trips(path: Path, block: Block) -> None:
    """Parse, check the variant named by the block, dump, and compare exactly."""
    expected = json.loads(block.body)
    message = MODELS[_stem(path)].from_flow_json(json.loads(block.body))

    if block.name == "internal":
        assert message.is_internal_only()
        assert message.internal == expected["$internal"]
    else:
        assert not message.is_internal_only()
        assert message.variant_name() == _camel(block.name)
        assert message.variant().to_flow_json() == expected[_camel(block.name)]

    assert message.to_flow_json() == expected
