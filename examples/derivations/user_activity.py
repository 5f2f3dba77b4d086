"""Per-user activity over source-bigdata's events: counts, sums and when the user was last seen.

Stateless: each event publishes one delta document, and the collection's reduce annotations
(`sum`, `maximize`, `merge`) combine the deltas of a user into their totals.
"""

from __future__ import annotations

from acmeCo.bigdata.user_activity import Document, IDerivation, ReadFromEvents


class Derivation(IDerivation):
    """Derives acmeCo/bigdata/user-activity."""

    def from_events(self, read: ReadFromEvents) -> list[Document]:
        event = read.doc
        return [
            Document(
                user_id=event.user_id,
                events=1,
                ok_events=1 if event.ok else 0,
                value_total=event.value,
                last_seen=event.updated_at,
                kinds={event.kind: 1},
            )
        ]
