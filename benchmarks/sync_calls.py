"""Benchmark: Partner Central and HubSpot calls per burst and per
reconciliation cycle, with 10,000 linked opportunities of which 1% changed
(by default; --opportunities and --changed set them).

The whole service runs in this one process as the integration tests' Stack
builds it (`tests/integration/stack.py`), on embedded parts so it runs
anywhere: both simulators served over HTTP, the ingest served over HTTP (the
HubSpot simulator's signed webhooks reach it), a SQLite file, the in-memory
Celery broker, the in-process limiter and locks, and a real Celery worker
thread. Pacing is not what is measured: the simulators' quotas and pcsync's
limiter are raised, so every figure is a count of calls, and durations are
what one worker thread on this machine needed.

Seeding is fast on purpose: the HubSpot company and deals are created through
the simulator's Python controls with no webhook URL set, the opportunities
through the unmodified boto3 client from the engine's own mapping, and the
link rows (base snapshot, LastModifiedDate, what pcsync wrote to the deal)
are inserted in one statement, as if pcsync had created every pair.

Scenarios, each starting from cleared call logs:

1. burst: 20 user edits of one linked deal inside the debounce window;
2. contact burst: 20 user edits of that deal's one contact;
3. reconciliation, 1% changed: 100 opportunities edited in Partner Central
   by another user, then one `pcsync.reconcile_opportunities` and the tasks
   it queues, drained;
4. reconciliation, nothing changed: the same again at once.

    .venv/bin/python -m benchmarks.sync_calls [--opportunities 10000] [--changed 100]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import sys
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from celery.signals import before_task_publish, task_postrun

from models.links import OpportunityLink
from models.migrate import upgrade
from models.sync_state import set_state
from pcsync import runtime
from pcsync.config import load_settings
from tests.conftest import TEST_CLIENT_SECRET
from tests.integration.factories import COMPANY, CONTACT
from tests.integration.stack import HUBSPOT_TOKEN, Stack, serve_stack
from workers.engine import (
    build_create_request,
    client_token,
    extract_pc_fields,
    map_hubspot_to_pc,
)
from workers.engine.times import iso_ms
from workers.sync.reconciliation import WATERMARK_KEY

PORTAL_ID = "62515"
HUBSPOT_APP_ID = 1001  # the simulator marks API changes with this app id
CATALOG = "Sandbox"
BURST_EDITS = 20
# Generous enough for a 2-core machine shared with others; never asserted on.
DRAIN_TIMEOUT = 600.0

# Far above anything this benchmark sends: the limiter must never be the
# reason for a retry, or the counts would measure pacing instead of work.
RAISED_LIMITS = {
    "pc-write": {"limits": ["100000 per 1 second", "100000000 per 1 day"]},
    "pc-read": {"limits": ["100000 per 1 second", "100000000 per 1 day"]},
    "hubspot": {
        "limits": [
            "1000000 per 10 seconds",
            {"rate": "100000000 per 1 day", "strategy": "sliding-window-counter"},
        ]
    },
}
RAISED_PC_QUOTAS = {
    "write_per_second": 100_000,
    "write_per_day": 100_000_000,
    "read_per_second": 100_000,
    "read_per_day": 100_000_000,
}
# What `create_opportunity` writes to a deal right after the create; the seed
# records the same on each link, so no scenario pays for the seeding's PATCH.
STATUS_AFTER_CREATE = {
    "aws_review_status": "Pending Submission",
    "aws_review_comments": "",
    "aws_sync_status": "synced",
    "aws_sync_error": "",
}


# -- the service in one process ---------------------------------------------------------


class TaskTracker:
    """Counts task messages published and task runs finished, through
    Celery's signals: the work is drained when every message published has
    been run (a retry publishes a new message before its run ends)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.published = 0
        self.finished = 0
        self.runs: Counter = Counter()  # (task name, state) -> runs
        self.last_finished_at = 0.0
        before_task_publish.connect(self._on_publish, weak=False)
        task_postrun.connect(self._on_postrun, weak=False)

    def _on_publish(self, sender=None, **_):
        with self._lock:
            self.published += 1

    def _on_postrun(self, sender=None, state=None, **_):
        with self._lock:
            self.finished += 1
            self.runs[(sender.name.removeprefix("pcsync."), state)] += 1
            self.last_finished_at = time.perf_counter()

    def reset(self) -> None:
        with self._lock:
            self.runs.clear()
            self.last_finished_at = 0.0

    def drained(self) -> bool:
        with self._lock:
            return self.published == self.finished


@dataclass
class Bench(Stack):
    """The integration tests' Stack, with the task runs counted so the work
    can be drained."""

    tracker: TaskTracker = field(default_factory=TaskTracker)

    def clear_call_logs(self) -> None:
        self.pc.call_log.clear()
        self.hubspot.clear_calls()

    def wait_drained(self, timeout: float = DRAIN_TIMEOUT) -> None:
        """Webhooks delivered and every queued task run (twice in a row, a
        tick apart, so a task queued at the end of another is seen)."""
        deadline = time.monotonic() + timeout
        quiet_ticks = 0
        while time.monotonic() < deadline:
            idle = self.hubspot.wait_idle(timeout=1.0)
            quiet_ticks = quiet_ticks + 1 if idle and self.tracker.drained() else 0
            if quiet_ticks >= 2:
                return
            time.sleep(0.05)
        raise RuntimeError(f"work not drained within {timeout}s")


@contextmanager
def running_bench(debounce_seconds: float, raised: bool = True):
    """``build_bench`` in a temporary directory; stopped and removed afterwards."""
    workdir = tempfile.mkdtemp(prefix="pcsync-bench-")
    bench = build_bench(workdir, debounce_seconds, raised)
    try:
        yield bench
    finally:
        bench.stop()
        shutil.rmtree(workdir, ignore_errors=True)


def build_bench(workdir: str, debounce_seconds: float, raised: bool = True) -> Bench:
    """The integration tests' Stack on embedded parts in this process.
    ``raised``: quotas and limiter far above the load (call counts); else the
    real quotas and pcsync's own limiter in the data dir (pacing, latency)."""
    for name, value in {
        "AWS_ACCESS_KEY_ID": "bench",
        "AWS_SECRET_ACCESS_KEY": "bench",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        os.environ.setdefault(name, value)
    database_url = f"sqlite:///{workdir}/pcsync.sqlite3"
    upgrade(database_url)

    def settings_for(hubspot_url: str, pc_url: str, public_url: str):
        return load_settings(
            {
                "PCSYNC_DATA_DIR": f"{workdir}/var",
                "DATABASE_URL": database_url,
                "CELERY_BROKER_URL": "memory://",
                "HUBSPOT_API_BASE_URL": hubspot_url,
                "HUBSPOT_ACCESS_TOKEN": HUBSPOT_TOKEN,
                "HUBSPOT_CLIENT_SECRET": TEST_CLIENT_SECRET,
                "HUBSPOT_PORTAL_ID": PORTAL_ID,
                # As deployed: pcsync's own writes coming back are not synced again.
                "HUBSPOT_APP_ID": str(HUBSPOT_APP_ID),
                "PC_ENDPOINT_URL": pc_url,
                "PC_CATALOG": CATALOG,
                "PCSYNC_PUBLIC_URL": public_url,
                "PCSYNC_DEBOUNCE_SECONDS": str(debounce_seconds),
                "PCSYNC_LOG_LEVEL": "ERROR",
            }
        )

    bench = serve_stack(settings_for, limits=RAISED_LIMITS if raised else None, stack_type=Bench)
    bench.pc.set_quotas(**RAISED_PC_QUOTAS)  # seeding creates at full speed
    if raised:
        bench.hubspot.set_rate_limits(ten_second_limit=10_000_000, daily_limit=100_000_000)
    return bench


# -- seeding ------------------------------------------------------------------------------


PRIMARY_COMPANY = {"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 5}
DEAL_CONTACT = {"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 3}


def deal_properties(number: int) -> dict:
    close = datetime.now(UTC) + timedelta(days=60 + number % 30)
    return {
        "dealname": f"Acme data platform migration {number} #AWS",
        "amount": str(10_000 + number),
        "closedate": close.strftime("%Y-%m-%dT00:00:00.000Z"),
        "pipeline": "default",
        "dealstage": "qualifiedtobuy",
        "description": "Acme needs to move its on-premises analytics warehouse to AWS "
        f"to cut costs and scale for seasonal peaks (workload {number}).",
        # What AWS requires that HubSpot has no field for, as a rep fills it in.
        "aws_customer_use_case": "Migration/Database Migration",
        "aws_delivery_models": "Professional Services",
        "aws_sales_activities": "Initialized discussions with customer",
        "aws_primary_needs": "Co-Sell - Technical Consultation",
        "aws_marketing_source": "None",
    }


@dataclass
class Seeded:
    company_id: str
    contact_id: str
    deal_ids: list[str]
    opportunity_ids: list[str]
    seconds: float

    @property
    def burst_deal(self) -> str:
        return self.deal_ids[0]


def seed(bench: Bench, count: int, threads: int) -> Seeded:
    started = time.perf_counter()
    sim = bench.hubspot
    sim.set_webhook_url(None)  # seeding is no one's edit: no webhooks
    company = sim.create_object("companies", COMPANY)
    contact = sim.create_object("contacts", CONTACT)
    deals = []
    for number in range(count):
        associations = [{"to": {"id": company["id"]}, "types": [PRIMARY_COMPANY]}]
        if number == 0:  # the burst deal also has a contact, for the contact burst
            associations.append({"to": {"id": contact["id"]}, "types": [DEAL_CONTACT]})
        deals.append(sim.create_object("deals", deal_properties(number), associations))
    config = bench_engine_config(bench)
    today = datetime.now(UTC).date()
    requests = []
    for number, deal in enumerate(deals):
        contacts = [{"id": contact["id"], "properties": contact["properties"], "primary": False}]
        mapped = map_hubspot_to_pc(
            deal["properties"],
            company["properties"],
            contacts if number == 0 else [],
            today=today,
            config=config,
        )
        token = client_token(PORTAL_ID, deal["id"], "create-1")
        requests.append(build_create_request(mapped.fields, catalog=CATALOG, client_token=token))
    responses = create_opportunities(bench, requests, threads)
    links = [
        link_row(deal["id"], request, response, config)
        for deal, request, response in zip(deals, requests, responses, strict=True)
    ]
    with bench.app.app_context(), runtime.database().transaction() as session:
        session.execute(sa.insert(OpportunityLink), links)
        newest = max(response["LastModifiedDate"] for response in responses)
        # "Just after seeding": the first cycle lists only what changes later.
        set_state(session, WATERMARK_KEY, iso_ms(newest + timedelta(milliseconds=1)))
    write_status_properties(bench, links)
    sim.set_webhook_url(f"{bench.app.extensions['pcsync.settings'].public_url}/webhooks/hubspot")
    return Seeded(
        company["id"],
        contact["id"],
        [deal["id"] for deal in deals],
        [response["Id"] for response in responses],
        time.perf_counter() - started,
    )


def bench_engine_config(bench: Bench):
    with bench.app.app_context():
        return runtime.engine_config()


def create_opportunities(bench: Bench, requests: list[dict], threads: int) -> list[dict]:
    """CreateOpportunity for every request through the unmodified boto3
    client, a few threads at a time (one client per thread)."""
    local = threading.local()

    def create(request: dict) -> dict:
        if not hasattr(local, "client"):
            local.client = bench.boto()
        return local.client.create_opportunity(**request)

    with ThreadPoolExecutor(threads) as pool:
        return list(pool.map(create, requests))


def link_row(deal_id: str, request: dict, response: dict, config) -> dict:
    """The row `create_opportunity` leaves behind once the pair exists."""
    return {
        "hubspot_deal_id": deal_id,
        "catalog": CATALOG,
        "opportunity_id": response["Id"],
        "client_token": request["ClientToken"],
        "create_request": request,
        "create_attempt": 1,
        "last_modified_date": response["LastModifiedDate"].isoformat(),
        "review_status": "Pending Submission",
        "base_snapshot": extract_pc_fields(request, config),
        "sync_status": "created",
        "hubspot_written": {"aws_opportunity_id": response["Id"], **STATUS_AFTER_CREATE},
    }


def write_status_properties(bench: Bench, links: list[dict]) -> None:
    """Put on each deal what pcsync wrote after the create, as pcsync's app
    (source INTEGRATION), straight into the simulator's store under its lock."""
    sim = bench.hubspot
    with sim.crm.lock:
        for link in links:
            sim.crm.update(
                "deals", link["hubspot_deal_id"], dict(link["hubspot_written"]), sim.app_source
            )


# -- measuring ----------------------------------------------------------------------------


@dataclass
class Measurement:
    name: str
    objects: int  # the deals or opportunities the scenario changed
    seconds: float
    pc_calls: Counter
    hubspot_calls: Counter
    task_runs: Counter
    note: str = ""

    @property
    def pc_total(self) -> int:
        return sum(self.pc_calls.values())

    @property
    def hubspot_total(self) -> int:
        return sum(self.hubspot_calls.values())


def path_kind(path: str) -> str:
    """`/crm/v3/objects/deals/5000123` -> `/crm/v3/objects/deals/{id}`."""
    return re.sub(r"/\d+(?=/|$)", "/{id}", path)


def collect(bench: Bench, name: str, objects: int, seconds: float, note: str = "") -> Measurement:
    pc_calls = Counter(
        c["operation"] if c["status"] == 200 else f"{c['operation']} ({c['error_type']})"
        for c in bench.pc.calls()
    )
    hubspot_calls = Counter(
        f"{c['method']} {path_kind(c['path'])}"
        + ("" if c["status"] < 300 or c["status"] == 207 else f" ({c['status']})")
        for c in bench.hubspot.calls()
    )
    return Measurement(
        name, objects, seconds, pc_calls, hubspot_calls, Counter(bench.tracker.runs), note
    )


def measure_burst(bench: Bench, object_type: str, object_id: str, edits: list[dict], name: str):
    """User edits of one record in quick succession; the webhooks reach the
    ingest, which queues one debounced task."""
    bench.wait_drained()
    bench.clear_call_logs()
    bench.tracker.reset()
    deliveries_before = len(bench.hubspot.deliveries())
    started = time.perf_counter()
    for properties in edits:
        bench.hubspot.update_object(object_type, object_id, properties)
    bench.wait_drained()
    seconds = bench.tracker.last_finished_at - started
    deliveries = bench.hubspot.deliveries()[deliveries_before:]
    events = sum(d["eventCount"] for d in deliveries)
    note = f"{len(edits)} edits -> {events} webhook events in {len(deliveries)} deliveries"
    written = deal_properties_written(bench)
    if written:
        note += f"; deal properties pcsync wrote: {', '.join(written)}"
    return collect(bench, name, 1, seconds, note)


def deal_properties_written(bench: Bench) -> list[str]:
    """Property names in pcsync's deal PATCHes and batch updates so far."""
    names: set[str] = set()
    for call in bench.hubspot.calls(path_prefix="/crm/v3/objects/deals"):
        body = call["json"] or {}
        if call["method"] == "PATCH":
            names.update(body.get("properties") or {})
        elif call["path"].endswith("/batch/update"):
            for item in body.get("inputs") or []:
                names.update(item.get("properties") or {})
    return sorted(names)


def amount_and_description_edits(count: int, revision: int = 0) -> list[dict]:
    """Alternating amount and description edits, each a new value (HubSpot
    fires no webhook for a value a property already holds)."""
    edits = []
    for number in range(count):
        if number % 2:
            text = (
                "Acme needs to move its on-premises analytics warehouse to AWS "
                f"before the hardware lease ends (revision {revision}.{number})."
            )
            edits.append({"description": text})
        else:
            edits.append({"amount": str(50_000 + revision * 1000 + number)})
    return edits


def job_title_edits(count: int) -> list[dict]:
    return [{"jobtitle": f"VP Engineering (revision {number})"} for number in range(count)]


def edit_in_partner_central(bench: Bench, opportunity_ids: list[str]) -> None:
    """Another Partner Central user edits each opportunity: the stage (half
    of them) or the next steps (the other half) changed."""

    def edit(number: int):
        def mutate(request: dict) -> None:
            if number % 2:
                request["LifeCycle"]["NextSteps"] = f"Architecture review booked (edit {number})"
            else:
                request["LifeCycle"]["Stage"] = "Technical Validation"

        return mutate

    for number, opportunity_id in enumerate(opportunity_ids):
        bench.aws_edit(opportunity_id, edit(number))


def measure_reconciliation(bench: Bench, name: str, changed: list[str]) -> Measurement:
    from tasks.reconcile import reconcile_opportunities

    bench.wait_drained()
    if changed:
        edit_in_partner_central(bench, changed)
    bench.clear_call_logs()
    bench.tracker.reset()
    started = time.perf_counter()
    with bench.app.app_context():
        reconcile_opportunities.apply_async()
    bench.wait_drained()
    seconds = bench.tracker.last_finished_at - started
    return collect(bench, name, len(changed), seconds)


# -- report -------------------------------------------------------------------------------


def print_report(measurements: list[Measurement], seeded: Seeded, args) -> None:
    print(
        f"pcsync sync-call benchmark: {len(seeded.deal_ids)} linked deal/opportunity pairs "
        f"(seeded in {seeded.seconds:.0f}s: deals via the HubSpot simulator's controls, "
        "opportunities via boto3, links inserted in bulk, status properties written into the "
        "simulator's store); SQLite + memory broker + in-process limiter/locks; "
        f"one solo worker thread; debounce {args.debounce}s (burst durations include it); "
        "quotas raised (calls, not pacing)."
    )
    for m in measurements:
        print()
        per = f", per object: PC {m.pc_total / m.objects:.2f}, HubSpot " if m.objects else ""
        per += f"{m.hubspot_total / m.objects:.2f}" if m.objects else ""
        print(f"== {m.name}: {m.seconds:.2f}s, objects changed {m.objects}{per}")
        if m.note:
            print(f"   {m.note}")
        linked = len(seeded.deal_ids)
        print(
            f"   per linked opportunity ({linked}): PC {m.pc_total / linked:.4f}, "
            f"HubSpot {m.hubspot_total / linked:.4f}"
        )
        runs = ", ".join(f"{task} {state} x{n}" for (task, state), n in sorted(m.task_runs.items()))
        print(f"   task runs: {runs or 'none'}")
        print(f"   {'Partner Central call':<62}{'calls':>7}{'per object':>12}")
        print_counts(m.pc_calls, m.objects)
        print(f"   {'PC total':<62}{m.pc_total:>7}{per_object(m.pc_total, m.objects):>12}")
        print(f"   {'HubSpot call':<62}{'calls':>7}{'per object':>12}")
        print_counts(m.hubspot_calls, m.objects)
        print(
            f"   {'HubSpot total':<62}{m.hubspot_total:>7}"
            f"{per_object(m.hubspot_total, m.objects):>12}"
        )
    print()
    print(f"{'summary':<48}{'seconds':>9}{'PC':>6}{'HubSpot':>9}{'PC/obj':>9}{'HS/obj':>9}")
    for m in measurements:
        print(
            f"{m.name:<48}{m.seconds:>9.2f}{m.pc_total:>6}{m.hubspot_total:>9}"
            f"{per_object(m.pc_total, m.objects):>9}{per_object(m.hubspot_total, m.objects):>9}"
        )


def print_counts(counts: Counter, objects: int) -> None:
    if not counts:
        print(f"   {'(none)':<62}{0:>7}")
    for name, n in sorted(counts.items()):
        print(f"   {name:<62}{n:>7}{per_object(n, objects):>12}")


def per_object(n: int, objects: int) -> str:
    return f"{n / objects:.2f}" if objects else "-"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--opportunities", type=int, default=10_000)
    parser.add_argument("--changed", type=int, default=None, help="default: 1%% of them")
    parser.add_argument("--debounce", type=float, default=2.0, help="PCSYNC_DEBOUNCE_SECONDS")
    parser.add_argument("--seed-threads", type=int, default=4)
    args = parser.parse_args()
    changed_count = args.changed if args.changed is not None else args.opportunities // 100
    with running_bench(args.debounce) as bench:
        seeded = seed(bench, args.opportunities, args.seed_threads)
        print(f"seeded {args.opportunities} pairs in {seeded.seconds:.1f}s", file=sys.stderr)
        # Spread the changed opportunities over the whole set, never the burst deal's.
        step = max(1, (len(seeded.opportunity_ids) - 1) // max(1, changed_count))
        changed = seeded.opportunity_ids[1::step][:changed_count]
        measurements = []
        with bench.worker():
            measurements.append(
                measure_burst(
                    bench,
                    "deals",
                    seeded.burst_deal,
                    amount_and_description_edits(BURST_EDITS),
                    f"1. burst: {BURST_EDITS} edits of one deal",
                )
            )
            # The same again: the link has now been synced once since its
            # create, so this is the steady state of a deal being worked on.
            measurements.append(
                measure_burst(
                    bench,
                    "deals",
                    seeded.burst_deal,
                    amount_and_description_edits(BURST_EDITS, revision=1),
                    "1b. the same burst again (deal synced before)",
                )
            )
            measurements.append(
                measure_burst(
                    bench,
                    "contacts",
                    seeded.contact_id,
                    job_title_edits(BURST_EDITS),
                    f"2. contact burst: {BURST_EDITS} edits of its contact",
                )
            )
            measurements.append(
                measure_reconciliation(
                    bench, f"3. reconciliation, {len(changed)} changed in PC", changed
                )
            )
            measurements.append(
                measure_reconciliation(bench, "4. reconciliation, nothing changed", [])
            )
        print_report(measurements, seeded, args)
        rejected = bench.pc.model_rejections()
        if rejected:
            print(f"Partner Central model rejections: {len(rejected)}", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
