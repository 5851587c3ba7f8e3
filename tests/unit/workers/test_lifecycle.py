"""The lifecycle helper on a real (SQLite) database: moves checked and
audited in one place, attempts counted from the audit trail, and the
polling schedule of a Partner Central task."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from models.audit import AuditEntry
from models.db import Database
from models.invitations import Invitation
from models.migrate import upgrade
from workers.errors import InvalidTransition, PermanentError
from workers.sync.context import Run
from workers.sync.lifecycle import MAX_POLL_ROUNDS, Step, next_poll
from workers.sync.referral_state import INVITATION

RUN = Run(actor="test", task_id="task-1", source="operator")


@pytest.fixture
def database(tmp_path):
    url = f"sqlite:///{tmp_path / 'lifecycle.sqlite3'}"
    upgrade(url)
    database = Database(url)
    yield database
    database.dispose()


@pytest.fixture
def invitation(database) -> str:
    with database.transaction() as session:
        session.add(
            Invitation(
                invitation_id="ei-1", catalog="Sandbox", state="pending", hubspot_deal_id="d-1"
            )
        )
    return "ei-1"


def audit_rows(database) -> list[AuditEntry]:
    with database.transaction() as session:
        return list(session.scalars(select(AuditEntry).order_by(AuditEntry.id)))


def test_a_move_changes_the_state_and_writes_one_audit_row(database, invitation):
    with database.transaction() as session:
        row = session.get(Invitation, invitation)
        left = INVITATION.move(session, RUN, row, "accepting", action="invitation.accept")
    assert left == "pending"
    with database.transaction() as session:
        assert session.get(Invitation, invitation).state == "accepting"
    (entry,) = audit_rows(database)
    assert (entry.object_type, entry.object_id) == ("invitation", "ei-1")
    assert (entry.action, entry.outcome, entry.task_id) == (
        "invitation.accept",
        "accepting",
        "task-1",
    )
    assert entry.diff == {"deal_id": "d-1", "from": "pending", "to": "accepting"}


def test_a_move_the_table_refuses_is_a_permanent_error_and_changes_nothing(database, invitation):
    with pytest.raises(InvalidTransition) as refused, database.transaction() as session:
        INVITATION.move(session, RUN, session.get(Invitation, invitation), "rejected", action="x")
        INVITATION.move(session, RUN, session.get(Invitation, invitation), "accepting", action="x")
    assert isinstance(refused.value, PermanentError)
    assert "rejected -> accepting" in str(refused.value)
    with database.transaction() as session:
        assert session.get(Invitation, invitation).state == "pending"
    assert audit_rows(database) == []


def test_attempts_count_only_the_ended_ones_of_that_action(database, invitation):
    def attempt() -> int:
        with database.transaction() as session:
            row = session.get(Invitation, invitation)
            return INVITATION.attempt(session, row, "invitation.accept", ("failed",))

    assert attempt() == 1
    with database.transaction() as session:
        row = session.get(Invitation, invitation)
        INVITATION.move(session, RUN, row, "accepting", action="invitation.accept")
        INVITATION.audit(session, RUN, row, action="invitation.reject", outcome="failed")
    assert attempt() == 1  # a redelivery of the same attempt
    with database.transaction() as session:
        row = session.get(Invitation, invitation)
        INVITATION.move(session, RUN, row, "failed", action="invitation.accept")
    assert attempt() == 2


def test_a_running_task_is_polled_sooner_first_and_given_up_after_a_day():
    running = Step("in_progress", poll_in=1.0)
    given_up = []

    def give_up() -> None:
        given_up.append("gave up")

    countdowns = [next_poll(running, n, give_up).poll_in for n in range(6)]
    assert countdowns == [5.0, 10.0, 20.0, 40.0, 60.0, 60.0]
    assert next_poll(Step("accepted"), MAX_POLL_ROUNDS, give_up) == Step("accepted")
    assert given_up == []
    assert next_poll(running, MAX_POLL_ROUNDS, give_up) == Step("failed")
    assert given_up == ["gave up"]
