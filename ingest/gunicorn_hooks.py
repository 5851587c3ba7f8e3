"""gunicorn server hooks for the ingest (`gunicorn -c python:ingest.gunicorn_hooks`).

The ingest runs gunicorn's `gthread` worker: a client that connects and sends
nothing waits in the worker's poller, not in a thread, and a client that
trickles its body occupies one of many threads instead of the whole worker.
The hook below bounds that too: once the headers are in, the body must arrive
within PCSYNC_REQUEST_READ_TIMEOUT seconds, or the read fails and the request
is answered 408 (`ingest.read_body_in_time`).
"""

from __future__ import annotations


def pre_request(worker, req) -> None:
    sock = getattr(req.unreader, "sock", None)
    if sock is not None:
        settings = worker.wsgi.extensions["pcsync.settings"]
        sock.settimeout(settings.request_read_timeout_seconds)
