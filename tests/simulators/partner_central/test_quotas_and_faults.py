"""Quotas on the injected clock, and injected faults."""

from __future__ import annotations

import pytest

from .conftest import opportunity_request


def test_a_second_write_inside_one_second_is_throttled(strict_harness):
    client, clock = strict_harness.client, strict_harness.clock
    client.create_opportunity(**opportunity_request("w1"))
    with pytest.raises(client.exceptions.ThrottlingException):
        client.create_opportunity(**opportunity_request("w2"))
    clock.advance(1)
    client.create_opportunity(**opportunity_request("w2"))
    calls = strict_harness.sim.calls("CreateOpportunity")
    assert [c["status"] for c in calls] == [200, 429, 200]
    assert calls[1]["error_type"] == "ThrottlingException"


def test_writes_share_one_quota_across_operations(strict_harness):
    client = strict_harness.client
    opportunity_id = client.create_opportunity(**opportunity_request())["Id"]
    with pytest.raises(client.exceptions.ThrottlingException):
        client.associate_opportunity(
            Catalog="Sandbox",
            OpportunityIdentifier=opportunity_id,
            RelatedEntityType="Solutions",
            RelatedEntityIdentifier="S-1234567",
        )


def test_reads_allow_ten_per_second(strict_harness):
    client, clock = strict_harness.client, strict_harness.clock
    for _ in range(10):
        client.list_solutions(Catalog="Sandbox")
    with pytest.raises(client.exceptions.ThrottlingException):
        client.list_opportunities(Catalog="Sandbox")
    clock.advance(1)
    client.list_opportunities(Catalog="Sandbox")


def test_daily_write_quota_is_a_rolling_24_hours(strict_harness):
    sim, client, clock = strict_harness.sim, strict_harness.client, strict_harness.clock
    sim.set_quotas(write_per_day=3)
    for index in range(3):
        client.create_opportunity(**opportunity_request(f"d{index}"))
        clock.advance(3600)
    with pytest.raises(client.exceptions.ThrottlingException):
        client.create_opportunity(**opportunity_request("d3"))
    clock.advance(24 * 3600 - 3 * 3600 + 1)  # the first write leaves the window
    client.create_opportunity(**opportunity_request("d3"))


def test_unlisted_operations_are_not_limited(strict_harness):
    for _ in range(12):
        strict_harness.client.list_engagements(Catalog="Sandbox")


def test_injected_server_errors_for_one_operation(harness):
    client, sim = harness.client, harness.sim
    sim.set_faults(error_rate=1.0, operations=["ListOpportunities"], seed=7)
    with pytest.raises(client.exceptions.InternalServerException):
        client.list_opportunities(Catalog="Sandbox")
    client.list_solutions(Catalog="Sandbox")
    sim.set_faults()
    client.list_opportunities(Catalog="Sandbox")


def test_injected_throttling_is_seeded_and_repeatable(harness):
    client, sim = harness.client, harness.sim

    def outcomes():
        sim.set_faults(throttle_rate=0.5, seed=42)
        results = []
        for _ in range(20):
            try:
                client.list_engagements(Catalog="Sandbox")
                results.append("ok")
            except client.exceptions.ThrottlingException:
                results.append("throttled")
        return results

    first = outcomes()
    assert "ok" in first and "throttled" in first
    assert outcomes() == first


def test_injected_latency(harness):
    import time

    harness.sim.set_faults(latency_ms=200, operations=["ListSolutions"])
    started = time.monotonic()
    harness.client.list_solutions(Catalog="Sandbox")
    assert time.monotonic() - started >= 0.2
