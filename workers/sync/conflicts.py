"""Pending conflicts (strategy MANUAL) as the sync commands record them."""

from __future__ import annotations

from models.conflicts import record_pending_conflict
from workers.sync.context import Run


def record_conflict(session, run: Run, deal_id: str, opportunity_id: str, conflict) -> None:
    """A pending conflict stored once (by fingerprint), audited when new."""
    values = {"base": conflict.base, "hubspot": conflict.ours, "partner_central": conflict.theirs}
    is_new = record_pending_conflict(
        session,
        hubspot_deal_id=deal_id,
        opportunity_id=opportunity_id,
        field_path=conflict.path,
        fingerprint=conflict.fingerprint,
        strategy=str(conflict.strategy),
        values=values,
    )
    if is_new:
        run.audit(
            session,
            action="field.conflict",
            outcome="conflict_pending",
            object_type="deal",
            object_id=deal_id,
            opportunity_id=opportunity_id,
            diff={"path": conflict.path, **values},
            message="MANUAL strategy: Partner Central kept, operator decides",
        )
