"""Publish tasks only after the transaction that asked for them has committed.

Publishing before the commit let a task run against rows that were then
rolled back (an API request whose commit failed left a task with no audit
row). Published after the commit, a broker outage leaves the committed work
unpublished instead: pending objects are re-queued by the pending sweeper
(`tasks/pending.py`), and request handlers answer 503.
"""

from __future__ import annotations

from collections.abc import Iterable

from celery.canvas import Signature

from models.db import after_commit
from pcsync import runtime


def publish_after_commit(session, signatures: Iterable[Signature]) -> int:
    """Queue `signatures` (with their options) once `session` commits; return how many."""
    batch = list(signatures)
    if batch:
        after_commit(session, lambda: publish_now(batch))
    return len(batch)


def publish_now(signatures: Iterable[Signature]) -> int:
    """Queue `signatures` at once, for work already committed; return how many."""
    batch = list(signatures)
    if batch:
        with runtime.celery_app().producer_or_acquire() as producer:
            for signature in batch:
                signature.apply_async(producer=producer)
    return len(batch)
