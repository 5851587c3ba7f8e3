"""The memo of recently recorded webhook events (ingest/recent_events.py),
on fakeredis: it answers "all recorded" only for keys it was told, for one to
two buckets, and says nothing (never "recorded") when Redis fails."""

from __future__ import annotations

import hashlib

import fakeredis
import pytest

from ingest.recent_events import BUCKET_SECONDS, RecentEvents


def key(n: int) -> str:
    return hashlib.sha256(str(n).encode()).hexdigest()


class Clock:
    def __init__(self) -> None:
        self.now = 10 * BUCKET_SECONDS + 1.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def memo(clock) -> RecentEvents:
    return RecentEvents(fakeredis.FakeRedis(), "hubspot", clock)


def test_only_a_batch_whose_every_key_was_remembered_is_all_recorded(memo):
    memo.remember([key(1), key(2)])
    assert memo.all_recorded([key(1), key(2)])
    assert memo.all_recorded([key(2), key(2)])
    assert not memo.all_recorded([key(1), key(3)])
    assert not memo.all_recorded([])


def test_keys_are_kept_for_one_to_two_buckets(memo, clock):
    memo.remember([key(1)])  # early in a bucket
    clock.now += BUCKET_SECONDS
    memo.remember([key(2)])  # the next bucket
    assert memo.all_recorded([key(1), key(2)])
    clock.now += BUCKET_SECONDS  # two buckets on: the first is forgotten
    assert not memo.all_recorded([key(1)])
    assert memo.all_recorded([key(2)])


def test_each_source_has_its_own_memo(clock):
    server = fakeredis.FakeServer()
    hubspot = RecentEvents(fakeredis.FakeRedis(server=server), "hubspot", clock)
    other = RecentEvents(fakeredis.FakeRedis(server=server), "partner_central", clock)
    hubspot.remember([key(1)])
    assert not other.all_recorded([key(1)])


def test_a_bucket_expires_once_no_lookup_can_read_it(clock):
    client = fakeredis.FakeRedis()
    RecentEvents(client, "hubspot", clock).remember([key(1)])
    (bucket,) = client.keys("pcsync:inbox:recent:hubspot:*")
    assert 0 < client.ttl(bucket) <= 2 * BUCKET_SECONDS


def test_redis_down_means_not_known_and_remembering_does_not_raise():
    memo = RecentEvents.from_url("redis://127.0.0.1:1/0", "hubspot")  # nothing listens
    memo.remember([key(1)])
    assert not memo.all_recorded([key(1)])
