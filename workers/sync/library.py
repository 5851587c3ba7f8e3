"""The partner resource library on the deal: what is attached to its opportunity.

Library resources (case studies, whitepapers, …) live only in pcsync: the
Partner Central API takes no documents. The deal mirrors what is attached
(`aws_partner_resources`: one "title — link" a line, `aws_total_resources`,
`aws_last_resource_upload`) so people see it where they work. The mirror
runs in a task under the opportunity's lock, since it shares the link's
record of written properties with the deal's writer.
"""

from __future__ import annotations

from sqlalchemy import select

from models.resources import LibraryResource, ResourceAttachment
from pcsync import runtime
from workers.sync.context import Run
from workers.sync.deal_status import send_deal_status
from workers.sync.deals import audit, find_link, opportunity_lock

ACTION = "opportunity.partner_resources"
CATEGORIES = (
    "case_study",
    "whitepaper",
    "solution_brief",
    "reference_architecture",
    "technical_documentation",
    "presentation",
    "video",
    "training_material",
    "other",
)


def resource_link(row: LibraryResource) -> str:
    """A lasting link: the URL itself, or the resource in the management API
    (which hands out a short-lived download link)."""
    return row.url or f"{runtime.settings().public_url}/api/resources/{row.id}"


# A resource as the management API and the console show it: these columns as
# they are, plus when it was added and its lasting link.
VIEW_COLUMNS = (
    "id",
    "title",
    "category",
    "description",
    "url",
    "filename",
    "content_type",
    "size_bytes",
)


def resource_view(row: LibraryResource) -> dict:
    view = {name: getattr(row, name) for name in VIEW_COLUMNS}
    return {**view, "created_at": row.created_at.isoformat(), "link": resource_link(row)}


def attachments_of(session, deal_id: str) -> list[tuple[LibraryResource, ResourceAttachment]]:
    return list(
        session.execute(
            select(LibraryResource, ResourceAttachment)
            .join(ResourceAttachment, ResourceAttachment.resource_id == LibraryResource.id)
            .where(ResourceAttachment.hubspot_deal_id == deal_id)
            .order_by(ResourceAttachment.attached_at, LibraryResource.id)
        )
    )


def attached_resources(session, deal_id: str) -> list[dict]:
    return [
        {**resource_view(resource), "attached_at": attachment.attached_at.isoformat()}
        for resource, attachment in attachments_of(session, deal_id)
    ]


def deal_values(session, deal_id: str) -> dict[str, str]:
    pairs = attachments_of(session, deal_id)
    last = max((a.attached_at for _, a in pairs), default=None)
    return {
        "aws_partner_resources": "\n".join(f"{r.title} — {resource_link(r)}" for r, _ in pairs),
        "aws_total_resources": str(len(pairs)),
        "aws_last_resource_upload": last.isoformat(timespec="milliseconds") if last else "",
    }


def mirror_to_deal(deal_id: str, run: Run) -> str:
    with runtime.database().transaction() as session:
        link = find_link(session, deal_id)
        if link is None or link.opportunity_id is None:
            return "not_linked"
        opportunity_id = link.opportunity_id
    with opportunity_lock(opportunity_id):
        with runtime.database().transaction() as session:
            values = deal_values(session, deal_id)
        written = send_deal_status(deal_id, values)
        outcome = "mirrored" if written else "unchanged"
        diff = {"hubspot": written} if written else None
        with runtime.database().transaction() as session:
            audit(session, run, ACTION, outcome, deal_id, opportunity_id=opportunity_id, diff=diff)
    return outcome
