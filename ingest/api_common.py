"""What every operator API blueprint shares: the /api prefix behind the bearer
token, the security requirement its routes document, the read routes on an
opportunity, and who the operator is for the audit trail."""

from __future__ import annotations

from collections.abc import Callable

from flask import request
from flask_smorest import Blueprint

from ingest.api import operator_actor_for, require_bearer_token
from workers.sync.context import Run

SECURITY = [{"bearerAuth": []}]


def operator_blueprint(name: str, import_name: str, description: str) -> Blueprint:
    """A blueprint under /api whose every route needs the operator's bearer token."""
    blueprint = Blueprint(name, import_name, url_prefix="/api", description=description)
    blueprint.before_request(require_bearer_token)
    return blueprint


def opportunity_read(blueprint: Blueprint, rule: str, schema) -> Callable:
    """Registers a GET route on an opportunity (``rule`` under
    /opportunities/<opportunityId>) answering ``schema``, and documents its
    other answers: a malformed id (400), an id linked to no deal (404)."""
    decorators = (
        blueprint.doc(security=SECURITY),
        blueprint.alt_response(404, description="no linked opportunity with this id"),
        blueprint.alt_response(400, description="malformed opportunity id"),
        blueprint.response(200, schema),
        blueprint.route(rule),
    )

    def register(view: Callable) -> Callable:
        for decorate in decorators:
            view = decorate(view)
        return view

    return register


def operator_actor() -> str:
    """Who did it, for the audit trail, without storing the token itself."""
    _, _, token = request.headers.get("Authorization", "").partition(" ")
    return operator_actor_for(token)


def operator_run() -> Run:
    return Run(actor=operator_actor(), task_id=None, source="operator")


def audit_request(session, run: Run, action: str, link, diff: dict) -> None:
    """The audit row of an operator's request on a linked opportunity (``link``)."""
    run.audit(
        session,
        action=action,
        outcome="requested",
        object_type="deal",
        object_id=link.hubspot_deal_id,
        opportunity_id=link.opportunity_id,
        diff=diff,
    )
