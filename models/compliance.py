"""The compliance report: what pcsync did over a period, per day and in
total, counted from the audit rows themselves (one streamed pass), plus the
conflict queue's state and the hash chain's verification.

What each count is, by audit row:
- ``partner_central_writes``: rows of the actions that write Partner Central
  (``PC_WRITE_ACTIONS``), by action and outcome; ``opportunity.sync`` rows
  only when their diff lists ``partner_central`` changes. ``quota`` sets the
  day's total against the 10,000 writes a partner account may make per day.
- ``hubspot_writes``: rows whose diff carries ``hubspot`` writes (properties
  by object; a conflict row's ``hubspot`` value is not a write), by action.
- ``failures``: rows with outcome ``failed``, by error code (the first field
  error's code, else ``unspecified``); ``replays``: ``failure.replayed`` rows.
- ``conflicts``: ``field.conflict`` rows opened, ``conflict.resolve`` rows by
  choice; ``still_pending`` and ``median_seconds_to_resolve`` come from the
  conflicts table (pending at the period's end; resolved in the period).
- ``deferred``: ``opportunity.sync`` rows with outcome ``deferred``, by the
  reason, which names the review status that held the change back.
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.audit_chain import verify_chain
from models.audit_query import AuditFilter, stream_rows
from models.conflicts import Conflict

DAILY_WRITE_QUOTA = 10_000
PC_WRITE_ACTIONS = frozenset(
    {
        "opportunity.create",
        "opportunity.sync",
        "opportunity.assign",
        "opportunity.associate",
        "opportunity.submit",
    }
)


def _error_code(diff: dict | None) -> str:
    errors = (diff or {}).get("field_errors") or []
    first = errors[0] if errors and isinstance(errors[0], dict) else {}
    return str(first.get("code") or "unspecified")


def _writes_partner_central(row: dict) -> bool:
    if row["action"] not in PC_WRITE_ACTIONS:
        return False
    return row["action"] != "opportunity.sync" or bool((row["diff"] or {}).get("partner_central"))


def _count_row(day: Counter, row: dict) -> None:
    """Add one audit row to a day's counters (keys are "metric|detail")."""
    diff = row["diff"] if isinstance(row["diff"], dict) else {}
    action, outcome = row["action"], row["outcome"]
    if _writes_partner_central(row):
        day[f"partner_central_writes|{action}|{outcome}"] += 1
    if diff.get("hubspot") and isinstance(diff["hubspot"], dict):  # not a conflict's value
        day[f"hubspot_writes|{action}"] += 1
    if outcome == "failed":
        day[f"failures|{_error_code(diff)}"] += 1
    if action == "failure.replayed":
        day["replays|"] += 1
    if action == "field.conflict":
        day["conflicts_opened|"] += 1
    if action == "conflict.resolve":
        day[f"conflicts_resolved|{diff.get('choice') or outcome}"] += 1
    if action == "opportunity.sync" and outcome == "deferred":
        day[f"deferred|{row['message'] or 'unspecified'}"] += 1


def _shape(counter: Counter) -> dict:
    """Counters keyed "metric|a|b" as nested dicts {metric: {"a|b": n}}."""
    shaped: dict = defaultdict(dict)
    for key, count in sorted(counter.items()):
        metric, _, detail = key.partition("|")
        shaped[metric][detail or "count"] = count
    pc_total = sum(shaped.get("partner_central_writes", {}).values())
    shaped["quota"] = {"writes": pc_total, "daily_quota": DAILY_WRITE_QUOTA}
    return dict(shaped)


def _conflict_queue(session: Session, start: datetime | None, end: datetime | None) -> dict:
    pending = select(Conflict.id).where(Conflict.status == "pending")
    resolved = select(Conflict.detected_at, Conflict.resolved_at).where(
        Conflict.status == "resolved"
    )
    if end is not None:
        pending = pending.where(Conflict.detected_at < end)
        resolved = resolved.where(Conflict.resolved_at < end)
    if start is not None:
        resolved = resolved.where(Conflict.resolved_at >= start)
    durations = [(done - found).total_seconds() for found, done in session.execute(resolved)]
    return {
        "still_pending": len(session.scalars(pending).all()),
        "median_seconds_to_resolve": statistics.median(durations) if durations else None,
    }


def compliance_report(session: Session, start: datetime | None, end: datetime | None) -> dict:
    days: dict[str, Counter] = defaultdict(Counter)
    for row in stream_rows(session, AuditFilter(start=start, end=end)):
        _count_row(days[row["at"][:10]], row)
    total = sum(days.values(), Counter())
    return {
        "from": start.isoformat() if start else None,
        "to": end.isoformat() if end else None,
        "days": {day: _shape(counts) for day, counts in sorted(days.items())},
        "total": _shape(total),
        "conflict_queue": _conflict_queue(session, start, end),
        "chain": verify_chain(session).as_dict(),
    }


def report_csv_rows(report: dict):
    """The report flattened for CSV: (day or "total", metric, detail, count)."""
    yield ("day", "metric", "detail", "count")
    for day, shaped in [*report["days"].items(), ("total", report["total"])]:
        for metric, details in shaped.items():
            for detail, count in details.items():
                yield (day, metric, detail, count)
    for name, value in report["conflict_queue"].items():
        yield ("total", "conflict_queue", name, value)
    yield ("total", "chain", "ok", report["chain"]["ok"])
    yield ("total", "chain", "first_bad_id", report["chain"]["first_bad_id"])
