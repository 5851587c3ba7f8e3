"""Operator notifications on SQLite and PostgreSQL: a failed deal, a
referral expiring within 48 h and a new conflict each post once a day to a
receiver this test runs; a refused post is retried by the next cycle."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from ingest import create_app
from models import Conflict, Invitation, OpportunityLink, SentNotification
from pcsync import runtime
from tests.integration.receiver import Receiver
from workers.notify import run_notifications

NOW = datetime(2026, 12, 5, 9, 0, tzinfo=UTC)


@pytest.fixture
def receiver():
    started = Receiver()
    yield started
    started.stop()


@pytest.fixture
def app(make_settings, database_url, receiver):
    app = create_app(make_settings(database_url=database_url, notify_url=receiver.url))
    with app.app_context():
        yield app


def pending_conflict(field_path: str, detected_at: datetime) -> Conflict:
    return Conflict(
        hubspot_deal_id="102",
        field_path=field_path,
        fingerprint=field_path,
        strategy="MANUAL",
        values={},
        detected_at=detected_at,
    )


def add_watch_list() -> None:
    with runtime.database().transaction() as session:
        session.add_all(
            [
                OpportunityLink(
                    hubspot_deal_id="101",
                    catalog="Sandbox",
                    client_token="t-101",
                    sync_status="failed",
                    last_error="ValidationException: TargetCloseDate must not be in the past.",
                ),
                OpportunityLink(
                    hubspot_deal_id="102",
                    catalog="Sandbox",
                    client_token="t-102",
                    sync_status="synced",
                ),
                Invitation(
                    invitation_id="engi-soon",
                    catalog="Sandbox",
                    expires_at=NOW + timedelta(hours=10),
                ),
                Invitation(
                    invitation_id="engi-later",
                    catalog="Sandbox",
                    expires_at=NOW + timedelta(days=5),
                ),
                pending_conflict("Customer.Account.WebsiteUrl", NOW - timedelta(hours=1)),
                pending_conflict("Project.Title", NOW - timedelta(days=3)),
            ]
        )


def test_each_subject_posts_once_a_day(app, receiver):
    add_watch_list()

    first = run_notifications(NOW)
    again = run_notifications(NOW + timedelta(hours=2))
    next_day = run_notifications(NOW + timedelta(days=1))

    assert sorted((n.kind, n.subject) for n in first.sent) == [
        ("conflict", "1"),
        ("deal_failed", "101"),
        ("referral_expiring", "engi-soon"),
    ]
    assert (again.sent, again.already_sent) == ([], 3)
    # A day later the deal still fails; the referral expired and the conflict is no longer new.
    assert [(n.kind, n.subject) for n in next_day.sent] == [("deal_failed", "101")]
    texts = receiver.texts()
    assert len(texts) == 4
    assert "Deal 101 failed to sync to Partner Central: ValidationException" in texts[0]


def test_a_refused_post_is_retried_by_the_next_cycle(app, receiver):
    add_watch_list()
    receiver.statuses = [500]  # the first post fails

    first = run_notifications(NOW)
    second = run_notifications(NOW + timedelta(minutes=5))

    assert len(first.refused) == 1 and len(first.sent) == 2
    assert [n.subject for n in second.sent] == [first.refused[0].subject]
    assert second.already_sent == 2
    assert len(receiver.received) == 4  # one refused, three delivered


def test_nothing_is_claimed_without_a_receiver(make_settings, database_url):
    app = create_app(make_settings(database_url=database_url))
    with app.app_context():
        add_watch_list()
        assert run_notifications(NOW).sent == []
        with runtime.database().transaction() as session:
            assert session.scalars(select(SentNotification)).all() == []


def test_a_daily_budget_under_ten_percent_posts_once(app, receiver):
    from workers.limiter import build_limiter

    # The real limiter with a small daily window, so spending it takes ten calls.
    small = {"pc-write": {"limits": ["100 per 1 second", "10 per 1 day"], "background_reserve": 0}}
    app.extensions["pcsync.limiter"] = limiter = build_limiter(None, small)
    for _ in range(9):
        assert limiter.acquire("pc-write").allowed
    assert run_notifications(NOW).sent == []  # 1 of 10 left: not under 10 %

    assert limiter.acquire("pc-write").allowed
    first, again = run_notifications(NOW), run_notifications(NOW)

    assert [(n.kind, n.subject) for n in first.sent] == [("budget_low", "pc-write")]
    assert again.sent == []
    assert receiver.texts() == ["Daily pc-write budget low: 0 of 10 calls left."]
