"""HubSpot's API rate limits, by the injected clock (https://developers.hubspot.com/docs/api/usage-details).

General API calls: a rolling 10-second window and a daily budget, reported
in `X-HubSpot-RateLimit-*` headers. Search: its own 5 requests per second
and no headers. A refused call consumes nothing.
"""

from __future__ import annotations

import threading
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

TEN_SECONDS = 10.0
DAY_SECONDS = 86400


@dataclass
class Verdict:
    allowed: bool
    headers: dict[str, str]
    body: dict | None = None  # HubSpot's 429 body when refused


def rate_limit_body(message: str, policy: str, group: str | None) -> dict:
    """The 429 body, fields in HubSpot's order."""
    body = {
        "status": "error",
        "message": message,
        "errorType": "RATE_LIMIT",
        "correlationId": str(uuid.uuid4()),
        "policyName": policy,
    }
    if group:
        body["groupName"] = group
    body["requestId"] = uuid.uuid4().hex
    return body


class RateLimiter:
    """Rolling 10 s window plus a daily count that resets at UTC midnight
    (HubSpot resets at midnight in the account's time zone)."""

    def __init__(self, clock: Callable[[], float], ten_second_limit: int, daily_limit: int, app_id):
        self._clock = clock
        self._app_id = app_id
        self._lock = threading.Lock()
        self.ten_second_limit = ten_second_limit
        self.daily_limit = daily_limit
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self._recent: deque[float] = deque()
            self._day = None
            self._daily_used = 0

    def configure(self, ten_second_limit: int | None = None, daily_limit: int | None = None):
        with self._lock:
            if ten_second_limit is not None:
                self.ten_second_limit = int(ten_second_limit)
            if daily_limit is not None:
                self.daily_limit = int(daily_limit)

    def usage(self) -> dict:
        with self._lock:
            self._expire(self._clock())
            return {
                "tenSecondLimit": self.ten_second_limit,
                "tenSecondRemaining": max(0, self.ten_second_limit - len(self._recent)),
                "dailyLimit": self.daily_limit,
                "dailyRemaining": max(0, self.daily_limit - self._daily_used),
            }

    def check(self) -> Verdict:
        """Admit one call and count it, or refuse it with HubSpot's 429."""
        with self._lock:
            now = self._clock()
            self._expire(now)
            if self._daily_used >= self.daily_limit:
                return self._refused("You have reached your daily limit.", "DAILY", None)
            if len(self._recent) >= self.ten_second_limit:
                return self._refused(
                    "You have reached your ten_secondly_rolling limit.",
                    "TEN_SECONDLY_ROLLING",
                    f"privateapp-api-limit:ten-secondly-rolling:{self._app_id}",
                )
            self._recent.append(now)
            self._daily_used += 1
            return Verdict(True, self._headers())

    def _expire(self, now: float) -> None:
        while self._recent and self._recent[0] <= now - TEN_SECONDS:
            self._recent.popleft()
        day = int(now // DAY_SECONDS)
        if day != self._day:
            self._day, self._daily_used = day, 0

    def _refused(self, message: str, policy: str, group: str | None) -> Verdict:
        return Verdict(False, self._headers(), rate_limit_body(message, policy, group))

    def _headers(self) -> dict[str, str]:
        return {
            "X-HubSpot-RateLimit-Interval-Milliseconds": str(int(TEN_SECONDS * 1000)),
            "X-HubSpot-RateLimit-Max": str(self.ten_second_limit),
            "X-HubSpot-RateLimit-Remaining": str(max(0, self.ten_second_limit - len(self._recent))),
            "X-HubSpot-RateLimit-Daily": str(self.daily_limit),
            "X-HubSpot-RateLimit-Daily-Remaining": str(max(0, self.daily_limit - self._daily_used)),
        }


class SearchLimiter:
    """Search's own limit: `per_second` requests in any rolling second."""

    def __init__(self, clock: Callable[[], float], per_second: int = 5):
        self._clock = clock
        self._lock = threading.Lock()
        self.per_second = per_second
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self._recent: deque[float] = deque()

    def check(self) -> Verdict:
        with self._lock:
            now = self._clock()
            while self._recent and self._recent[0] <= now - 1.0:
                self._recent.popleft()
            if len(self._recent) >= self.per_second:
                body = rate_limit_body("You have reached your secondly limit.", "SECONDLY", None)
                return Verdict(False, {}, body)
            self._recent.append(now)
            return Verdict(True, {})
