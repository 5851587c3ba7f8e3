"""Attacks on the ingest as deployed: a real `pcsync ingest` (gunicorn) process.

- A captured HubSpot delivery (v1 and v3 signatures, as HubSpot sends them)
  replayed with its v3 headers stripped is refused and records nothing.
- Two slowloris clients trickling request bodies do not keep a valid webhook
  from being answered; their reads end at the request-read timeout.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time

import pytest
import requests
import sqlalchemy as sa

from simulators.hubspot.signing import signature_headers
from tests.conftest import TEST_CLIENT_SECRET
from tests.integration.stack import free_port, wait_for

pytestmark = pytest.mark.chaos

READ_TIMEOUT_SECONDS = 3


@pytest.fixture
def ingest(tmp_path, redis_url):
    """`pcsync ingest` on a free port, SQLite, the test Redis as broker."""
    port = free_port()
    database = f"sqlite:///{tmp_path / 'ingest.sqlite3'}"
    env = {
        **os.environ,
        "DATABASE_URL": database,
        "CELERY_BROKER_URL": redis_url,
        "HUBSPOT_CLIENT_SECRET": TEST_CLIENT_SECRET,
        "PCSYNC_PUBLIC_URL": f"http://127.0.0.1:{port}",
        "PCSYNC_INGEST_BIND": f"127.0.0.1:{port}",
        "PCSYNC_DATA_DIR": str(tmp_path / "var"),
        "PCSYNC_REQUEST_READ_TIMEOUT": str(READ_TIMEOUT_SECONDS),
        "PCSYNC_SIMULATORS": "off",
        "PCSYNC_LOG_LEVEL": "WARNING",
    }
    subprocess.run([sys.executable, "-m", "pcsync.cli", "db", "upgrade"], env=env, check=True)
    log = open(tmp_path / "ingest.log", "wb")  # noqa: SIM115
    process = subprocess.Popen(
        [sys.executable, "-m", "pcsync.cli", "ingest", "--workers", "2"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    log.close()
    url = f"http://127.0.0.1:{port}"
    wait_for(lambda: _answers(f"{url}/healthz"), timeout=30)
    yield url, sa.create_engine(database)
    process.terminate()
    process.wait(timeout=30)


def _answers(url: str) -> bool:
    try:
        return requests.get(url, timeout=2).status_code == 200
    except requests.RequestException:
        return False


def delivery(url: str, event_id: int) -> tuple[bytes, dict]:
    """A webhook as HubSpot sends it: v1 and v3 signatures together."""
    body = json.dumps(
        [
            {
                "eventId": event_id,
                "subscriptionId": 7,
                "portalId": 62515,
                "occurredAt": int(time.time() * 1000),
                "subscriptionType": "deal.propertyChange",
                "objectId": 42,
                "propertyName": "amount",
                "propertyValue": "1",
            }
        ]
    )
    target = f"{url}/webhooks/hubspot"
    headers = signature_headers(TEST_CLIENT_SECRET, "POST", target, body, int(time.time() * 1000))
    return body.encode(), {**headers, "Content-Type": "application/json"}


def inbox_count(engine) -> int:
    with engine.connect() as connection:
        return connection.execute(sa.text("SELECT count(*) FROM inbox_events")).scalar_one()


def test_a_replay_without_its_v3_headers_is_refused(ingest):
    url, engine = ingest
    body, headers = delivery(url, 1)
    assert "X-HubSpot-Signature" in headers and "X-HubSpot-Signature-v3" in headers
    original = requests.post(f"{url}/webhooks/hubspot", data=body, headers=headers, timeout=10)
    assert original.status_code == 200, original.text
    stripped = {
        k: v
        for k, v in headers.items()
        if k.lower() not in ("x-hubspot-signature-v3", "x-hubspot-request-timestamp")
    }
    replayed = requests.post(f"{url}/webhooks/hubspot", data=body, headers=stripped, timeout=10)
    assert replayed.status_code == 401
    assert "v1 signatures are not accepted" in replayed.json()["error"]
    # A new event, replayed the same way, is not recorded either.
    fresh, fresh_headers = delivery(url, 2)
    fresh_stripped = {k: v for k, v in fresh_headers.items() if "v3" not in k.lower()}
    fresh_stripped.pop("X-HubSpot-Request-Timestamp", None)
    answer = requests.post(
        f"{url}/webhooks/hubspot", data=fresh, headers=fresh_stripped, timeout=10
    )
    assert answer.status_code == 401
    assert inbox_count(engine) == 1


class Slowloris(threading.Thread):
    """Sends a request's headers, then its body one byte every half second."""

    def __init__(self, url: str) -> None:
        super().__init__(daemon=True)
        host, port = url.removeprefix("http://").split(":")
        self.sock = socket.create_connection((host, int(port)))
        self.stop = threading.Event()
        self.answer = b""

    def run(self) -> None:
        head = (
            "POST /webhooks/hubspot HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            "Content-Length: 100000\r\n\r\n"
        )
        try:
            self.sock.sendall(head.encode())
            while not self.stop.wait(0.5):
                self.sock.sendall(b"[")
        except OSError:  # the server gave up on us: what it should do
            pass
        try:
            self.sock.settimeout(1)
            self.answer = self.sock.recv(200)
        except OSError:
            pass
        self.sock.close()


def test_two_slowloris_clients_do_not_hold_up_a_valid_webhook(ingest):
    url, engine = ingest
    attackers = [Slowloris(url), Slowloris(url)]
    for attacker in attackers:
        attacker.start()
    time.sleep(1.5)  # both are mid-body now
    body, headers = delivery(url, 3)
    started = time.monotonic()
    response = requests.post(f"{url}/webhooks/hubspot", data=body, headers=headers, timeout=10)
    latency = time.monotonic() - started
    assert response.status_code == 200, response.text
    assert all(attacker.is_alive() for attacker in attackers)  # still trickling meanwhile
    print(f"\nvalid webhook answered in {latency * 1000:.0f} ms beside two slowloris clients")
    for attacker in attackers:
        attacker.join(timeout=READ_TIMEOUT_SECONDS + 10)
    # The read timeout ended both slow requests (408, or the connection closed).
    assert all(not attacker.is_alive() for attacker in attackers)
    assert all(a.answer == b"" or a.answer.startswith(b"HTTP/1.1 408") for a in attackers)
    assert inbox_count(engine) == 1
