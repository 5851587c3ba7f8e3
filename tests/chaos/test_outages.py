"""Each fault of an operator's bad day, against the real processes, ending
with every changed deal's last value in Partner Central, no duplicate
opportunity, nothing left pending, and the worker and beat still running.

The stack: both simulators and the ingest (threads of this process), a
private Redis and a private PostgreSQL (tests/chaos/conftest.py), one
`pcsync worker` and one `pcsync beat` process. Each test prints how long
after the end of its fault the last value reached Partner Central.
"""

from __future__ import annotations

import random
import time

import pytest

from tests.chaos.conftest import ChaosStack
from tests.integration.factories import create_company, create_contact, create_deal
from tests.integration.stack import wait_for

pytestmark = pytest.mark.chaos

DEALS = 3
OUTAGE_SECONDS = 20
# How long the tests wait for healing at most (a bounded wait, not an
# assertion on speed: each test prints what it measured).
HEAL_WAIT_SECONDS = 180


def spend(opportunity: dict) -> list[str]:
    return [e["Amount"] for e in opportunity["Project"].get("ExpectedCustomerSpend", [])]


def start_processes(chaos: ChaosStack) -> None:
    chaos.start_worker("worker")
    chaos.start("beat", "beat")


def linked_deals(chaos: ChaosStack) -> dict[str, str]:
    """DEALS synced deals: deal id -> opportunity id."""
    sim = chaos.stack.hubspot
    company, contact = create_company(sim), create_contact(sim)
    deals = [
        create_deal(sim, company_id=company, contact_ids=[contact], dealname=f"Chaos {i} #AWS")
        for i in range(DEALS)
    ]
    return {deal: chaos.stack.wait_linked(deal, timeout=90)["opportunity_id"] for deal in deals}


def change_amounts(chaos: ChaosStack, deals: dict[str, str], round_no: int) -> dict[str, str]:
    """Change every deal's expected monthly AWS spend as a user would; return
    the values set (Partner Central carries them as they are)."""
    values = {}
    for position, deal in enumerate(deals):
        values[deal] = str(20_000 + 1_000 * position + round_no)
        chaos.stack.hubspot.update_object(
            "deals", deal, {"aws_expected_monthly_spend": values[deal]}
        )
    return values


def scheduled_pending(chaos: ChaosStack) -> list[dict]:
    return chaos.stack.rows("SELECT * FROM pending_objects WHERE scheduled")


def assert_healed(chaos: ChaosStack, deals: dict[str, str], last: dict[str, str], since: float):
    def converged() -> bool:
        return all(spend(chaos.stack.opportunity(o)) == [last[d]] for d, o in deals.items())

    wait_for(converged, timeout=HEAL_WAIT_SECONDS, interval=0.5)
    print(f"\nlast values in Partner Central {time.monotonic() - since:.1f} s after the fault")
    with chaos.stack.pc.lock:
        opportunities = list(chaos.stack.pc.catalogs["Sandbox"].opportunities)
    assert sorted(opportunities) == sorted(deals.values())  # no duplicate
    wait_for(lambda: scheduled_pending(chaos) == [], timeout=60, interval=0.5)
    for name, process in chaos.processes.items():
        assert process.poll() is None, f"{name} exited with {process.returncode}"


@pytest.mark.parametrize("persistent", [False, True], ids=["redis-no-persistence", "redis-aof"])
def test_redis_stopped_for_20_s(make_chaos_stack, private_database, persistent):
    chaos = make_chaos_stack(private_database, persistent_redis=persistent)
    start_processes(chaos)
    deals = linked_deals(chaos)
    # Syncs in flight when Redis goes: the worker holds unacknowledged
    # messages, the case in which kombu used to take the worker down.
    chaos.stack.pc.set_faults(latency_ms=1500, operations=["GetOpportunity"])
    last = change_amounts(chaos, deals, 0)
    time.sleep(1.0)
    started = time.monotonic()
    chaos.redis.stop()
    for round_no in range(1, 4):
        last = change_amounts(chaos, deals, round_no)
        time.sleep(2)
    time.sleep(max(0.0, OUTAGE_SECONDS - (time.monotonic() - started)))
    chaos.stack.pc.set_faults(latency_ms=0)
    chaos.redis.start()  # without persistence: empty, every queued message lost
    assert_healed(chaos, deals, last, since=time.monotonic())


def test_postgresql_stopped_for_20_s(make_chaos_stack, private_database, private_postgres):
    chaos = make_chaos_stack(private_database)
    start_processes(chaos)
    deals = linked_deals(chaos)
    last = change_amounts(chaos, deals, 0)  # in flight when the database goes
    started = time.monotonic()
    private_postgres.stop()
    for round_no in range(1, 4):
        last = change_amounts(chaos, deals, round_no)
        time.sleep(2)
    time.sleep(max(0.0, OUTAGE_SECONDS - (time.monotonic() - started)))
    private_postgres.start()
    assert_healed(chaos, deals, last, since=time.monotonic())


def test_six_worker_sigkills_mid_sync(make_chaos_stack, private_database):
    chaos = make_chaos_stack(private_database)
    start_processes(chaos)
    deals = linked_deals(chaos)
    # Slow Partner Central calls, so each kill lands in the middle of a sync.
    chaos.stack.pc.set_faults(latency_ms=700, operations=["GetOpportunity", "UpdateOpportunity"])
    rng = random.Random(16)
    for round_no in range(6):
        last = change_amounts(chaos, deals, round_no)
        time.sleep(1.0 + rng.random() * 2)
        chaos.kill("worker")
        chaos.start_worker("worker")
    chaos.stack.pc.set_faults(latency_ms=0)
    assert_healed(chaos, deals, last, since=time.monotonic())


def test_partner_central_30_percent_errors_and_20_percent_throttling(
    make_chaos_stack, private_database
):
    chaos = make_chaos_stack(private_database)
    start_processes(chaos)
    deals = linked_deals(chaos)
    chaos.stack.pc.set_faults(error_rate=0.3, throttle_rate=0.2)
    for round_no in range(3):
        last = change_amounts(chaos, deals, round_no)
        time.sleep(2)
    # The faults stay on: retries with backoff have to get through them.
    assert_healed(chaos, deals, last, since=time.monotonic())
    failed = chaos.stack.rows("SELECT * FROM failed_tasks")
    assert failed == []
