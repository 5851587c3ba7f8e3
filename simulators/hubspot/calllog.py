"""A record of every API call the simulator answered, for tests to assert on.

Controls under `/_sim` are not recorded: they are the test's own voice.
"""

from __future__ import annotations

import threading


class CallLog:
    def __init__(self):
        self._lock = threading.Lock()
        self._calls: list[dict] = []

    def reset(self) -> None:
        with self._lock:
            self._calls = []

    def record(self, call: dict) -> None:
        with self._lock:
            self._calls.append(call)

    def calls(self, method: str | None = None, path_prefix: str | None = None) -> list[dict]:
        with self._lock:
            return [
                dict(call)
                for call in self._calls
                if (method is None or call["method"] == method.upper())
                and (path_prefix is None or call["path"].startswith(path_prefix))
            ]
