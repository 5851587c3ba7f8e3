"""The Flask app factory: ingest endpoints, management API and the Celery app.

One factory builds both the Flask and the Celery app, so the ingest, the
workers and beat share one configuration.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask, jsonify
from werkzeug.exceptions import HTTPException

from models.db import Database
from pcsync.config import Settings, load_settings
from pcsync.logs import configure_logging


def create_app(settings: Settings | None = None, clock: Callable[[], float] | None = None) -> Flask:
    from ingest import api, health, hubspot_webhook, metrics, pc_events
    from workers.celery_app import celery_init_app

    settings = settings or load_settings()
    configure_logging(settings.log_level, settings.secrets(), json=settings.log_json)
    app = Flask("pcsync")
    app.config["MAX_CONTENT_LENGTH"] = settings.max_body_bytes
    app.extensions["pcsync.settings"] = settings
    app.extensions["pcsync.db"] = Database(settings.database_url)
    if clock is not None:
        app.extensions["pcsync.clock"] = clock
    celery_init_app(app, settings)
    app.register_blueprint(health.blueprint)
    app.register_blueprint(hubspot_webhook.blueprint)
    app.register_blueprint(pc_events.blueprint)
    api.init_api(app)
    metrics.init_app(app)
    app.register_error_handler(HTTPException, _json_error)
    return app


def _json_error(exc: HTTPException):
    """Every HTTP error in one JSON shape: `error` (abort()'s message, else the
    status description), `status`, and `errors` with the per-field problems
    of a refused body or query (flask-smorest puts them in `data.messages`)."""
    data = getattr(exc, "data", None) or {}
    body = {"error": data.get("message") or exc.description, "status": exc.code}
    if data.get("messages"):
        body["errors"] = data["messages"]
    return jsonify(body), exc.code
