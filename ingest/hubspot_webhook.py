"""POST /webhooks/hubspot: verify, validate, record once, queue one task per object.

The handler is a fixed sequence, each failure with its own status and log
event: secret configured, body size, signature over the raw bytes, parse,
validate, record and enqueue in one transaction. It never calls HubSpot or
Partner Central, so it answers well inside HubSpot's 5 s timeout.
"""

from __future__ import annotations

import logging
import re

from flask import Blueprint, request
from marshmallow import ValidationError

from ingest.hubspot_events import dedup_key, interpret, load_batch
from ingest.json_body import MalformedJSON, parse_json
from ingest.recent_events import RecentEvents
from ingest.rejections import checked
from ingest.responses import accept, batch_counts, error
from ingest.signatures import SignatureError, SignedRequest, verify
from models.inbox import record_and_mark, record_and_mark_at_once
from pcsync import runtime
from workers.dispatch import publish_object_syncs, send_object_syncs

log = logging.getLogger(__name__)
blueprint = Blueprint("hubspot_webhook", __name__)


def public_request_uri() -> str:
    """The URL HubSpot signed: the configured public base plus the path and
    query exactly as they arrived (still percent-encoded)."""
    raw = request.environ.get("RAW_URI") or request.environ.get("REQUEST_URI")
    if not raw:
        raw = request.full_path if request.query_string else request.path
    return runtime.settings().public_url + request.script_root + raw


@blueprint.post("/webhooks/hubspot")
def receive_hubspot_events():
    settings = runtime.settings()
    if not settings.hubspot_client_secret:
        return error(503, "webhook.rejected.no_secret", "HUBSPOT_CLIENT_SECRET is not configured")
    body = request.get_data(cache=True)  # raises 413 past MAX_CONTENT_LENGTH
    signed = SignedRequest(request.method, public_request_uri(), body, request.headers)
    try:
        version = verify(
            signed,
            settings.hubspot_client_secret,
            now_ms=int(runtime.now() * 1000),
            max_age_s=settings.signature_max_age_seconds,
            accepted=settings.webhook_signatures,
        )
    except SignatureError as exc:
        return error(401, "webhook.rejected.signature", exc.reason)
    try:
        payload = parse_json(body)
    except MalformedJSON as exc:
        return error(400, "webhook.rejected.json", str(exc))
    try:
        events = load_batch(payload)
    except ValidationError as exc:
        return error(400, "webhook.rejected.validation", "invalid event batch", fields=exc.messages)
    keys = [dedup_key(event) for event in events]
    recent = runtime.recent_webhook_events()
    retried = any(event["attemptNumber"] for event in events)
    if retried and recent is not None and recent.all_recorded(keys):
        # A redelivery: every event is recorded already, so nothing is written or queued.
        counts = batch_counts(len(events), [], 0)
        return accept("webhook", lambda: counts, signature_version=version)
    plain = _UNSTORABLE_TEXT.search(body) is None
    return accept(
        "webhook",
        lambda: record_and_enqueue(events, keys, plain, recent, first_deliveries=not retried),
        signature_version=version,
    )


# What in a JSON body can decode to text PostgreSQL refuses: the escape of
# NUL, any surrogate escape (a pair is fine, but telling takes a parse) and
# UTF-8-encoded surrogates (json.loads decodes bytes with "surrogatepass").
# A raw NUL cannot be in a body json.loads accepted.
_UNSTORABLE_TEXT = re.compile(rb"\\u0000|\\u[dD][89abcdefABCDEF]|\xed[\xa0-\xbf]")


# Columns whose values pcsync writes itself: they fit by construction.
_OWN_COLUMNS = frozenset({"source", "dedup_key", "outcome"})
_FITTING_PAYLOAD = _OWN_COLUMNS | {"payload"}


def payload_fits(event: dict, plain_body: bool) -> bool:
    """Whether the event, stored as the row's JSON payload, is known to fit
    without walking it: its body had no unstorable text, and it is nested
    two levels deep at most (only propertyValue can hold more)."""
    return plain_body and type(event["propertyValue"]) not in (dict, list)


def inbox_row(event: dict, key: str, ignore_reason: str | None) -> dict:
    return {
        "source": "hubspot",
        "dedup_key": key,
        "event_type": event["subscriptionType"],
        "object_type": event["subscriptionType"].partition(".")[0],
        "object_id": str(event.get("objectId") or event.get("fromObjectId") or ""),
        "occurred_at_ms": event["occurredAt"],
        "property_name": event.get("propertyName"),
        "change_source": event.get("changeSource"),
        "outcome": "ignored" if ignore_reason else "queued",
        "ignore_reason": ignore_reason,
        # The fields HubSpot sent: the schema's empty defaults would double
        # each stored event (and the database's work on it).
        "payload": {name: value for name, value in event.items() if value is not None},
    }


def record_and_enqueue(
    events: list[dict],
    keys: list[str],
    plain_body: bool = False,
    recent: RecentEvents | None = None,
    *,
    first_deliveries: bool = False,
) -> dict:
    """Record each event once and queue one debounced task per touched object.

    Tasks are published after the commit: if the broker refuses, the events
    and their pending markers are already stored (HubSpot's retry is then a
    duplicate) and the pending sweeper queues the tasks once the broker is
    back. An event the database cannot store is recorded as rejected and
    queues nothing (`ingest/rejections.py`). `keys` are the events'
    `dedup_key`s; `plain_body` says the body held no text the database
    refuses (see `payload_fits`); `recent` is told the keys once recorded;
    `first_deliveries` says no event was delivered before (see
    `record_and_mark_at_once`).
    """
    settings = runtime.settings()
    # One row per distinct event: a batch may repeat an event it also retries.
    interpreted = {}
    for event, key in zip(events, keys, strict=True):
        meaning = interpret(event, settings.hubspot_app_id)
        row, meaning = checked(
            inbox_row(event, key, meaning.ignore_reason),
            meaning,
            known_to_fit=_FITTING_PAYLOAD if payload_fits(event, plain_body) else _OWN_COLUMNS,
        )
        interpreted.setdefault(row["dedup_key"], (row, meaning))
    new_keys, queued = record_and_publish(
        interpreted, settings.debounce_seconds, first_deliveries=first_deliveries
    )
    if recent is not None:
        recent.remember(keys)
    new_rows = [row for dedup, (row, _) in interpreted.items() if dedup in new_keys]
    return batch_counts(len(events), new_rows, queued)


def record_and_publish(
    interpreted: dict, due_in: float, *, first_deliveries: bool = False
) -> tuple[set[str], int]:
    """Record the rows of `interpreted` and mark the objects they touch,
    then queue their tasks: (the new keys, the tasks queued)."""
    database = runtime.database()
    if database.dialect == "postgresql":
        # One statement, its own transaction; a retry after a closed
        # connection finds what a cut-off first try wrote as duplicates (the
        # sweeper queues its tasks).
        new_keys, to_queue = database.run_statement(
            lambda connection: record_and_mark_at_once(
                connection, interpreted, due_in, first_deliveries
            )
        )
        return new_keys, send_object_syncs(to_queue, due_in)

    def record(session) -> tuple[set[str], int]:
        new_keys, to_queue = record_and_mark(session, interpreted, due_in)
        return new_keys, publish_object_syncs(session, to_queue, due_in)

    return database.run(record)
