"""A worker killed between CreateOpportunity and the database commit: the
task is delivered again (late ack) and creates no duplicate opportunity."""

from __future__ import annotations

import pytest

from tests.integration.factories import create_company, create_contact, create_deal
from tests.integration.stack import wait_for


@pytest.fixture
def crash_stack(stack_with):
    # A short visibility timeout makes Redis hand the dead worker's task to
    # the next worker within seconds instead of hours.
    return stack_with(visibility_timeout_seconds=4)


def test_worker_killed_mid_create_leaves_exactly_one_opportunity(crash_stack):
    stack = crash_stack
    stack.pc.set_faults(latency_ms=2000, operations=["CreateOpportunity"])
    sim = stack.hubspot
    first = stack.start_worker_process("doomed")
    try:
        deal = create_deal(sim, company_id=create_company(sim), contact_ids=[create_contact(sim)])
        # The request is stored before it is sent: once the link says
        # "creating", the call is in flight (the simulator holds it 2 s).
        wait_for(
            lambda: (link := stack.link(deal)) and link["sync_status"] == "creating", timeout=30
        )
        wait_for(lambda: stack.pc.calls("CreateOpportunity"), timeout=10)  # it has arrived
    finally:
        stack.kill_worker(first)
    # The simulator finishes the create the dead worker asked for.
    wait_for(lambda: len(stack.pc_calls("CreateOpportunity")) == 1, timeout=10)
    assert stack.link(deal)["opportunity_id"] is None  # the commit never happened
    stack.pc.set_faults(latency_ms=0)

    second = stack.start_worker_process("survivor")
    try:
        link = stack.wait_linked(deal, timeout=60)
        # The link is recorded before the deal is written: let the survivor
        # finish the sync it is in before it goes too.
        wait_for(lambda: sim.get_object("deals", deal)["properties"].get("aws_opportunity_id"))
    finally:
        stack.kill_worker(second)

    creates = stack.pc_calls("CreateOpportunity")
    assert len(creates) == 2  # the redelivered task sent it again...
    tokens = {c["parameters"]["ClientToken"] for c in creates}
    assert len(tokens) == 1  # ...with the same token and body...
    with stack.pc.lock:
        opportunities = list(stack.pc.catalogs["Sandbox"].opportunities)
    assert opportunities == [link["opportunity_id"]]  # ...so there is one opportunity
    assert (
        sim.get_object("deals", deal)["properties"]["aws_opportunity_id"]
        == (link["opportunity_id"])
    )
