"""Asking for a refresh: links marked dirty (`EngagementState.dirty_since`)
by the cycle's detection and by Partner Central events, in the caller's
transaction."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select, update

from models.engagements import EngagementState
from models.links import OpportunityLink
from pcsync import runtime
from workers.engine.batches import batched
from workers.sync.context import Run
from workers.sync.engagements.observation import opportunities_of_engagement_in_pc, paced_client

MARK_CHUNK = 1000  # link ids per statement when marking


def mark_dirty(session, link_ids: Iterable[int]) -> int:
    """Ask for a refresh of these links; a link already waiting keeps its
    place. Returns how many were newly marked."""
    now = runtime.utc_now()
    marked = 0
    # Chunked: a full pass marks every link, and drivers cap bound parameters.
    for chunk in batched(sorted(set(link_ids)), MARK_CHUNK):
        existing = set(
            session.scalars(
                select(EngagementState.link_id).where(EngagementState.link_id.in_(chunk))
            )
        )
        new = [i for i in chunk if i not in existing]
        session.add_all(EngagementState(link_id=i, dirty_since=now) for i in new)
        remarked = session.execute(
            update(EngagementState)
            .where(EngagementState.link_id.in_(existing), EngagementState.dirty_since.is_(None))
            .values(dirty_since=now)
            .execution_options(synchronize_session=False)
        ).rowcount
        marked += len(new) + (remarked or 0)
    return marked


def mark_opportunities_dirty(session, opportunity_ids: Iterable[str]) -> int:
    """Mark the links of these opportunities (those pcsync links) for refresh."""
    link_ids = session.scalars(
        select(OpportunityLink.id).where(
            OpportunityLink.catalog == runtime.settings().pc_catalog,
            OpportunityLink.opportunity_id.in_(set(opportunity_ids)),
        )
    ).all()
    return mark_dirty(session, link_ids)


def opportunities_of_engagement(run: Run, engagement_id: str) -> list[str]:
    """The opportunities an engagement concerns: known links first, else
    Partner Central (a new engagement, or one pcsync has not seen yet)."""
    with runtime.database().transaction() as session:
        known = session.scalars(
            select(OpportunityLink.opportunity_id)
            .join(EngagementState, EngagementState.link_id == OpportunityLink.id)
            .where(EngagementState.engagement_id == engagement_id)
        ).all()
    if known:
        return list(known)
    return opportunities_of_engagement_in_pc(paced_client(run), engagement_id)
