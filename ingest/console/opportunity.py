"""One opportunity as the console shows it: the link, both sides' key fields
as pcsync last saw them, the engagement and the audit timeline; and the
search by deal id, opportunity id or company name."""

from __future__ import annotations

from sqlalchemy import or_, select

from models import AuditEntry, Conflict, EngagementState, OpportunityLink

# Partner Central paths an operator recognises an opportunity by.
KEY_FIELDS = (
    ("Project.Title", "Title"),
    ("Customer.Account.CompanyName", "Company"),
    ("Customer.Account.WebsiteUrl", "Website"),
    ("Customer.Account.Industry", "Industry"),
    ("Customer.Account.Address.CountryCode", "Country"),
    ("LifeCycle.Stage", "Stage"),
    ("LifeCycle.TargetCloseDate", "Target close date"),
    ("Project.ExpectedCustomerSpend", "Expected spend"),
    ("LifeCycle.NextSteps", "Next steps"),
    ("Project.CustomerBusinessProblem", "Business problem"),
)
COMPANY = "Customer.Account.CompanyName"
SEARCH_LIMIT = 50
TIMELINE_LIMIT = 200


def find(session, identifier: str) -> OpportunityLink | None:
    """The link by opportunity id or HubSpot deal id."""
    return session.scalar(
        select(OpportunityLink).where(
            or_(
                OpportunityLink.opportunity_id == identifier,
                OpportunityLink.hubspot_deal_id == identifier,
            )
        )
    )


def search(session, query: str) -> list[OpportunityLink]:
    """Exact deal or opportunity id, else company names containing the text.
    Company names live in the base snapshot (JSON), so they are matched here
    rather than in SQL, which reads the same way on SQLite and PostgreSQL."""
    query = query.strip()
    if not query:
        return []
    exact = find(session, query)
    if exact is not None:
        return [exact]
    wanted = query.casefold()
    links = session.scalars(select(OpportunityLink).order_by(OpportunityLink.id.desc()))
    found = [
        link
        for link in links
        if wanted in str((link.base_snapshot or {}).get(COMPANY) or "").casefold()
    ]
    return found[:SEARCH_LIMIT]


def sides(link: OpportunityLink, conflicts: list[Conflict]) -> list[dict]:
    """Each key field on both sides: the agreed base, replaced on one side by
    a pending conflict's value or a change waiting for the review status."""
    base = link.base_snapshot or {}
    deferred = link.deferred_fields or {}
    disputed = {c.field_path: c.values for c in conflicts}
    rows = []
    for path, label in KEY_FIELDS:
        values = disputed.get(path, {})
        hubspot = values.get("hubspot", deferred.get(path, base.get(path)))
        partner_central = values.get("partner_central", base.get(path))
        rows.append(
            {
                "path": path,
                "label": label,
                "hubspot": hubspot,
                "partner_central": partner_central,
                "differs": hubspot != partner_central,
            }
        )
    return rows


def details(session, link: OpportunityLink) -> dict:
    conflicts = list(
        session.scalars(
            select(Conflict).where(
                Conflict.hubspot_deal_id == link.hubspot_deal_id, Conflict.status == "pending"
            )
        )
    )
    engagement = session.scalar(select(EngagementState).where(EngagementState.link_id == link.id))
    return {
        "link": link,
        "sides": sides(link, conflicts),
        "conflicts": conflicts,
        "engagement": engagement,
        "timeline": timeline(session, link),
    }


def timeline(session, link: OpportunityLink) -> list[AuditEntry]:
    """Everything the audit trail says about the deal or its opportunity, newest first."""
    about = [AuditEntry.object_id == link.hubspot_deal_id]
    if link.opportunity_id:
        about.append(AuditEntry.opportunity_id == link.opportunity_id)
    return list(
        session.scalars(
            select(AuditEntry)
            .where(or_(*about))
            .order_by(AuditEntry.id.desc())
            .limit(TIMELINE_LIMIT)
        )
    )
