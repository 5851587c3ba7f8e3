"""The resource library as the management API shows it: light enough for the
ingest (the deal mirror, `workers.sync.library`, loads the HubSpot client)."""

from __future__ import annotations

from sqlalchemy import select

from models.resources import LibraryResource, ResourceAttachment
from pcsync import runtime

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
