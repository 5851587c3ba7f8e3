"""`pcsync run` and `pcsync simulators`: start the processes of one machine.

`pcsync run` is the embedded mode of DESIGN.md §1: SQLite, the filesystem
broker, the in-process limiter, and, when no credentials are configured,
the local simulators in place of HubSpot and Partner Central. Each process
is a child; if one dies, all stop, so a half-running service never looks up.
"""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import time
from urllib.error import URLError
from urllib.request import urlopen

import click

from models.migrate import upgrade
from pcsync.config import Settings, uses_simulators

SIM_HUBSPOT_TOKEN = "sim-hubspot-token"
SIM_CLIENT_SECRET = "sim-client-secret"
PC_SIM_PORT = 8701
HUBSPOT_SIM_PORT = 8702


def simulator_environment(settings: Settings) -> dict[str, str]:
    """Variables that point every process at the local simulators."""
    return {
        "HUBSPOT_ACCESS_TOKEN": SIM_HUBSPOT_TOKEN,
        "HUBSPOT_CLIENT_SECRET": SIM_CLIENT_SECRET,
        "HUBSPOT_API_BASE_URL": f"http://127.0.0.1:{HUBSPOT_SIM_PORT}",
        "HUBSPOT_PORTAL_ID": "62515",
        "HUBSPOT_APP_ID": "1001",
        "PC_ENDPOINT_URL": f"http://127.0.0.1:{PC_SIM_PORT}",
        # botocore signs every request; the simulator only needs it to be signed.
        "AWS_ACCESS_KEY_ID": "SIMULATOR",
        "AWS_SECRET_ACCESS_KEY": "SIMULATOR",
        "AWS_DEFAULT_REGION": "us-east-1",
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


def _wait_until_ready(url: str, timeout: float = 30.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return True
        except (URLError, OSError):
            time.sleep(0.3)
    return False


def run_all(settings: Settings) -> int:
    env = dict(os.environ)
    env.setdefault("PCSYNC_DATA_DIR", str(settings.data_dir))
    env.setdefault("PCSYNC_API_TOKENS", secrets.token_urlsafe(24))
    env.setdefault("PCSYNC_EVENTS_SECRET", secrets.token_urlsafe(24))
    simulated = uses_simulators(settings)
    if simulated:
        env.update(simulator_environment(settings))
    upgrade(settings.database_url)
    public = settings.public_url
    commands = {"ingest": ["ingest", "--workers", "2"], "worker": ["worker"], "beat": ["beat"]}
    if simulated:
        commands = {
            "simulators": [
                "simulators",
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
    ready = _wait_until_ready(f"http://{settings.ingest_bind}/healthz")
    if simulated and ready:
        # The simulated HubSpot account starts empty: give it pcsync's
        # properties so a deal created there syncs right away.
        subprocess.run(
            [sys.executable, "-m", "pcsync.cli", "hubspot", "setup"],
            env=env,
            check=False,
            stdout=subprocess.DEVNULL,
        )
    click.echo("")
    click.echo(f"pcsync is {'up' if ready else 'starting (ingest not answering yet)'}:")
    click.echo(f"  webhooks      {public}/webhooks/hubspot")
    click.echo(
        f"  API (OpenAPI) {public}/openapi.json  token: {env['PCSYNC_API_TOKENS'].split(',')[0]}"
    )
    click.echo(f"  health        {public}/readyz")
    click.echo(f"  database      {settings.database_url}")
    if simulated:
        click.echo(
            f"  simulators    Partner Central http://127.0.0.1:{PC_SIM_PORT}, "
            f"HubSpot http://127.0.0.1:{HUBSPOT_SIM_PORT} (no credentials configured)"
        )
    click.echo("Press Ctrl-C to stop.")
    return _supervise(children)


def _supervise(children: dict[str, subprocess.Popen]) -> int:
    def stop_all(*_):
        for child in children.values():
            if child.poll() is None:
                child.terminate()

    signal.signal(signal.SIGTERM, stop_all)
    exit_code = 0
    try:
        while all(child.poll() is None for child in children.values()):
            time.sleep(0.5)
        dead = [name for name, child in children.items() if child.poll() is not None]
        click.echo(f"pcsync: {', '.join(dead)} stopped; stopping the rest", err=True)
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
