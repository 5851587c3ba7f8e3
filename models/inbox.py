"""The webhook inbox and the pending-object markers the ingest writes.

Each delivered event is stored once under a composite de-duplication key, so
a redelivery (HubSpot retries for 24 h) is recognised after any restart.
A pending row per touched object carries the debounce state: while
`scheduled` is true a task is queued or running, and further events queue no
more work. While the task waits in the queue (`claimed_at` empty) an event
changes nothing: the run will read the object after it. Once the run has
claimed the row, an event bumps `generation`, so the run's end sees it.
`enqueued_at` is when that task is due (queued with a countdown) or last
started, so a row still scheduled well past it has lost its task (a broker
that dropped the message, a worker killed mid-run) and the pending sweeper
queues it again.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from functools import cache

import orjson
from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Index,
    Integer,
    String,
    Text,
    TypeDecorator,
    bindparam,
    case,
    cast,
    column,
    func,
    null,
    select,
    true,
    tuple_,
    union_all,
    update,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from models.base import Base, UTCDateTime, utcnow


class InboxEvent(Base):
    __tablename__ = "inbox_events"
    __table_args__ = (
        # Read only by retention, as a range; rows arrive in this order (migration 0016).
        Index("ix_inbox_events_received_at", "received_at", postgresql_using="brin"),
    )

    # An event is its key: no surrogate id, one index fewer to update per
    # event (migration 0017).
    source: Mapped[str] = mapped_column(String(32), primary_key=True)  # hubspot | partner_central
    dedup_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    event_type: Mapped[str] = mapped_column(String(100))
    object_type: Mapped[str | None] = mapped_column(String(32))
    object_id: Mapped[str | None] = mapped_column(String(64), index=True)
    occurred_at_ms: Mapped[int | None] = mapped_column(BigInteger)
    property_name: Mapped[str | None] = mapped_column(String(255))
    change_source: Mapped[str | None] = mapped_column(String(64))
    outcome: Mapped[str] = mapped_column(String(16))  # queued | ignored
    ignore_reason: Mapped[str | None] = mapped_column(Text)
    # The event as received. JSON, not JSONB, on PostgreSQL (migration
    # 0017): stored as the text the ingest sends, which the server only
    # validates; nothing queries into it.
    payload: Mapped[dict] = mapped_column(JSON)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PendingObject(Base):
    __tablename__ = "pending_objects"
    # The pending sweeper's question: which scheduled rows are overdue.
    __table_args__ = (Index("ix_pending_objects_overdue", "scheduled", "enqueued_at"),)

    object_type: Mapped[str] = mapped_column(String(32), primary_key=True)
    object_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    scheduled: Mapped[bool] = mapped_column(Boolean, default=True)
    generation: Mapped[int] = mapped_column(Integer, default=1)
    first_dirty_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_event_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    enqueued_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When the run now going claimed the row; empty while its task is queued.
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


_INBOX = InboxEvent.__table__
_PENDING = PendingObject.__table__
_INBOX_COLUMNS = [c.name for c in _INBOX.columns if c.name != "received_at"]


# The ingest's statements are built once per dialect and compiled once; a
# request's rows travel as parameters. PostgreSQL gets them as one JSON array
# expanded by `json_to_recordset`: the SQL text stays short and the same, so
# the driver and the server keep it prepared (a 1,200-parameter multi-row
# INSERT is parsed anew each time, and that cost more than the database
# work). JSON, not JSONB: the server reads the text once, without building
# JSONB values and sorting each object's keys, and the payload goes into its
# JSON column as a slice of it (with JSONB, parsing was a quarter of the
# database's work on a batch). SQLite takes the rows as an executemany,
# which SQLAlchemy sends as one multi-row INSERT.
def json_text(value: object) -> str:
    """`value` as JSON text. orjson writes a 100-event batch about ten times
    faster than json.dumps; what it refuses (an integer past 64 bits) is
    written by json.dumps."""
    try:
        return orjson.dumps(value).decode()
    except TypeError:
        return json.dumps(value)


class _JsonText(TypeDecorator):
    """A JSON document sent as text (`json_text`), which the statement casts."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value, dialect):
        return json_text(value)


def _json_rows(name: str, columns: list):
    """The rows of the JSON parameter `name`, objects with the members
    `columns` (table columns, whose names and types they take), as a FROM
    clause."""
    return (
        func.json_to_recordset(cast(bindparam(name, type_=_JsonText()), JSON))
        .table_valued(*(column(c.name, c.type) for c in columns))
        .render_derived(name=f"{name}_batch", with_types=True)
    )


def _pg_insert_rows(table, row_columns: list[str], shared_columns: list[str], rows=None):
    """INSERT INTO `table` the `rows` (a FROM clause with `row_columns`; by
    default those of the JSON parameter `rows`), each with the same values for
    `shared_columns` (parameters of those names)."""
    rows = rows if rows is not None else _json_rows("rows", [table.c[c] for c in row_columns])
    shared = [bindparam(name, type_=table.c[name].type) for name in shared_columns]
    return pg_insert(table).from_select(
        [*row_columns, *shared_columns], select(*(rows.c[c] for c in row_columns), *shared)
    )


def _insert_rows(dialect: str, table, row_columns: list[str], shared_columns: list[str]):
    if dialect == "postgresql":
        return _pg_insert_rows(table, row_columns, shared_columns)
    # Imported here: SQLite's dialect loads the sqlite3 driver and its library,
    # memory a PostgreSQL ingest worker would carry for nothing.
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return sqlite_insert(table)


def _execute_rows(session: Session, statement_for, rows: list[dict], shared: dict):
    """Run the dialect's statement from `statement_for` over `rows`, each
    with the `shared` column values."""
    connection = session.connection()
    dialect = connection.dialect.name
    if dialect == "postgresql":
        return connection.execute(statement_for(dialect), {"rows": rows, **shared})
    return connection.execute(statement_for(dialect), [{**row, **shared} for row in rows])


@cache
def _record_statement(dialect: str, first_deliveries: bool = False):
    """INSERT the inbox rows, RETURNING the new keys. A recorded event is
    skipped (ON CONFLICT DO NOTHING), except with `first_deliveries`: none is
    expected, so the plain INSERT spares each row the search of the unique
    index that ON CONFLICT makes before inserting, and a recorded one fails
    the whole statement with a unique violation."""
    insert = _insert_rows(dialect, _INBOX, _INBOX_COLUMNS, ["received_at"])
    if not first_deliveries:
        insert = insert.on_conflict_do_nothing(index_elements=["source", "dedup_key"])
    return insert.returning(_INBOX.c.dedup_key)


_PENDING_KEY = ["object_type", "object_id"]
_PENDING_MARK = ["scheduled", "generation", "first_dirty_at", "last_event_at", "enqueued_at"]


def _upsert_pending(statement):
    """Create each row, or bump the generation of one a run has claimed; a
    row whose task had ended (`scheduled` false) is scheduled again with the
    new due time, and one whose task is still queued is left as it is (no
    write). SET reads the row as it was, so `first_dirty_at` becomes this
    call's time exactly when the row is new or was idle: RETURNING it tells
    which need a task."""
    was_idle = _PENDING.c.scheduled.is_(False)
    return statement.on_conflict_do_update(
        index_elements=_PENDING_KEY,
        where=was_idle | _PENDING.c.claimed_at.is_not(None),
        set_={
            "scheduled": true(),
            "generation": _PENDING.c.generation + 1,
            "last_event_at": statement.excluded.last_event_at,
            "first_dirty_at": case(
                (was_idle, statement.excluded.first_dirty_at), else_=_PENDING.c.first_dirty_at
            ),
            "enqueued_at": case(
                (was_idle, statement.excluded.enqueued_at), else_=_PENDING.c.enqueued_at
            ),
        },
    ).returning(_PENDING.c.object_type, _PENDING.c.object_id, _PENDING.c.first_dirty_at)


@cache
def _mark_statement(dialect: str):
    return _upsert_pending(_insert_rows(dialect, _PENDING, _PENDING_KEY, _PENDING_MARK))


@cache
def _record_and_mark_statement(first_deliveries: bool):
    """PostgreSQL: both of the ingest's writes in one statement. The inbox
    insert's RETURNING (the new events) picks, from the JSON parameter
    `touches` (event key, object type, object id), the objects to mark; the
    result is the new keys (rows with a dedup_key) and the marked objects.
    One statement is its own transaction: all of it is written or none."""
    recorded = _record_statement("postgresql", first_deliveries).cte("recorded")
    touches = _json_rows("touches", [_INBOX.c.dedup_key, *(_PENDING.c[c] for c in _PENDING_KEY)])
    # An object whose task is still queued is left out before the upsert,
    # which would lock its row to leave it unchanged (a concurrent change is
    # still met by the upsert's own condition). A scalar subquery, which
    # PostgreSQL runs per object through the primary key: NOT EXISTS may
    # become a join that scans the whole table. The objects are distinct (one
    # row may not be updated twice in a statement) and sorted, so concurrent
    # requests lock shared rows in the same order.
    waiting = (
        select(_PENDING.c.scheduled & _PENDING.c.claimed_at.is_(None))
        .where(
            _PENDING.c.object_type == touches.c.object_type,
            _PENDING.c.object_id == touches.c.object_id,
        )
        .scalar_subquery()
    )
    objects = (
        select(touches.c.object_type, touches.c.object_id)
        .join_from(touches, recorded, touches.c.dedup_key == recorded.c.dedup_key)
        .where(func.coalesce(waiting, False).is_not(True))
        .distinct()
        .order_by(touches.c.object_type, touches.c.object_id)
        .subquery("objects")
    )
    marked = _upsert_pending(
        _pg_insert_rows(_PENDING, _PENDING_KEY, _PENDING_MARK, rows=objects)
    ).cte("marked")
    return _record_and_mark_result(recorded, marked)


def _record_and_mark_result(recorded, marked):
    """What the one statement answers, as few rows as it can: one with the
    number of new events (`recorded`), the objects that need a task (an
    object already waiting for one is the usual case in a burst; see
    `_to_queue`), and the new events' keys only when some events were not
    new (parameter `row_count`: the rows sent)."""
    new_events = select(func.count()).select_from(recorded).scalar_subquery()
    key, recorded_count = recorded.c.dedup_key, column("recorded", BigInteger)
    marks = [marked.c.object_type, marked.c.object_id, marked.c.first_dirty_at]
    empty_marks = [cast(null(), c.type) for c in marks]
    return union_all(
        select(cast(null(), key.type), *empty_marks, new_events.label(recorded_count.name)),
        select(cast(null(), key.type), *marks, cast(null(), BigInteger)).where(
            marked.c.first_dirty_at == bindparam("first_dirty_at")
        ),
        select(key, *empty_marks, cast(null(), BigInteger)).where(
            new_events < bindparam("row_count", type_=Integer)
        ),
    )


def record_events(session: Session, rows: list[dict]) -> set[str]:
    """Insert inbox rows whose (source, dedup_key) is new; return the new keys.

    Insert-or-nothing at the database makes de-duplication hold across
    concurrent requests and restarts, not just within one process; a
    duplicate is answered by the unique index, without writing anything.
    """
    if not rows:
        return set()
    # RETURNING, not rowcount: drivers disagree on rowcount for ON CONFLICT.
    result = _execute_rows(session, _record_statement, rows, {"received_at": utcnow()})
    return set(result.scalars())


def record_new_events(session: Session, interpreted: dict) -> tuple[set[str], list]:
    """Insert the inbox rows of `interpreted` ({dedup key: (row, meaning)},
    where `meaning.touched` lists (object type, id) pairs); return the keys
    that were new and the objects only those events touched, in order, once
    each. A duplicate delivery touches nothing."""
    new_keys = record_events(session, [row for row, _ in interpreted.values()])
    return new_keys, _touched_by(interpreted, new_keys)


def _touched_by(interpreted: dict, new_keys: set[str]) -> list[tuple[str, str]]:
    """The objects the events of `new_keys` touched, in order, once each."""
    touched = dict.fromkeys(
        key
        for dedup, (_, meaning) in interpreted.items()
        if dedup in new_keys
        for key in meaning.touched
    )
    return list(touched)


def mark_pending(
    session: Session, keys: list[tuple[str, str]], due_in: float = 0.0
) -> list[tuple[str, str]]:
    """Mark objects dirty, in one statement; return those the caller must
    queue a task for (due in `due_in` seconds, the task's countdown).

    Only the event that creates the row, or flips `scheduled` from false,
    queues work; every later event before the task finishes is coalesced into
    that one task by bumping `generation` (`settle_pending` then sees it).
    """
    if not keys:
        return []
    mark = _pending_mark(due_in)
    # Sorted, so concurrent requests lock shared rows in the same order.
    rows = [{"object_type": kind, "object_id": oid} for kind, oid in sorted(set(keys))]
    result = _execute_rows(session, _mark_statement, rows, mark)
    return _to_queue(keys, result, mark)


def _pending_mark(due_in: float) -> dict:
    now = utcnow()
    return dict(
        scheduled=True,
        generation=1,
        first_dirty_at=now,
        last_event_at=now,
        enqueued_at=now + timedelta(seconds=due_in),
    )


def _to_queue(keys, marked_rows, mark: dict) -> list[tuple[str, str]]:
    """Of `keys`, in order, those whose marked row says they need a task."""
    now = mark["first_dirty_at"]
    to_queue = {(kind, oid) for kind, oid, first_dirty in marked_rows if first_dirty == now}
    return [key for key in dict.fromkeys(keys) if key in to_queue]


def record_and_mark(
    session: Session, interpreted: dict, due_in: float
) -> tuple[set[str], list[tuple[str, str]]]:
    """`record_new_events`, then `mark_pending` of what the new events
    touched, in the session's transaction: (the new keys, the objects to
    queue a task for). On PostgreSQL `record_and_mark_at_once` does it in
    one statement."""
    new_keys, touched = record_new_events(session, interpreted)
    return new_keys, mark_pending(session, touched, due_in=due_in)


@cache
def _record_and_mark_sql(dialect, first_deliveries: bool) -> tuple[str, dict]:
    """The one statement's SQL and its constant parameters, compiled once.
    Executed as text, a request skips the per-execution work SQLAlchemy
    does for a statement (walking all of it for a cache key took longer than
    building the request's parameters)."""
    compiled = _record_and_mark_statement(first_deliveries).compile(dialect=dialect)
    # The literals the statement holds (a request passes every other one).
    constants = {name: value for name, value in compiled.params.items() if value is not None}
    return str(compiled), constants


def record_and_mark_at_once(
    connection: Connection, interpreted: dict, due_in: float, first_deliveries: bool = False
) -> tuple[set[str], list[tuple[str, str]]]:
    """PostgreSQL: `record_and_mark` in one statement, which is its own
    transaction on an autocommit `connection`. `first_deliveries`: no event
    has been delivered before (HubSpot's attemptNumber 0), so none should be
    recorded yet; the statement then inserts without ON CONFLICT, about a
    tenth less work for the database, and is run again with it if an event
    was recorded after all (nothing of the failed one is kept)."""
    if not interpreted:
        return set(), []
    mark = _pending_mark(due_in)
    touches = [
        {"dedup_key": dedup, "object_type": kind, "object_id": oid}
        for dedup, (_, meaning) in interpreted.items()
        for kind, oid in meaning.touched
    ]
    rows = [row for row, _ in interpreted.values()]
    # Values as the driver takes them: the JSON as text, aware UTC datetimes.
    parameters = {
        **mark,
        "rows": json_text(rows),
        "row_count": len(rows),
        "touches": json_text(touches),
        "received_at": utcnow(),
    }
    result = _recorded_and_marked(connection, parameters, first_deliveries)
    (new_events,) = (row[4] for row in result if row[4] is not None)
    keys = {row[0] for row in result if row[0] is not None}
    new_keys = set(interpreted) if new_events == len(rows) else keys
    marked = [row[1:4] for row in result if row[1] is not None]
    return new_keys, _to_queue(_touched_by(interpreted, new_keys), marked, mark)


# PostgreSQL's SQLSTATE for a duplicate key in a unique index.
_UNIQUE_VIOLATION = "23505"


def _recorded_and_marked(connection: Connection, parameters: dict, first_deliveries: bool):
    """The one statement's rows; with `first_deliveries` tried without ON
    CONFLICT first, and with it, on the same parameters, if an event turned
    out to be recorded."""
    if first_deliveries:
        try:
            return _run_record_and_mark(connection, parameters, first_deliveries=True)
        except IntegrityError as exc:
            if getattr(exc.orig, "sqlstate", None) != _UNIQUE_VIOLATION:
                raise
    return _run_record_and_mark(connection, parameters, first_deliveries=False)


def _run_record_and_mark(connection: Connection, parameters: dict, *, first_deliveries: bool):
    sql, constants = _record_and_mark_sql(connection.dialect, first_deliveries)
    return connection.exec_driver_sql(sql, {**constants, **parameters}).fetchall()


def claim_pending(session: Session, object_type: str, object_id: str) -> int | None:
    """Called by the task when it starts: the row stays scheduled, claimed
    (events arriving from now on bump its generation) and its clock
    restarts, so the sweeper re-queues it only if this run dies. Returns the
    generation seen, or None when nothing was pending (a redelivered or
    replayed task)."""
    row = session.get(PendingObject, (object_type, object_id), with_for_update=True)
    if row is None:
        return None
    row.scheduled = True
    row.enqueued_at = row.claimed_at = utcnow()
    return row.generation


def postpone_pending(session: Session, object_type: str, object_id: str, seconds: float) -> None:
    """The task will run again in `seconds` (a retry or a follow-up run): not
    stale before then, and not claimed until that run starts."""
    session.execute(
        update(PendingObject)
        .where(PendingObject.object_type == object_type, PendingObject.object_id == object_id)
        .values(enqueued_at=utcnow() + timedelta(seconds=seconds), claimed_at=None)
        .execution_options(synchronize_session=False)
    )


def settle_pending(
    session: Session, object_type: str, object_id: str, generation: int | None, due_in: float
) -> bool:
    """The run that claimed `generation` ended. True when nothing arrived
    meanwhile (the object is no longer pending); False when a newer event did:
    the row stays scheduled, due in `due_in` seconds, and the caller queues
    a follow-up run."""
    if generation is None:
        return True
    key = (PendingObject.object_type == object_type) & (PendingObject.object_id == object_id)
    done = session.execute(
        update(PendingObject)
        .where(key & (PendingObject.generation == generation))
        .values(scheduled=False, claimed_at=None)
        .returning(PendingObject.object_id)
        .execution_options(synchronize_session=False)
    ).first()
    if done is not None:
        return True
    postpone_pending(session, object_type, object_id, due_in)
    return False


def claim_stale_pending(
    session: Session, margin_seconds: float, limit: int = 500
) -> list[tuple[str, str]]:
    """Scheduled rows whose task is more than `margin_seconds` overdue: their
    message or run was lost. Their clock restarts now, so a row is handed out
    once per margin however many sweepers run."""
    now = utcnow()
    overdue = (
        select(PendingObject.object_type, PendingObject.object_id)
        .where(
            PendingObject.scheduled.is_(True),
            PendingObject.enqueued_at < now - timedelta(seconds=margin_seconds),
        )
        .order_by(PendingObject.enqueued_at)
        .limit(limit)
    )
    pk = tuple_(PendingObject.object_type, PendingObject.object_id)
    rows = session.execute(
        update(PendingObject)
        .where(pk.in_(overdue), PendingObject.scheduled.is_(True))
        .values(enqueued_at=now)
        .returning(PendingObject.object_type, PendingObject.object_id)
        .execution_options(synchronize_session=False)
    ).all()
    return [tuple(row) for row in rows]
