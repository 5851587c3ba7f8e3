"""The `pcsync` command line: run the processes and operate the service."""

from __future__ import annotations

import os
import sys

import click

from pcsync.config import ConfigError, Settings, load_settings


def current_settings() -> Settings:
    try:
        return load_settings()
    except ConfigError as exc:
        for problem in exc.problems:
            click.echo(f"pcsync: configuration error: {problem}", err=True)
        sys.exit(2)


@click.group()
def main() -> None:
    """pcsync keeps HubSpot CRM and AWS Partner Central in sync."""


@main.command()
@click.option("--workers", default=2, show_default=True, help="gunicorn worker processes")
def ingest(workers: int) -> None:
    """Serve webhooks and the management API with gunicorn."""
    settings = current_settings()
    args = [sys.executable, "-m", "gunicorn", "--bind", settings.ingest_bind]
    args += ["--workers", str(workers), "--timeout", "30", "--graceful-timeout", "20"]
    os.execv(sys.executable, [*args, "ingest.wsgi:app"])


@main.command()
@click.option("--concurrency", type=int, default=None, help="worker processes or threads")
@click.option("--hostname", default=None, help="node name (default: celery's)")
def worker(concurrency: int | None, hostname: str | None) -> None:
    """Run a Celery worker (scale horizontally by starting more)."""
    settings = current_settings()
    from workers.celery import app

    argv = ["worker", "--loglevel", settings.log_level]
    if settings.embedded_broker:
        # The embedded limiter and locks are in-process: one process, threads.
        argv += ["--pool", "threads", "--concurrency", str(concurrency or 4)]
    elif concurrency:
        argv += ["--concurrency", str(concurrency)]
    if hostname:
        argv += ["--hostname", hostname]
    app.worker_main(argv)


@main.command()
def beat() -> None:
    """Run Celery beat. Run exactly one."""
    settings = current_settings()
    from workers.celery import app

    schedule = settings.data_dir / "celerybeat-schedule"
    schedule.parent.mkdir(parents=True, exist_ok=True)
    app.start(["beat", "--loglevel", settings.log_level, "--schedule", str(schedule)])


@main.group()
def db() -> None:
    """Database schema management."""


@db.command("upgrade")
@click.option("--revision", default="head", show_default=True)
def db_upgrade(revision: str) -> None:
    """Bring the database (SQLite or PostgreSQL) to the latest schema."""
    from models.migrate import current_revision, upgrade

    settings = current_settings()
    upgrade(settings.database_url, revision)
    click.echo(f"database at revision {current_revision(settings.database_url)}")


@main.command()
@click.option("--pc-port", default=8701, show_default=True)
@click.option("--hubspot-port", default=8702, show_default=True)
@click.option("--webhook-url", default=None, help="where the HubSpot simulator posts webhooks")
@click.option("--events-url", default=None, help="where the Partner Central simulator posts events")
def simulators(pc_port: int, hubspot_port: int, webhook_url: str | None, events_url: str | None):
    """Serve the local Partner Central and HubSpot simulators."""
    from pcsync.launcher import serve_simulators

    serve_simulators(current_settings(), pc_port, hubspot_port, webhook_url, events_url)


def app_context():
    """The Flask app context the sync commands run in (as tasks do)."""
    from ingest import create_app

    return create_app(current_settings()).app_context()


@main.group()
def hubspot() -> None:
    """HubSpot account preparation."""


@hubspot.command("setup")
def hubspot_setup() -> None:
    """Create pcsync's deal property group and properties (idempotent)."""
    from pcsync import runtime
    from workers.sync.hubspot_setup import ensure_deal_properties

    with app_context():
        report = ensure_deal_properties(runtime.hubspot())
    for name in report["created"]:
        click.echo(f"created  {name}")
    click.echo(f"{len(report['created'])} created, {len(report['existing'])} already present")


@main.command()
def run() -> None:
    """Everything on one machine: simulators (without credentials), ingest, worker, beat."""
    from pcsync.launcher import run_all

    sys.exit(run_all(current_settings()))


if __name__ == "__main__":  # pragma: no cover
    main()
