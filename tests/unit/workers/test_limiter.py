"""The global rate limiter on fakeredis and on memory:// with a controlled clock."""

from __future__ import annotations

import threading

import pytest

from workers.errors import RetryableError
from workers.limiter import DEFAULT_LIMITS_CONFIG, build_limiter, parse_limits_config

from .conftest import FakeClock, run_in_threads

TWO_PER_SECOND = {"g": {"limits": ["2 per 1 second"]}}


def test_second_token_is_refused_within_the_same_second(make_limiter, fake_clock: FakeClock):
    limiter = make_limiter()

    assert limiter.acquire("pc-write").allowed
    fake_clock.advance(0.9)
    refused = limiter.acquire("pc-write")

    assert not refused.allowed
    assert refused.retry_after == pytest.approx(0.1, abs=1e-6)
    fake_clock.advance(0.099)
    assert not limiter.acquire("pc-write").allowed
    assert refused.reason == "1 per 1 second"


def test_refusal_never_asks_for_an_immediate_retry(make_limiter, fake_clock: FakeClock):
    # A retry_after of ~0 would come straight back and be refused again.
    limiter = make_limiter()
    limiter.acquire("pc-write")
    fake_clock.advance(0.9999)

    assert limiter.acquire("pc-write").retry_after == pytest.approx(0.05)


def test_token_is_granted_once_a_full_second_has_passed(make_limiter, fake_clock: FakeClock):
    limiter = make_limiter()
    assert limiter.acquire("pc-write").allowed

    fake_clock.advance(1.001)

    assert limiter.acquire("pc-write").allowed


def test_window_moves_with_the_hits_not_with_clock_seconds(make_limiter, fake_clock: FakeClock):
    # Two hits late in one clock second; a fixed window would hand out two more
    # right after the boundary (4 within 0.5 s). The moving window must not.
    limiter = make_limiter(TWO_PER_SECOND)
    fake_clock.now = 1_800_000_000.6
    assert limiter.acquire("g").allowed
    fake_clock.now = 1_800_000_000.9
    assert limiter.acquire("g").allowed

    fake_clock.now = 1_800_000_001.1
    assert not limiter.acquire("g").allowed
    fake_clock.now = 1_800_000_001.61
    assert limiter.acquire("g").allowed
    assert not limiter.acquire("g").allowed


def test_refusal_names_the_time_until_the_oldest_hit_leaves(make_limiter, fake_clock):
    limiter = make_limiter(TWO_PER_SECOND)
    limiter.acquire("g")
    fake_clock.advance(0.25)
    limiter.acquire("g")

    refused = limiter.acquire("g")

    assert refused.retry_after == pytest.approx(0.75, abs=1e-6)


def test_daily_budget_runs_out_and_comes_back_after_the_period(make_limiter, fake_clock):
    limiter = make_limiter({"g": {"limits": ["100 per 1 second", "5 per 1 day"]}})
    first_hit = fake_clock.now
    for _ in range(5):
        assert limiter.acquire("g").allowed
        fake_clock.advance(60)

    refused = limiter.acquire("g")
    assert not refused.allowed
    assert refused.reason == "5 per 1 day"
    assert refused.retry_after == pytest.approx(first_hit + 86400 - fake_clock.now, abs=1e-3)

    fake_clock.now = first_hit + 86400.5
    assert limiter.acquire("g").allowed


def test_background_is_refused_inside_the_reserve_while_events_pass(make_limiter, fake_clock):
    # reserve 20 % of 10 = 2 tokens kept for event-driven work
    config = {"g": {"limits": ["100 per 1 second", "10 per 1 day"], "background_reserve": 0.2}}
    limiter = make_limiter(config)
    for _ in range(8):
        assert limiter.acquire("g", priority="background").allowed
        fake_clock.advance(1)

    refused = limiter.acquire("g", priority="background")
    assert not refused.allowed
    assert refused.reason == "reserve of 10 per 1 day"
    assert refused.retry_after > 0

    assert limiter.acquire("g", priority="event").allowed
    assert limiter.acquire("g", priority="event").allowed
    assert not limiter.acquire("g", priority="event").allowed


def test_background_refusal_consumes_nothing(make_limiter, fake_clock):
    config = {"g": {"limits": ["100 per 1 second", "10 per 1 day"], "background_reserve": 0.5}}
    limiter = make_limiter(config)
    for _ in range(5):
        limiter.acquire("g")
    before = limiter.budget("g")

    assert not limiter.acquire("g", priority="background").allowed

    assert limiter.budget("g") == before


def test_background_waits_longer_when_many_tokens_are_missing(make_limiter, fake_clock):
    # 10 per 100 s, reserve 5: after 10 hits, background needs 6 tokens back,
    # about 6 * 100 / 10 = 60 s at the average rate; the next single token frees sooner.
    config = {"g": {"limits": ["10 per 100 seconds"], "background_reserve": 0.5}}
    limiter = make_limiter(config)
    for _ in range(10):
        limiter.acquire("g")
        fake_clock.advance(1)

    event = limiter.acquire("g")
    background = limiter.acquire("g", priority="background")

    assert event.retry_after == pytest.approx(90, abs=1e-3)
    assert background.retry_after == pytest.approx(90, abs=1e-3)  # max(next slot, 60)
    fake_clock.advance(90.5)  # one token back: events may go, background may not
    assert not limiter.acquire("g", priority="background").allowed
    assert limiter.acquire("g").allowed


def test_no_short_window_token_leaks_when_the_daily_window_refuses(make_limiter, fake_clock):
    limiter = make_limiter({"g": {"limits": ["5 per 1 second", "2 per 1 day"]}})
    limiter.acquire("g")
    fake_clock.advance(2)
    limiter.acquire("g")
    fake_clock.advance(2)

    assert not limiter.acquire("g").allowed
    assert not limiter.acquire("g").allowed

    per_second, daily = limiter.budget("g")
    assert per_second["remaining"] == 5
    assert daily["remaining"] == 0


def test_no_daily_token_leaks_when_the_per_second_window_refuses(make_limiter, fake_clock):
    limiter = make_limiter({"g": {"limits": ["1 per 1 second", "100 per 1 day"]}})
    assert limiter.acquire("g").allowed
    for _ in range(10):
        assert not limiter.acquire("g").allowed

    _, daily = limiter.budget("g")
    assert daily["remaining"] == 99


def test_budget_reports_limit_remaining_reserve_and_reset_per_window(make_limiter, fake_clock):
    limiter = make_limiter()
    first_hit = fake_clock.now
    limiter.acquire("pc-write")
    fake_clock.advance(5)
    limiter.acquire("pc-write")
    fake_clock.advance(0.5)

    per_second, daily = limiter.budget("pc-write")

    assert per_second == {
        "window": "1 per 1 second",
        "period_seconds": 1.0,
        "limit": 1,
        "remaining": 0,
        "reserve": 0,
        "reset_at": pytest.approx(first_hit + 5 + 1, abs=1e-3),
    }
    assert daily == {
        "window": "10000 per 1 day",
        "period_seconds": 86400.0,
        "limit": 10000,
        "remaining": 9998,
        "reserve": 2000,
        "reset_at": pytest.approx(first_hit + 86400, abs=1e-3),
    }


def test_default_groups_carry_the_documented_quotas(make_limiter):
    limiter = make_limiter()

    def shape(group):
        return [(w["limit"], w["period_seconds"], w["reserve"]) for w in limiter.budget(group)]

    assert set(limiter.groups) == {"pc-write", "pc-read", "hubspot"}
    assert shape("pc-write") == [(1, 1.0, 0), (10_000, 86400.0, 2_000)]
    assert shape("pc-read") == [(10, 1.0, 0), (100_000, 86400.0, 20_000)]
    assert shape("hubspot") == [(190, 10.0, 0), (625_000, 86400.0, 125_000)]


def test_groups_do_not_share_tokens(make_limiter):
    limiter = make_limiter()
    assert limiter.acquire("pc-write").allowed
    assert limiter.acquire("pc-read").allowed
    assert not limiter.acquire("pc-write").allowed


def test_overrides_replace_one_group_and_keep_the_others(make_limiter):
    limiter = make_limiter({"pc-write": {"limits": ["3 per 1 second"]}})

    assert [w["limit"] for w in limiter.budget("pc-write")] == [3]
    assert [w["limit"] for w in limiter.budget("pc-read")] == [10, 100_000]


def test_reset_forgets_the_hits(make_limiter):
    limiter = make_limiter()
    limiter.acquire("pc-write")
    limiter.reset("pc-write")
    assert limiter.acquire("pc-write").allowed


def test_threads_sharing_one_memory_limiter_get_one_token_per_second(fake_clock):
    limiter = build_limiter(None)
    grants: list[bool] = []
    start = threading.Barrier(8)

    def worker():
        start.wait()
        for _ in range(20):
            grants.append(limiter.acquire("pc-write").allowed)

    run_in_threads(worker, 8)

    assert grants.count(True) == 1
    assert len(grants) == 160


def test_unknown_group_and_priority_are_rejected(make_limiter):
    limiter = make_limiter()
    with pytest.raises(ValueError, match="unknown rate-limit group 'nope'"):
        limiter.acquire("nope")
    with pytest.raises(ValueError, match="priority"):
        limiter.acquire("pc-write", priority="urgent")


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ({"limits": []}, "non-empty list"),
        ({"limits": "1/second"}, "non-empty list"),
        ({"limits": ["lots per hour"]}, "bad rate"),
        ({"limits": [{"rate": "1/second", "strategy": "leaky"}]}, "unknown strategy"),
        ({"limits": ["1/second"], "background_reserve": 1.5}, "background_reserve"),
        ({"limits": ["1/second"], "reserve": 0.1}, "unknown keys"),
        ("1/second", "must be a mapping"),
    ],
)
def test_bad_configuration_is_reported_with_the_group_name(spec, message):
    with pytest.raises(ValueError, match=message) as raised:
        parse_limits_config({"broken": spec})
    assert "'broken'" in str(raised.value)


def test_default_configuration_parses():
    groups = parse_limits_config(DEFAULT_LIMITS_CONFIG)
    assert groups["hubspot"].windows[1].strategy_name == "sliding-window-counter"
    assert groups["pc-write"].windows[0].strategy_name == "moving-window"


def test_unreachable_redis_raises_a_retryable_error():
    # Port 1 on loopback refuses connections at once; no Redis server is needed.
    limiter = build_limiter("redis://127.0.0.1:1/0?socket_connect_timeout=1")
    with pytest.raises(RetryableError, match="rate limiter storage unavailable"):
        limiter.acquire("pc-write")
