"""`pcsync conflicts`, `pcsync audit` and `pcsync report`: settle conflicts,
verify, purge and export the audit trail, and the compliance report.

Registered on the main group by pcsync/cli.py; the database work lives in
models/ and workers/sync/, these commands only parse and print.
"""

from __future__ import annotations

import csv
import json
import sys
from datetime import UTC, datetime

import click


def _app_context():
    from pcsync.cli import app_context  # late: pcsync.cli registers these groups

    return app_context()


def _database():
    from pcsync import runtime

    return runtime.database()


class AwareDateTime(click.ParamType):
    """ISO 8601 date or date-time; a value without a timezone is UTC."""

    name = "datetime"

    def convert(self, value, param, ctx):
        if isinstance(value, datetime):
            return value
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            self.fail(f"{value!r} is not an ISO 8601 date or date-time", param, ctx)
        return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


PERIOD = AwareDateTime()


# -- conflicts ----------------------------------------------------------------------------


@click.group()
def conflicts() -> None:
    """Fields both sides changed differently: list and settle them."""


@conflicts.command("list")
@click.option("--all", "include_resolved", is_flag=True, help="include resolved conflicts")
@click.option("--deal", "deal_id", default=None, help="only this HubSpot deal")
@click.option("--json", "as_json", is_flag=True, help="one JSON document, for scripts")
def conflicts_list(include_resolved: bool, deal_id: str | None, as_json: bool) -> None:
    """Pending conflicts (oldest first) with both sides' values."""
    from models.conflicts import conflict_query, conflict_view

    args = {"status": None if include_resolved else "pending", "deal_id": deal_id}
    with _app_context(), _database().transaction() as session:
        rows = [conflict_view(c) for c in session.scalars(conflict_query(args))]
    if as_json:
        click.echo(json.dumps(rows, indent=2, default=str))
        return
    if not rows:
        click.echo("no conflicts" if include_resolved else "no pending conflicts")
    for row in rows:
        values = row["values"]
        settled = f" -> {row['resolution']} by {row['resolved_by']}" if row["resolution"] else ""
        click.echo(
            f"{row['id']:>6}  deal {row['deal_id']}  {row['opportunity_id'] or '-'}  "
            f"{row['field']}  [{row['strategy']}] {row['status']}{settled}"
        )
        click.echo(f"        hubspot:         {json.dumps(values.get('hubspot'))}")
        click.echo(f"        partner_central: {json.dumps(values.get('partner_central'))}")
        click.echo(f"        base:            {json.dumps(values.get('base'))}")


@conflicts.command("resolve")
@click.argument("conflict_id", type=int)
@click.option("--take", type=click.Choice(["hubspot", "partner_central"]), default=None)
@click.option("--value", default=None, help="the value to keep, as HubSpot holds it")
def conflicts_resolve(conflict_id: int, take: str | None, value: str | None) -> None:
    """Settle a conflict now: --take a side, or --value V for both sides."""
    from workers.sync.backfill import patiently
    from workers.sync.conflict_resolution import resolve_conflict
    from workers.sync.context import Run
    from workers.sync.resolutions import Resolution, ResolutionError

    if (take is None) == (value is None):
        raise click.UsageError("give --take hubspot|partner_central or --value V (one of them)")
    resolution = Resolution(take or "value", value)
    run = Run(actor="cli:conflicts resolve", task_id=None, source="operator")
    with _app_context():
        try:
            # In a terminal a refusal for now (limiter, busy lock) is waited
            # out; a repeat after the conflict was settled goes on with its sync.
            done = patiently(resolve_conflict, conflict_id, resolution, run)
        except ResolutionError as exc:
            raise click.ClickException(exc.message) from exc
    click.echo(f"conflict {done.conflict_id} resolved; deal {done.deal_id} {done.sync_outcome}")


# -- audit --------------------------------------------------------------------------------


@click.group()
def audit() -> None:
    """The audit trail: verify its hash chain, purge and export it."""


@audit.command("verify")
def audit_verify() -> None:
    """Walk the hash chain; exit 1 naming the first bad row."""
    from models.audit_chain import verify_chain

    with _app_context(), _database().transaction() as session:
        result = verify_chain(session)
    if not result.ok:
        click.echo(f"audit chain BROKEN after {result.checked} good rows: {result.problem}")
        sys.exit(1)
    legacy = f" ({result.unchained} older rows predate the chain)" if result.unchained else ""
    click.echo(f"audit chain OK: {result.checked} rows verified{legacy}")


@audit.command("purge")
def audit_purge() -> None:
    """Remove rows older than PCSYNC_AUDIT_RETENTION_DAYS now (beat does it daily)."""
    from datetime import timedelta

    from models.audit_retention import purge_audit_trail
    from pcsync import runtime

    with _app_context(), _database().transaction() as session:
        cutoff = runtime.utc_now() - timedelta(days=runtime.settings().audit_retention_days)
        purge = purge_audit_trail(session, cutoff, source="operator", actor="cli:audit purge")
    click.echo(f"purged {purge.removed} rows written before {cutoff.isoformat()}")


@audit.command("export")
@click.option("--from", "start", type=PERIOD, default=None, help="inclusive (UTC if no zone)")
@click.option("--to", "end", type=PERIOD, default=None, help="exclusive")
@click.option("--format", "fmt", type=click.Choice(["csv", "jsonl"]), default="jsonl")
@click.option("--output", type=click.File("w", encoding="utf-8"), default="-")
def audit_export(start, end, fmt: str, output) -> None:
    """Stream audit rows (oldest first) to a file or stdout, any size."""
    from tqdm import tqdm

    from models.audit_export import export_audit
    from models.audit_query import AuditFilter

    # The bar only on a terminal: a redirected stderr (cron, CI) stays clean.
    bar = tqdm(desc="export", unit=" rows", file=sys.stderr, disable=not sys.stderr.isatty())
    with _app_context(), _database().transaction() as session, bar:
        count = export_audit(session, AuditFilter(start=start, end=end), output, fmt, bar.update)
    click.echo(f"exported {count} rows", err=True)


# -- report -------------------------------------------------------------------------------


@click.group()
def report() -> None:
    """Reports over the audit trail."""


@report.command("compliance")
@click.option("--from", "start", type=PERIOD, default=None, help="inclusive (UTC if no zone)")
@click.option("--to", "end", type=PERIOD, default=None, help="exclusive")
@click.option("--format", "fmt", type=click.Choice(["json", "csv"]), default="json")
def report_compliance(start, end, fmt: str) -> None:
    """Writes, failures, conflicts, deferrals and quota per day and in total."""
    from models.compliance import compliance_report, report_csv_rows

    with _app_context(), _database().transaction() as session:
        result = compliance_report(session, start, end)
    if fmt == "json":
        click.echo(json.dumps(result, indent=2))
    else:
        csv.writer(sys.stdout).writerows(report_csv_rows(result))
    if not result["chain"]["ok"]:
        sys.exit(1)
