"""`/_sim/...`: HTTP controls mirroring the simulator's Python methods.

No token, no rate limit, not in the call log: these are the test's or the
demo's hands, not API traffic. Record changes made here act as a HubSpot
user (changeSource `CRM_UI`).
"""

from __future__ import annotations

from flask import Blueprint, jsonify, request

from . import errors
from .web import json_body, object_type, simulator

blueprint = Blueprint("hubspot_controls", __name__, url_prefix="/_sim")


def _options() -> dict:
    body = request.get_json(silent=True)
    return body if isinstance(body, dict) else {}


def _settings(call):
    """Run a settings call, turning bad values into a 400."""
    try:
        return call()
    except (TypeError, ValueError) as problem:
        raise errors.validation_error(str(problem)) from None


@blueprint.post("/reset")
def reset():
    simulator().reset()
    return "", 204


@blueprint.post("/owners")
def seed_owners():
    body = json_body()
    owners = body.get("owners") if isinstance(body, dict) else body
    if not isinstance(owners, list):
        raise errors.validation_error("Send a list of owners or {owners: [...]}.")
    return jsonify({"results": simulator().seed_owners(owners)}), 201


@blueprint.get("/objects/<type_name>")
def list_objects(type_name):
    return jsonify({"results": simulator().list_objects(object_type(type_name))})


@blueprint.get("/objects/<type_name>/<object_id>")
def get_object(type_name, object_id):
    return jsonify(simulator().get_object(object_type(type_name), object_id))


@blueprint.post("/objects/<type_name>")
def create_object(type_name):
    body = _options()
    record = simulator().create_object(
        object_type(type_name),
        body.get("properties") or {},
        body.get("associations"),
        user_id=body.get("userId"),
    )
    return jsonify(record), 201


@blueprint.patch("/objects/<type_name>/<object_id>")
def update_object(type_name, object_id):
    body = _options()
    record = simulator().update_object(
        object_type(type_name), object_id, body.get("properties") or {}, body.get("userId")
    )
    return jsonify(record)


@blueprint.delete("/objects/<type_name>/<object_id>")
def delete_object(type_name, object_id):
    simulator().delete_object(object_type(type_name), object_id, _options().get("userId"))
    return "", 204


@blueprint.post("/objects/<type_name>/merge")
def merge_objects(type_name):
    body = _options()
    record = simulator().merge_objects(
        object_type(type_name),
        body.get("primaryObjectId"),
        body.get("objectIdToMerge"),
        body.get("userId"),
    )
    return jsonify(record)


@blueprint.put("/associations/<from_name>/<from_id>/<to_name>/<to_id>")
def associate(from_name, from_id, to_name, to_id):
    body = _options()
    type_ids = simulator().associate(
        object_type(from_name),
        from_id,
        object_type(to_name),
        to_id,
        primary=bool(body.get("primary")),
        user_id=body.get("userId"),
    )
    return jsonify({"associationTypeIds": type_ids})


@blueprint.delete("/associations/<from_name>/<from_id>/<to_name>/<to_id>")
def disassociate(from_name, from_id, to_name, to_id):
    simulator().disassociate(
        object_type(from_name), from_id, object_type(to_name), to_id, _options().get("userId")
    )
    return "", 204


@blueprint.get("/webhooks/subscriptions")
def list_subscriptions():
    return jsonify({"results": simulator().list_subscriptions()})


@blueprint.put("/webhooks/subscriptions")
def set_subscriptions():
    body = json_body()
    specs = body.get("subscriptions") if isinstance(body, dict) else body
    return jsonify({"results": simulator().set_subscriptions(specs)})


@blueprint.put("/webhooks/url")
def set_webhook_url():
    simulator().set_webhook_url(_options().get("url"))
    return jsonify({"url": simulator().webhooks.url})


@blueprint.put("/webhooks/settings")
def set_delivery():
    settings = _settings(lambda: simulator().set_delivery(**_options()))
    return jsonify({**settings, "retry_delays": list(settings["retry_delays"])})


@blueprint.get("/webhooks/deliveries")
def deliveries():
    return jsonify({"results": simulator().deliveries()})


@blueprint.get("/webhooks/events")
def webhook_events():
    return jsonify({"results": simulator().webhook_events()})


@blueprint.post("/webhooks/flush")
def flush():
    idle = simulator().flush(float(_options().get("timeout", 10)))
    return jsonify({"idle": idle})


@blueprint.get("/rate-limits")
def rate_limits():
    return jsonify(simulator().rate_limit_usage())


@blueprint.put("/rate-limits")
def set_rate_limits():
    body = _options()
    return jsonify(
        _settings(
            lambda: simulator().set_rate_limits(
                body.get("ten_second_limit"),
                body.get("daily_limit"),
                body.get("search_per_second"),
            )
        )
    )


@blueprint.put("/faults")
def set_faults():
    body = _options()
    return jsonify(
        _settings(
            lambda: simulator().set_faults(
                body.get("error_rate"), body.get("statuses"), body.get("latency"), body.get("seed")
            )
        )
    )


@blueprint.post("/faults/fail-next")
def fail_next():
    body = _options()
    _settings(
        lambda: simulator().fail_next(int(body.get("count", 1)), int(body.get("status", 503)))
    )
    return jsonify(simulator().faults.describe())


@blueprint.get("/calls")
def calls():
    found = simulator().calls(request.args.get("method"), request.args.get("path_prefix"))
    return jsonify({"results": found})


@blueprint.delete("/calls")
def clear_calls():
    simulator().clear_calls()
    return "", 204
