"""The Flask app factory: ingest endpoints, management API and the Celery app.

One factory builds both the Flask and the Celery app, so the ingest, the
workers and beat share one configuration.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask, abort, jsonify, request
from werkzeug.exceptions import ClientDisconnected, HTTPException

from ingest.body_deadline import BodyDeadline, body_received, deadline_passed
from ingest.responses import refused_by_database, unavailable
from pcsync.app import create_base_app
from pcsync.config import Settings
from pcsync.outages import DATABASE_REFUSALS, OUTAGES


def create_app(settings: Settings | None = None, clock: Callable[[], float] | None = None) -> Flask:
    from ingest import health, metrics

    # No pre-ping: a request that meets a connection the server closed is
    # retried once (the webhook) or answered 503 like any database outage.
    app = create_base_app(settings, clock, pre_ping=False)
    settings = app.extensions["pcsync.settings"]
    app.register_blueprint(health.blueprint)
    if settings.serves_webhooks:
        _serve_webhooks(app)
    if settings.serves_management:
        _serve_management(app, settings)
    app.wsgi_app = BodyDeadline(app.wsgi_app, settings.request_read_timeout_seconds)
    app.before_request(read_body_in_time)
    metrics.init_app(app)
    app.register_error_handler(HTTPException, _json_error)
    # Any route: an outage is a 503 (retry later), a value the database
    # refuses is the request's fault; neither is a 500.
    for outage in OUTAGES:
        app.register_error_handler(outage, lambda exc: unavailable("request", exc))
    for refusal in DATABASE_REFUSALS:
        app.register_error_handler(refusal, lambda exc: refused_by_database("request", exc))
    return app


def _serve_webhooks(app: Flask) -> None:
    from ingest import hubspot_webhook, pc_events

    app.register_blueprint(hubspot_webhook.blueprint)
    app.register_blueprint(pc_events.blueprint)


def _serve_management(app: Flask, settings: Settings) -> None:
    # Imported only here: a webhooks-only ingest never loads the API's and
    # the console's libraries (about 5 MB of each of its workers).
    from ingest import api, files
    from ingest.console import init_console

    app.register_blueprint(files.blueprint)
    api.init_api(app)
    init_console(app, settings)


def read_body_in_time() -> None:
    """Read the body before any handler does: a client that does not finish
    sending it within PCSYNC_REQUEST_READ_TIMEOUT (ingest/body_deadline.py)
    gets a 408, not an error that looks like an outage."""
    try:
        request.get_data(cache=True)  # 413 past MAX_CONTENT_LENGTH
    except ClientDisconnected:
        if not deadline_passed(request.environ):
            raise
    finally:
        body_received(request.environ)
    # Cut off, the read may also just return what had arrived: never use it.
    if deadline_passed(request.environ):
        response = jsonify(error="the request body did not arrive in time", status=408)
        response.status_code = 408
        # Close: the rest of the body is not worth reading at the client's pace.
        response.headers["Connection"] = "close"
        abort(response)


def _json_error(exc: HTTPException):
    """Every HTTP error in one JSON shape: `error` (abort()'s message, else the
    status description), `status`, and `errors` with the per-field problems
    of a refused body or query (flask-smorest puts them in `data.messages`)."""
    data = getattr(exc, "data", None) or {}
    body = {"error": data.get("message") or exc.description, "status": exc.code}
    if data.get("messages"):
        body["errors"] = data["messages"]
    return jsonify(body), exc.code
