"""The audit trail's hash chain on the whole stack (SQLite and PostgreSQL):
`pcsync audit verify` green on a clean log and red, naming the row, for
each kind of tampering done straight in the database with the append-only
triggers off; the retention purge keeps it green; two worker processes
appending at once never fork it."""

from __future__ import annotations

import itertools
from contextlib import contextmanager
from types import SimpleNamespace

import sqlalchemy as sa
from click.testing import CliRunner

from models.audit import AuditEntry
from models.audit_chain import row_hash
from models.audit_retention import purge_audit_trail
from pcsync.cli import main
from tasks.hubspot_sync import sync_hubspot_object
from tests.integration.factories import create_company, create_contact, create_deal
from tests.integration.stack import wait_for

TABLE = AuditEntry.__table__


def produce_rows(stack) -> list[dict]:
    """A deal synced for real: its create and the syncs after it."""
    sim = stack.hubspot
    with stack.worker():
        deal = create_deal(sim, company_id=create_company(sim), contact_ids=[create_contact(sim)])
        opportunity_id = stack.wait_linked(deal)["opportunity_id"]
        wait_for(lambda: stack.audit_outcomes(deal, "opportunity.create") == ["created"])
        for amount in ("20000", "25000"):
            sim.update_object("deals", deal, {"aws_expected_monthly_spend": amount})
            wait_for(lambda a=amount: spend(stack, opportunity_id) == float(a), timeout=40)
        stack.drain()  # the last echoes run before the worker stops
    return all_rows(stack)


def spend(stack, opportunity_id: str) -> float:
    return float(stack.opportunity(opportunity_id)["Project"]["ExpectedCustomerSpend"][0]["Amount"])


def all_rows(stack) -> list[dict]:
    with engine(stack).connect() as connection:
        return [dict(r._mapping) for r in connection.execute(sa.select(TABLE).order_by(TABLE.c.id))]


def engine(stack):
    return stack.app.extensions["pcsync.db"].engine


def verify(stack) -> tuple[int, str]:
    settings = stack.app.extensions["pcsync.settings"]
    result = CliRunner().invoke(main, ["audit", "verify"], obj=settings)
    return result.exit_code, result.output


@contextmanager
def triggers_off(stack):
    """A connection that may change audit rows, as someone with direct
    database access could (PostgreSQL: the trigger disabled; SQLite: the
    triggers dropped and put back)."""
    with engine(stack).begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(sa.text("ALTER TABLE audit_entries DISABLE TRIGGER USER"))
            yield connection
            connection.execute(sa.text("ALTER TABLE audit_entries ENABLE TRIGGER USER"))
            return
        triggers = connection.execute(
            sa.text(
                "SELECT name, sql FROM sqlite_master WHERE type = 'trigger'"
                " AND tbl_name = 'audit_entries'"
            )
        ).all()
        for name, _ in triggers:
            connection.execute(sa.text(f"DROP TRIGGER {name}"))
        yield connection
        for _, sql in triggers:
            connection.execute(sa.text(sql))


def content(row: dict) -> dict:
    return {k: v for k, v in row.items() if k != "id"}


def assert_red_naming(stack, row_id: int) -> None:
    code, output = verify(stack)
    assert code == 1, output
    assert f"row {row_id}" in output.split(":", 1)[1], output


def assert_green(stack) -> None:
    code, output = verify(stack)
    assert code == 0 and "audit chain OK" in output, output


def test_verify_names_the_first_bad_row_for_each_kind_of_tampering(stack):
    rows = produce_rows(stack)
    assert_green(stack)
    second, third = rows[1], rows[2]

    # Edited: one value changed in place.
    with triggers_off(stack) as db:
        db.execute(TABLE.update().where(TABLE.c.id == second["id"]).values(outcome="forged"))
    assert_red_naming(stack, second["id"])
    with triggers_off(stack) as db:
        db.execute(TABLE.update().where(TABLE.c.id == second["id"]).values(content(second)))
    assert_green(stack)

    # Deleted: the next row no longer follows its predecessor.
    with triggers_off(stack) as db:
        db.execute(TABLE.delete().where(TABLE.c.id == second["id"]))
    assert_red_naming(stack, third["id"])
    with triggers_off(stack) as db:
        db.execute(TABLE.insert().values(second))
    assert_green(stack)

    # Reordered: two rows' contents swapped.
    with triggers_off(stack) as db:
        db.execute(TABLE.update().where(TABLE.c.id == second["id"]).values(content(third)))
        db.execute(TABLE.update().where(TABLE.c.id == third["id"]).values(content(second)))
    assert_red_naming(stack, second["id"])
    with triggers_off(stack) as db:
        db.execute(TABLE.update().where(TABLE.c.id == second["id"]).values(content(second)))
        db.execute(TABLE.update().where(TABLE.c.id == third["id"]).values(content(third)))
    assert_green(stack)

    # Inserted: a forged row appended around the writer, its hashes computed
    # exactly as the writer would (an INSERT needs no trigger off).
    last = rows[-1]
    forged = {**content(last), "outcome": "forged", "prev_hash": last["row_hash"]}
    forged["row_hash"] = row_hash(forged["prev_hash"], SimpleNamespace(**forged))
    with engine(stack).begin() as db:
        db.execute(TABLE.insert().values(forged))
    assert_red_naming(stack, last["id"] + 1)
    with triggers_off(stack) as db:
        db.execute(TABLE.delete().where(TABLE.c.id == last["id"] + 1))
    assert_green(stack)


def test_the_retention_purge_removes_only_older_rows_and_verify_stays_green(stack):
    rows = produce_rows(stack)
    keep_from = rows[3]
    with stack.app.app_context():
        database = stack.app.extensions["pcsync.db"]
        with database.transaction() as session:
            purge = purge_audit_trail(
                session, keep_from["at"], source="schedule", actor="test", task_id=None
            )
    assert purge.removed == 3 and purge.through_id == rows[2]["id"]
    remaining = all_rows(stack)
    assert [r["id"] for r in remaining[:-1]] == [r["id"] for r in rows[3:]]
    assert remaining[-1]["action"] == "audit.purge"
    assert remaining[-1]["diff"]["through_id"] == rows[2]["id"]
    assert_green(stack)
    # A row the purge did not reach still cannot be deleted.
    with engine(stack).begin() as db:
        try:
            db.execute(TABLE.delete().where(TABLE.c.id == keep_from["id"]))
        except sa.exc.DatabaseError as exc:
            assert "append-only" in str(exc)
        else:
            raise AssertionError("a kept audit row was deleted")
    # The scheduled task with the seven-year default removes nothing, audited.
    from tasks.retention import purge_audit

    with stack.app.app_context():
        assert purge_audit.apply().get() == 0
    assert all_rows(stack)[-1]["action"] == "audit.purge"
    assert_green(stack)


def test_two_worker_processes_appending_at_once_never_fork_the_chain(stack):
    tasks = 40
    processes = [stack.start_worker_process(f"audit{i}", concurrency=2) for i in (1, 2)]
    try:
        with stack.app.app_context():
            # Deals HubSpot does not have: each sync is one audit row.
            for index in range(tasks):
                sync_hubspot_object.apply_async(("deal", str(990000 + index)))
        wait_for(
            lambda: sum(r["action"] == "deal.sync" for r in all_rows(stack)) >= tasks,
            timeout=120,
        )
    finally:
        for process in processes:
            stack.kill_worker(process)
    rows = all_rows(stack)
    assert len({r["prev_hash"] for r in rows}) == len(rows)  # no two rows share a predecessor
    assert all(
        later["prev_hash"] == earlier["row_hash"] for earlier, later in itertools.pairwise(rows)
    )
    assert_green(stack)
