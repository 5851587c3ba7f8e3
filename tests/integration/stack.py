"""The whole service on one test: both simulators over HTTP, the ingest over
HTTP (so the HubSpot simulator's signed webhooks reach it), real Redis as
broker, limiter and lock store, a real database, and a real Celery worker."""

from __future__ import annotations

import socket
import time
from contextlib import contextmanager
from dataclasses import dataclass, field

import boto3
from botocore.config import Config
from celery.contrib.testing.worker import start_worker

from ingest import create_app
from pcsync import runtime
from simulators import hubspot as hubspot_sim
from simulators import partner_central as pc_sim
from simulators.serving import RunningServer, serve_in_thread
from tests.conftest import TEST_CLIENT_SECRET
from workers.sync.hubspot_setup import ensure_deal_properties

HUBSPOT_TOKEN = "sim-hubspot-token"
INPUT_SUBSCRIPTIONS = ("aws_sync_enabled", "aws_submit_to_aws", "aws_invitation_decision")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(predicate, timeout: float = 30.0, interval: float = 0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = predicate()
        if result:
            return result
        time.sleep(interval)
    raise AssertionError(f"condition not met within {timeout}s")


@dataclass
class Stack:
    app: object
    pc_app: object
    hubspot_app: object
    servers: list[RunningServer] = field(default_factory=list)

    @property
    def pc(self):
        """The Partner Central simulator's state and controls."""
        return self.pc_app.extensions["pc_simulator"]

    @property
    def hubspot(self):
        """The HubSpot simulator's state and controls."""
        return self.hubspot_app.extensions["hubspot_simulator"]

    def boto(self):
        settings = self.app.extensions["pcsync.settings"]
        return boto3.client(
            "partnercentral-selling",
            region_name="us-east-1",
            endpoint_url=settings.pc_endpoint_url,
            aws_access_key_id="TEST",
            aws_secret_access_key="TEST",
            config=Config(retries={"total_max_attempts": 1, "mode": "standard"}),
        )

    @contextmanager
    def worker(self):
        celery = self.app.extensions["celery"]
        with (
            self.app.app_context(),
            start_worker(celery, pool="solo", perform_ping_check=False, shutdown_timeout=30),
        ):
            yield

    def rows(self, sql: str, **params) -> list[dict]:
        import sqlalchemy as sa

        with self.app.extensions["pcsync.db"].engine.connect() as connection:
            return [dict(r._mapping) for r in connection.execute(sa.text(sql), params)]

    def stop(self) -> None:
        self.hubspot.close()
        for server in self.servers:
            server.stop()
        # Across the whole suite pcsync never sends a request the real
        # service's model would reject.
        rejected = self.pc.model_rejections()
        assert rejected == [], f"Partner Central model rejected: {rejected}"


def build_stack(
    make_settings, database_url: str, redis_url: str, monkeypatch, **overrides
) -> Stack:
    for name, value in {
        "AWS_ACCESS_KEY_ID": "TEST",
        "AWS_SECRET_ACCESS_KEY": "TEST",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(name, value)
    pc_app = pc_sim.create_app()
    hubspot_app = hubspot_sim.create_app(
        access_token=HUBSPOT_TOKEN, client_secret=TEST_CLIENT_SECRET, webhook_batch_delay=0.1
    )
    pc_server = serve_in_thread(pc_app)
    hubspot_server = serve_in_thread(hubspot_app)
    ingest_port = free_port()
    public_url = f"http://127.0.0.1:{ingest_port}"
    settings = make_settings(
        database_url=database_url,
        celery_broker_url=redis_url,
        redis_url=redis_url,
        hubspot_api_base_url=hubspot_server.url,
        hubspot_access_token=HUBSPOT_TOKEN,
        hubspot_portal_id="62515",
        pc_endpoint_url=pc_server.url,
        public_url=public_url,
        debounce_seconds=0.3,
        **overrides,
    )
    app = create_app(settings)
    ingest_server = serve_in_thread(app, port=ingest_port)
    stack = Stack(app, pc_app, hubspot_app, [pc_server, hubspot_server, ingest_server])
    with app.app_context():
        ensure_deal_properties(runtime.hubspot())
    sim = stack.hubspot
    specs = sim.list_subscriptions()
    sim.set_subscriptions(
        [{k: s[k] for k in ("subscriptionType", "propertyName") if s.get(k)} for s in specs]
        + [
            {"subscriptionType": "deal.propertyChange", "propertyName": n}
            for n in INPUT_SUBSCRIPTIONS
        ]
    )
    sim.set_webhook_url(f"{public_url}/webhooks/hubspot")
    sim.clear_calls()
    return stack
