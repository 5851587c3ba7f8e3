"""Serve a WSGI app from a background thread (tests, `pcsync run`)."""

from __future__ import annotations

import threading
from dataclasses import dataclass

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, *args, **kwargs) -> None:
        """Simulators keep their own call logs; one line per request is noise."""


@dataclass
class RunningServer:
    server: BaseWSGIServer
    thread: threading.Thread

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def stop(self) -> None:
        self.server.shutdown()
        self.thread.join(timeout=5)


def serve_in_thread(app, host: str = "127.0.0.1", port: int = 0) -> RunningServer:
    """Start `app` on host:port (0 picks a free port) in a daemon thread."""
    server = make_server(host, port, app, threaded=True, request_handler=_QuietHandler)
    thread = threading.Thread(target=server.serve_forever, name=f"wsgi-{port}", daemon=True)
    thread.start()
    return RunningServer(server, thread)
