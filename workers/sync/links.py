"""Finding a deal's or an opportunity's link row: light enough for the ingest,
which looks links up without loading the sync engine or the API clients."""

from __future__ import annotations

from sqlalchemy import select

from models.links import OpportunityLink
from pcsync import runtime


def find_link(session, deal_id: str) -> OpportunityLink | None:
    return session.scalar(select(OpportunityLink).where(OpportunityLink.hubspot_deal_id == deal_id))


def find_link_by_opportunity(session, opportunity_id: str) -> OpportunityLink | None:
    return session.scalar(
        select(OpportunityLink).where(
            OpportunityLink.catalog == runtime.settings().pc_catalog,
            OpportunityLink.opportunity_id == opportunity_id,
        )
    )
