"""The SHA-256 hash chain over the audit trail, and its verification.

Each audit row stores ``prev_hash`` (its predecessor's ``row_hash``) and
``row_hash`` = SHA-256(prev_hash, canonical JSON of the row's content). The
first row follows the anchor (all zeros on a new database; the last purged
row's hash once the retention purge has run), so one edited, deleted,
inserted or reordered row breaks the chain at that row or the next.

Appends are serialised: the rows a transaction records join the session
when it commits, and the hashes are filled in just before they are
flushed, after updating the single ``audit_chain`` head row. That UPDATE
holds a row lock on PostgreSQL and the database write lock on SQLite until
the transaction commits, so a second writer reads the head only after the
first one's rows are in — concurrent writers never fork the chain — and
row ids grow in chain order. The head also records the last hash, so rows
deleted from the end of the trail show too.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC

from sqlalchemy import Integer, String, event, func, inspect, select, text
from sqlalchemy.orm import Mapped, Session, mapped_column

from models.audit import PENDING_ENTRIES, AuditEntry
from models.base import Base

GENESIS = "0" * 64
HEAD_ID = 1
# The content a row's hash covers; the id is left out on purpose (it is
# assigned by the INSERT, after the hash), the order is proven by prev_hash.
HASHED_FIELDS = (
    "at",
    "action",
    "outcome",
    "source",
    "actor",
    "task_id",
    "object_type",
    "object_id",
    "opportunity_id",
    "diff",
    "message",
)


class AuditChain(Base):
    """The one head row (id 1): where the next append continues and where
    verification starts."""

    __tablename__ = "audit_chain"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_hash: Mapped[str] = mapped_column(String(64))
    appended: Mapped[int] = mapped_column(Integer)
    anchor_id: Mapped[int] = mapped_column(Integer)  # last row not covered by the chain
    anchor_hash: Mapped[str] = mapped_column(String(64))  # what the first chained row follows
    purged_through: Mapped[int] = mapped_column(Integer)  # the purge may delete ids up to here


def canonical(entry) -> bytes:
    """The row's content as one deterministic byte string."""
    document = {name: getattr(entry, name) for name in HASHED_FIELDS}
    document["at"] = entry.at.astimezone(UTC).isoformat(timespec="microseconds")
    return json.dumps(document, sort_keys=True, separators=(",", ":"), default=str).encode()


def row_hash(prev_hash: str, entry) -> str:
    return hashlib.sha256(prev_hash.encode() + b"\n" + canonical(entry)).hexdigest()


@event.listens_for(Session, "before_commit")
def _add_pending_entries(session: Session) -> None:
    """The transaction's audit rows join the session now, in the order they
    were recorded; the commit's flush chains and inserts them."""
    session.add_all(session.info.pop(PENDING_ENTRIES, []))


@event.listens_for(Session, "after_rollback")
def _drop_pending_entries(session: Session) -> None:
    session.info.pop(PENDING_ENTRIES, None)


@event.listens_for(Session, "before_flush")
def _chain_new_entries(session: Session, _context, _instances) -> None:
    entries = [o for o in session.new if isinstance(o, AuditEntry)]
    if not entries:
        return
    # The unit of work inserts a class's new objects in the order they were
    # added; hash them in that order so ids follow the chain.
    entries.sort(key=lambda entry: inspect(entry).insert_order)
    connection = session.connection()
    # The UPDATE comes first: it takes the lock before the head is read.
    connection.execute(
        text("UPDATE audit_chain SET appended = appended + :n WHERE id = :id"),
        {"n": len(entries), "id": HEAD_ID},
    )
    previous = connection.execute(
        text("SELECT last_hash FROM audit_chain WHERE id = :id"), {"id": HEAD_ID}
    ).scalar_one()
    for entry in entries:
        entry.prev_hash = previous
        entry.row_hash = previous = row_hash(previous, entry)
    connection.execute(
        text("UPDATE audit_chain SET last_hash = :hash WHERE id = :id"),
        {"hash": previous, "id": HEAD_ID},
    )


# -- verification ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Verification:
    ok: bool
    checked: int  # chained rows walked
    unchained: int  # rows older than the anchor (written before the chain existed)
    first_bad_id: int | None = None
    problem: str | None = None

    def as_dict(self) -> dict:
        return {
            "ok": self.ok,
            "checked": self.checked,
            "unchained": self.unchained,
            "first_bad_id": self.first_bad_id,
            "problem": self.problem,
        }


def head(session: Session) -> AuditChain:
    return session.get(AuditChain, HEAD_ID)


def _chained_rows(session: Session, after_id: int, batch: int) -> Iterator[AuditEntry]:
    statement = select(AuditEntry).where(AuditEntry.id > after_id).order_by(AuditEntry.id)
    yield from session.scalars(statement.execution_options(yield_per=batch))


def _bad_link(entry: AuditEntry, previous_hash: str, previous_id: int | None) -> str | None:
    after = f"row {previous_id}" if previous_id is not None else "the anchor"
    if entry.prev_hash != previous_hash:
        return (
            f"row {entry.id} does not follow {after}: a row was deleted, inserted or reordered here"
        )
    if entry.row_hash != row_hash(entry.prev_hash, entry):
        return f"row {entry.id} does not match its hash: its content was edited"
    return None


def verify_chain(session: Session, batch: int = 1000) -> Verification:
    """Walk the chain from the anchor in id order; stop at the first bad row."""
    chain = head(session)
    unchained = session.scalar(
        select(func.count()).select_from(AuditEntry).where(AuditEntry.id <= chain.anchor_id)
    )
    previous_hash, previous_id, checked = chain.anchor_hash, None, 0
    for entry in _chained_rows(session, chain.anchor_id, batch):
        problem = _bad_link(entry, previous_hash, previous_id)
        if problem:
            session.expunge_all()
            return Verification(False, checked, unchained, entry.id, problem)
        previous_hash, previous_id, checked = entry.row_hash, entry.id, checked + 1
        session.expunge(entry)  # bounded memory however long the trail
    if previous_hash != chain.last_hash:
        return _head_mismatch(session, chain, checked, unchained, previous_id)
    return Verification(True, checked, unchained)


def _head_mismatch(
    session, chain: AuditChain, checked: int, unchained: int, last_id
) -> Verification:
    """The rows chain up but end elsewhere than the head says: rows were
    appended around the writer (named: the first after the head's last row)
    or deleted from the end."""
    recorded = session.scalar(select(AuditEntry.id).where(AuditEntry.row_hash == chain.last_hash))
    if recorded is not None:
        first_extra = session.scalar(
            select(func.min(AuditEntry.id)).where(AuditEntry.id > recorded)
        )
        return Verification(
            False,
            checked,
            unchained,
            first_extra,
            f"row {first_extra} was appended after row {recorded}, the last row the chain "
            "head recorded: inserted around the audit writer",
        )
    where = f"row {last_id}" if last_id is not None else "the anchor"
    return Verification(
        False,
        checked,
        unchained,
        None,
        f"the trail ends at {where} but the chain head records a later row: "
        "rows were deleted from the end",
    )
