"""What the referral, acceptance and submission lifecycles share.

- `Lifecycle.move` is the one place a lifecycle's state changes: the move is
  checked against the lifecycle's table (a refused one raises
  `InvalidTransition`, a permanent error) and written to the audit trail
  with its "from" and "to", in the caller's transaction.
- `Lifecycle.attempt_token`: Partner Central's start-a-task calls take a
  ClientToken that makes a resend return the task already started. The
  token carries the attempt number, one more than the attempts the audit
  trail shows as ended, so a redelivered attempt sends the same token and a
  deliberate retry after a failure a new one.
- `Step` and `next_poll`: no worker waits on a Partner Central task. A step
  that finds it IN_PROGRESS says so, and the Celery task re-queues itself
  with a growing countdown, for at most a day.
- `write_status_then_record`: HubSpot is never called while a transaction
  is open (on SQLite that would hold the database's one write lock across
  the call and its retries). What to write is read in one short
  transaction, sent, and recorded with the step's own changes in another;
  after a crash in between, the next attempt sends the same values again,
  which is harmless.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, TypeVar

from sqlalchemy import func, select

from models.audit import AuditEntry
from models.links import OpportunityLink
from pcsync import runtime
from workers.engine import client_token
from workers.errors import InvalidTransition, RetryableError
from workers.sync.context import Run
from workers.sync.deal_status import pending_deal_status, remember_deal_status
from workers.sync.links import find_link

log = logging.getLogger(__name__)
T = TypeVar("T")

# Poll after 5, 10, 20, 40 s, then every 60 s, for at most a day.
FIRST_POLL_SECONDS = 5.0
MAX_POLL_SECONDS = 60.0
MAX_POLL_ROUNDS = 24 * 60
IN_PROGRESS, COMPLETE, FAILED = "IN_PROGRESS", "COMPLETE", "FAILED"


@dataclass(frozen=True)
class AuditSubject:
    """Where a lifecycle's audit rows are filed; `details` go into every row's diff."""

    object_type: str
    object_id: str
    opportunity_id: str | None = None
    details: Mapping[str, Any] = field(default_factory=dict)

    def columns(self, diff: dict | None) -> dict[str, Any]:
        """An audit row's object columns, and its diff with `details` in it."""
        return {
            "object_type": self.object_type,
            "object_id": self.object_id,
            "opportunity_id": self.opportunity_id,
            "diff": {**self.details, **(diff or {})} or None,
        }


@dataclass(frozen=True)
class Lifecycle:
    """A state held in one attribute of a row, moved only along `transitions`
    (None: any move, for a state that is observed rather than driven)."""

    name: str
    attribute: str
    transitions: Mapping[str | None, frozenset[str]] | None
    subject: Callable[[Any], AuditSubject]

    def state(self, record: Any) -> str | None:
        return getattr(record, self.attribute) or None

    def allows(self, record: Any, target: str) -> bool:
        if self.transitions is None:
            return True
        return target in self.transitions.get(self.state(record), frozenset())

    def audit(
        self,
        session,
        run: Run,
        record: Any,
        *,
        action: str,
        outcome: str,
        diff: dict | None = None,
        message: str | None = None,
    ) -> None:
        """One audit row about `record` that is not a move (a request, a refusal)."""
        columns = self.subject(record).columns(diff)
        run.audit(session, action=action, outcome=outcome, message=message, **columns)

    def move(
        self,
        session,
        run: Run,
        record: Any,
        target: str,
        *,
        action: str,
        message: str | None = None,
        **details,
    ) -> str | None:
        """Move `record` to `target` and audit the move (outcome: the new
        state); returns the state it left."""
        current = self.state(record)
        if not self.allows(record, target):
            raise InvalidTransition(
                f"{self.name} {self.subject(record).object_id}: {current} -> {target}",
                service="pcsync",
            )
        setattr(record, self.attribute, target)
        self.audit(
            session,
            run,
            record,
            action=action,
            outcome=target,
            diff={"from": current, "to": target, **details},
            message=message,
        )
        return current

    def attempt(self, session, record: Any, action: str, ended: Collection[str]) -> int:
        """Which attempt at `action` this is: one more than the attempts whose
        end (an outcome in `ended`) the audit trail records."""
        subject = self.subject(record)
        ended_before = session.scalar(
            select(func.count())
            .select_from(AuditEntry)
            .where(
                AuditEntry.object_type == subject.object_type,
                AuditEntry.object_id == subject.object_id,
                AuditEntry.action == action,
                AuditEntry.outcome.in_(tuple(ended)),
            )
        )
        return 1 + ended_before

    def attempt_token(
        self, session, record: Any, *, action: str, ended: Collection[str], deal_id: str, label: str
    ) -> str:
        """The ClientToken of this attempt at `action` (see the module's docstring)."""
        attempt = self.attempt(session, record, action, ended)
        portal = runtime.settings().hubspot_portal_id or "0"
        return client_token(portal, deal_id, f"{label}-{attempt}")


# -- polling Partner Central's tasks ----------------------------------------------------------


@dataclass(frozen=True)
class Step:
    """What one run of a lifecycle command did. `poll_in` is set while
    Partner Central's task is still running: carry the work forward again
    after that many seconds."""

    outcome: str
    poll_in: float | None = None


STILL_RUNNING = Step("in_progress", poll_in=FIRST_POLL_SECONDS)


def task_failure(task: dict) -> str:
    """A FAILED task's reason, as the deal and the audit trail show it."""
    return f"{task.get('ReasonCode') or 'Failed'}: {task.get('Message') or ''}".strip()


def read_task(operation: str, task_id: str, run: Run) -> dict:
    """A started task's summary, read with its list operation. A task
    Partner Central does not list yet is asked for again shortly."""
    response = runtime.partner_central().call(
        operation, priority=run.priority, TaskIdentifier=[task_id]
    )
    task = next(iter(response.get("TaskSummaries") or []), None)
    if task is None:
        raise RetryableError(
            f"task {task_id} not listed yet",
            retry_after=5.0,
            service="partnercentral",
            operation=operation,
        )
    return task


def poll_countdown(poll_round: int) -> float:
    return min(MAX_POLL_SECONDS, FIRST_POLL_SECONDS * 2**poll_round)


def next_poll(step: Step, poll_round: int, give_up: Callable[[], None]) -> Step:
    """`step` with the countdown of its next poll; a task still running after
    MAX_POLL_ROUNDS polls is given up on (`give_up` records it) and "failed"."""
    if step.poll_in is None:
        return step
    if poll_round >= MAX_POLL_ROUNDS:
        give_up()
        return Step("failed")
    return replace(step, poll_in=poll_countdown(poll_round))


# -- showing a step on the linked deal --------------------------------------------------------


def write_status_then_record(
    deal_id: str,
    values: dict[str, str],
    record: Callable[[Any, OpportunityLink, dict[str, str]], T],
    *,
    extra: dict | None = None,
    best_effort: bool = False,
) -> T:
    """Write pcsync's status `values` (and `extra`) to the linked deal, then
    run `record(session, link, sent)` in the transaction that remembers them.
    With `best_effort`, a failed write is logged and the step recorded anyway
    (a failure must be recorded even when HubSpot cannot show it)."""
    with runtime.database().transaction() as session:
        payload = pending_deal_status(find_link(session, deal_id), values, extra=extra)
    if payload:
        try:
            runtime.hubspot().update_object("deals", deal_id, payload)
        except Exception:
            if not best_effort:
                raise
            log.exception("deal_status.not_written", extra={"deal_id": deal_id})
            payload = {}
    with runtime.database().transaction() as session:
        link = find_link(session, deal_id)
        if payload:
            remember_deal_status(link, values)
        return record(session, link, payload)
