"""`pcsync run`'s start-up checks: a child that dies at start ends the wait
at once (no banner for half a service), and taken ports are named before
anything starts."""

from __future__ import annotations

import socket
import subprocess
import sys
import time

from pcsync.launcher import _ports_taken, _wait_until_ready


def _unused_url() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{probe.getsockname()[1]}/healthz"


def test_the_wait_ends_when_a_child_dies():
    dead = subprocess.Popen([sys.executable, "-c", "raise SystemExit(3)"])
    dead.wait(timeout=30)
    started = time.monotonic()

    ready = _wait_until_ready({_unused_url(): True}, {"simulators": dead}, timeout=20)

    assert ready is False
    assert time.monotonic() - started < 10, "did not wait out the timeout"


def test_the_wait_gives_up_on_a_url_that_never_answers():
    alive = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        assert _wait_until_ready({_unused_url(): True}, {"ingest": alive}, timeout=1) is False
    finally:
        alive.kill()
        alive.wait()


def test_a_listening_port_is_named_and_a_free_one_is_not():
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        busy = f"127.0.0.1:{listener.getsockname()[1]}"
        free = _unused_url().split("/")[2]

        taken = _ports_taken({"HubSpot simulator": busy, "ingest": free})

    assert taken == [f"{busy} (HubSpot simulator)"]
