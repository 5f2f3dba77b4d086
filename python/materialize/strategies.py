"""The three checkpoint strategies a connector chooses from, by subclassing one of them.

| Strategy | Authoritative | Exactly-once? | The connector implements |
| --- | --- | --- | --- |
| `Transactional` | destination | yes | `fence`, `store`, `commit` (and `load`) |
| `IdempotentReplay` | recovery log | yes, via idempotent apply | `store`, `prepare_commit`, `apply_pending` |
| `AtLeastOnce` | recovery log | no: replays may rewrite | `store`, `commit` |

Timing, for a transaction T (the SDK handles one message at a time, in order):

* startCommit(T): `Transactional.commit` / `AtLeastOnce.commit` run here, *before* `startedCommit`
  is written; `IdempotentReplay.prepare_commit` runs here and its result is written in
  `startedCommit.state`, so it commits atomically with T in the recovery log.
* acknowledge (T is durable in the recovery log): `IdempotentReplay.apply_pending` runs here, then
  `acknowledged.state` clears the pending entry. Other strategies have nothing to do.
* The next transaction's loads are read only after that, so they observe T (read-committed).
"""

from __future__ import annotations

import logging
from abc import abstractmethod
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from ..errors import ConnectorError
from ..flow import RangeSpec
from ..gazette import Checkpoint
from .request import Acknowledge, Open, StartCommit
from .response import Opened
from .transactor import ConnectorState, Transactor, merge_patch_state

log = logging.getLogger("flow_sdk.materialize")

PENDING_KEY = "pending"


@dataclass(frozen=True, slots=True)
class Fence:
    """What `Transactional.fence` returns.

    `checkpoint`: the runtime checkpoint the destination stored with its last commit for this key
    range (a consumer.Checkpoint dict in Flow JSON form), or None if it has none (then the runtime
    uses its recovery log's). `token`: destination-specific proof of the fence (e.g. the fence
    counter value this session wrote), handed back to `commit`.
    """

    checkpoint: Mapping[str, Any] | None
    token: Any = None


class Transactional(Transactor):
    """The destination is authoritative: it stores the runtime checkpoint with the data.

    At open the SDK calls `fence(materialization, key_range)`: in one destination transaction,
    bump a fence value for (materialization, key range) so any older session over an overlapping
    range can no longer commit, and read the stored runtime checkpoint. The checkpoint is sent in
    `opened.runtimeCheckpoint`, so the runtime resumes from what the destination actually holds.

    `store(stores)` writes the transaction's stores into an open destination transaction (or a
    staging table). At startCommit the SDK calls `commit(checkpoint, fence)`: in that same
    destination transaction, verify the fence still holds, write `checkpoint` for the key range,
    and commit. If the fence moved, roll back and raise `FencedOff`: the session then fails and
    nothing of the transaction is visible. `startedCommit` is written only after `commit` returns.
    """

    fence_value: Fence | None = None

    @abstractmethod
    def fence(self, materialization: str, key_range: RangeSpec | None) -> Fence:
        """Fence off older sessions over `key_range` and return the stored checkpoint."""

    @abstractmethod
    def commit(self, checkpoint: Mapping[str, Any], fence: Fence) -> None:
        """Atomically commit this transaction's stores with `checkpoint`, or raise FencedOff."""

    def session_open(self, open_request: Open) -> Opened:
        """Fence and recover the destination's checkpoint."""
        name = open_request.materialization.name if open_request.materialization else ""
        self.fence_value = self.fence(name, open_request.range)
        if self.fence_value.checkpoint:
            return Opened(runtime_checkpoint=Checkpoint.from_flow_json(self.fence_value.checkpoint))
        return Opened()

    def session_acknowledge(self, acknowledge: Acknowledge) -> ConnectorState | None:
        """Nothing to do: the destination committed before startedCommit."""
        return None

    def session_start_commit(self, start_commit: StartCommit) -> ConnectorState | None:
        """Commit stores and the runtime checkpoint together."""
        if self.fence_value is None:
            raise ConnectorError("commit before fence: the session was never opened")
        checkpoint = start_commit.runtime_checkpoint
        self.commit(checkpoint.to_flow_json() if checkpoint is not None else {}, self.fence_value)
        return None


def shard_key(key_range: RangeSpec | None) -> str:
    """The connector-state key of one shard: its key-range and r-clock starts, in hex."""
    key_range = key_range or RangeSpec()
    return f"{key_range.key_begin:08x}-{key_range.r_clock_begin:08x}"


def pending_of(state: Any) -> dict[str, Any]:
    """Every shard's pending operations recorded in a connector state."""
    if isinstance(state, Mapping) and isinstance(state.get(PENDING_KEY), Mapping):
        return {k: v for k, v in state[PENDING_KEY].items() if v is not None}
    return {}


def replay_pending(state: Any, apply: Callable[[Any], object]) -> ConnectorState | None:
    """For Apply: apply every shard's pending operations, return the state patch that clears them.

    Apply runs while the task is quiescent, so no shard can be racing us.
    """
    pending = pending_of(state)
    for shard, ops in sorted(pending.items()):
        log.info("applying operations left pending by a previous session", extra={"fields": {"shard": shard}})
        apply(ops)
    if not pending:
        return None
    return merge_patch_state({PENDING_KEY: dict.fromkeys(pending)})


class IdempotentReplay(Transactor):
    """The recovery log is authoritative; stores are staged and applied idempotently after commit.

    Connector state layout: `{"pending": {<shard key>: <ops>}}` where the shard key is
    `shard_key(open.range)` and `<ops>` is whatever JSON `prepare_commit` returned.

    * `store(stores)` stages the transaction's stores somewhere durable but invisible.
    * At startCommit the SDK calls `prepare_commit()`: make the staged data durable and return
      JSON describing the operations that publish it (or None if nothing was staged). It is sent
      as `startedCommit.state` = merge patch `{"pending": {shard: ops}}`, committed atomically
      with the transaction in the recovery log.
    * At the next acknowledge the SDK calls `apply_pending(ops)`, then answers `acknowledged` with
      the patch `{"pending": {shard: null}}`. The runtime doesn't persist acknowledged state
      transactionally, so a crash may leave `ops` in the state: hence
    * at open, pending ops found for this shard in `open.state` are applied before `opened`
      (and cleared at the first acknowledge). Connectors call `replay_pending` from Apply too.

    `apply_pending` must therefore be idempotent: applying the same ops twice (or after a partial
    first attempt) leaves the destination exactly as applying them once.
    """

    shard: str = ""
    _pending: Any = None
    _applied = False

    @abstractmethod
    def prepare_commit(self) -> Any:
        """Make staged data durable; return JSON describing how to publish it, or None."""

    @abstractmethod
    def apply_pending(self, ops: Any) -> None:
        """Idempotently publish staged data described by `ops`."""

    def session_open(self, open_request: Open) -> Opened:
        """Apply operations a previous session left pending for this shard."""
        self.shard = shard_key(open_request.range)
        ops = pending_of(open_request.state).get(self.shard)
        if ops is not None:
            log.info("applying operations left pending by a previous session", extra={"fields": {"shard": self.shard}})
            self.apply_pending(ops)
            self._pending, self._applied = ops, True
        return Opened()

    def session_acknowledge(self, acknowledge: Acknowledge) -> ConnectorState | None:
        """Publish the committed transaction's staged data and clear it from the state."""
        if self._pending is None:
            return None
        if not self._applied:
            self.apply_pending(self._pending)
        self._pending, self._applied = None, False
        return merge_patch_state({PENDING_KEY: {self.shard: None}})

    def session_start_commit(self, start_commit: StartCommit) -> ConnectorState | None:
        """Record the staged operations in the state that commits with this transaction."""
        ops = self.prepare_commit()
        if ops is None:
            return None
        self._pending, self._applied = ops, False
        return merge_patch_state({PENDING_KEY: {self.shard: ops}})


class AtLeastOnce(Transactor):
    """The recovery log is authoritative and the destination is written directly, without fencing.

    `store(stores)` may write as it goes; `commit()` runs at startCommit, before `startedCommit`,
    and must make every store of the transaction durable (flush buffers, await the last batch).
    If the process dies after `commit` but before the recovery log commits, the transaction is
    replayed: documents may be written again, none are lost.
    """

    def commit(self) -> None:
        """Make every store of the transaction durable at the destination."""

    def session_open(self, open_request: Open) -> Opened:
        """Nothing to recover: the runtime's checkpoint is used."""
        return Opened()

    def session_acknowledge(self, acknowledge: Acknowledge) -> ConnectorState | None:
        """Nothing to do."""
        return None

    def session_start_commit(self, start_commit: StartCommit) -> ConnectorState | None:
        """Make the stores durable."""
        self.commit()
        return None
