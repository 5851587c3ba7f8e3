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
from datetime import datetime

from flask import Blueprint, request
from marshmallow import ValidationError

from ingest.hubspot_events import Interpretation
from ingest.json_body import MalformedJSON, parse_json
from ingest.rejections import REJECTED, checked
from ingest.responses import accept, batch_counts, error
from models.inbox import PendingObject, record_new_events
from models.schemas import PC_EVENT_SOURCE, PC_OPPORTUNITY_CHANGES, load_partner_central_events
from models.storable import row_problems
from pcsync import runtime
from tasks.engagements import engagement_event_key, queue_engagement_events
from tasks.hubspot_sync import queue_object_syncs
from tasks.referrals import queue_referral_events, referral_event

log = logging.getLogger(__name__)
blueprint = Blueprint("pc_events", __name__)

SECRET_HEADER = "X-PCSync-Events-Secret"
OPPORTUNITY = "opportunity"

# Every detail-type Partner Central documents
# (https://docs.aws.amazon.com/eventbridge/latest/ref/events-ref-partnercentral-selling.html).
# Those outside PC_OPPORTUNITY_CHANGES are recorded for the trail but queue
# nothing here.
KNOWN_DETAIL_TYPES = frozenset(
    {
        *PC_OPPORTUNITY_CHANGES,
        "Opportunity Accepted",
        "Opportunity Rejected",
        "Engagement Invitation Created",
        "Engagement Invitation Accepted",
        "Engagement Invitation Rejected",
        "Engagement Invitation Expired",
        "Engagement Member Joined",
        "Engagement Member Added",
        "Resource Snapshot Created",
        "Engagement Resource Snapshot Created",
        "Engagement Created",
        "Engagement Updated",
    }
)


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


def interpret(event: dict, catalog: str) -> Interpretation:
    """Which opportunity the event makes dirty, or why it is ignored. Pure."""
    if event["source"] != PC_EVENT_SOURCE:
        return Interpretation((), f"source {event['source']!r} is not Partner Central")
    kind = event["detail_type"]
    if kind not in KNOWN_DETAIL_TYPES:
        return Interpretation((), f"detail-type {kind!r} is not a Partner Central Selling event")
    event_catalog = event["detail"].get("catalog")
    if event_catalog != catalog:
        return Interpretation((), f"catalog {event_catalog!r} is not ours ({catalog})")
    if kind in PC_OPPORTUNITY_CHANGES:
        return Interpretation(((OPPORTUNITY, opportunity_id(event)),))
    return Interpretation(())


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


def key_problems(raw: dict, catalog: str) -> list[str]:
    """Whether the ids the event makes pending fit the pending markers' columns
    (the invitation id becomes a task argument and a row id too)."""
    keys = [engagement_event_key(raw, catalog)]
    referral = referral_event(raw, catalog)
    if referral:
        keys.append(("invitation", referral[0]))
    return [
        problem
        for object_type, object_id in filter(None, keys)
        for problem in row_problems(
            PendingObject.__table__, {"object_type": object_type, "object_id": object_id}
        )
    ]


def record_and_enqueue(events: list[tuple[dict, dict]]) -> dict:
    """Record each event once and queue one debounced task per opportunity.

    As for HubSpot: tasks are published after the commit, and the pending
    sweeper queues what a broker outage kept from being published.
    """
    settings = runtime.settings()
    interpreted: dict[str, tuple[dict, Interpretation]] = {}
    for event, raw in events:
        meaning = interpret(event, settings.pc_catalog)
        row, meaning = checked(
            inbox_row(event, raw, meaning), meaning, key_problems(raw, settings.pc_catalog)
        )
        interpreted.setdefault(row["dedup_key"], (row, meaning))
    with runtime.database().transaction() as session:
        new_keys, touched = record_new_events(session, interpreted)
        queued = queue_object_syncs(session, touched, settings.debounce_seconds)
        new_payloads = [
            row["payload"]
            for dedup, (row, _) in interpreted.items()
            if dedup in new_keys and row["outcome"] != REJECTED
        ]
        queued += queue_referral_events(session, new_payloads)
        # Opportunity, engagement and invitation events also refresh what the
        # deal shows about the AWS engagement (tasks/engagements.py).
        queued += queue_engagement_events(
            session,
            [
                row["payload"]
                for dedup, (row, _) in interpreted.items()
                if dedup in new_keys and row["outcome"] not in ("ignored", REJECTED)
            ],
        )
    new_rows = [row for dedup, (row, _) in interpreted.items() if dedup in new_keys]
    return batch_counts(len(events), new_rows, queued)
