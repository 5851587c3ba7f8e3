"""The `pcsync` command line: run the processes and operate the service."""

from __future__ import annotations

import json
import os
import sys
from contextlib import contextmanager
from datetime import UTC, datetime

import click

from pcsync import runinfo
from pcsync.config import ConfigError, Settings, load_settings


def current_settings() -> Settings:
    """The settings this command runs with: from the environment, or the
    `Settings` a caller passed as the click context object (tests, embedding:
    `main.main(args, obj=settings)` / `CliRunner().invoke(main, args, obj=settings)`)."""
    context = click.get_current_context(silent=True)
    injected = context.find_root().obj if context is not None else None
    if isinstance(injected, Settings):
        return injected
    # Beside a running `pcsync run`, take the settings it computed.
    runinfo.adopt(os.environ)
    try:
        return load_settings()
    except ConfigError as exc:
        for problem in exc.problems:
            click.echo(f"pcsync: configuration error: {problem}", err=True)
        sys.exit(2)


@click.group()
@click.version_option(package_name="pcsync", message="pcsync %(version)s")
def main() -> None:
    """pcsync keeps HubSpot CRM and AWS Partner Central in sync."""


def gunicorn_command(settings: Settings, workers: int) -> list[str]:
    """The gunicorn command line `pcsync ingest` runs (without the app)."""
    args = [sys.executable, "-m", "gunicorn", "--bind", settings.ingest_bind]
    args += ["--workers", str(workers), "--timeout", "30", "--graceful-timeout", "20"]
    # gthread: a slow client holds one thread (for at most the request-read
    # timeout, ingest/body_deadline.py), not a whole worker.
    args += ["--worker-class", "gthread", "--threads", str(settings.ingest_threads)]
    args += ["--keep-alive", "5"]
    # gunicorn's control socket (25.1+) defaults to one path per user
    # (~/.gunicorn): two instances would answer for each other. Each data dir
    # gets its own, and each side of a split ingest (PCSYNC_INGEST_SERVES).
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    serves = "" if settings.ingest_serves == "all" else f"-{settings.ingest_serves}"
    return [*args, "--control-socket", str(settings.data_dir / f"gunicorn{serves}.ctl")]


@main.command()
@click.option("--workers", default=2, show_default=True, help="gunicorn worker processes")
def ingest(workers: int) -> None:
    """Serve webhooks and the management API with gunicorn (PCSYNC_INGEST_SERVES: either alone)."""
    args = gunicorn_command(current_settings(), workers)
    # glibc gives each thread that allocates its own arena (up to 8 per core);
    # two keep the gthread workers' memory lower and steadier (about 0.5 MB
    # at the median, 1.5 MB at the top, measured). An operator's value wins.
    os.environ.setdefault("MALLOC_ARENA_MAX", "2")
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
        # The embedded locks are in-process: one process, threads.
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


@contextmanager
def app_context():
    """The Flask app context the sync commands run in (as tasks do); the
    command's database connections are closed when it ends (commands also
    run in-process, from tests and from each other)."""
    from ingest import create_app

    app = create_app(current_settings())
    try:
        with app.app_context():
            yield app
    finally:
        app.extensions["pcsync.db"].dispose()


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
@click.option("--pc-port", default=8701, show_default=True, help="Partner Central simulator port")
@click.option("--hubspot-port", default=8702, show_default=True, help="HubSpot simulator port")
def run(pc_port: int, hubspot_port: int) -> None:
    """Everything on one machine: simulators (without credentials), ingest, worker, beat."""
    from pcsync.demo import ResetRefused
    from pcsync.launcher import run_all

    try:
        sys.exit(run_all(current_settings(), pc_port, hubspot_port))
    except ResetRefused as exc:
        raise click.ClickException(str(exc)) from exc


@main.command()
def env() -> None:
    """Print the settings of the `pcsync run` beside this shell, as `export` lines."""
    settings = current_settings()
    published = runinfo.running(settings.data_dir)
    if published is None:
        raise click.ClickException(f"no `pcsync run` is running with data dir {settings.data_dir}")
    click.echo(runinfo.as_shell(published))


@main.command()
@click.option("--demo", is_flag=True, help="required: say that the demo's data may go")
def reset(demo: bool) -> None:
    """Start the embedded demo over: empty SQLite database, no queued tasks."""
    from pcsync import demo as demo_state

    if not demo:
        raise click.UsageError("pass --demo: this removes the embedded demo's database")
    settings = current_settings()
    try:
        removed = demo_state.reset(settings)
    except demo_state.ResetRefused as exc:
        raise click.ClickException(str(exc)) from exc
    for path in removed:
        click.echo(f"removed  {path}")
    click.echo(f"fresh demo database at {settings.database_url}")


@main.command()
def doctor() -> None:
    """Check the configuration end to end: one line per check, exit 1 on a failure."""
    from pcsync.doctor import run_checks

    with app_context():
        results = []
        for result in run_checks():
            click.echo(result.line())
            results.append(result)
    failed = [r.name for r in results if not r.ok]
    if failed:
        click.echo(f"{len(failed)} of {len(results)} checks failed: {', '.join(failed)}")
        sys.exit(1)
    click.echo(f"all {len(results)} checks passed")


@main.command()
def notify() -> None:
    """One notification cycle now (beat runs one every 5 minutes)."""
    from pcsync import runtime
    from workers.notify import run_notifications

    settings = current_settings()
    if settings.notify_url is None:
        raise click.ClickException("PCSYNC_NOTIFY_URL is not set; nothing to send to")
    with app_context():
        report = run_notifications(runtime.utc_now())
    for notice in report.sent:
        click.echo(f"sent     {notice.kind} {notice.subject}")
    for notice in report.refused:
        click.echo(f"refused  {notice.kind} {notice.subject} (retried next cycle)")
    click.echo(
        f"{len(report.sent)} sent, {report.already_sent} already sent today, "
        f"{len(report.refused)} refused"
    )
    if report.refused:
        sys.exit(1)


@main.group()
def sync() -> None:
    """Run sync work now instead of waiting for beat."""


@sync.command("reconcile")
@click.option(
    "--lookback-hours",
    type=click.FloatRange(min=0, min_open=True),
    default=24.0,
    show_default=True,
    help="how far back the first cycle looks (later cycles start at the stored watermark)",
)
def sync_reconcile(lookback_hours: float) -> None:
    """One reconciliation cycle: pull the opportunities changed in Partner Central."""
    from datetime import timedelta

    from workers.sync.context import Run
    from workers.sync.reconciliation import run_reconciliation

    run = Run(actor="cli:sync reconcile", task_id=None, source="operator", priority="background")
    with app_context():
        report = run_reconciliation(run, timedelta(hours=lookback_hours))
    if report is None:
        click.echo("another reconciliation cycle is running; nothing done")
        sys.exit(1)
    click.echo(
        f"listed {report.listed}, linked {report.linked}, changed {report.changed}, "
        f"pulled {report.merged}, summaries written {report.summaries_written}, "
        f"queued {report.queued}; "
        f"watermark {report.watermark_before or '(none)'} -> {report.watermark_after or '(none)'}"
    )


@sync.command("engagements")
@click.option("--full", is_flag=True, help="re-read every linked opportunity, not only changes")
def sync_engagements(full: bool) -> None:
    """One engagement cycle: AWS engagement status, team and notes on the deals."""
    from workers.sync.context import Run
    from workers.sync.engagements import run_engagement_sync

    run = Run(actor="cli:sync engagements", task_id=None, source="operator", priority="background")
    with app_context():
        report = run_engagement_sync(run, full=full, time_budget=None)
    if report is None:
        click.echo("another engagement cycle is running; nothing done")
        sys.exit(1)
    if report.drain is None:
        click.echo(f"marked {report.marked}; another drain is running and will refresh them")
        sys.exit(1)
    drained = report.drain
    click.echo(
        f"{'full pass' if report.full else 'incremental'}: marked {report.marked}, "
        f"refreshed {drained.refreshed}, deals written {drained.deals_written}, "
        f"notes created {drained.notes_created}, unchanged {drained.unchanged}, "
        f"gone {drained.gone}, failed {drained.failed}; "
        f"watermark {report.watermark_before or '(none)'} -> {report.watermark_after or '(none)'}"
    )


# -- failures ---------------------------------------------------------------------------


@main.group()
def failures() -> None:
    """Tasks that failed for good: inspect and replay them."""


@failures.command("list")
@click.option("--all", "include_replayed", is_flag=True, help="include replayed failures")
@click.option("--json", "as_json", is_flag=True, help="one JSON document, for scripts")
def failures_list(include_replayed: bool, as_json: bool) -> None:
    """Failed tasks with the API's message and field errors, newest first."""
    from pcsync import runtime
    from workers.failures import failure_as_dict, list_failures

    with app_context(), runtime.database().transaction() as session:
        rows = [
            failure_as_dict(r) for r in list_failures(session, include_replayed=include_replayed)
        ]
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    if not rows:
        click.echo("no failed tasks" if include_replayed else "no failed tasks waiting for replay")
        return
    click.echo(_failure_table(rows))


def _failure_table(rows: list[dict]) -> str:
    """One line per failure, then its message and field errors, indented."""
    header = ("ID", "FAILED AT (UTC)", "TASK", "ARGS", "EXCEPTION", "STATUS")
    table = [
        (
            str(r["id"]),
            (r["failed_at"] or "")[:19].replace("T", " "),
            r["task_name"],
            json.dumps(r["args"] + ([r["kwargs"]] if r["kwargs"] else []), separators=(",", ":")),
            r["exception_type"],
            r["status"] + (f" as {r['replay_task_id']}" if r["replay_task_id"] else ""),
        )
        for r in rows
    ]
    widths = [max(len(line[i]) for line in [header, *table]) for i in range(len(header))]
    lines = ["  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)).rstrip()]
    for row, cells in zip(rows, table, strict=True):
        lines.append("  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip())
        lines.append(f"    message: {row['message']}")
        for error in row["field_errors"]:
            code = f" ({error.get('code')})" if error.get("code") else ""
            lines.append(f"    field {error.get('field')}{code}: {error.get('message')}")
    return "\n".join(lines)


@failures.command("replay")
@click.argument("failure_ids", nargs=-1, type=int)
@click.option("--all", "replay_all", is_flag=True, help="every failure not yet replayed")
@click.option("--force", is_flag=True, help="replay failures that were replayed before")
def failures_replay(failure_ids: tuple[int, ...], replay_all: bool, force: bool) -> None:
    """Re-queue failed tasks by id (after fixing the data), or --all."""
    from workers.failures import AlreadyReplayed, FailureNotFound, replay_failures

    if bool(failure_ids) == replay_all:
        raise click.UsageError("give failure ids or --all (not both)")
    with app_context():
        try:
            replays = replay_failures(
                None if replay_all else list(failure_ids), actor="cli:failures", force=force
            )
        except (FailureNotFound, AlreadyReplayed) as exc:
            raise click.ClickException(str(exc)) from exc
    for replay in replays:
        click.echo(f"replayed {replay.failure_id}: {replay.task_name} queued as {replay.task_id}")
    click.echo(f"{len(replays)} replayed")


# -- budget -----------------------------------------------------------------------------


@main.command()
@click.option("--json", "as_json", is_flag=True, help="one JSON document, for scripts")
def budget(as_json: bool) -> None:
    """Remaining API budget per rate-limit group and window."""
    from pcsync import runtime

    with app_context():
        budgets = runtime.limiter().budgets()
    if as_json:
        click.echo(json.dumps(budgets, indent=2))
        return
    for group, windows in budgets.items():
        for window in windows:
            reset = datetime.fromtimestamp(window["reset_at"], UTC).strftime("%H:%M:%S")
            click.echo(
                f"{group:<10} {window['window']:<22} {window['remaining']:>7} of "
                f"{window['limit']:<7} left (reserve {window['reserve']}, next token {reset} UTC)"
            )


# -- backfill ---------------------------------------------------------------------------


@main.command()
@click.option("--dry-run", is_flag=True, help="read both sides, print the plan, change nothing")
@click.option("--limit", type=click.IntRange(min=1), default=None, help="at most N of each kind")
@click.option("--deals-only", is_flag=True, help="only queue syncs for tagged deals")
@click.option("--opportunities-only", is_flag=True, help="only adopt existing opportunities")
def backfill(dry_run: bool, limit: int | None, deals_only: bool, opportunities_only: bool) -> None:
    """Bring existing tagged deals and existing opportunities under sync."""
    from tqdm import tqdm

    from pcsync import logs
    from workers.errors import SyncError
    from workers.sync.backfill import BackfillOptions, run_backfill

    if deals_only and opportunities_only:
        raise click.UsageError("--deals-only and --opportunities-only exclude each other")
    options = BackfillOptions(
        dry_run=dry_run, limit=limit, deals=not opportunities_only, opportunities=not deals_only
    )
    with (
        app_context(),
        tqdm(desc="backfill", unit=" objects", file=sys.stderr) as bar,
        logs.around_progress_bars(),
    ):

        def report(item) -> None:
            bar.update(1)
            bar.clear()
            click.echo(_backfill_line(item, dry_run))
            for change in item.changes:
                click.echo(f"    {change}")
            bar.refresh()

        try:
            counts = run_backfill(options, report)
        except SyncError as exc:  # e.g. access denied listing opportunities
            raise click.ClickException(f"backfill stopped: {exc}") from exc
    click.echo(_backfill_summary(counts, dry_run))
    if any(action == "error" for _, action in counts):
        sys.exit(1)


def _backfill_line(item, dry_run: bool) -> str:
    verb = {"create": "would create", "sync": "would sync", "adopt": "would adopt"}
    action = verb.get(item.action, item.action) if dry_run else item.action
    target = f" -> {item.opportunity_id}" if item.opportunity_id and item.kind == "deal" else ""
    deal = f" (deal {item.deal_id})" if item.kind == "opportunity" and item.deal_id else ""
    reason = f": {item.reason}" if item.reason else ""
    return f"{item.kind} {item.object_id}{deal}{target}  {action}{reason}"


def _backfill_summary(counts, dry_run: bool) -> str:
    parts = []
    for kind, plural in (("deal", "deals"), ("opportunity", "opportunities")):
        actions = {a: n for (k, a), n in sorted(counts.items()) if k == kind}
        listed = ", ".join(f"{n} {a}" for a, n in actions.items()) or "none"
        parts.append(f"{plural}: {listed}")
    prefix = "dry run, nothing changed. " if dry_run else ""
    return prefix + "; ".join(parts)


def _register_audit_commands() -> None:
    from pcsync.cli_audit import audit, conflicts, report

    for group in (conflicts, audit, report):
        main.add_command(group)


_register_audit_commands()


if __name__ == "__main__":  # pragma: no cover
    main()
