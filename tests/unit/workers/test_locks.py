"""Per-opportunity locks on fakeredis (redis-py Lock) and in-process, with a controlled clock."""

from __future__ import annotations

import logging
import threading

import pytest

from workers.errors import RetryableError
from workers.locks import (
    LocalLockFactory,
    LockFactory,
    local_registry,
    lock_factory,
    opportunity_lock_name,
)

from .conftest import FakeClock, run_in_threads

NAME = opportunity_lock_name("AWS", "O1234567")


@pytest.fixture(params=["fakeredis", "in-process"])
def make_factory(request: pytest.FixtureRequest, fake_clock: FakeClock, fake_redis):
    """Two factories over the same store, as two workers would have."""
    registry = local_registry(clock=fake_clock)

    def make() -> LockFactory:
        if request.param == "fakeredis":
            return lock_factory("redis://unused", client=fake_redis)
        return LocalLockFactory(registry)

    return make


def test_lock_is_exclusive_until_released(make_factory):
    first, second = make_factory(), make_factory()

    with first.try_lock(NAME, ttl_seconds=30) as held:
        assert held
        with second.try_lock(NAME, ttl_seconds=30) as other:
            assert not other
    with second.try_lock(NAME, ttl_seconds=30) as other:
        assert other


def test_different_names_do_not_exclude_each_other(make_factory):
    factory = make_factory()
    with factory.try_lock(NAME, 30) as held, factory.try_lock("opportunity:AWS:O2", 30) as other:
        assert held and other


def test_lock_frees_itself_after_its_ttl(make_factory, fake_clock):
    first, second = make_factory(), make_factory()
    with first.try_lock(NAME, ttl_seconds=10) as held:
        assert held
        fake_clock.advance(9.9)
        with second.try_lock(NAME, ttl_seconds=10) as other:
            assert not other
        fake_clock.advance(0.2)
        assert not held.owned()
        with second.try_lock(NAME, ttl_seconds=10) as other:
            assert other


def test_expired_holder_cannot_release_the_next_holders_lock(make_factory, fake_clock, caplog):
    first, second, third = make_factory(), make_factory(), make_factory()
    with (
        caplog.at_level(logging.WARNING, logger="workers.locks"),
        first.try_lock(NAME, ttl_seconds=10) as stale,
    ):
        fake_clock.advance(11)
        with second.try_lock(NAME, ttl_seconds=60) as current:
            assert current
            assert not stale.release()
            assert current.owned()
            with third.try_lock(NAME, ttl_seconds=60) as intruder:
                assert not intruder
    assert "expired before release" in caplog.text


@pytest.mark.parametrize(
    ("held_for", "extend_by", "replace_ttl", "until_just_before_expiry", "until_just_after"),
    [
        # 16 s in: past the original TTL, inside the extension (added to what is left).
        pytest.param(8, 10, False, 8, 4.1, id="extend-keeps-a-long-holder-in-possession"),
        # A replaced TTL counts from the extension, not from what was left.
        pytest.param(9, 5, True, 4.9, 0.2, id="extend-with-replace-sets-a-fresh-ttl"),
    ],
)
def test_extend_keeps_the_lock_until_the_new_expiry(
    make_factory,
    fake_clock,
    held_for,
    extend_by,
    replace_ttl,
    until_just_before_expiry,
    until_just_after,
):
    first, second = make_factory(), make_factory()
    with first.try_lock(NAME, ttl_seconds=10) as held:
        fake_clock.advance(held_for)
        assert held.extend(extend_by, replace_ttl=replace_ttl)
        fake_clock.advance(until_just_before_expiry)
        with second.try_lock(NAME, ttl_seconds=10) as other:
            assert not other
        fake_clock.advance(until_just_after)
        with second.try_lock(NAME, ttl_seconds=10) as other:
            assert other


def test_extend_after_losing_the_lock_reports_false(make_factory, fake_clock):
    with make_factory().try_lock(NAME, ttl_seconds=10) as held:
        fake_clock.advance(10.5)
        assert not held.extend(10)


def test_a_refused_handle_cannot_extend_or_release(make_factory):
    first, second = make_factory(), make_factory()
    with first.try_lock(NAME, 30), second.try_lock(NAME, 30) as other:
        assert not other.extend(30)
        assert not other.release()
        assert not other.owned()


def test_beat_singleton_skips_an_overlapping_run(make_factory):
    first, second = make_factory(), make_factory()
    with first.beat_singleton("reconcile", ttl_seconds=1500) as running:
        assert running
        with second.beat_singleton("reconcile", ttl_seconds=1500) as overlapping:
            assert not overlapping
        # The beat lock does not collide with a lock of the same name elsewhere.
        with second.try_lock("reconcile", ttl_seconds=10) as unrelated:
            assert unrelated
    with second.beat_singleton("reconcile", ttl_seconds=1500) as next_run:
        assert next_run


def test_lock_is_released_when_the_body_raises(make_factory):
    factory = make_factory()
    with pytest.raises(RuntimeError), factory.try_lock(NAME, 30):
        raise RuntimeError("task failed")
    with factory.try_lock(NAME, 30) as held:
        assert held


def test_only_one_thread_gets_the_in_process_lock():
    factory = lock_factory(None)
    winners: list[bool] = []
    both_tried = threading.Barrier(8)

    def contend():
        with factory.try_lock("opportunity:AWS:threads", ttl_seconds=30) as held:
            winners.append(bool(held))
            both_tried.wait()

    run_in_threads(contend, 8)

    assert winners.count(True) == 1


def test_in_process_factories_share_one_table_by_default():
    with (
        lock_factory(None).try_lock("shared-table", 30) as held,
        lock_factory(None).try_lock("shared-table", 30) as other,
    ):
        assert held and not other


@pytest.mark.parametrize("ttl", [0, -1])
def test_ttl_must_be_positive(make_factory, ttl):
    with pytest.raises(ValueError, match="TTL"), make_factory().try_lock(NAME, ttl):
        pass


def test_unreachable_redis_raises_a_retryable_error():
    factory = lock_factory("redis://127.0.0.1:1/0?socket_connect_timeout=1")
    with pytest.raises(RetryableError, match="lock store unavailable"), factory.try_lock(NAME, 5):
        pass


def test_heartbeat_keeps_a_short_lock_while_its_holder_runs():
    """A short TTL renewed by a heartbeat: held as long as the holder runs
    (here three TTLs), free as soon as it stops."""
    registry = local_registry()
    first, second = LocalLockFactory(registry), LocalLockFactory(registry)
    with first.try_lock(NAME, ttl_seconds=0.3, heartbeat=True) as held:
        deadline = threading.Event()
        deadline.wait(0.9)
        assert held.owned()
        with second.try_lock(NAME, ttl_seconds=0.3) as other:
            assert not other
    with second.try_lock(NAME, ttl_seconds=0.3) as other:
        assert other
