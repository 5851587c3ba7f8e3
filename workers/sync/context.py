"""Who is running a sync command, for the audit trail and retry decisions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from models.audit import record_audit
from pcsync import runtime


@dataclass(frozen=True)
class Run:
    actor: str  # the task name, or "operator:<token id>", "cli:backfill"
    task_id: str | None
    source: str  # what triggered it: hubspot | partner_central | schedule | operator
    priority: str = "event"  # "background" yields the last of the daily budget

    @property
    def today(self) -> date:
        return runtime.utc_now().date()

    def audit(self, session, *, action: str, outcome: str, **details):
        """One audit row for this run (source, actor and task id filled in)."""
        return record_audit(
            session,
            action=action,
            outcome=outcome,
            source=self.source,
            actor=self.actor,
            task_id=self.task_id,
            **details,
        )


def audit(session, run: Run, action: str, outcome: str, deal_id: str, **details) -> None:
    """One audit row about a deal."""
    run.audit(
        session,
        action=action,
        outcome=outcome,
        object_type="deal",
        object_id=deal_id,
        **details,
    )


def audit_cycle(session, run: Run, action: str, state_key: str, outcome: str, **details) -> None:
    """One audit row about a scheduled cycle, filed under the sync-state key
    (its watermark) the cycle moves."""
    run.audit(
        session,
        action=action,
        outcome=outcome,
        object_type="sync_state",
        object_id=state_key,
        **details,
    )


def audit_skipped_cycle(run: Run, action: str, state_key: str) -> None:
    """A scheduled cycle that did not run: the previous one still holds its lock."""
    with runtime.database().transaction() as session:
        audit_cycle(
            session, run, action, state_key, "skipped", message="a previous cycle is still running"
        )
