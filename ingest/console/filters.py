"""How values look on the console's pages (Jinja filters)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from ingest.console import blueprint


@blueprint.app_template_filter("console_value")
def console_value(value) -> str:
    """A field value as an operator reads it: strings as they are, a record
    as "Amount 12000, CurrencyCode USD", a list of records one after another."""
    if value is None or value == []:
        return "—"
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return "; ".join(console_value(item) for item in value)
    if isinstance(value, dict):
        return ", ".join(f"{key} {console_value(item)}" for key, item in value.items())
    return json.dumps(value)


@blueprint.app_template_filter("console_when")
def console_when(moment: datetime | None) -> str:
    if moment is None:
        return "—"
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


@blueprint.app_template_filter("console_countdown")
def console_countdown(seconds: int | None) -> str:
    """Time left before a deadline: "3 d 4 h", "5 h 12 min", "expired"."""
    if seconds is None:
        return "no deadline"
    if seconds <= 0:
        return "expired"
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    if days:
        return f"{days} d {hours} h"
    return f"{hours} h {minutes} min" if hours else f"{minutes} min"
