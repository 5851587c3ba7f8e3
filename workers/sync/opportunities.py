"""Pull one Partner Central opportunity into its HubSpot deal.

Run for an `("opportunity", id)` object, queued by a Partner Central event
or by the reconciliation cycle. The opportunity's own fields (stage, close
date, next steps, review status and comments) come through `sync_deal`,
whose three-way merge already works both ways: a change made in Partner
Central reaches the deal, and nothing is echoed back. What only AWS's
summary holds is pulled afterwards into pcsync's output properties.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from sqlalchemy import select

from models.links import OpportunityLink
from pcsync import runtime
from workers.engine.outcome import DealOutcome
from workers.errors import NotFound
from workers.sync.aws_summary import never_submitted, write_summary
from workers.sync.context import Run
from workers.sync.deals import opportunity_lock, sync_deal
from workers.sync.links import find_link_by_opportunity

log = logging.getLogger(__name__)

DealSync = Callable[[str, Run], str]


def _sync_deal_outcome(deal_id: str, run: Run) -> str:
    return sync_deal(deal_id, run).outcome


def links_by_opportunity(session, opportunity_ids: list[str]) -> dict[str, OpportunityLink]:
    """{opportunity id: link} of those linked, in the configured catalog."""
    return {
        link.opportunity_id: link
        for link in session.scalars(
            select(OpportunityLink).where(
                OpportunityLink.catalog == runtime.settings().pc_catalog,
                OpportunityLink.opportunity_id.in_(opportunity_ids),
            )
        )
    }


def linked_deal_id(opportunity_id: str, run: Run, action: str) -> str | None:
    """The deal linked to an opportunity, or None with a `not_linked` audit row."""
    with runtime.database().transaction() as session:
        link = find_link_by_opportunity(session, opportunity_id)
        if link is not None:
            return link.hubspot_deal_id
        run.audit(
            session,
            action=action,
            outcome="not_linked",
            object_type="opportunity",
            object_id=opportunity_id,
            opportunity_id=opportunity_id,
            message="no deal is linked to this opportunity",
        )
        return None


def audit_pull(session, run: Run, outcome: str, opportunity_id: str, deal_id=None, **details):
    run.audit(
        session,
        action="opportunity.pull",
        outcome=outcome,
        object_type="deal" if deal_id else "opportunity",
        object_id=deal_id or opportunity_id,
        opportunity_id=opportunity_id,
        **details,
    )


def sync_opportunity(
    opportunity_id: str, run: Run, deal_sync: DealSync = _sync_deal_outcome
) -> str:
    """Bring the linked deal up to date with the opportunity and its AWS summary.

    `deal_sync` is the deal merge to run (the task passes its own, which
    surfaces permanent failures on the deal). Returns the outcome, also audited.
    """
    with runtime.database().transaction() as session:
        link = find_link_by_opportunity(session, opportunity_id)
        if link is None:
            audit_pull(
                session,
                run,
                "not_linked",
                opportunity_id,
                message="no HubSpot deal is linked to this opportunity",
            )
            return "not_linked"
        deal_id = link.hubspot_deal_id
    outcome = deal_sync(deal_id, run)
    if outcome == DealOutcome.DEAL_DELETED:
        return outcome  # sync_deal audited it; there is no deal to write to
    if not summary_pulled_by_cycle(run):
        pull_aws_summary(opportunity_id, deal_id, run)
    return outcome


def summary_pulled_by_cycle(run: Run) -> bool:
    """Background opportunity syncs are queued only by the reconciliation
    cycle, which has already read their AWS summaries (and written them in
    one batch): one GetAwsOpportunitySummary per pull, not two."""
    return run.priority == "background"


def read_summary(opportunity_id: str, run: Run) -> dict | None:
    """GetAwsOpportunitySummary, or None when AWS has none (not yet accepted)."""
    try:
        return runtime.partner_central().call(
            "GetAwsOpportunitySummary",
            priority=run.priority,
            RelatedOpportunityIdentifier=opportunity_id,
        )
    except NotFound:
        return None


def pull_aws_summary(opportunity_id: str, deal_id: str, run: Run) -> str:
    """GetAwsOpportunitySummary into the deal's output properties, under the
    opportunity's lock: the link's record of what was written to the deal is
    read, written to HubSpot and updated by one writer at a time."""
    with opportunity_lock(opportunity_id):
        with runtime.database().transaction() as session:
            link = find_link_by_opportunity(session, opportunity_id)
            # The deal sync just stored the opportunity's review status.
            submitted = link is not None and not never_submitted(link.review_status)
        summary = read_summary(opportunity_id, run) if submitted else None
        with runtime.database().transaction() as session:
            link = find_link_by_opportunity(session, opportunity_id)
            if link is None:  # unlinked while we read; nothing to write to
                audit_pull(session, run, "not_linked", opportunity_id)
                return "not_linked"
            if summary is None:
                audit_pull(
                    session,
                    run,
                    "summary_not_available",
                    opportunity_id,
                    deal_id,
                    message="AWS has no summary for this opportunity yet",
                )
                return "summary_not_available"
        written = write_summary(deal_id, summary)
        outcome = "summary_updated" if written else "summary_unchanged"
        diff = {"hubspot": written} if written else None
        with runtime.database().transaction() as session:
            audit_pull(session, run, outcome, opportunity_id, deal_id, diff=diff)
        return outcome
