"""POST /webhooks/partner-central: Partner Central events from an EventBridge
API destination; verify, validate, record once, queue one task per opportunity.

The same fixed sequence as the HubSpot webhook, each failure with its own
status and log event: secret configured, body size, shared-secret header
(constant-time), parse, validate, record and enqueue in one transaction.
Events carry only ids
(https://docs.aws.amazon.com/eventbridge/latest/ref/events-ref-partnercentral-selling.html),
so recording one is all the ingest does: the task reads the opportunity and its AWS summary itself.
"""

from __future__ import annotations

import hmac
import logging
from dataclasses import dataclass
from datetime import datetime

from flask import Blueprint, request
from marshmallow import ValidationError

from ingest.hubspot_events import Interpretation
from ingest.json_body import MalformedJSON, parse_json
from ingest.rejections import REJECTED, checked
from ingest.responses import accept, batch_counts, error
from models.inbox import PendingObject, record_new_events
from models.schemas import PC_EVENT_SOURCE, load_partner_central_events
from models.storable import row_problems
from pcsync import runtime
from workers.dispatch import (
    ENGAGEMENT_KEY,
    ENGAGEMENT_OPPORTUNITY_KEY,
    queue_engagement_refreshes,
    queue_invitation_imports,
    queue_object_syncs,
)

log = logging.getLogger(__name__)
blueprint = Blueprint("pc_events", __name__)

SECRET_HEADER = "X-PCSync-Events-Secret"
OPPORTUNITY = "opportunity"


@dataclass(frozen=True)
class Route:
    """What events of one detail-type ask pcsync to do.

    `syncs_opportunity`: the opportunity (detail.opportunity.identifier) is
    synced to its deal. `refreshes`: (pending kind, detail part, member)
    naming the opportunity or engagement whose engagement properties the
    deal shows again. `invitation_expired`: the event is about an AWS
    referral (an invitation to us), to import (False) or expire (True).
    """

    syncs_opportunity: bool = False
    refreshes: tuple[str, str, str] | None = None
    invitation_expired: bool | None = None


_ENGAGEMENT = (ENGAGEMENT_KEY, "engagement", "engagementId")
_MEMBER = (ENGAGEMENT_KEY, "engagement", "id")
_INVITATION_ENGAGEMENT = (ENGAGEMENT_KEY, "engagementInvitation", "engagementId")

# Every detail-type Partner Central documents
# (https://docs.aws.amazon.com/eventbridge/latest/ref/events-ref-partnercentral-selling.html)
# and what pcsync does with it. Known events that ask for nothing are
# recorded for the trail; any other detail-type is recorded as ignored.
ROUTES: dict[str, Route] = {
    "Opportunity Created": Route(syncs_opportunity=True),
    "Opportunity Updated": Route(
        syncs_opportunity=True,
        refreshes=(ENGAGEMENT_OPPORTUNITY_KEY, "opportunity", "identifier"),
    ),
    "Opportunity Accepted": Route(),
    "Opportunity Rejected": Route(),
    # A new invitation has no engagement to show yet: the import handles it.
    "Engagement Invitation Created": Route(invitation_expired=False),
    "Engagement Invitation Accepted": Route(refreshes=_INVITATION_ENGAGEMENT),
    "Engagement Invitation Rejected": Route(refreshes=_INVITATION_ENGAGEMENT),
    "Engagement Invitation Expired": Route(
        refreshes=_INVITATION_ENGAGEMENT, invitation_expired=True
    ),
    "Engagement Member Joined": Route(refreshes=_MEMBER),
    "Engagement Member Added": Route(refreshes=_MEMBER),
    "Resource Snapshot Created": Route(),
    "Engagement Resource Snapshot Created": Route(),
    "Engagement Created": Route(refreshes=_ENGAGEMENT),
    "Engagement Updated": Route(refreshes=_ENGAGEMENT),
}


@dataclass(frozen=True)
class EventWork:
    """What one event asks for: the objects to sync, the engagement refresh,
    the referral to import or expire; or why it is ignored."""

    touched: tuple[tuple[str, str], ...] = ()
    refresh: tuple[str, str] | None = None
    invitation: tuple[str, bool] | None = None
    ignore_reason: str | None = None

    def pending_keys(self) -> list[tuple[str, str]]:
        """The pending markers and task arguments this work would write."""
        keys = [*self.touched, *filter(None, [self.refresh])]
        return keys + ([("invitation", self.invitation[0])] if self.invitation else [])


def secret_matches(presented: str, expected: str) -> bool:
    return hmac.compare_digest(presented.encode(), expected.encode())


@blueprint.post("/webhooks/partner-central")
def receive_partner_central_events():
    settings = runtime.settings()
    if not settings.events_secret:
        return error(503, "pc_events.rejected.no_secret", "PCSYNC_EVENTS_SECRET is not configured")
    body = request.get_data(cache=True)  # raises 413 past MAX_CONTENT_LENGTH
    if not secret_matches(request.headers.get(SECRET_HEADER, ""), settings.events_secret):
        return error(401, "pc_events.rejected.secret", f"missing or wrong {SECRET_HEADER}")
    try:
        payload = parse_json(body)
    except MalformedJSON as exc:
        return error(400, "pc_events.rejected.json", str(exc))
    try:
        events = load_partner_central_events(payload)
    except ValidationError as exc:
        return error(400, "pc_events.rejected.validation", "invalid event", fields=exc.messages)
    raw_events = [payload] if isinstance(payload, dict) else payload
    pairs = list(zip(events, raw_events, strict=True))
    return accept("pc_events", lambda: record_and_enqueue(pairs))


def opportunity_id(event: dict) -> str | None:
    opportunity = event["detail"].get("opportunity")
    return opportunity.get("identifier") if isinstance(opportunity, dict) else None


def _member(detail: dict, part: str, member: str) -> str | None:
    """detail[part][member] when it is a non-empty string; the sender controls the shape."""
    section = detail.get(part)
    value = section.get(member) if isinstance(section, dict) else None
    return value if isinstance(value, str) and value else None


def _referral(detail: dict, expired: bool) -> tuple[str, bool] | None:
    """(invitation id, expired) when the invitation is an AWS referral to us
    (our own submissions' invitations are SENDER ones)."""
    invitation = detail.get("engagementInvitation")
    if not isinstance(invitation, dict):
        return None
    if str(invitation.get("participantType") or "").upper() != "RECEIVER":
        return None
    if invitation.get("payloadType", "OpportunityInvitation") != "OpportunityInvitation":
        return None
    invitation_id = _member(detail, "engagementInvitation", "id")
    return (invitation_id, expired) if invitation_id else None


def interpret(event: dict, catalog: str) -> EventWork:
    """What a validated event asks pcsync to do, through ROUTES. Pure."""
    if event["source"] != PC_EVENT_SOURCE:
        return EventWork(ignore_reason=f"source {event['source']!r} is not Partner Central")
    kind = event["detail_type"]
    route = ROUTES.get(kind)
    if route is None:
        return EventWork(
            ignore_reason=f"detail-type {kind!r} is not a Partner Central Selling event"
        )
    detail = event["detail"]
    if detail.get("catalog") != catalog:
        return EventWork(ignore_reason=f"catalog {detail.get('catalog')!r} is not ours ({catalog})")
    refresh_id = _member(detail, *route.refreshes[1:]) if route.refreshes else None
    expired = route.invitation_expired
    return EventWork(
        touched=((OPPORTUNITY, opportunity_id(event)),) if route.syncs_opportunity else (),
        refresh=(route.refreshes[0], refresh_id) if refresh_id else None,
        invitation=_referral(detail, expired) if expired is not None else None,
    )


def outcome_of(meaning: Interpretation) -> str:
    if meaning.ignore_reason:
        return "ignored"
    # Known events nothing acts on yet are kept, not ignored: they are valid
    # Partner Central events we may want to replay later.
    return "queued" if meaning.touched else "recorded"


def inbox_row(event: dict, raw: dict, meaning: Interpretation) -> dict:
    occurred: datetime = event["time"]
    return {
        "source": "partner_central",
        "dedup_key": event["id"],  # EventBridge's id is unique per event
        "event_type": event["detail_type"],
        "object_type": OPPORTUNITY if opportunity_id(event) else None,
        "object_id": opportunity_id(event),
        "occurred_at_ms": int(occurred.timestamp() * 1000),
        "property_name": None,
        "change_source": event["source"][:64],
        "outcome": outcome_of(meaning),
        "ignore_reason": meaning.ignore_reason,
        "payload": raw,
    }


def key_problems(work: EventWork) -> list[str]:
    """Whether the ids the event makes pending fit the pending markers' columns
    (the invitation id becomes a task argument and a row id too)."""
    return [
        problem
        for object_type, object_id in work.pending_keys()
        for problem in row_problems(
            PendingObject.__table__, {"object_type": object_type, "object_id": object_id}
        )
    ]


def record_and_enqueue(events: list[tuple[dict, dict]]) -> dict:
    """Record each event once and queue what it asks for: one debounced sync
    per opportunity, the referral imports, the engagement refreshes.

    As for HubSpot: tasks are published after the commit, and the pending
    sweeper queues what a broker outage kept from being published.
    """
    settings = runtime.settings()
    interpreted: dict[str, tuple[dict, Interpretation]] = {}
    work: dict[str, EventWork] = {}
    for event, raw in events:
        asked = interpret(event, settings.pc_catalog)
        meaning = Interpretation(asked.touched, asked.ignore_reason)
        row, meaning = checked(inbox_row(event, raw, meaning), meaning, key_problems(asked))
        if row["dedup_key"] not in interpreted:
            interpreted[row["dedup_key"]] = (row, meaning)
            work[row["dedup_key"]] = asked if row["outcome"] != REJECTED else EventWork()
    with runtime.database().transaction() as session:
        new_keys, touched = record_new_events(session, interpreted)
        new_work = [work[dedup] for dedup in interpreted if dedup in new_keys]
        queued = queue_object_syncs(session, touched, settings.debounce_seconds)
        queued += queue_invitation_imports(session, filter(None, (w.invitation for w in new_work)))
        queued += queue_engagement_refreshes(session, filter(None, (w.refresh for w in new_work)))
    new_rows = [row for dedup, (row, _) in interpreted.items() if dedup in new_keys]
    return batch_counts(len(events), new_rows, queued)
