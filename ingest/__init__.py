"""The Flask app factory: ingest endpoints, management API and the Celery app.

One factory builds both the Flask and the Celery app, so the ingest, the
workers and beat share one configuration (STYLE.md practice 1).
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask, jsonify
from werkzeug.exceptions import HTTPException

from pcsync.app import create_base_app
from pcsync.config import Settings


def create_app(settings: Settings | None = None, clock: Callable[[], float] | None = None) -> Flask:
    from ingest import api, files, health, hubspot_webhook, pc_events
    from ingest.console import init_console

    app = create_base_app(settings, clock)
    app.register_blueprint(health.blueprint)
    app.register_blueprint(hubspot_webhook.blueprint)
    app.register_blueprint(pc_events.blueprint)
    app.register_blueprint(files.blueprint)
    api.init_api(app)
    init_console(app, app.extensions["pcsync.settings"])
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
