"""The Active solutions as last listed, read without a call: what the
management API checks a solution against (the worker, `workers.sync.resources`,
lists them again through the Partner Central client)."""

from __future__ import annotations

import json

from models.sync_state import get_state
from pcsync import runtime

# The audit action of related-entity changes: API requests and worker runs alike.
ACTION = "opportunity.related_entities"
SOLUTIONS_CACHE_KEY = "pc.solutions.active"


def cached_solutions() -> dict | None:
    with runtime.database().transaction() as session:
        raw = get_state(session, SOLUTIONS_CACHE_KEY)
    return json.loads(raw) if raw else None


def cached_active_solutions() -> set[str] | None:
    """The Active solutions as last listed, for checks that make no call
    (the management API); None when never listed."""
    cached = cached_solutions()
    return set(cached["ids"]) if cached else None
