"""The app every pcsync process is built on: settings, database, clock and
the Celery app, with no HTTP endpoints.

The ingest adds its blueprints on top (`ingest.create_app`); the worker and
beat use this app alone, so they never import the web layer (its schemas,
flask-smorest, the webhook handlers): a smaller and faster-starting process.
Tasks and request handlers reach the same services through `pcsync.runtime`.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask

from models.db import Database
from pcsync.config import Settings, load_settings
from pcsync.logs import configure_logging


def create_base_app(
    settings: Settings | None = None,
    clock: Callable[[], float] | None = None,
    *,
    pre_ping: bool = True,
) -> Flask:
    """`pre_ping`: test each pooled database connection before use (see
    `models.db.Database`); the ingest saves that round trip per request."""
    from workers.celery_app import celery_init_app

    settings = settings or load_settings()
    configure_logging(settings.log_level, settings.secrets(), json=settings.log_json)
    app = Flask("pcsync")
    app.config["MAX_CONTENT_LENGTH"] = settings.max_body_bytes
    app.extensions["pcsync.settings"] = settings
    app.extensions["pcsync.db"] = Database(
        settings.database_url, audit_pseudonym_key=settings.audit_pseudonym_key(), pre_ping=pre_ping
    )
    if clock is not None:
        app.extensions["pcsync.clock"] = clock
    celery_init_app(app, settings)
    return app
