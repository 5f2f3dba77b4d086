"""Per-user running totals kept by the derivation itself, and persisted through `start_commit`.

Reads only update the totals in memory; `flush` publishes the current totals of every user a
transaction touched, and `start_commit` persists those users' totals as a merge patch of the
derivation's state, which `open` hands back (`Open.state`) when the derivation starts again.
"""

from __future__ import annotations

from acmeCo.bigdata.user_running_totals import (
    ConnectorState,
    Document,
    IDerivation,
    Open,
    ReadFromEvents,
    StartCommit,
    StartedCommit,
)


class Derivation(IDerivation):
    """Derives acmeCo/bigdata/user-running-totals."""

    def __init__(self, open: Open) -> None:
        super().__init__(open)
        # State: {"<user_id>": [events, value_total]} (JSON object keys are strings).
        state: dict[str, list[float]] = open.state or {}
        self.totals = {int(user): (int(events), total) for user, (events, total) in state.items()}
        self.touched: set[int] = set()

    async def from_events(self, read: ReadFromEvents) -> list[Document]:
        user = read.doc.user_id
        events, total = self.totals.get(user, (0, 0.0))
        self.totals[user] = (events + 1, total + read.doc.value)
        self.touched.add(user)
        return []

    async def flush(self) -> list[Document]:
        return [
            Document(user_id=user, events=self.totals[user][0], value_total=self.totals[user][1])
            for user in sorted(self.touched)
        ]

    def start_commit(self, start_commit: StartCommit) -> StartedCommit:
        patch = {str(user): list(self.totals[user]) for user in sorted(self.touched)}
        self.touched.clear()
        return StartedCommit(state=ConnectorState(updated=patch, merge_patch=True))

    async def reset(self) -> None:
        self.totals.clear()
        self.touched.clear()
