"""Injected faults: random 502/503s, a queue of forced failures, latency.

HubSpot's gateway answers 502/503 now and then; clients must retry them.
A seeded random source keeps runs reproducible.
"""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass

FAULT_MESSAGES = {
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}


@dataclass
class Fault:
    status: int | None  # None: answer normally
    latency: float


class FaultInjector:
    def __init__(self):
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self.error_rate = 0.0
            self.statuses: tuple[int, ...] = (502, 503)
            self.latency = 0.0
            self._random = random.Random(0)
            self._forced: list[int] = []

    def configure(self, error_rate=None, statuses=None, latency=None, seed=None) -> dict:
        with self._lock:
            if error_rate is not None:
                if not 0.0 <= float(error_rate) <= 1.0:
                    raise ValueError("error_rate must be between 0 and 1")
                self.error_rate = float(error_rate)
            if statuses is not None:
                self.statuses = tuple(int(s) for s in statuses) or (502, 503)
            if latency is not None:
                self.latency = max(0.0, float(latency))
            if seed is not None:
                self._random = random.Random(seed)
            return self.describe()

    def fail_next(self, count: int = 1, status: int = 503) -> None:
        """Make the next `count` API calls answer `status` (deterministic)."""
        with self._lock:
            self._forced.extend([int(status)] * int(count))

    def describe(self) -> dict:
        return {
            "error_rate": self.error_rate,
            "statuses": list(self.statuses),
            "latency": self.latency,
            "forced": list(self._forced),
        }

    def draw(self) -> Fault:
        with self._lock:
            if self._forced:
                return Fault(self._forced.pop(0), self.latency)
            if self.error_rate and self._random.random() < self.error_rate:
                return Fault(self._random.choice(self.statuses), self.latency)
            return Fault(None, self.latency)
