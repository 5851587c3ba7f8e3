"""A deadline for receiving a request body, whatever pace the client sends at.

A socket timeout only bounds each read: a client that trickles one byte per
second never trips it and holds a server thread for as long as it likes
(gunicorn reads a body in blocking reads until it has all of it). This WSGI
middleware gives each request on gunicorn's socket a deadline; if the body
is not read completely within PCSYNC_REQUEST_READ_TIMEOUT seconds, a
watchdog thread shuts the socket's read side, the blocked read returns, and
the app answers 408 and closes the connection (`ingest.read_body_in_time`).
Once the body is in, the deadline is cancelled: a slow handler is not a slow
client. One watchdog per process serves every request (a timer thread per
request cost more than a small request's handling).
"""

from __future__ import annotations

import contextlib
import os
import socket
import threading
import time
from collections import deque

ENVIRON_KEY = "pcsync.body_deadline"


class _Deadline:
    def __init__(self, sock: socket.socket, at: float) -> None:
        self._sock = sock
        self.at = at
        self.passed = False
        self.cancelled = False

    def stop_reading(self) -> None:
        self.passed = True
        with contextlib.suppress(OSError):  # already gone
            self._sock.shutdown(socket.SHUT_RD)

    def cancel(self) -> None:
        self.cancelled = True


class _Watchdog:
    """Deadlines of one length fall due in the order they were set: a queue,
    whose head the thread sleeps until, suffices."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._deadlines: deque[_Deadline] = deque()
        self._changed = threading.Condition()
        self._owner: int | None = None  # the process whose thread runs

    def watch(self, sock: socket.socket) -> _Deadline:
        deadline = _Deadline(sock, time.monotonic() + self.seconds)
        with self._changed:
            if self._owner != os.getpid():  # first use, or a forked worker
                self._owner = os.getpid()
                self._deadlines.clear()
                threading.Thread(target=self._run, name="body-deadlines", daemon=True).start()
            self._deadlines.append(deadline)
            if len(self._deadlines) == 1:
                self._changed.notify()
        return deadline

    def _run(self) -> None:
        with self._changed:
            while True:
                while self._deadlines and self._deadlines[0].cancelled:
                    self._deadlines.popleft()
                if not self._deadlines:
                    self._changed.wait()
                    continue
                left = self._deadlines[0].at - time.monotonic()
                if left > 0:
                    self._changed.wait(left)
                    continue
                self._deadlines.popleft().stop_reading()


class BodyDeadline:
    def __init__(self, app, seconds: float) -> None:
        self.app = app
        self._watchdog = _Watchdog(seconds)

    def __call__(self, environ, start_response):
        sock = environ.get("gunicorn.socket")  # other servers: no deadline
        deadline = self._watchdog.watch(sock) if sock is not None else None
        environ[ENVIRON_KEY] = deadline
        try:
            return self.app(environ, start_response)
        finally:
            if deadline is not None:
                deadline.cancel()


def body_received(environ) -> None:
    """The body has been read: stop the clock."""
    deadline = environ.get(ENVIRON_KEY)
    if deadline is not None:
        deadline.cancel()


def deadline_passed(environ) -> bool:
    deadline = environ.get(ENVIRON_KEY)
    return deadline is not None and deadline.passed
