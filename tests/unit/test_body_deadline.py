"""The body deadline's watchdog: one thread per process cuts the read side of
a request whose body is late, and leaves a cancelled one alone."""

from __future__ import annotations

import socket
import time

import pytest

from ingest.body_deadline import _Watchdog

SECONDS = 0.2


def wait_for(condition, timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


@pytest.fixture
def connections():
    """Server ends of connected socket pairs, closed afterwards with their clients."""
    pairs = []

    def connection() -> tuple[socket.socket, socket.socket]:
        pairs.append(socket.socketpair())
        return pairs[-1]

    yield connection
    for pair in pairs:
        for sock in pair:
            sock.close()


def test_a_late_body_is_cut_and_a_cancelled_deadline_is_not(connections):
    watchdog = _Watchdog(SECONDS)
    late_server, _ = connections()
    done_server, done_client = connections()
    late = watchdog.watch(late_server)
    done = watchdog.watch(done_server)
    done.cancel()  # its body arrived in time
    assert wait_for(lambda: late.passed)
    assert late_server.recv(1) == b""  # the blocked read returns
    time.sleep(SECONDS)
    assert not done.passed
    done_client.sendall(b"x")
    assert done_server.recv(1) == b"x"  # still readable


def test_deadlines_set_after_an_idle_spell_are_still_kept(connections):
    watchdog = _Watchdog(SECONDS)
    first = watchdog.watch(connections()[0])
    assert wait_for(lambda: first.passed)
    time.sleep(SECONDS)  # the watchdog waits with nothing to watch
    second = watchdog.watch(connections()[0])
    assert wait_for(lambda: second.passed)
