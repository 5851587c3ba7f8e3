"""The whole service on one test: both simulators over HTTP, the ingest over
HTTP (so the HubSpot simulator's signed webhooks reach it), real Redis as
broker, limiter and lock store, a real database, and a real Celery worker."""

from __future__ import annotations

import copy
import os
import signal
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass, field

import boto3
import redis
from botocore.config import Config
from celery.contrib.testing.worker import start_worker

from ingest import create_app
from pcsync import runtime
from pcsync.deal_properties import AWS_REQUIREMENT_DEAL_PROPERTIES
from pcsync.hubspot_properties import INPUT_DEAL_PROPERTIES
from simulators import hubspot as hubspot_sim
from simulators import partner_central as pc_sim
from simulators.serving import RunningServer, serve_in_thread
from tests.conftest import TEST_CLIENT_SECRET
from workers.limiter import build_limiter
from workers.sync.hubspot_setup import ensure_deal_properties

HUBSPOT_TOKEN = "sim-hubspot-token"
# pcsync's input properties: a rep's change to one of them is work for pcsync.
INPUT_SUBSCRIPTIONS = tuple(
    p["name"] for p in (*INPUT_DEAL_PROPERTIES, *AWS_REQUIREMENT_DEAL_PROPERTIES)
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(predicate, timeout: float = 30.0, interval: float = 0.1):
    """`predicate()`'s first truthy result, looked at every `interval` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = predicate()
        if result:
            return result
        # Polling: the stack runs in other threads and processes, and offers
        # no event for most conditions a test waits for.
        time.sleep(interval)
    raise AssertionError(f"condition not met within {timeout}s")


def until_accepted(call, refused: tuple[type[Exception], ...], timeout: float = 30.0):
    """`call()`'s result once it is no longer refused with one of `refused`:
    a test acting as another Partner Central user waits out the quota (and
    the optimistic lock) it shares with pcsync, as that user's client would."""

    def attempt():
        try:
            return call()
        except refused:
            return None

    return wait_for(attempt, timeout, interval=0.3)


# kombu's Redis transport keeps each queue as lists (one per priority step)
# and the messages delivered to a worker but not yet acknowledged in this hash.
UNACKED_KEY = "unacked"


@dataclass
class Stack:
    app: object
    pc_app: object
    hubspot_app: object
    servers: list[RunningServer] = field(default_factory=list)
    # Operations a test makes Partner Central refuse on purpose (see expect_rejection).
    expected_rejections: list[str] = field(default_factory=list)

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
    def worker(self, pool: str = "solo", concurrency: int = 1):
        celery = self.app.extensions["celery"]
        with (
            self.app.app_context(),
            start_worker(
                celery,
                pool=pool,
                concurrency=concurrency,
                perform_ping_check=False,
                shutdown_timeout=30,
            ),
        ):
            yield

    def aws_read(self, opportunity_id: str) -> dict:
        """GetOpportunity as another Partner Central user: waits out the read
        quota it shares with pcsync (a test that reads right after a cycle of
        pcsync's reads would otherwise be throttled)."""
        client = self.boto()
        return until_accepted(
            lambda: client.get_opportunity(Catalog="Sandbox", Identifier=opportunity_id),
            (client.exceptions.ThrottlingException,),
        )

    def aws_edit(self, opportunity_id: str, mutate) -> dict:
        """Edit an opportunity as another Partner Central user would: a full
        UpdateOpportunity of the current state with `mutate` applied. Waits
        out the read and write quotas it shares with pcsync."""
        client = self.boto()

        def edit() -> dict:
            current = self.aws_read(opportunity_id)
            request = {
                k: v
                for k, v in current.items()
                if k
                not in (
                    "ResponseMetadata",
                    "Arn",
                    "CreatedDate",
                    "OpportunityTeam",
                    "RelatedEntityIdentifiers",
                    "Id",
                )
            }
            request["Identifier"] = opportunity_id
            mutate(request)
            return client.update_opportunity(**request)

        refused = (client.exceptions.ThrottlingException, client.exceptions.ConflictException)
        return until_accepted(edit, refused)

    def opportunity(self, opportunity_id: str) -> dict:
        """The simulator's stored opportunity, read without an API call (and
        so without spending the read quota pcsync shares)."""
        with self.pc.lock:
            return copy.deepcopy(self.pc.catalogs["Sandbox"].opportunities[opportunity_id])

    def pc_calls(self, operation: str, since: float = 0.0, *, succeeded=True) -> list[dict]:
        """Calls of `operation` since a time; by default only those that
        succeeded (a throttled attempt changed nothing)."""
        return [
            c
            for c in self.pc.calls(operation)
            if c["time"] >= since and (not succeeded or c["status"] == 200)
        ]

    def hubspot_calls(self, method: str, path_prefix: str, since: float = 0.0) -> list[dict]:
        calls = self.hubspot.calls(method=method, path_prefix=path_prefix)
        return [c for c in calls if c["time"] >= since and c["status"] < 300]

    def link(self, deal_id: str) -> dict | None:
        rows = self.rows("SELECT * FROM opportunity_links WHERE hubspot_deal_id = :d", d=deal_id)
        return rows[0] if rows else None

    def wait_linked(self, deal_id: str, timeout: float = 30.0) -> dict:
        return wait_for(
            lambda: (row := self.link(deal_id)) and row["opportunity_id"] and row, timeout
        )

    def drain(self, timeout: float = 60.0) -> None:
        """Wait until the stack has nothing left to do (see `idle`), seen twice
        in a row a poll apart, so work one task queues as it ends counts."""
        idle_looks = 0

        def settled() -> bool:
            nonlocal idle_looks
            idle_looks = idle_looks + 1 if self.idle() else 0
            return idle_looks >= 2

        wait_for(settled, timeout)

    def idle(self) -> bool:
        """Both simulators have delivered every event, no pending object is
        scheduled (debounced work queued or running) and the broker holds no
        message, queued or delivered: tasks acknowledge late, so a running
        task's message stays unacknowledged until it ends, and a retry
        publishes its next message before that."""
        return (
            self.hubspot.wait_idle(timeout=0)
            and self.pc.flush_events(timeout=5)
            and not self.rows("SELECT 1 FROM pending_objects WHERE scheduled")
            and self.broker_messages() == 0
        )

    def broker_messages(self) -> int:
        """Messages in the Redis broker: queued, or delivered to a worker and
        not yet acknowledged (waiting for their countdown, or running)."""
        celery = self.app.extensions["celery"]
        client = redis.Redis.from_url(celery.conf.broker_url)
        try:
            queues = [
                key
                for name in celery.amqp.queues
                for key in client.scan_iter(match=f"{name}*")  # each priority step's list
                if client.type(key) == b"list"
            ]
            return sum(client.llen(key) for key in queues) + client.hlen(UNACKED_KEY)
        finally:
            client.close()

    def audit_outcomes(self, deal_id: str, action: str = "opportunity.sync") -> list[str]:
        rows = self.rows(
            "SELECT outcome FROM audit_entries WHERE object_id = :d AND action = :a ORDER BY id",
            d=deal_id,
            a=action,
        )
        return [r["outcome"] for r in rows]

    def environment(self) -> dict[str, str]:
        """Environment variables that make another process use this stack."""
        settings = self.app.extensions["pcsync.settings"]
        return {
            **os.environ,
            "DATABASE_URL": settings.database_url,
            "CELERY_BROKER_URL": settings.celery_broker_url,
            "REDIS_URL": settings.redis_url or "",
            "HUBSPOT_API_BASE_URL": settings.hubspot_api_base_url,
            "HUBSPOT_ACCESS_TOKEN": settings.hubspot_access_token or "",
            "HUBSPOT_CLIENT_SECRET": settings.hubspot_client_secret or "",
            "HUBSPOT_PORTAL_ID": settings.hubspot_portal_id or "",
            "PC_ENDPOINT_URL": settings.pc_endpoint_url or "",
            "PCSYNC_PUBLIC_URL": settings.public_url,
            "PCSYNC_DATA_DIR": str(settings.data_dir),
            "PCSYNC_METRICS_DIR": str(settings.metrics_dir or ""),
            "PCSYNC_VISIBILITY_TIMEOUT": str(settings.visibility_timeout_seconds),
            "PCSYNC_DEBOUNCE_SECONDS": str(settings.debounce_seconds),
            "PCSYNC_PENDING_MARGIN_SECONDS": str(settings.pending_margin_seconds),
            "PCSYNC_LOG_LEVEL": "INFO",
            "AWS_ACCESS_KEY_ID": "TEST",
            "AWS_SECRET_ACCESS_KEY": "TEST",
            "AWS_DEFAULT_REGION": "us-east-1",
        }

    def start_worker_process(self, name: str, concurrency: int = 1) -> subprocess.Popen:
        """A real `pcsync worker` in its own process group (so a kill takes
        its pool children with it)."""
        args = ["--concurrency", str(concurrency), "--hostname", f"{name}@%h"]
        return self.start_process("worker", f"worker-{name}", *args)

    def start_process(self, command_name: str, log_name: str, *args: str) -> subprocess.Popen:
        """`pcsync <command_name> <args>` on this stack, in its own process group."""
        settings = self.app.extensions["pcsync.settings"]
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        # The log stays beside the test's data for post-mortems.
        log = open(settings.data_dir / f"{log_name}.log", "wb")  # noqa: SIM115
        command = [sys.executable, "-m", "pcsync.cli", command_name, *args]
        process = subprocess.Popen(
            command,
            env=self.environment(),
            start_new_session=True,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()  # the child has its own descriptor
        return process

    @staticmethod
    def kill_worker(process: subprocess.Popen, sig=signal.SIGKILL) -> None:
        os.killpg(process.pid, sig)
        process.wait(timeout=30)

    def rows(self, sql: str, **params) -> list[dict]:
        import sqlalchemy as sa

        with self.app.extensions["pcsync.db"].engine.connect() as connection:
            return [dict(r._mapping) for r in connection.execute(sa.text(sql), params)]

    def expect_rejection(self, operation: str) -> None:
        """Declare one refusal this test provokes on purpose (e.g. a clock skew
        pcsync cannot see, a user Partner Central does not know)."""
        self.expected_rejections.append(operation)

    def stop(self) -> None:
        self.hubspot.close()
        for server in self.servers:
            server.stop()
        # Idle pooled connections would otherwise outlive the test and add
        # up to PostgreSQL's connection limit over the suite.
        self.app.extensions["pcsync.db"].dispose()
        # Across the whole suite pcsync never sends a request the real
        # service's model would reject, nor one its business rules refuse,
        # unless the test provoked that refusal on purpose.
        rejected = self.pc.model_rejections()
        assert rejected == [], f"Partner Central model rejected: {rejected}"
        refused = sorted(r["operation"] for r in self.pc.rejections())
        assert refused == sorted(self.expected_rejections), (
            f"Partner Central refused: {self.pc.rejections()}"
        )


def use_test_aws_credentials(monkeypatch) -> None:
    """boto3 signs every request; the simulators accept any key."""
    for name, value in {
        "AWS_ACCESS_KEY_ID": "TEST",
        "AWS_SECRET_ACCESS_KEY": "TEST",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(name, value)


def build_stack(
    make_settings, database_url: str, redis_url: str, monkeypatch, **overrides
) -> Stack:
    use_test_aws_credentials(monkeypatch)
    options = {"debounce_seconds": 0.3, "hubspot_app_id": "1001", **overrides}

    def settings_for(hubspot_url: str, pc_url: str, public_url: str):
        return make_settings(
            database_url=database_url,
            celery_broker_url=redis_url,
            redis_url=redis_url,
            hubspot_api_base_url=hubspot_url,
            hubspot_access_token=HUBSPOT_TOKEN,
            hubspot_portal_id="62515",
            pc_endpoint_url=pc_url,
            public_url=public_url,
            **options,
        )

    return serve_stack(settings_for)


def serve_stack(settings_for, *, limits: dict | None = None, stack_type: type = Stack) -> Stack:
    """Both simulators and the ingest served over HTTP, pcsync configured by
    `settings_for(hubspot_url, pc_url, public_url)` (which must use
    `HUBSPOT_TOKEN` and the test client secret). `limits` replaces pcsync's
    limiter with an in-process one (the benchmarks raise it to count calls,
    not pacing); `stack_type` is Stack or a subclass of it."""
    pc_app = pc_sim.create_app()
    hubspot_app = hubspot_sim.create_app(
        access_token=HUBSPOT_TOKEN, client_secret=TEST_CLIENT_SECRET, webhook_batch_delay=0.1
    )
    pc_server = serve_in_thread(pc_app)
    hubspot_server = serve_in_thread(hubspot_app)
    ingest_port = free_port()
    public_url = f"http://127.0.0.1:{ingest_port}"
    app = create_app(settings_for(hubspot_server.url, pc_server.url, public_url))
    if limits is not None:
        # Before anything asks runtime for the limiter, which caches it.
        app.extensions["pcsync.limiter"] = build_limiter(None, limits)
    ingest_server = serve_in_thread(app, port=ingest_port)
    stack = stack_type(app, pc_app, hubspot_app, [pc_server, hubspot_server, ingest_server])
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
