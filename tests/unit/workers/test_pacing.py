"""Waiting in place (workers/pacing.py) with a fake clock: nothing really sleeps."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from workers.errors import PermanentError, RateLimited, RetryableError, Throttled
from workers.pacing import (
    DEFAULT_WAIT_SECONDS,
    PER_SECOND_ATTEMPTS,
    PacedPartnerCentral,
    Pacer,
    hinted_wait,
    paced_pages,
    per_second_wait,
    wait_out,
)


@dataclass
class FakeClock:
    """A monotonic clock that moves only when something sleeps on it."""

    now: float = 1000.0
    slept: list[float] = field(default_factory=list)

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(round(seconds, 6))
        self.now += seconds


def refused(retry_after: float) -> RateLimited:
    return RateLimited("no", group="pc-read", retry_after=retry_after)


def throttled() -> Throttled:
    return Throttled("ThrottlingException", service="partnercentral", status_code=429)


def answering(*answers):
    """A call that raises or returns each answer in turn, counting its calls."""
    remaining = iter(answers)

    def call(*args, **kwargs):
        call.calls.append(kwargs)
        answer = next(remaining)
        if isinstance(answer, Exception):
            raise answer
        return answer

    call.calls = []
    return call


# -- Pacer --------------------------------------------------------------------------------


def test_pacer_spaces_calls_without_delaying_the_first():
    clock = FakeClock()
    pacer = Pacer(0.25, clock=clock, sleep=clock.sleep)
    pacer.wait()
    pacer.wait()
    clock.now += 0.1  # a caller part-way through the interval waits the rest
    pacer.wait()
    clock.now += 1.0  # a slow caller is not held back further
    pacer.wait()
    assert clock.slept == [0.25, 0.15]


def test_pacer_pause_sleeps_through_the_injected_sleep():
    clock = FakeClock()
    Pacer(0.25, clock=clock, sleep=clock.sleep).pause(1.5)
    assert clock.slept == [1.5]


def test_paced_pages_waits_before_each_page_request():
    clock = FakeClock()
    pacer = Pacer(1.0, clock=clock, sleep=clock.sleep)
    assert list(paced_pages(iter(range(5)), 2, pacer)) == [0, 1, 2, 3, 4]
    # Pages start at items 0, 2 and 4: the first is not delayed, the others one interval.
    assert clock.slept == [1.0, 1.0]


# -- wait policies ------------------------------------------------------------------------


def test_hinted_wait_takes_the_hint_or_a_second():
    assert hinted_wait(refused(0.4)) == 0.4
    assert hinted_wait(throttled()) == DEFAULT_WAIT_SECONDS


@pytest.mark.parametrize(
    ("error", "wait"),
    [
        (refused(0.5), 0.5),
        (refused(2.0), 2.0),
        (refused(2.5), None),  # a daily budget or the reserve: the task retries later
        (throttled(), 1.0),
        (Throttled("HTTP 429", service="hubspot", status_code=429), None),
        (RetryableError("HTTP 503", service="partnercentral", status_code=503), None),
    ],
)
def test_per_second_wait_only_for_per_second_refusals(error, wait):
    assert per_second_wait(error) == wait


# -- wait_out -----------------------------------------------------------------------------


def test_wait_out_waits_each_refusal_then_answers():
    clock = FakeClock()
    call = answering(refused(0.4), throttled(), "ok")
    assert wait_out(call, hinted_wait, attempts=5, sleep=clock.sleep) == "ok"
    assert clock.slept == [0.4, 1.0]


def test_wait_out_gives_up_when_the_policy_says_so():
    clock = FakeClock()
    call = answering(refused(30.0), "never reached")
    with pytest.raises(RateLimited):
        wait_out(call, per_second_wait, attempts=5, sleep=clock.sleep)
    assert clock.slept == []


def test_wait_out_passes_permanent_errors_through():
    clock = FakeClock()
    with pytest.raises(PermanentError):
        wait_out(answering(PermanentError("bad")), hinted_wait, attempts=5, sleep=clock.sleep)
    assert clock.slept == []


def test_wait_out_lets_the_last_attempts_refusal_through():
    clock = FakeClock()
    call = answering(*[refused(0.1)] * 3, "too late")
    with pytest.raises(RateLimited):
        wait_out(call, hinted_wait, attempts=2, sleep=clock.sleep)
    assert len(call.calls) == 3  # two waited out, then the last attempt
    assert clock.slept == [0.1, 0.1]


# -- PacedPartnerCentral ------------------------------------------------------------------


class FakeClient:
    def __init__(self, call):
        self.call = call


def test_paced_client_calls_at_the_runs_priority_and_waits_per_second_refusals():
    clock = FakeClock()
    call = answering(throttled(), {"Id": "O1"})
    paced = PacedPartnerCentral(FakeClient(call), "background", sleep=clock.sleep)
    assert paced.call("GetOpportunity", priority="event", Identifier="O1") == {"Id": "O1"}
    assert call.calls == [{"priority": "background", "Identifier": "O1"}] * 2
    assert clock.slept == [1.0]


def test_paced_client_gives_up_after_its_attempts():
    clock = FakeClock()
    call = answering(*[refused(0.5)] * (PER_SECOND_ATTEMPTS + 1))
    paced = PacedPartnerCentral(FakeClient(call), "background", sleep=clock.sleep)
    with pytest.raises(RateLimited):
        paced.call("GetOpportunity", Identifier="O1")
    assert len(clock.slept) == PER_SECOND_ATTEMPTS


def test_paced_client_pages_through_its_paced_call():
    clock = FakeClock()
    call = answering(
        {"Items": [1, 2], "NextToken": "t"},
        refused(0.2),
        {"Items": [3]},
    )
    paced = PacedPartnerCentral(FakeClient(call), "background", sleep=clock.sleep)
    assert list(paced.paginate("ListThings", "Items", MaxResults=2)) == [1, 2, 3]
    assert call.calls[-1] == {"priority": "background", "MaxResults": 2, "NextToken": "t"}
    assert clock.slept == [0.2]
