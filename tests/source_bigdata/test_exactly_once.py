"""Exactly-once resume: cut a run at a random checkpoint, reduce the state as Flow does, restart.

Only documents followed by a checkpoint are committed. Across the runs, the committed
documents must be exactly the expected set: no gap, no duplicate.
"""

from __future__ import annotations

import random
from collections import Counter
from typing import Any

import pytest

from flow_sdk.capture import reduce_checkpoints

from .driver import STREAMS, incremental, open_request, run

pytestmark = pytest.mark.campaign

EXPECTED = Counter((b, i) for b in range(3) for i in range(1, 2001))


def committed_prefix(messages: list[dict[str, Any]], cut: int) -> tuple[list[tuple[int, int]], list[dict[str, Any]]]:
    """Documents and checkpoints up to and including checkpoint number `cut` (0-based)."""
    documents: list[tuple[int, int]] = []
    pending: list[tuple[int, int]] = []
    seen: list[dict[str, Any]] = []
    for message in messages:
        if "captured" in message:
            pending.append((message["captured"].get("binding", 0), message["captured"]["doc"]["id"]))
        elif "checkpoint" in message:
            seen.append(message["checkpoint"])
            documents += pending
            pending = []
            if len(seen) == cut + 1:
                break
    return documents, seen


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_resume_from_random_checkpoints_is_exactly_once(seed: int) -> None:
    rng = random.Random(seed)
    request_streams = incremental(*STREAMS)
    state: Any = {}
    committed: list[tuple[int, int]] = []
    for _ in range(2):  # two cuts, then a run to the end
        result = run([open_request(request_streams, state=state or None)])
        assert result.code == 0, result.raw_stderr
        total = sum(1 for m in result.messages if "checkpoint" in m)
        assert total > 0
        cut = rng.randrange(total)
        documents, seen = committed_prefix(result.messages, cut)
        committed += documents
        state = reduce_checkpoints(state, seen)
    final = run([open_request(request_streams, state=state)])
    assert final.code == 0, final.raw_stderr
    documents, _ = committed_prefix(final.messages, 10**9)
    committed += documents
    counts = Counter(committed)
    duplicates = {k: v for k, v in counts.items() if v > 1}
    assert not duplicates, f"duplicated documents: {sorted(duplicates)[:5]}"
    assert counts == EXPECTED, f"missing: {sorted(set(EXPECTED) - set(counts))[:5]}"


def test_sigterm_stops_at_a_unit_boundary_and_resumes_exactly_once() -> None:
    config = {
        "data_name": "tests",
        "seed": 7,
        "records_per_stream": 60_000,
        "records_per_cursor": 10,
        "records_per_checkpoint": 500,
    }
    streams = incremental("users", "orders")
    stopped = run([open_request(streams, config=config)], sigterm_after_checkpoints=5)
    assert stopped.code == 0, stopped.raw_stderr
    assert next(iter(stopped.messages[-1])) == "checkpoint", "SIGTERM left a half unit on stdout"
    documents, seen = committed_prefix(stopped.messages, 10**9)
    assert 0 < len(documents) < 120_000, "the run was not stopped early"
    state = reduce_checkpoints({}, seen)
    rest = run([open_request(streams, config=config, state=state)])
    assert rest.code == 0, rest.raw_stderr
    more, _ = committed_prefix(rest.messages, 10**9)
    counts = Counter(documents + more)
    assert counts == Counter((b, i) for b in range(2) for i in range(1, 60_001))
