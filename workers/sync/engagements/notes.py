"""Delivering the engagement notes the refresh recorded in the notes ledger.

The refresh records one intended note per observed change in the same
transaction as the new state (models.engagements); this module sends them.
Each send is intent, then the HubSpot call, then the mark, every step in its
own short transaction: no HubSpot call happens while one is open, and
`attempted_at`, committed before the call, tells a later run that a note may
have been created already, so it is first looked for on its deal.
"""

from __future__ import annotations

from sqlalchemy import select

from models.engagements import NOTE_TRANSITIONS, EngagementNote
from pcsync import runtime
from workers.engine.batches import batched
from workers.engine.engagements import carries_note
from workers.errors import PermanentError
from workers.sync.context import Run
from workers.sync.lifecycle import AuditSubject, Lifecycle

NOTE_BATCH_SIZE = 100  # notes per HubSpot batch create
NOTE_LIFECYCLE = Lifecycle(
    "engagement note",
    "state",
    NOTE_TRANSITIONS,
    lambda note: AuditSubject("deal", note.hubspot_deal_id, note.opportunity_id),
)


def deliver_notes(run: Run, deal_ids: list[str] | None = None) -> int:
    """Send the ledger's intended notes (of these deals, or all): those never
    tried in batches of 100, those a crash may have sent one by one, each
    looked for on its deal first. Returns how many were created."""
    with runtime.database().transaction() as session:
        query = select(EngagementNote.id, EngagementNote.attempted_at).where(
            EngagementNote.state == "intended"
        )
        if deal_ids is not None:
            query = query.where(EngagementNote.hubspot_deal_id.in_(deal_ids))
        notes = session.execute(query.order_by(EngagementNote.id)).all()
    created = 0
    for chunk in batched([i for i, tried in notes if tried is None], NOTE_BATCH_SIZE):
        created += deliver_note_batch(chunk, run)
    for note_id in [i for i, tried in notes if tried is not None]:
        created += deliver_note(note_id, run)
    return created


def deliver_note_batch(note_ids: list[int], run: Run) -> int:
    """Intent, then one batch create, then the marks; the notes created.
    A batch HubSpot refuses (a deal deleted meanwhile) goes note by note."""
    with runtime.database().transaction() as session:
        notes = [session.get(EngagementNote, i) for i in note_ids]
        pending = [n for n in notes if n and n.state == "intended" and n.attempted_at is None]
        for note in pending:
            note.attempted_at = runtime.utc_now()
        sending = [(n.id, n.hubspot_deal_id, n.body, n.transition_hash) for n in pending]
    if not sending:
        return 0
    stamp = _epoch_ms()
    try:
        created = runtime.hubspot().create_notes(
            [(deal, body, stamp) for _, deal, body, _ in sending]
        )
    except PermanentError:
        return sum(deliver_note(note_id, run) for note_id, *_ in sending)
    for note_id, _, _, key in sending:
        record = next((r for r in created if carries_note(r, key)), None)
        if record is not None:
            settle_note(note_id, run, "created", hubspot_note_id=str(record["id"]))
    return len(created)


def deliver_note(note_id: int, run: Run) -> bool:
    """Intent, then the HubSpot call, then the mark. True when this call
    created the note."""
    with runtime.database().transaction() as session:
        note = session.get(EngagementNote, note_id)
        if note is None or note.state != "intended":
            return False
        maybe_sent = note.attempted_at is not None
        note.attempted_at = runtime.utc_now()
        deal_id, body, key = note.hubspot_deal_id, note.body, note.transition_hash
    existing = find_sent_note(deal_id, key) if maybe_sent else None
    created = None
    if existing is None:
        try:
            created = runtime.hubspot().create_note(deal_id, body, _epoch_ms())
        except PermanentError as exc:  # e.g. the deal was deleted
            settle_note(note_id, run, "failed", error=exc.api_message or str(exc))
            return False
    settle_note(note_id, run, "created", hubspot_note_id=existing or str(created["id"]))
    return created is not None


def _epoch_ms() -> int:
    """The note's timestamp as HubSpot takes it."""
    return int(runtime.now() * 1000)


def find_sent_note(deal_id: str, note_key: str) -> str | None:
    """The id of the deal's note carrying this ledger reference, if any."""
    hubspot = runtime.hubspot()
    associated = hubspot.associations("deals", "notes", [deal_id])
    note_ids = [a["id"] for a in associated.get(str(deal_id), [])]
    if not note_ids:
        return None
    for note_id, note in hubspot.batch_read("notes", note_ids, ["hs_note_body"]).items():
        if carries_note(note, note_key):
            return note_id
    return None


def settle_note(
    note_id: int,
    run: Run,
    state: str,
    *,
    hubspot_note_id: str | None = None,
    error: str | None = None,
) -> None:
    with runtime.database().transaction() as session:
        note = session.get(EngagementNote, note_id)
        note.note_id = hubspot_note_id
        note.last_error = error
        NOTE_LIFECYCLE.move(
            session,
            run,
            note,
            state,
            action="engagement.note",
            message=error,
            note_id=hubspot_note_id,
            transition=note.transition_hash,
        )
