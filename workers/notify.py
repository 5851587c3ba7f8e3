"""Notifications to operators through a Slack-compatible incoming webhook
(`PCSYNC_NOTIFY_URL`; any HTTPS receiver taking `{"text": ...}`).

One cycle looks at what `workers.watch` reports — deals that failed, AWS
referrals expiring within 48 h, conflicts detected in the last day, daily
budgets under 10 % — and posts each subject at most once a day: the claim
in `sent_notifications` is taken before posting, and given back when the
receiver refuses, so a later cycle tries again.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import requests

from models.notifications import claim, release
from pcsync import runtime
from workers import watch

log = logging.getLogger(__name__)
POST_TIMEOUT_SECONDS = 10
NEW_CONFLICT_WINDOW = timedelta(days=1)


@dataclass(frozen=True)
class Notice:
    kind: str
    subject: str
    text: str


@dataclass
class CycleReport:
    sent: list[Notice] = field(default_factory=list)
    already_sent: int = 0
    refused: list[Notice] = field(default_factory=list)


def notices(now: datetime) -> list[Notice]:
    """Everything worth telling an operator right now."""
    with runtime.database().transaction() as session:
        found = [
            Notice("deal_failed", link.hubspot_deal_id, _failed_text(link))
            for link in watch.failed_deals(session)
        ]
        found += [
            Notice(
                "referral_expiring",
                invitation.invitation_id,
                f"AWS referral {invitation.invitation_id} expires at "
                f"{invitation.expires_at:%Y-%m-%d %H:%M} UTC: accept or reject it before then.",
            )
            for invitation in watch.expiring_referrals(session, now)
        ]
        found += [
            Notice(
                "conflict",
                str(conflict.id),
                f"Conflict on deal {conflict.hubspot_deal_id}, field {conflict.field_path}: "
                "HubSpot and Partner Central both changed it; an operator decides.",
            )
            for conflict in watch.pending_conflicts(session)
            if conflict.detected_at >= now - NEW_CONFLICT_WINDOW
        ]
    found += [
        Notice(
            "budget_low",
            budget.group,
            f"Daily {budget.group} budget low: {budget.remaining} of {budget.limit} calls left.",
        )
        for budget in watch.daily_budgets(runtime.limiter())
        if budget.low
    ]
    return found


def _failed_text(link) -> str:
    error = f": {link.last_error}" if link.last_error else ""
    return f"Deal {link.hubspot_deal_id} failed to sync to Partner Central{error}"


def run_notifications(now: datetime) -> CycleReport:
    """Post what is new today; returns what was sent. Without a configured
    URL nothing is claimed, so setting one later still reports today's."""
    report = CycleReport()
    url = runtime.settings().notify_url
    if url is None:
        return report
    day = now.date()
    for notice in notices(now):
        with runtime.database().transaction() as session:
            if not claim(session, notice.kind, notice.subject, day):
                report.already_sent += 1
                continue
        if _post(url, notice):
            report.sent.append(notice)
            continue
        report.refused.append(notice)
        with runtime.database().transaction() as session:
            release(session, notice.kind, notice.subject, day)
    return report


def _post(url: str, notice: Notice) -> bool:
    try:
        response = requests.post(url, json={"text": notice.text}, timeout=POST_TIMEOUT_SECONDS)
    except requests.RequestException as exc:
        log.warning("notify.unreachable", extra={"kind": notice.kind, "error": type(exc).__name__})
        return False
    if response.status_code >= 300:
        log.warning("notify.refused", extra={"kind": notice.kind, "status": response.status_code})
        return False
    log.info("notify.sent", extra={"kind": notice.kind, "subject": notice.subject})
    return True
