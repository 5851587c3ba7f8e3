"""Retry decision parts: retryability, delay maths with an injected rng, attempts, budget."""

from __future__ import annotations

import pytest

from workers.backoff import (
    RetryBudget,
    RetryPolicy,
    assert_below_visibility_timeout,
    delay,
    is_retryable,
    retry_after_hint,
)
from workers.errors import (
    ConflictError,
    NotFound,
    PermanentError,
    RateLimited,
    RetryableError,
    SyncError,
)


def always(value: float):
    return lambda: value


@pytest.mark.parametrize(
    ("exc", "expected"),
    [
        (RetryableError("503"), True),
        (RateLimited("no token", group="pc-write", retry_after=1.0), True),
        (ConflictError("stale"), True),
        (ConnectionResetError("reset"), True),
        (TimeoutError("slow"), True),
        (PermanentError("400"), False),
        (NotFound("gone"), False),
        (SyncError("unclassified"), False),
        (ValueError("bug"), False),
        (KeyError("bug"), False),
    ],
    ids=lambda value: type(value).__name__ if isinstance(value, BaseException) else str(value),
)
def test_is_retryable(exc, expected):
    assert is_retryable(exc) is expected


@pytest.mark.parametrize(
    ("attempt", "ceiling"),
    [(0, 1.0), (1, 2.0), (2, 4.0), (5, 32.0), (8, 256.0), (9, 300.0), (30, 300.0), (5000, 300.0)],
)
def test_delay_is_exponential_up_to_the_cap(attempt, ceiling):
    # rng just below 1 gives (almost) the ceiling of the jitter range
    assert delay(attempt, rng=always(0.999999)) == pytest.approx(ceiling * 0.999999)


def test_delay_uses_full_jitter_over_the_whole_range():
    assert delay(3, rng=always(0.0)) == 0.0
    assert delay(3, rng=always(0.5)) == pytest.approx(4.0)
    assert delay(3, rng=always(0.25), base=2.0) == pytest.approx(4.0)


def test_retry_after_hint_is_a_floor():
    assert delay(0, rng=always(0.5), retry_after=3.0) == 3.0
    assert delay(4, rng=always(0.5), retry_after=3.0) == pytest.approx(8.0)


def test_retry_after_hint_is_capped_too():
    assert delay(0, rng=always(0.5), retry_after=86_400.0, cap=300.0) == 300.0


def test_negative_attempt_is_rejected():
    with pytest.raises(ValueError):
        delay(-1)


def test_retry_after_hint_is_read_from_the_error():
    assert retry_after_hint(RetryableError("429", retry_after=7)) == 7.0
    assert retry_after_hint(RetryableError("503")) is None
    assert retry_after_hint(ValueError("x")) is None


def test_policy_stops_after_max_attempts_for_failures():
    policy = RetryPolicy(max_attempts=3)
    failure = RetryableError("503")
    assert [policy.should_retry(failure, attempt) for attempt in range(5)] == [
        True,
        True,
        True,
        False,
        False,
    ]
    assert not policy.should_retry(PermanentError("400"), 0)


def test_policy_gives_limiter_refusals_their_own_larger_allowance():
    policy = RetryPolicy(max_attempts=3, max_rate_limited_attempts=50)
    refused = RateLimited("busy", group="pc-write", retry_after=0.5)
    assert policy.should_retry(refused, 10)
    assert not policy.should_retry(refused, 50)


def test_policy_countdown_for_refusals_does_not_grow_with_attempts():
    policy = RetryPolicy()
    refused = RateLimited("busy", group="pc-write", retry_after=0.5)
    assert policy.countdown(refused, 40, rng=always(0.9)) == pytest.approx(0.9)
    assert policy.countdown(RetryableError("503"), 4, rng=always(0.5)) == pytest.approx(8.0)


def test_cap_must_stay_well_below_the_visibility_timeout():
    assert_below_visibility_timeout(300, 3 * 3600)
    with pytest.raises(ValueError, match="visibility_timeout"):
        assert_below_visibility_timeout(600, 900)


def test_default_cap_fits_the_recommended_and_the_default_visibility_timeouts():
    assert_below_visibility_timeout(RetryPolicy().cap, 3600)


def test_retry_budget_drains_and_refills():
    budget = RetryBudget(capacity=20, retry_cost=5, timeout_cost=10, success_refund=1)
    assert budget.try_withdraw(RetryableError("503"))  # 15 left
    assert budget.try_withdraw(TimeoutError())  # 5 left
    assert not budget.try_withdraw(TimeoutError())
    assert budget.try_withdraw(RetryableError("503"))  # 0 left
    assert not budget.try_withdraw(RetryableError("503"))
    for _ in range(5):
        budget.record_success()
    assert budget.available == 5
    assert budget.try_withdraw(RetryableError("503"))


def test_retry_budget_charges_translated_timeouts_as_timeouts():
    budget = RetryBudget(capacity=10, retry_cost=5, timeout_cost=10)
    try:
        raise RetryableError("timed out") from TimeoutError()
    except RetryableError as exc:
        assert budget.try_withdraw(exc)
    assert budget.available == 0


def test_retry_budget_never_exceeds_capacity():
    budget = RetryBudget(capacity=3)
    budget.record_success()
    assert budget.available == 3


def test_waits_do_not_use_up_the_attempts_of_failures():
    """Throttling, limiter refusals, a busy lock and outages are waits: retried
    on the large budget and backed off to at most WAIT_CAP_SECONDS."""
    from sqlalchemy.exc import OperationalError

    from workers.backoff import WAIT_CAP_SECONDS, is_wait
    from workers.errors import Throttled

    policy = RetryPolicy(max_attempts=3, max_rate_limited_attempts=50)
    outage = OperationalError("SELECT 1", {}, Exception("connection refused"))
    for wait in (Throttled("ThrottlingException"), outage):
        assert is_wait(wait)
        assert policy.should_retry(wait, 40)
        assert policy.countdown(wait, 40, rng=lambda: 0.999) <= WAIT_CAP_SECONDS
    assert not policy.should_retry(RetryableError("InternalServerException"), 3)
