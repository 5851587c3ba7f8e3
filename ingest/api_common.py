"""What every operator API blueprint shares: the /api prefix behind the bearer
token, the security requirement its routes document, the read routes on an
opportunity, and who the operator is for the audit trail."""

from __future__ import annotations

from collections.abc import Callable

from flask import request
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from ingest.api import operator_actor_for, require_bearer_token
from workers.sync.context import Run, audit

SECURITY = [{"bearerAuth": []}]


def operator_blueprint(name: str, import_name: str, description: str) -> Blueprint:
    """A blueprint under /api whose every route needs the operator's bearer token."""
    blueprint = Blueprint(name, import_name, url_prefix="/api", description=description)
    blueprint.before_request(require_bearer_token)
    return blueprint


def documented(blueprint: Blueprint, other_answers: dict[int, str]) -> Callable:
    """Documents a route's answers besides its success (status -> description)
    and that it needs the bearer token."""

    def document(view: Callable) -> Callable:
        view = blueprint.doc(security=SECURITY)(view)
        for status, description in reversed(other_answers.items()):
            view = blueprint.alt_response(status, description=description)(view)
        return view

    return document


UNKNOWN_OPPORTUNITY = "no linked opportunity with this id"


def opportunity_read(blueprint: Blueprint, rule: str, schema) -> Callable:
    """Registers a GET route on an opportunity (``rule`` under
    /opportunities/<opportunityId>) answering ``schema``: a malformed id is a
    400, an id linked to no deal a 404."""
    answers = {400: "malformed opportunity id", 404: UNKNOWN_OPPORTUNITY}

    def register(view: Callable) -> Callable:
        view = documented(blueprint, answers)(view)
        return blueprint.route(rule)(blueprint.response(200, schema)(view))

    return register


class QueuedOnOpportunitySchema(Schema):
    """The answer to an operator's request queued for a linked opportunity."""

    queued = fields.Boolean()
    opportunity_id = fields.String()
    hubspot_deal_id = fields.String()


def operator_actor() -> str:
    """Who did it, for the audit trail, without storing the token itself."""
    _, _, token = request.headers.get("Authorization", "").partition(" ")
    return operator_actor_for(token)


def operator_run() -> Run:
    return Run(actor=operator_actor(), task_id=None, source="operator")


def audit_request(session, run: Run, action: str, link, diff: dict) -> None:
    """The audit row of an operator's request on a linked opportunity (``link``)."""
    deal_id, opportunity_id = link.hubspot_deal_id, link.opportunity_id
    audit(session, run, action, "requested", deal_id, opportunity_id=opportunity_id, diff=diff)
