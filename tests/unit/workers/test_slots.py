"""First come, first served at the quota: the limiter's slot queue, on every store."""

from __future__ import annotations

import pytest

from workers.errors import RateLimited
from workers.limiter import SLOT_SAFETY, holding
from workers.slots import put_first

from .conftest import FakeClock

MARGIN = SLOT_SAFETY  # of pc-write's 1-second spacing


def test_refused_writes_book_consecutive_slots_in_arrival_order(
    make_limiter, fake_clock: FakeClock
):
    limiter = make_limiter()
    start = fake_clock.now
    assert limiter.acquire("pc-write", holder="a").allowed

    fake_clock.advance(0.2)
    second = limiter.acquire("pc-write", holder="b")
    third = limiter.acquire("pc-write", holder="c")

    assert not second.allowed and not third.allowed
    assert second.slot == pytest.approx(start + 1.0 + MARGIN, abs=0.01)
    assert third.slot == pytest.approx(start + 2.0 + 2 * MARGIN, abs=0.01)
    # Asking again keeps the place: the same slot, not a new one.
    assert limiter.acquire("pc-write", holder="c").slot == third.slot


def test_a_holder_takes_its_token_at_its_slot_and_not_before(make_limiter, fake_clock):
    limiter = make_limiter()
    limiter.acquire("pc-write", holder="a")
    booked = limiter.acquire("pc-write", holder="b").slot

    fake_clock.now = booked - 0.1
    early = limiter.acquire("pc-write", holder="b")
    fake_clock.now = booked + 0.001
    on_time = limiter.acquire("pc-write", holder="b")

    assert not early.allowed and early.retry_after == pytest.approx(0.1, abs=0.01)
    assert on_time.allowed
    assert limiter.held_slot("pc-write", "b") is None, "a used slot is given back"


def test_a_newcomer_does_not_jump_the_queue_when_the_window_has_room(make_limiter, fake_clock):
    limiter = make_limiter()
    start = fake_clock.now
    limiter.acquire("pc-write", holder="a")
    b_slot = limiter.acquire("pc-write", holder="b").slot  # start+1
    c_slot = limiter.acquire("pc-write", holder="c").slot  # start+2

    fake_clock.now = b_slot
    assert limiter.acquire("pc-write", holder="b").allowed
    fake_clock.now = c_slot - 0.01  # the window has room, but c's slot is taken
    newcomer = limiter.acquire("pc-write", holder="d")

    assert not newcomer.allowed
    assert newcomer.slot == pytest.approx(start + 3.0 + 3 * MARGIN, abs=0.01)
    fake_clock.now = c_slot
    assert limiter.acquire("pc-write", holder="c").allowed


def test_background_work_yields_to_the_queue_and_books_nothing(make_limiter, fake_clock):
    limiter = make_limiter()
    start = fake_clock.now
    limiter.acquire("pc-write", holder="a")
    limiter.acquire("pc-write", holder="b")  # slot start+1

    fake_clock.advance(0.5)
    background = limiter.acquire("pc-write", priority="background", holder="reconcile")
    event = limiter.acquire("pc-write", holder="c")

    assert not background.allowed and background.slot is None
    assert limiter.held_slot("pc-write", "reconcile") is None
    assert event.slot == pytest.approx(start + 2.0 + 2 * MARGIN, abs=0.01), (
        "background took no place"
    )


def test_slot_wait_books_the_current_slot_when_a_token_is_free(make_limiter, fake_clock):
    limiter = make_limiter()
    start = fake_clock.now

    first = limiter.slot_wait("pc-write", "a")
    # Asked in the same instant, before "a" took its token: without a's
    # booking both would read and race for the one token.
    second = limiter.slot_wait("pc-write", "b")

    assert first.allowed and limiter.held_slot("pc-write", "a") == start
    assert not second.allowed
    assert second.slot == pytest.approx(start + 1.0 + MARGIN, abs=0.01)
    assert limiter.acquire("pc-write", holder="a").allowed
    assert limiter.held_slot("pc-write", "a") is None, "a used its slot"


def test_slot_wait_books_nothing_for_background_work(make_limiter, fake_clock):
    limiter = make_limiter()

    free = limiter.slot_wait("pc-write", "reconcile", priority="background")

    assert free.allowed and limiter.held_slot("pc-write", "reconcile") is None
    assert limiter.slot_wait("pc-write", "a").allowed, "nobody queued ahead"


def test_take_waits_in_place_for_a_near_slot(make_limiter, fake_clock: FakeClock):
    limiter = make_limiter()
    limiter.take("pc-write")
    before = fake_clock.now

    limiter.take("pc-write")  # the sleep moves the fake clock to the slot

    assert fake_clock.now - before == pytest.approx(1.0 + MARGIN, abs=0.01)


def test_take_keeps_a_far_slot_for_the_holder_and_frees_an_anonymous_one(make_limiter, fake_clock):
    limiter = make_limiter()
    for holder in ("a", "b", "c", "d"):
        limiter.acquire("pc-write", holder=holder)

    with holding("deal:1"), pytest.raises(RateLimited) as kept:
        limiter.take("pc-write", operation="UpdateOpportunity")
    with pytest.raises(RateLimited) as anonymous:
        limiter.take("pc-write")

    assert kept.value.slot == limiter.held_slot("pc-write", "deal:1")
    assert kept.value.retry_after > 2.0
    assert anonymous.value.slot is None


def test_a_call_refused_at_arrival_goes_again_first_in_line(make_limiter, fake_clock):
    """The API refused a's granted call (its window saw it a hair early):
    a books the next slot ahead of b and c, who asked after it, and they
    move back one interval each, in order; a newcomer still comes last."""
    limiter = make_limiter()
    start = fake_clock.now
    with holding("a"):
        limiter.take("pc-write")  # granted; the API answers ThrottlingException
    fake_clock.advance(0.2)
    b = limiter.acquire("pc-write", holder="b").slot
    c = limiter.acquire("pc-write", holder="c").slot

    with holding("a"):
        limiter.take("pc-write", operation="UpdateOpportunity", resend=True)

    interval = 1.0 + MARGIN
    assert fake_clock.now == pytest.approx(start + interval, abs=0.01), "a waited in place"
    assert limiter.held_slot("pc-write", "a") is None, "and used its slot"
    assert limiter.held_slot("pc-write", "b") == pytest.approx(b + interval, abs=0.01)
    assert limiter.held_slot("pc-write", "c") == pytest.approx(c + interval, abs=0.01)
    assert limiter.acquire("pc-write", holder="d").slot == pytest.approx(c + 2 * interval, abs=0.01)
    fake_clock.now = b + interval + 0.001
    assert limiter.acquire("pc-write", holder="b").allowed


def test_a_slot_due_an_interval_before_stays_ahead_of_the_resend():
    changed, end = put_first({"late": 9.0, "b": 10.5, "c": 11.0}, "a", 10.0, 1.0)

    assert changed == {"a": 10.0, "b": 11.0, "c": 12.0}, "late was due before a's turn"
    assert end == 13.0


def test_hubspot_slots_are_spaced_by_its_average_rate(make_limiter, fake_clock):
    limiter = make_limiter({"hubspot": {"limits": ["2 per 10 seconds"], "queue": True}})
    start = fake_clock.now
    assert limiter.acquire("hubspot", holder="a").allowed
    assert limiter.acquire("hubspot", holder="b").allowed

    third = limiter.acquire("hubspot", holder="c")
    fourth = limiter.acquire("hubspot", holder="d")

    spacing = 5.0 * (1 + SLOT_SAFETY)
    assert third.slot == pytest.approx(start + 10.0 + 5.0 * SLOT_SAFETY, abs=0.01)
    assert fourth.slot == pytest.approx(third.slot + spacing, abs=0.01)


def test_queue_must_be_true_or_false(make_limiter):
    with pytest.raises(ValueError, match="'queue' must be true or false"):
        make_limiter({"g": {"limits": ["1 per 1 second"], "queue": "yes"}})
