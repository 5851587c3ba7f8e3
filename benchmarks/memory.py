"""Benchmark: resident memory of the ingest's gunicorn workers and of the
Celery worker's pool children after a load, and the worker's import time.

Runs the service as the compose stack deploys it, in processes of its own:
the webhook ingest (gunicorn, 2 workers, PCSYNC_INGEST_SERVES=webhooks), the
console's ingest (1 worker, `management`) and `pcsync worker` (prefork, 2
children) on a PostgreSQL database and a Redis server of the run's own (both
removed afterwards), the two simulators served from this process at the real
quotas. The load: N deals tagged #AWS created in HubSpot (each becomes an
opportunity), then each deal's amount edited (each becomes an
UpdateOpportunity), through signed webhooks, and a few operator requests to
the console's ingest; then RSS is read from /proc for every process.

    .venv/bin/python -m benchmarks.memory [--deals 30] [--python PATH]

The services run with this interpreter unless ``--python`` names another:
the development venv also holds the test tools, and some of what they pull
in (greenlet, for Playwright) is imported by the service's libraries when
present (Celery takes greenlet), which a deployment does not have. For the
deployed figures, a venv with the runtime dependencies only, as the Docker
image installs them:

    python3 -m venv /tmp/pcsync-runtime && /tmp/pcsync-runtime/bin/pip install .
    .venv/bin/python -m benchmarks.memory --python /tmp/pcsync-runtime/bin/python
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests
import sqlalchemy as sa

from benchmarks.services import backends, free_port
from benchmarks.sync_calls import COMPANY, PRIMARY_COMPANY, deal_properties
from ingest import create_app
from pcsync import runtime
from pcsync.config import load_settings
from simulators import hubspot as hubspot_sim
from simulators import partner_central as pc_sim
from simulators.serving import serve_in_thread
from workers.sync.hubspot_setup import ensure_deal_properties

HUBSPOT_TOKEN = "bench-hubspot-token"
API_TOKEN = "bench-api-token-0123456789"
# What an operator looks at: the API's document, quota, failures, the console.
OPERATOR_PATHS = ("/openapi.json", "/api/budget", "/api/failures", "/console/login")
CLIENT_SECRET = "bench-client-secret-0123456789"
DEADLINE_SECONDS = 600.0


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(c) for c in (task / "children").read_text().split()]
    return found


def service_env(base: dict[str, str], workdir: str, pc_url: str, hubspot_url: str, public: str):
    return {
        **os.environ,
        **base,
        "REDIS_URL": base.get("CELERY_BROKER_URL", ""),
        "PCSYNC_DATA_DIR": f"{workdir}/var",
        "HUBSPOT_API_BASE_URL": hubspot_url,
        "HUBSPOT_ACCESS_TOKEN": HUBSPOT_TOKEN,
        "HUBSPOT_CLIENT_SECRET": CLIENT_SECRET,
        "HUBSPOT_PORTAL_ID": "62515",
        "HUBSPOT_APP_ID": "1001",
        "PC_ENDPOINT_URL": pc_url,
        "PCSYNC_PUBLIC_URL": public,
        "PCSYNC_INGEST_BIND": public.removeprefix("http://"),
        "PCSYNC_DEBOUNCE_SECONDS": "1",
        "PCSYNC_LOG_LEVEL": "ERROR",
        "PCSYNC_API_TOKENS": API_TOKEN,
        "AWS_ACCESS_KEY_ID": "bench",
        "AWS_SECRET_ACCESS_KEY": "bench",
        "AWS_DEFAULT_REGION": "us-east-1",
    }


def wait_until(check, what: str) -> None:
    deadline = time.monotonic() + DEADLINE_SECONDS
    while not check():
        if time.monotonic() > deadline:
            raise RuntimeError(f"gave up waiting for {what}")
        time.sleep(0.5)


def run(args, workdir: str, env_base: dict[str, str], label: str) -> None:
    pc_app = pc_sim.create_app()
    hubspot_app = hubspot_sim.create_app(
        access_token=HUBSPOT_TOKEN, client_secret=CLIENT_SECRET, webhook_batch_delay=0.1
    )
    servers = [serve_in_thread(pc_app), serve_in_thread(hubspot_app)]
    public = f"http://127.0.0.1:{free_port()}"
    env = service_env(env_base, workdir, servers[0].url, servers[1].url, public)
    os.environ.update({k: env[k] for k in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")})
    cli = [args.python, "-m", "pcsync.cli"]
    subprocess.run([*cli, "db", "upgrade"], env=env, check=True, capture_output=True)
    app = create_app(load_settings(env))
    with app.app_context():
        ensure_deal_properties(runtime.hubspot())
    sim = hubspot_app.extensions["hubspot_simulator"]
    sim.set_webhook_url(f"{public}/webhooks/hubspot")
    started = time.perf_counter()
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    webhooks_env = {**env, "PCSYNC_INGEST_SERVES": "webhooks"}
    ingest = subprocess.Popen([*cli, "ingest", "--workers", "2"], env=webhooks_env, **quiet)
    console_bind = f"127.0.0.1:{free_port()}"
    console_env = {**env, "PCSYNC_INGEST_SERVES": "management", "PCSYNC_INGEST_BIND": console_bind}
    console = subprocess.Popen([*cli, "ingest", "--workers", "1"], env=console_env, **quiet)
    worker = subprocess.Popen([*cli, "worker", "--concurrency", "2"], env=env, **quiet)
    try:
        time.sleep(3)  # both up before the first webhook
        # Deals and a company with what AWS requires, so each becomes an opportunity.
        company = sim.create_object("companies", COMPANY)
        deals = [
            sim.create_object(
                "deals",
                deal_properties(n),
                [{"to": {"id": company["id"]}, "types": [PRIMARY_COMPANY]}],
            )["id"]
            for n in range(args.deals)
        ]
        engine = sa.create_engine(env["DATABASE_URL"])
        wait_until(lambda: _linked(engine) >= args.deals, "the creates")
        create_reads = _deal_reads(sim)
        for number, deal in enumerate(deals):
            sim.update_object("deals", deal, {"amount": str(2000 + number)})
        pc = pc_app.extensions["pc_simulator"]
        wait_until(lambda: _successes(pc, "UpdateOpportunity") >= args.deals, "the updates")
        elapsed = time.perf_counter() - started
        ask_as_operator(f"http://{console_bind}")
        report({"ingest": ingest.pid, "console": console.pid}, worker.pid, args, elapsed, label)
        print(
            f"   HubSpot deal reads: {create_reads} for the {args.deals} creates, "
            f"{_deal_reads(sim) - create_reads} for the {args.deals} edits; Partner Central: "
            f"{_successes(pc, 'CreateOpportunity')} creates, "
            f"{_successes(pc, 'UpdateOpportunity')} updates, "
            f"{len(pc.calls('GetOpportunity'))} GetOpportunity, "
            f"{sum(1 for c in pc.calls() if c['status'] == 429)} throttled"
        )
        engine.dispose()
    finally:
        for process in (ingest, console, worker):
            process.terminate()
            process.wait(timeout=60)
        sim.close()
        for server in servers:
            server.stop()


def ask_as_operator(base_url: str) -> None:
    headers = {"Authorization": f"Bearer {API_TOKEN}"}
    for path in OPERATOR_PATHS:
        answer = requests.get(base_url + path, headers=headers, timeout=30)
        if answer.status_code != 200:
            raise RuntimeError(f"GET {path} answered {answer.status_code}")


def _deal_reads(sim) -> int:
    return sum(
        1
        for call in sim.calls(method="GET", path_prefix="/crm/v3/objects/deals/")
        if call["status"] == 200
    )


def _successes(pc, operation: str) -> int:
    return sum(1 for call in pc.calls(operation) if call["status"] == 200)


def _linked(engine) -> int:
    with engine.connect() as connection:
        return connection.scalar(
            sa.text("SELECT count(*) FROM opportunity_links WHERE opportunity_id IS NOT NULL")
        )


def report(ingests: dict[str, int], worker_pid: int, args, elapsed: float, label: str) -> None:
    print(
        f"pcsync memory benchmark: {label}; services run by {args.python}; "
        f"{args.deals} deals created then edited in {elapsed:.0f}s"
    )
    for name, master in ingests.items():
        print(f"   {name} gunicorn master {rss_mb(master):.0f} MB")
        # `pcsync ingest` execs gunicorn in place: its pid is gunicorn's master.
        for pid in children(master):
            print(f"   {name} worker {pid}: {rss_mb(pid):.0f} MB")
    print(f"   celery worker main {rss_mb(worker_pid):.0f} MB")
    for pid in children(worker_pid):
        print(f"   celery pool child {pid}: {rss_mb(pid):.0f} MB")
    started = time.perf_counter()
    subprocess.run([args.python, "-c", "import workers.celery"], check=True)
    print(
        f"   `import workers.celery` in a fresh interpreter: {time.perf_counter() - started:.2f}s"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--deals", type=int, default=30)
    parser.add_argument(
        "--python",
        default=sys.executable,
        help="interpreter that runs the services (default: this one)",
    )
    args = parser.parse_args()
    workdir = tempfile.mkdtemp(prefix="pcsync-bench-memory-")
    try:
        with backends(workdir) as chosen:
            run(args, workdir, chosen.env, chosen.label)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
