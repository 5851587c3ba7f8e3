"""Deliver webhook events as HubSpot does: batched, signed, retried.

A background thread gathers events for `batch_delay` seconds, POSTs them
as JSON arrays of at most 100 to the subscribed URL, signs each attempt
(v1 and v3, fresh timestamp) and retries any non-2xx or connection failure
on a short configurable schedule with `attemptNumber` incremented. Switches
imitate what HubSpot warns about: duplicates, delays and reordering.

Scheduling uses real (monotonic) time because the thread really waits;
timestamps in payloads and signatures use the injected clock.
"""

from __future__ import annotations

import heapq
import itertools
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import requests

from .signing import signature_headers
from .timefmt import epoch_ms

MAX_BATCH_SIZE = 100
# HubSpot retries up to 10 times over 24 h; here the same count, in seconds.
DEFAULT_RETRY_DELAYS = (0.05, 0.1, 0.2, 0.4, 0.8, 1.0, 1.0, 1.0, 1.0, 1.0)
USER_AGENT = "HubSpot Connect 2.0 (http://dev.hubspot.com/) - pcsync simulator"


@dataclass
class DeliverySettings:
    duplicate: bool = False  # send every batch twice
    delay: float = 0.0  # extra seconds before each batch goes out
    out_of_order: bool = False  # reverse events within and across batches
    retry_delays: tuple[float, ...] = DEFAULT_RETRY_DELAYS
    timeout: float = 5.0  # HubSpot gives up on a receiver after 5 s
    max_batch_size: int = MAX_BATCH_SIZE

    def update(self, **changes) -> DeliverySettings:
        unknown = set(changes) - set(self.__dataclass_fields__)
        if unknown:
            raise ValueError(f"unknown delivery settings: {sorted(unknown)}")
        if "retry_delays" in changes:
            changes["retry_delays"] = tuple(float(d) for d in changes["retry_delays"])
        size = changes.get("max_batch_size", self.max_batch_size)
        if not 1 <= int(size) <= MAX_BATCH_SIZE:
            raise ValueError(f"max_batch_size must be between 1 and {MAX_BATCH_SIZE}")
        return replace(self, **changes)


@dataclass(order=True)
class _Delivery:
    due: float
    sequence: int
    events: list[dict] = field(compare=False)
    attempt: int = field(default=0, compare=False)
    delivery_id: int = field(default=0, compare=False)
    duplicate: bool = field(default=False, compare=False)
    generation: int = field(default=0, compare=False)


class WebhookSender:
    def __init__(self, client_secret: str, clock: Callable[[], float], batch_delay: float):
        self.client_secret = client_secret
        self.clock = clock
        self.batch_delay = batch_delay
        self.url: str | None = None
        self.settings = DeliverySettings()
        self._cond = threading.Condition()
        self._sequence = itertools.count()
        self._delivery_ids = itertools.count(1)
        self._thread: threading.Thread | None = None
        self._stopping = False
        self._session = requests.Session()
        self._clear()

    def _clear(self) -> None:
        self._pending: list[dict] = []
        self._batch_due: float | None = None
        self._scheduled: list[_Delivery] = []
        self._in_flight = 0
        self._log: list[dict] = []
        self._events: list[dict] = []
        self._generation = getattr(self, "_generation", 0) + 1

    # -- configuration -------------------------------------------------------

    def reset(self) -> None:
        """Forget queued events, scheduled retries and logs; keep the URL."""
        with self._cond:
            self._clear()
            self.settings = DeliverySettings()
            self._cond.notify_all()

    def configure(self, **changes) -> DeliverySettings:
        with self._cond:
            if "batch_delay" in changes:
                self.batch_delay = float(changes.pop("batch_delay"))
            self.settings = self.settings.update(**changes)
            return self.settings

    # -- intake --------------------------------------------------------------

    def enqueue(self, events: list[dict]) -> None:
        """Queue events for the next batch; dropped when no URL is set."""
        if not events:
            return
        with self._cond:
            self._events.extend(events)
            if not self.url:
                return
            self._pending.extend(events)
            if self._batch_due is None:
                self._batch_due = time.monotonic() + self.batch_delay
            self._ensure_thread()
            self._cond.notify_all()

    def _ensure_thread(self) -> None:
        if self._thread is None or not self._thread.is_alive():
            self._stopping = False
            self._thread = threading.Thread(
                target=self._run, name="hubspot-sim-webhooks", daemon=True
            )
            self._thread.start()

    # -- waiting -------------------------------------------------------------

    def _idle(self) -> bool:
        return not self._pending and not self._scheduled and self._in_flight == 0

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Block until nothing is queued, scheduled or in flight."""
        with self._cond:
            return self._cond.wait_for(self._idle, timeout)

    def flush(self, timeout: float = 10.0) -> bool:
        """Send gathered events now (skip the batch delay), then wait idle."""
        with self._cond:
            if self._pending:
                self._batch_due = time.monotonic()
                self._cond.notify_all()
        return self.wait_idle(timeout)

    def stop(self) -> None:
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
        if self._thread is not None:
            self._thread.join(timeout=5)

    # -- logs ----------------------------------------------------------------

    def deliveries(self) -> list[dict]:
        with self._cond:
            return [dict(entry) for entry in self._log]

    def events(self) -> list[dict]:
        with self._cond:
            return [dict(event) for event in self._events]

    # -- the delivery thread ---------------------------------------------------

    def _run(self) -> None:
        while True:
            with self._cond:
                delivery = self._next_due_delivery()
                if delivery is None:
                    return
                self._in_flight += 1
            try:
                entry = self._post(delivery)
            finally:
                with self._cond:
                    self._in_flight -= 1
                    if delivery.generation == self._generation:
                        self._log.append(entry)
                        self._maybe_retry(delivery, entry)
                    self._cond.notify_all()

    def _next_due_delivery(self) -> _Delivery | None:
        """Wait (holding the condition) for the next delivery that is due."""
        while not self._stopping:
            now = time.monotonic()
            if self._pending and self._batch_due is not None and self._batch_due <= now:
                self._cut_batches(now)
            if self._scheduled and self._scheduled[0].due <= now:
                return heapq.heappop(self._scheduled)
            waits = []
            if self._pending and self._batch_due is not None:
                waits.append(self._batch_due - now)
            if self._scheduled:
                waits.append(self._scheduled[0].due - now)
            self._cond.wait(max(0.0, min(waits)) if waits else None)
        return None

    def _cut_batches(self, now: float) -> None:
        events, self._pending, self._batch_due = self._pending, [], None
        size = self.settings.max_batch_size
        batches = [events[i : i + size] for i in range(0, len(events), size)]
        if self.settings.out_of_order:
            batches = [list(reversed(batch)) for batch in reversed(batches)]
        due = now + self.settings.delay
        for batch in batches:
            self._schedule(batch, due, attempt=0)
            if self.settings.duplicate:
                self._schedule(batch, due, attempt=0, duplicate=True)

    def _schedule(self, events, due, attempt, duplicate=False, delivery_id=None) -> None:
        delivery = _Delivery(
            due=due,
            sequence=next(self._sequence),
            events=events,
            attempt=attempt,
            delivery_id=delivery_id or next(self._delivery_ids),
            duplicate=duplicate,
            generation=self._generation,
        )
        heapq.heappush(self._scheduled, delivery)

    def _maybe_retry(self, delivery: _Delivery, entry: dict) -> None:
        succeeded = entry["status"] is not None and 200 <= entry["status"] < 300
        delays = self.settings.retry_delays
        unsubscribed = entry["url"] is None  # the URL was removed meanwhile: drop
        if succeeded or unsubscribed or delivery.attempt >= len(delays):
            return
        due = time.monotonic() + delays[delivery.attempt]
        self._schedule(
            delivery.events,
            due,
            attempt=delivery.attempt + 1,
            duplicate=delivery.duplicate,
            delivery_id=delivery.delivery_id,
        )

    def _post(self, delivery: _Delivery) -> dict:
        url = self.url
        events = [{**event, "attemptNumber": delivery.attempt} for event in delivery.events]
        body = json.dumps(events, separators=(",", ":"))
        timestamp = epoch_ms(self.clock())
        headers = {
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            **signature_headers(self.client_secret, "POST", url, body, timestamp),
        }
        entry = {
            "deliveryId": delivery.delivery_id,
            "url": url,
            "attemptNumber": delivery.attempt,
            "duplicate": delivery.duplicate,
            "eventCount": len(events),
            "eventIds": [event["eventId"] for event in events],
            "timestamp": timestamp,
            "status": None,
            "error": None,
            "body": body,
        }
        if url is None:
            entry["error"] = "no webhook URL"
            return entry
        try:
            response = self._session.post(
                url, data=body.encode(), headers=headers, timeout=self.settings.timeout
            )
            entry["status"] = response.status_code
        except requests.RequestException as exc:
            # Connection failures and timeouts are retried like a 5xx.
            entry["error"] = f"{type(exc).__name__}: {exc}"
        return entry
