"""How a deal's sync waits for its Partner Central write: first come, first served.

A sync that will write and cannot have a write token now books the next free
slot of the shared queue under the deal's name and does its reads just before
that slot, so its reads are fresh when it writes, it never re-reads because
another worker won a race, and changes are written in the order they came.

- Slot now (nobody queued, a token free): go on at once, holding the current
  slot, so a sync that asks in the same instant is queued behind this one
  instead of reading too and losing the token to it.
- Slot within ``MAX_INLINE_WAIT`` plus the read lead: wait in place.
- Later: the task goes back to the queue with a countdown that brings it back
  ``READ_LEAD_SECONDS`` before its slot; the slot stays booked for it.

A refusal that keeps a slot (``RateLimited`` with ``slot``) keeps it for the
retry; any other end of the sync gives unused slots back.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from pcsync import runtime
from workers.errors import RateLimited
from workers.limiter import MAX_INLINE_WAIT, holding
from workers.sync.context import Run

WRITE_GROUP = "pc-write"
# Time a sync needs between starting its reads and reaching its write.
READ_LEAD_SECONDS = 1.0


def slot_holder(deal_id: str) -> str:
    return f"deal:{deal_id}"


class WriteSlot:
    def __init__(self, holder: str, run: Run) -> None:
        self.holder = holder
        self.run = run

    def wait(self, *, book: bool) -> None:
        """Wait for the holder's write slot before reading. ``book``: book one
        if the holder has none (the sync expects to write); else wait only
        for a slot booked earlier (a retry of a refused write)."""
        limiter = runtime.limiter()
        if not book and limiter.held_slot(WRITE_GROUP, self.holder) is None:
            return
        decision = limiter.slot_wait(WRITE_GROUP, self.holder, priority=self.run.priority)
        if decision.allowed:
            return
        wait = decision.retry_after - READ_LEAD_SECONDS
        if decision.slot is None or wait > MAX_INLINE_WAIT:
            raise RateLimited(
                f"{WRITE_GROUP} slot at {decision.slot} ({decision.reason})",
                group=WRITE_GROUP,
                retry_after=max(wait, 0.0) if decision.slot else decision.retry_after,
                priority=self.run.priority,
                slot=decision.slot,
            )
        if wait > 0:
            limiter.sleep(wait)


@contextmanager
def write_slot(deal_id: str, run: Run) -> Iterator[WriteSlot]:
    """The deal's place in the write queue for the length of one sync."""
    holder = slot_holder(deal_id)
    with holding(holder):
        try:
            yield WriteSlot(holder, run)
        except RateLimited as exc:
            if exc.slot is None:
                runtime.limiter().release(holder)
                raise
            # A call refused further in (the create, a HubSpot read): come back
            # in time to read again before the slot, not at it.
            raise RateLimited(
                str(exc),
                group=exc.group,
                retry_after=max(0.0, exc.retry_after - READ_LEAD_SECONDS),
                priority=exc.priority,
                operation=exc.operation,
                slot=exc.slot,
            ) from exc
        except BaseException:
            runtime.limiter().release(holder)
            raise
        runtime.limiter().release(holder)
