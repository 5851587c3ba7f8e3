"""The Flask app: API routes behind HubSpot's gate, plus the `/_sim` controls.

Every API request passes the same gate in HubSpot's order as far as it is
observable: bearer token, injected faults, rate limits; then the route. The
response carries the rate-limit headers and lands in the call log.
"""

from __future__ import annotations

import logging
import time

from flask import Flask, g, jsonify, request
from werkzeug.exceptions import HTTPException

from . import api_associations, api_objects, api_owners, api_properties, controls
from .errors import HubSpotError, correlation_id
from .faults import FAULT_MESSAGES
from .state import HubSpotSimulator
from .web import EXTENSION_KEY, simulator

log = logging.getLogger(__name__)
CONTROL_PREFIX = "/_sim"
MISSING_TOKEN_MESSAGE = (
    "Authentication credentials not found. This API supports OAuth 2.0 authentication and you "
    "can find more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview"
)


def create_app(**options) -> Flask:
    """Build a simulator app; options are `HubSpotSimulator`'s keywords."""
    app = Flask("simulators.hubspot")
    # Keep HubSpot's field order (the 429 body is compared field by field).
    app.json.sort_keys = False
    app.extensions[EXTENSION_KEY] = HubSpotSimulator(**options)
    for module in (api_objects, api_associations, api_properties, api_owners, controls):
        app.register_blueprint(module.blueprint)
    app.before_request(_gate)
    app.after_request(_finish)
    app.register_error_handler(HubSpotError, _hubspot_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected_error)
    return app


def _is_api_request() -> bool:
    return not request.path.startswith(CONTROL_PREFIX)


def _is_search() -> bool:
    return request.method == "POST" and request.path.endswith("/search")


def _gate():
    if not _is_api_request():
        return None
    sim = simulator()
    g.rate_headers = {}
    refusal = _check_token(sim.access_token)
    if refusal is not None:
        return refusal
    fault = sim.faults.draw()
    if fault.latency:
        time.sleep(fault.latency)
    if fault.status is not None:
        body = {
            "status": "error",
            "message": FAULT_MESSAGES.get(fault.status, "Injected fault"),
            "correlationId": correlation_id(),
        }
        return jsonify(body), fault.status
    verdict = (sim.search_limiter if _is_search() else sim.rate_limiter).check()
    g.rate_headers = verdict.headers
    if not verdict.allowed:
        return jsonify(verdict.body), 429
    return None


def _check_token(expected: str):
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if not header:
        message = MISSING_TOKEN_MESSAGE
    elif scheme.lower() != "bearer" or token != expected:
        message = "The access token provided is invalid or has expired."
    else:
        return None
    body = {
        "status": "error",
        "message": message,
        "correlationId": correlation_id(),
        "category": "INVALID_AUTHENTICATION",
    }
    return jsonify(body), 401


def _finish(response):
    if not _is_api_request():
        return response
    for name, value in getattr(g, "rate_headers", {}).items():
        response.headers[name] = value
    sim = simulator()
    # The same envelope and leading keys (time, operation, status) as the
    # Partner Central simulator's call log, so one script reads both.
    sim.call_log.record(
        {
            "time": sim.clock(),
            "operation": f"{request.method} {request.path}",
            "method": request.method,
            "path": request.path,
            "query": request.query_string.decode(),
            "json": request.get_json(silent=True),
            "status": response.status_code,
        }
    )
    return response


def _hubspot_error(error: HubSpotError):
    return jsonify(error.body()), error.status


def _http_error(error: HTTPException):
    body = {
        "status": "error",
        "message": f"{error.name}: {request.method} {request.path}",
        "correlationId": correlation_id(),
        "category": "OBJECT_NOT_FOUND" if error.code == 404 else "VALIDATION_ERROR",
    }
    return jsonify(body), error.code


def _unexpected_error(error: Exception):
    log.exception("hubspot simulator failed on %s %s", request.method, request.path)
    body = {
        "status": "error",
        "message": f"internal error: {type(error).__name__}: {error}",
        "correlationId": correlation_id(),
    }
    return jsonify(body), 500
