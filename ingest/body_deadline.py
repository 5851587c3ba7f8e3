"""A deadline for receiving a request body, whatever pace the client sends at.

A socket timeout only bounds each read: a client that trickles one byte per
second never trips it and holds a server thread for as long as it likes
(gunicorn reads a body in blocking reads until it has all of it). This WSGI
middleware starts a timer with each request on gunicorn's socket; if the body
is not read completely within PCSYNC_REQUEST_READ_TIMEOUT seconds, the timer
shuts the socket's read side, the blocked read returns, and the app answers
408 and closes the connection (`ingest.read_body_in_time`). Once the body is
in, the timer is cancelled: a slow handler is not a slow client.
"""

from __future__ import annotations

import contextlib
import socket
import threading

ENVIRON_KEY = "pcsync.body_deadline"


class _Deadline:
    def __init__(self, sock: socket.socket, seconds: float) -> None:
        self._sock = sock
        self.passed = False
        self._timer = threading.Timer(seconds, self._stop_reading)
        self._timer.daemon = True
        self._timer.start()

    def _stop_reading(self) -> None:
        self.passed = True
        with contextlib.suppress(OSError):  # already gone
            self._sock.shutdown(socket.SHUT_RD)

    def cancel(self) -> None:
        self._timer.cancel()


class BodyDeadline:
    def __init__(self, app, seconds: float) -> None:
        self.app, self.seconds = app, seconds

    def __call__(self, environ, start_response):
        sock = environ.get("gunicorn.socket")  # other servers: no deadline
        deadline = _Deadline(sock, self.seconds) if sock is not None else None
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
