"""The backfill's parts that need no Partner Central: option checks, pacing
under HubSpot's search limit, waiting out refusals, and the rule search with
its restart past the 10,000-results cap (our client against the HubSpot
simulator)."""

from __future__ import annotations

import itertools

import pytest
from click.testing import CliRunner

from pcsync.cli import main
from simulators import hubspot as hubspot_sim
from simulators.hubspot import search as sim_search
from simulators.serving import serve_in_thread
from workers import limiter as limiter_module
from workers.clients import hubspot as hubspot_client
from workers.clients.hubspot import HubSpot
from workers.errors import PermanentError, RateLimited
from workers.sync import backfill
from workers.sync.hubspot_setup import ensure_deal_properties


class FakeClock:
    def __init__(self):
        self.now = 1000.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(round(seconds, 6))
        self.now += seconds


def test_deals_only_and_opportunities_only_exclude_each_other(make_settings):
    result = CliRunner().invoke(
        main, ["backfill", "--deals-only", "--opportunities-only"], obj=make_settings()
    )
    assert result.exit_code == 2
    assert "--deals-only and --opportunities-only exclude each other" in result.output


def test_limit_must_be_positive(make_settings):
    result = CliRunner().invoke(main, ["backfill", "--limit", "0"], obj=make_settings())
    assert result.exit_code == 2
    assert "--limit" in result.output


def test_pacer_spaces_calls_without_delaying_the_first():
    clock = FakeClock()
    pacer = backfill.Pacer(0.25, clock=clock, sleep=clock.sleep)
    pacer.wait()
    pacer.wait()
    clock.now += 1.0  # a slow caller is not held back further
    pacer.wait()
    pacer.wait()
    assert clock.slept == [0.25, 0.25]


def test_paced_pages_waits_before_each_page_request():
    waits: list[int] = []
    pulled: list[int] = []

    class CountingPacer:
        def wait(self):
            waits.append(len(pulled))

    def pages():
        for item in range(5):
            pulled.append(item)
            yield item

    assert list(backfill.paced_pages(pages(), 2, CountingPacer())) == [0, 1, 2, 3, 4]
    # Before items 0, 2 and 4: the pulls that make the generator fetch a page.
    assert waits == [0, 2, 4]


def test_patiently_waits_out_refusals_and_gives_up_on_permanent_errors():
    clock = FakeClock()
    answers = iter(
        [
            RateLimited("no", group="pc-read", retry_after=0.4),
            RateLimited("no", group="pc-read", retry_after=0.1),
            "ok",
        ]
    )

    def call():
        answer = next(answers)
        if isinstance(answer, Exception):
            raise answer
        return answer

    assert backfill.patiently(call, sleep=clock.sleep) == "ok"
    assert clock.slept == [0.4, 0.1]

    def refused():
        raise PermanentError("ValidationException: bad", api_message="bad")

    with pytest.raises(PermanentError):
        backfill.patiently(refused, sleep=clock.sleep)


@pytest.fixture
def hubspot_simulator():
    app = hubspot_sim.create_app(access_token="sim-token", client_secret="sim-secret-0123456789")
    server = serve_in_thread(app)
    yield app.extensions["hubspot_simulator"], server.url
    app.extensions["hubspot_simulator"].close()
    server.stop()


def test_rule_search_paces_pages_and_restarts_past_the_result_cap(hubspot_simulator, monkeypatch):
    sim, url = hubspot_simulator
    # Shrink HubSpot's 10,000-results cap (both sides) to make the restart cheap.
    monkeypatch.setattr(sim_search, "MAX_RESULTS", 200)
    monkeypatch.setattr(backfill, "SEARCH_RESULT_CAP", 200)
    monkeypatch.setattr(hubspot_client, "SEARCH_RESULT_CAP", 200)
    tagged = [sim.create_object("deals", {"dealname": f"Deal {n} #AWS"})["id"] for n in range(230)]
    opted = sim.create_object("deals", {"dealname": "Opted in", "amount": "10"})["id"]
    sim.create_object("deals", {"dealname": "Renewal, no tag"})
    client = HubSpot(url, "sim-token", limiter_module.build_limiter(None))
    ensure_deal_properties(client)
    sim.update_object("deals", opted, {"aws_sync_enabled": "true"})
    sim.clear_calls()

    found = [deal["id"] for deal in backfill.search_rule_deals(client)]

    assert found == sorted([*tagged, opted], key=int)
    searches = sim.calls(path_prefix="/crm/v3/objects/deals/search")
    assert [c["status"] for c in searches] == [200] * len(searches)
    # One query of 200 (capped), then a new query after the last id seen.
    assert [c["json"].get("after") for c in searches] == [None, None]
    restart = searches[1]["json"]["filterGroups"][0]["filters"][1]
    assert restart == {"propertyName": "hs_object_id", "operator": "GT", "value": tagged[199]}
    gaps = [b["time"] - a["time"] for a, b in itertools.pairwise(searches)]
    assert all(gap >= backfill.SEARCH_INTERVAL_SECONDS - 0.01 for gap in gaps)
