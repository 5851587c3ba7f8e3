"""How values look on the console's pages (Jinja filters)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from ingest.console import blueprint


@blueprint.app_template_filter("console_value")
def console_value(value) -> str:
    """A field value as text: strings as they are, structures as compact JSON."""
    if value is None:
        return "—"
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


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
