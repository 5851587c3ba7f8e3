"""The simulator's notion of time: the injected clock plus a controllable offset."""

from __future__ import annotations

from collections.abc import Callable


class SimClock:
    def __init__(self, source: Callable[[], float]):
        self._source = source
        self._offset_seconds = 0.0
        self._last_modification_ms = 0

    def now(self) -> float:
        """Epoch seconds."""
        return self._source() + self._offset_seconds

    def now_ms(self) -> int:
        # Via microseconds: 1749988800.123 * 1000 is 1749988800122.9999 in floats.
        return round(self.now() * 1_000_000) // 1000

    def advance(self, seconds: float) -> None:
        """Move simulated time forward (for HTTP-driven demos; tests inject a clock)."""
        self._offset_seconds += seconds

    def next_modification_ms(self) -> int:
        """A LastModifiedDate strictly later than every one handed out before.

        Two writes in the same millisecond must still get different stamps,
        or the optimistic lock could not tell them apart.
        """
        stamp = max(self.now_ms(), self._last_modification_ms + 1)
        self._last_modification_ms = stamp
        return stamp

    def reset(self) -> None:
        self._offset_seconds = 0.0
        self._last_modification_ms = 0
