"""EventBridge-shaped events, POSTed to a configured URL from a background thread.

Delivery is best effort, as on AWS: failures are logged and recorded, never
raised into the request that caused the event.
"""

from __future__ import annotations

import logging
import queue
import threading
import uuid

import requests

from . import timestamps

log = logging.getLogger(__name__)

SOURCE = "aws.partnercentral-selling"
REGION = "us-east-1"
SECRET_HEADER = "X-PCSync-Events-Secret"
SCHEMA_VERSION = "1"
_POST_TIMEOUT_SECONDS = 5


def envelope(detail_type: str, detail: dict, account: str, resource_arn: str, now_ms: int) -> dict:
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": detail_type,
        "source": SOURCE,
        "account": account,
        "time": timestamps.to_iso(now_ms).replace(".000Z", "Z"),
        "region": REGION,
        "resources": [resource_arn],
        "detail": detail,
    }


class EventEmitter:
    def __init__(self, target_url: str | None, secret: str | None):
        self.target_url = target_url
        self.secret = secret
        self._queue: queue.Queue = queue.Queue()
        self._thread: threading.Thread | None = None
        self._start_lock = threading.Lock()
        self.delivered: list[dict] = []  # {"event": ..., "status": int | None, "error": str | None}

    @property
    def enabled(self) -> bool:
        return bool(self.target_url)

    def emit(self, event: dict) -> None:
        if not self.enabled:
            return
        self._ensure_thread()
        self._queue.put(event)

    def flush(self, timeout: float = 5.0) -> bool:
        """Wait until every queued event has been attempted; True if done in time."""
        if not self.enabled or self._thread is None:
            return True
        done = threading.Event()
        self._queue.put(done)
        return done.wait(timeout)

    def _ensure_thread(self) -> None:
        with self._start_lock:
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._deliver_forever, name="pc-sim-events", daemon=True
                )
                self._thread.start()

    def _deliver_forever(self) -> None:
        while True:
            item = self._queue.get()
            if isinstance(item, threading.Event):
                item.set()
                continue
            self._deliver(item)

    def _deliver(self, event: dict) -> None:
        headers = {"Content-Type": "application/json"}
        if self.secret:
            headers[SECRET_HEADER] = self.secret
        try:
            response = requests.post(
                self.target_url, json=event, headers=headers, timeout=_POST_TIMEOUT_SECONDS
            )
        except requests.RequestException as error:
            log.warning("event delivery failed: %s %s", event["detail-type"], error)
            self.delivered.append({"event": event, "status": None, "error": str(error)})
            return
        if response.status_code >= 300:
            log.warning(
                "event delivery rejected: %s HTTP %s", event["detail-type"], response.status_code
            )
        self.delivered.append({"event": event, "status": response.status_code, "error": None})
