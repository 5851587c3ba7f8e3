"""Fixtures: the HubSpot simulator and a webhook receiver, both over real HTTP."""

from __future__ import annotations

import threading
import time

import pytest
import requests
from flask import Flask, request

from simulators.hubspot import create_app
from simulators.serving import serve_in_thread

TOKEN = "test-token"
SECRET = "test-client-secret"


class FakeClock:
    """Injected clock: starts at the real time (so v3 signature timestamps
    stay fresh for HubSpot's verifier) and moves only when told to."""

    def __init__(self):
        self.now = time.time()

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class Api:
    """A requests session bound to the simulator's base URL and token."""

    def __init__(self, base_url: str, token: str | None = TOKEN):
        self.base_url = base_url
        self.session = requests.Session()
        if token:
            self.session.headers["Authorization"] = f"Bearer {token}"

    def request(self, method: str, path: str, **kwargs) -> requests.Response:
        return self.session.request(method, self.base_url + path, timeout=10, **kwargs)

    def get(self, path, **kwargs):
        return self.request("GET", path, **kwargs)

    def post(self, path, **kwargs):
        return self.request("POST", path, **kwargs)

    def patch(self, path, **kwargs):
        return self.request("PATCH", path, **kwargs)

    def put(self, path, **kwargs):
        return self.request("PUT", path, **kwargs)

    def delete(self, path, **kwargs):
        return self.request("DELETE", path, **kwargs)


class Receiver:
    """A tiny webhook endpoint that keeps every request it gets.

    `statuses` is a queue of status codes to answer with; 204 once empty.
    """

    def __init__(self):
        self.requests: list[dict] = []
        self.statuses: list[int] = []
        self.on_request = lambda: None  # a test's hook, run per request
        self._lock = threading.Lock()
        app = Flask("webhook-receiver")

        @app.post("/hooks/hubspot")
        def capture():
            with self._lock:
                self.requests.append(
                    {
                        "body": request.get_data(as_text=True),
                        "headers": dict(request.headers),
                        "json": request.get_json(),
                    }
                )
                status = self.statuses.pop(0) if self.statuses else 204
                self.on_request()
            return "", status

        self.server = serve_in_thread(app)
        self.url = self.server.url + "/hooks/hubspot"

    def clear(self) -> None:
        with self._lock:
            self.requests, self.statuses = [], []
            self.on_request = lambda: None

    def events(self) -> list[dict]:
        with self._lock:
            return [event for req in self.requests for event in req["json"]]


@pytest.fixture(scope="session")
def _receiver():
    receiver = Receiver()
    yield receiver
    receiver.server.stop()


@pytest.fixture(scope="session")
def _served():
    """One simulator server for the session; `hubspot` resets it per test
    (stopping a server costs half a second of polling)."""
    clock = FakeClock()
    app = create_app(
        access_token=TOKEN, client_secret=SECRET, clock=clock, webhook_batch_delay=0.05
    )
    sim = app.extensions["hubspot_simulator"]
    server = serve_in_thread(app)
    yield sim, server.url, clock
    server.stop()
    sim.close()


@pytest.fixture
def hubspot(_served, _receiver):
    """(simulator state, base URL): a fresh portal, webhooks to `receiver`."""
    sim, url, clock = _served
    clock.now = time.time()
    sim.reset()
    sim.set_webhook_url(_receiver.url)
    sim.set_delivery(retry_delays=[0.02] * 10)
    _receiver.clear()
    yield sim, url
    sim.wait_idle(5)  # let stray deliveries land before the next test clears


@pytest.fixture
def clock(_served):
    return _served[2]


@pytest.fixture
def receiver(hubspot, _receiver):
    return _receiver


@pytest.fixture
def sim(hubspot):
    return hubspot[0]


@pytest.fixture
def api(hubspot):
    return Api(hubspot[1])
