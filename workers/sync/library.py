"""The partner resource library on the deal: what is attached to its opportunity.

Library resources (case studies, whitepapers, …) live only in pcsync: the
Partner Central API takes no documents. The deal mirrors what is attached
(`aws_partner_resources`: one "title — link" a line, `aws_total_resources`,
`aws_last_resource_upload`) so people see it where they work. The mirror
runs in a task under the opportunity's lock, since it shares the link's
record of written properties with the deal's writer.
"""

from __future__ import annotations

from pcsync import runtime
from workers.sync.context import Run
from workers.sync.deal_status import send_deal_status
from workers.sync.deals import audit, find_link, opportunity_lock
from workers.sync.library_views import attachments_of, resource_link

ACTION = "opportunity.partner_resources"


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
