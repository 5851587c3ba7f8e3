"""CRM objects API v3: read, list, create, update, archive, batch, search, merge."""

from __future__ import annotations

from flask import Blueprint, jsonify, request

from . import errors, search
from .crm import BATCH_LIMIT, HISTORY_BATCH_LIMIT, check_batch
from .web import (
    batch_error,
    batch_response,
    bool_arg,
    int_arg,
    json_object,
    list_arg,
    object_type,
    simulator,
)

blueprint = Blueprint("hubspot_objects", __name__, url_prefix="/crm/v3/objects")
LIST_LIMIT = 100


def _render_args():
    return {
        "properties": list_arg("properties") or None,
        "with_history": list_arg("propertiesWithHistory") or None,
        "association_types": [object_type(t) for t in list_arg("associations")] or None,
    }


@blueprint.get("/<type_name>")
def list_objects(type_name):
    sim, kind = simulator(), object_type(type_name)
    limit = int_arg("limit", 10, LIST_LIMIT)
    after = request.args.get("after")
    with sim.crm.lock:
        records = sim.objects.all(kind, archived=bool_arg("archived"))
        if after:
            records = [r for r in records if int(r.id) >= int(after)]
        page, rest = records[:limit], records[limit:]
        body = {"results": [sim.crm.render(r, **_render_args()) for r in page]}
    if rest:
        body["paging"] = {"next": {"after": rest[0].id}}
    return jsonify(body)


@blueprint.get("/<type_name>/<object_id>")
def read_object(type_name, object_id):
    sim = simulator()
    with sim.crm.lock:
        record = sim.crm.get(
            object_type(type_name),
            object_id,
            archived=bool_arg("archived"),
            id_property=request.args.get("idProperty"),
        )
        return jsonify(sim.crm.render(record, **_render_args()))


@blueprint.post("/<type_name>")
def create_object(type_name):
    sim = simulator()
    with sim.crm.lock:
        record = sim.crm.create(object_type(type_name), json_object(), sim.app_source)
        return jsonify(sim.crm.render(record, list(record.properties))), 201


@blueprint.patch("/<type_name>/<object_id>")
def update_object(type_name, object_id):
    sim = simulator()
    body = json_object()
    with sim.crm.lock:
        kind = object_type(type_name)
        if request.args.get("idProperty"):
            object_id = sim.crm.get(kind, object_id, id_property=request.args["idProperty"]).id
        record = sim.crm.update(kind, object_id, body.get("properties"), sim.app_source)
        return jsonify(sim.crm.render(record, list(record.properties)))


@blueprint.delete("/<type_name>/<object_id>")
def archive_object(type_name, object_id):
    sim = simulator()
    with sim.crm.lock:
        sim.crm.archive(object_type(type_name), object_id, sim.app_source)
    return "", 204


@blueprint.post("/<type_name>/batch/read")
def batch_read(type_name):
    sim, kind, body = simulator(), object_type(type_name), json_object()
    limit = HISTORY_BATCH_LIMIT if body.get("propertiesWithHistory") else BATCH_LIMIT
    inputs = check_batch(body.get("inputs"), limit)
    id_property = body.get("idProperty")
    results, missing = [], []
    with sim.crm.lock:
        for item in inputs:
            record_id = str(item.get("id")) if isinstance(item, dict) else None
            try:
                record = sim.crm.get(
                    kind, record_id, archived=bool(body.get("archived")), id_property=id_property
                )
            except errors.HubSpotError:
                missing.append(record_id)
                continue
            results.append(
                sim.crm.render(record, body.get("properties"), body.get("propertiesWithHistory"))
            )
    message = (
        f"Could not get some {kind} objects, they may be deleted or not exist. "
        "Check that ids are valid."
    )
    return batch_response(results, _not_found(missing, message))


def _not_found(missing: list[str], message: str) -> list[dict]:
    """The batch errors for the ids not found: none, or one naming them all."""
    return [batch_error("OBJECT_NOT_FOUND", message, {"ids": missing})] if missing else []


@blueprint.post("/<type_name>/batch/create")
def batch_create(type_name):
    sim, kind = simulator(), object_type(type_name)
    inputs = check_batch(json_object().get("inputs"))
    with sim.crm.lock:
        records = sim.crm.create_many(kind, inputs, sim.app_source)
        results = [sim.crm.render(r, list(r.properties)) for r in records]
    return batch_response(results, status=201)


@blueprint.post("/<type_name>/batch/update")
def batch_update(type_name):
    sim, kind = simulator(), object_type(type_name)
    inputs = check_batch(json_object().get("inputs"))
    with sim.crm.lock:
        records, missing = sim.crm.update_many(kind, inputs, sim.app_source)
        results = [sim.crm.render(r, list(r.properties)) for r in records]
    message = f"Could not update some {kind} objects, they may be deleted or not exist."
    return batch_response(results, _not_found(missing, message))


@blueprint.post("/<type_name>/batch/archive")
def batch_archive(type_name):
    sim, kind = simulator(), object_type(type_name)
    inputs = check_batch(json_object().get("inputs"))
    with sim.crm.lock:
        for item in inputs:
            sim.crm.archive(kind, str(item.get("id")), sim.app_source)
    return "", 204


@blueprint.post("/<type_name>/search")
def search_objects(type_name):
    sim, kind = simulator(), object_type(type_name)
    raw = request.get_data(as_text=True)
    body = json_object()
    with sim.crm.lock:
        query = search.SearchRequest(
            body, len(raw), lambda name: sim.properties.get(kind, name) is not None
        )
        return jsonify(search.run(sim.crm, kind, query))


@blueprint.post("/<type_name>/merge")
def merge_objects(type_name):
    sim, body = simulator(), json_object()
    if not body.get("primaryObjectId") or not body.get("objectIdToMerge"):
        raise errors.validation_error("primaryObjectId and objectIdToMerge are required.")
    with sim.crm.lock:
        record = sim.crm.merge(
            object_type(type_name), body["primaryObjectId"], body["objectIdToMerge"],
            sim.app_source,
        )  # fmt: skip
        return jsonify(sim.crm.render(record, list(record.properties)))
