"""Properties API v3: definitions and groups per object type."""

from __future__ import annotations

from flask import Blueprint, jsonify

from . import errors
from .crm import check_batch
from .web import batch_error, batch_response, json_object, object_type, simulator

blueprint = Blueprint("hubspot_properties", __name__, url_prefix="/crm/v3/properties")


@blueprint.get("/<type_name>")
def list_properties(type_name):
    sim = simulator()
    with sim.crm.lock:
        return jsonify({"results": sim.properties.list(object_type(type_name))})


@blueprint.post("/<type_name>")
def create_property(type_name):
    sim = simulator()
    with sim.crm.lock:
        return jsonify(sim.properties.create(object_type(type_name), json_object())), 201


@blueprint.get("/<type_name>/<name>")
def read_property(type_name, name):
    sim = simulator()
    with sim.crm.lock:
        definition = sim.properties.get(object_type(type_name), name)
        if definition is None:
            raise errors.not_found(f"Unable to find property with name {name}")
        return jsonify(sim.properties.render(definition))


@blueprint.post("/<type_name>/batch/read")
def batch_read(type_name):
    sim, kind = simulator(), object_type(type_name)
    inputs = check_batch(json_object().get("inputs"))
    names = [item.get("name") if isinstance(item, dict) else None for item in inputs]
    with sim.crm.lock:
        found = [sim.properties.get(kind, name) for name in names]
        results = [sim.properties.render(d) for d in found if d]
    missing = [name for name, d in zip(names, found, strict=True) if d is None]
    problems = [
        batch_error(
            "OBJECT_NOT_FOUND", f"Unable to find property with name {name}", {"name": [name]}
        )
        for name in missing
    ]
    return batch_response(results, problems)


@blueprint.post("/<type_name>/batch/create")
def batch_create(type_name):
    """Create each property; failures (a taken name, a bad body) are 207 errors."""
    sim, kind = simulator(), object_type(type_name)
    inputs = check_batch(json_object().get("inputs"))
    results, problems = [], []
    with sim.crm.lock:
        for item in inputs:
            try:
                results.append(sim.properties.create(kind, item if isinstance(item, dict) else {}))
            except errors.HubSpotError as failure:
                context = {"name": [item.get("name")]} if isinstance(item, dict) else {}
                problems.append(batch_error(failure.category, failure.message, context))
    if problems and not results:
        return batch_response(results, problems)
    return batch_response(results, problems, status=201)


@blueprint.get("/<type_name>/groups")
def list_groups(type_name):
    sim = simulator()
    with sim.crm.lock:
        return jsonify({"results": sim.properties.groups(object_type(type_name))})


@blueprint.post("/<type_name>/groups")
def create_group(type_name):
    sim = simulator()
    with sim.crm.lock:
        return jsonify(sim.properties.create_group(object_type(type_name), json_object())), 201


@blueprint.get("/<type_name>/groups/<name>")
def read_group(type_name, name):
    sim = simulator()
    with sim.crm.lock:
        group = sim.properties.group(object_type(type_name), name)
    if group is None:
        raise errors.not_found(f"Unable to find property group with name {name}")
    return jsonify(group)
