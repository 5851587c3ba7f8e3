"""The operator console: server-rendered pages under /console for the people
who run pcsync (overview, conflicts, failures, referrals, one opportunity).

Sign-in takes one of PCSYNC_API_TOKENS and keeps only the token's id in a
signed session cookie; every form carries a CSRF token. Pages read the
database and the limiter; actions go through `actions.py`, the same code the
API and CLI use. Like the rest of the ingest, nothing here calls HubSpot or
Partner Central: a change is audited and queued for a worker.
"""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, Flask

from ingest.console.keys import console_secret_key
from pcsync.config import Settings

blueprint = Blueprint(
    "console",
    __name__,
    url_prefix="/console",
    template_folder="templates",
    static_folder="static",
)
SESSION_HOURS = 12


def init_console(app: Flask, settings: Settings) -> None:
    app.secret_key = console_secret_key(settings)
    app.config.update(
        SESSION_COOKIE_NAME="pcsync_console",
        SESSION_COOKIE_PATH="/console",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        # Behind TLS the browser must never send the cookie in clear text.
        SESSION_COOKIE_SECURE=settings.public_url.startswith("https://"),
        PERMANENT_SESSION_LIFETIME=timedelta(hours=SESSION_HOURS),
        # A CSRF token lives as long as the session that holds it.
        WTF_CSRF_TIME_LIMIT=None,
    )
    # The modules add their routes and hooks to `blueprint` when imported.
    from ingest.console import auth, filters, forms, pages  # noqa: F401

    app.register_blueprint(blueprint)
