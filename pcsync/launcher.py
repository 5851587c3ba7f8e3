"""`pcsync run` and `pcsync simulators`: start the processes of one machine.

`pcsync run` is the embedded mode: SQLite, the filesystem broker, the
embedded limiter, and, when no credentials are configured, the local
simulators in place of HubSpot and Partner Central. Each process
is a child; if one dies, all stop, so a half-running service never looks up.
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from urllib.error import HTTPError, URLError
from urllib.request import urlopen

import click

from models.migrate import upgrade
from pcsync import demo, runinfo
from pcsync.config import VARIABLES, Settings, uses_simulators

SIM_HUBSPOT_TOKEN = "sim-hubspot-token"
SIM_CLIENT_SECRET = "sim-client-secret"
# With simulators the demo's own secrets are fixed too, so a walk-through
# copied from the README works on every run. They guard nothing real: the
# embedded service listens on 127.0.0.1 and talks to no real account.
DEMO_API_TOKEN = "pcsync-demo-api-token"
DEMO_EVENTS_SECRET = "pcsync-demo-events-secret"
PC_SIM_PORT = 8701
HUBSPOT_SIM_PORT = 8702
FLOWER_PORT = 5555


def simulator_environment(pc_port: int, hubspot_port: int) -> dict[str, str]:
    """Variables that point every process at the local simulators."""
    return {
        "HUBSPOT_ACCESS_TOKEN": SIM_HUBSPOT_TOKEN,
        "HUBSPOT_CLIENT_SECRET": SIM_CLIENT_SECRET,
        "HUBSPOT_API_BASE_URL": f"http://127.0.0.1:{hubspot_port}",
        "HUBSPOT_PORTAL_ID": "62515",
        "HUBSPOT_APP_ID": "1001",
        "PC_ENDPOINT_URL": f"http://127.0.0.1:{pc_port}",
        # botocore signs every request; the simulator only needs it to be signed.
        "AWS_ACCESS_KEY_ID": "SIMULATOR",
        "AWS_SECRET_ACCESS_KEY": "SIMULATOR",
        "AWS_DEFAULT_REGION": "us-east-1",
        "PCSYNC_API_TOKENS": DEMO_API_TOKEN,
        "PCSYNC_EVENTS_SECRET": DEMO_EVENTS_SECRET,
    }


def serve_simulators(
    settings: Settings,
    pc_port: int,
    hubspot_port: int,
    webhook_url: str | None,
    events_url: str | None,
) -> None:
    from simulators import hubspot, partner_central
    from simulators.serving import serve_in_thread

    pc_app = partner_central.create_app(
        event_target_url=events_url, event_secret=settings.events_secret
    )
    hubspot_app = hubspot.create_app(
        access_token=settings.hubspot_access_token or SIM_HUBSPOT_TOKEN,
        client_secret=settings.hubspot_client_secret or SIM_CLIENT_SECRET,
        webhook_url=webhook_url,
    )
    servers = [
        serve_in_thread(pc_app, port=pc_port),
        serve_in_thread(hubspot_app, port=hubspot_port),
    ]
    click.echo(f"Partner Central simulator: {servers[0].url}")
    click.echo(f"HubSpot simulator:         {servers[1].url}")
    _wait_for_signal()
    for server in servers:
        server.stop()


def _wait_for_signal() -> None:
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(True))
    try:
        while not stop:
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass


def _answers(url: str, *, healthy: bool) -> bool:
    """Whether something listens at `url` (any HTTP answer), or, with
    `healthy`, answers it 200."""
    try:
        with urlopen(url, timeout=2) as response:
            return response.status == 200 or not healthy
    except HTTPError:
        return not healthy
    except (URLError, OSError):
        return False


def _wait_until_ready(
    checks: dict[str, bool], children: dict[str, subprocess.Popen], timeout: float = 30.0
) -> bool:
    """Wait for every URL of `checks` (url -> needs a 200) to answer, as long
    as every child lives: a child that died at start (its port taken, say)
    ends the wait at once."""
    deadline = time.monotonic() + timeout
    waiting = dict(checks)
    while time.monotonic() < deadline:
        if _stopped(children):
            return False
        waiting = {
            url: healthy for url, healthy in waiting.items() if not _answers(url, healthy=healthy)
        }
        if not waiting:
            return True
        time.sleep(0.3)
    return False


def _ports_taken(addresses: dict[str, str]) -> list[str]:
    """The `host:port` addresses (by what would listen there) that something
    else already listens on."""
    taken = []
    for what, address in addresses.items():
        host, _, port = address.rpartition(":")
        with socket.socket() as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind((host, int(port)))
            except OSError:
                taken.append(f"{address} ({what})")
    return taken


def run_environment(settings: Settings, simulated: bool, pc_port: int, hubspot_port: int):
    """The environment of every child: the caller's, plus what a fresh
    machine lacks. Values the caller set always win."""
    computed = {
        "PCSYNC_DATA_DIR": str(settings.data_dir),
        "PCSYNC_METRICS_DIR": str(settings.metrics_dir or settings.data_dir / "metrics"),
        "PCSYNC_API_TOKENS": secrets.token_urlsafe(24),
        "PCSYNC_EVENTS_SECRET": secrets.token_urlsafe(24),
    }
    if simulated:
        computed.update(simulator_environment(pc_port, hubspot_port))
    return {**computed, **os.environ}


def _published(env: dict[str, str]) -> dict[str, str]:
    """What CLI commands beside this run need: pcsync's settings and the
    credentials botocore reads from the environment."""
    names = set(VARIABLES) | set(simulator_environment(0, 0)) | {"PCSYNC_DATA_DIR"}
    return {name: env[name] for name in sorted(names) if name in env}


def run_all(
    settings: Settings, pc_port: int = PC_SIM_PORT, hubspot_port: int = HUBSPOT_SIM_PORT
) -> int:
    simulated = uses_simulators(settings)
    addresses = {"ingest": settings.ingest_bind}
    if simulated:
        addresses["Partner Central simulator"] = f"127.0.0.1:{pc_port}"
        addresses["HubSpot simulator"] = f"127.0.0.1:{hubspot_port}"
    taken = _ports_taken(addresses)
    if taken:
        click.echo(
            f"pcsync: cannot start: already in use: {', '.join(taken)}. Stop what listens "
            "there, or choose other ports (PCSYNC_INGEST_BIND, --pc-port, --hubspot-port).",
            err=True,
        )
        return 1
    env = run_environment(settings, simulated, pc_port, hubspot_port)
    _prepare_state(settings, env, simulated)
    public = settings.public_url
    commands = {"ingest": ["ingest", "--workers", "2"], "worker": ["worker"], "beat": ["beat"]}
    if simulated:
        sim_ports = ["--pc-port", str(pc_port), "--hubspot-port", str(hubspot_port)]
        commands = {
            "simulators": [
                "simulators",
                *sim_ports,
                "--webhook-url",
                f"{public}/webhooks/hubspot",
                "--events-url",
                f"{public}/webhooks/partner-central",
            ],
            **commands,
        }
    children = {
        name: subprocess.Popen([sys.executable, "-m", "pcsync.cli", *args], env=env)
        for name, args in commands.items()
    }
    runinfo.publish(settings.data_dir, _published(env))
    try:
        checks = {f"http://{settings.ingest_bind}/healthz": True}
        if simulated:
            checks.update({env["PC_ENDPOINT_URL"]: False, env["HUBSPOT_API_BASE_URL"]: False})
        ready = _wait_until_ready(checks, children)
        if _stopped(children):
            # No banner for a service that is not all there: say which part
            # stopped (its own output says why) and stop the rest.
            return _supervise(children)
        if simulated and ready:
            # The simulated HubSpot account starts empty: give it pcsync's
            # properties so a deal created there syncs right away.
            subprocess.run(
                [sys.executable, "-m", "pcsync.cli", "hubspot", "setup"],
                env=env,
                check=False,
                stdout=subprocess.DEVNULL,
            )
        _print_banner(settings, env, ready, simulated)
        return _supervise(children)
    finally:
        runinfo.withdraw(settings.data_dir)


def _prepare_state(settings: Settings, env: dict[str, str], simulated: bool) -> None:
    """Empty simulators mean a fresh demo database (see pcsync/demo.py).
    Counter files of a previous run would add up with this run's processes
    (prometheus-client asks for an empty folder at start)."""
    shutil.rmtree(env["PCSYNC_METRICS_DIR"], ignore_errors=True)
    if simulated and demo.sqlite_file(settings.database_url) is not None:
        demo.reset(settings)
        click.echo("The simulators start empty: the demo database was reset.")
    else:
        upgrade(settings.database_url)


def _print_banner(settings: Settings, env: dict[str, str], ready: bool, simulated: bool) -> None:
    public = settings.public_url
    click.echo("")
    click.echo(f"pcsync is {'up' if ready else 'starting (ingest not answering yet)'}:")
    click.echo(f"  webhooks      {public}/webhooks/hubspot  {public}/webhooks/partner-central")
    click.echo(
        f"  API (OpenAPI) {public}/openapi.json  token: {env['PCSYNC_API_TOKENS'].split(',')[0]}"
    )
    click.echo(f"  health        {public}/readyz   metrics {public}/metrics")
    click.echo(f"  database      {settings.database_url}")
    if simulated:
        # Demo values only: a real deployment's secrets are never printed.
        click.echo(
            f"  secrets       HubSpot webhooks {env['HUBSPOT_CLIENT_SECRET']}, "
            f"Partner Central events {env['PCSYNC_EVENTS_SECRET']}"
        )
        click.echo(
            f"  simulators    Partner Central {env['PC_ENDPOINT_URL']}, "
            f"HubSpot {env['HUBSPOT_API_BASE_URL']} (token {env['HUBSPOT_ACCESS_TOKEN']})"
        )
    click.echo(
        f"  Flower        not started here (it needs a Redis broker); the compose stack "
        f"serves it on port {FLOWER_PORT}"
    )
    click.echo(
        "Other shells: `pcsync <command>` uses this run's settings; `pcsync env` prints them."
    )
    click.echo("Press Ctrl-C to stop.")


def _stopped(children: dict[str, subprocess.Popen]) -> list[str]:
    """The names of the children that have exited."""
    return [name for name, child in children.items() if child.poll() is not None]


def _supervise(children: dict[str, subprocess.Popen]) -> int:
    def stop_all(*_):
        for child in children.values():
            if child.poll() is None:
                child.terminate()

    signal.signal(signal.SIGTERM, stop_all)
    exit_code = 0
    try:
        while not (stopped := _stopped(children)):
            time.sleep(0.5)
        click.echo(f"pcsync: {', '.join(stopped)} stopped; stopping the rest", err=True)
        exit_code = 1
    except KeyboardInterrupt:
        pass
    stop_all()
    for child in children.values():
        try:
            child.wait(timeout=40)
        except subprocess.TimeoutExpired:
            child.kill()
    return exit_code
