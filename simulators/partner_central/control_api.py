"""HTTP controls under /_sim: the same operations as the Simulator's methods.

Bodies are JSON objects whose keys are the Python keyword arguments; values
in the model's vocabulary (summaries, invitation parts) use the model's
PascalCase member names.
"""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, request

from .errors import ControlError

blueprint = Blueprint("pc_controls", __name__, url_prefix="/_sim")


def _simulator():
    return current_app.extensions["pc_simulator"]


def _body() -> dict:
    body = request.get_json(silent=True)
    if body is None:
        return {}
    if not isinstance(body, dict):
        raise ControlError("body must be a JSON object")
    return body


@blueprint.errorhandler(ControlError)
@blueprint.errorhandler(TypeError)
@blueprint.errorhandler(ValueError)
def _bad_control(error: Exception):
    return jsonify(error=str(error)), 400


@blueprint.post("/reset")
def reset():
    _simulator().reset()
    return jsonify(ok=True)


@blueprint.get("/calls")
def calls():
    # {"results": [...]}, as the HubSpot simulator answers the same route.
    return jsonify(results=_simulator().calls(request.args.get("operation")))


@blueprint.get("/model-rejections")
def model_rejections():
    return jsonify(_simulator().model_rejections())


@blueprint.get("/events")
def published_events():
    return jsonify(_simulator().events(request.args.get("detail_type")))


@blueprint.get("/quotas")
def quota_usage():
    return jsonify(_simulator().quota_usage())


@blueprint.post("/quotas")
def set_quotas():
    return jsonify(_simulator().set_quotas(**_body()))


@blueprint.post("/faults")
def set_faults():
    return jsonify(_simulator().set_faults(**_body()))


@blueprint.post("/task-delay")
def set_task_delay():
    _simulator().set_task_delay(**_body())
    return jsonify(ok=True)


@blueprint.post("/clock/advance")
def advance_clock():
    return jsonify(now=_simulator().advance_clock(**_body()))


@blueprint.post("/opportunities/<opportunity_id>/review")
def set_review_status(opportunity_id: str):
    return jsonify(_simulator().set_review_status(opportunity_id, **_body()))


@blueprint.post("/opportunities/<opportunity_id>/aws-summary")
def set_aws_summary(opportunity_id: str):
    return jsonify(_simulator().set_aws_summary(opportunity_id, **_body()))


@blueprint.post("/invitations")
def create_invitation():
    return jsonify(_simulator().create_invitation(**_body())), 201


@blueprint.post("/invitations/<invitation_id>/expire")
def expire_invitation(invitation_id: str):
    return jsonify(_simulator().expire_invitation(invitation_id))


@blueprint.post("/engagements/<engagement_id>/members")
def add_engagement_member(engagement_id: str):
    return jsonify(_simulator().add_engagement_member(engagement_id, **_body())), 201


@blueprint.get("/partner-users")
def partner_users():
    return jsonify(sorted(_simulator().partner_users.values(), key=lambda u: u["Email"]))


@blueprint.post("/partner-users")
def register_partner_user():
    return jsonify(_simulator().register_partner_user(**_body())), 201


@blueprint.post("/solutions")
def add_solution():
    return jsonify(_simulator().add_solution(**_body())), 201
