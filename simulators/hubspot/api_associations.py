"""Associations API v4: per-record reads and writes, and the batch endpoints."""

from __future__ import annotations

from flask import Blueprint, jsonify, request

from . import associations as assoc
from . import errors, schema
from .crm import check_batch
from .web import batch_error, batch_response, int_arg, json_body, object_type, simulator

blueprint = Blueprint("hubspot_associations", __name__, url_prefix="/crm/v4")
READ_PAGE_LIMIT = 500  # GET .../associations/{to}: 500 per call
BATCH_READ_LIMIT = 1000  # since 2025-02-10
BATCH_WRITE_LIMIT = 100


def _associated(sim, from_type, from_id, to_type) -> list[dict]:
    return [
        {
            "toObjectId": int(to_id),
            "associationTypes": [assoc.v4_type(from_type, t) for t in type_ids],
        }
        for to_id, type_ids in sim.crm.live_targets(from_type, str(from_id), to_type)
    ]


def _page(items: list, after: str | None, limit: int) -> tuple[list, dict | None]:
    start = int(after or 0)
    page = items[start : start + limit]
    if start + limit < len(items):
        return page, {"next": {"after": str(start + limit)}}
    return page, None


def _labels_between(sim, from_type, from_id, to_type, to_id) -> dict:
    type_ids = sorted(sim.associations.types_between(from_type, from_id, to_type, to_id))
    return {
        "fromObjectTypeId": schema.OBJECT_TYPE_IDS[from_type],
        "fromObjectId": int(from_id),
        "toObjectTypeId": schema.OBJECT_TYPE_IDS[to_type],
        "toObjectId": int(to_id),
        "labels": [label for t in type_ids if (label := assoc.type_row(from_type, t)[3])],
    }


def _type_ids(specs) -> list[int]:
    if not isinstance(specs, list) or not specs:
        raise errors.validation_error(
            "Invalid input JSON: expected [{associationCategory, associationTypeId}]."
        )
    try:
        return [int(spec["associationTypeId"]) for spec in specs]
    except (KeyError, TypeError, ValueError):
        raise errors.validation_error("Each association type needs associationTypeId.") from None


@blueprint.get("/objects/<from_name>/<from_id>/associations/<to_name>")
def read_associations(from_name, from_id, to_name):
    sim = simulator()
    from_type, to_type = object_type(from_name), object_type(to_name)
    limit = int_arg("limit", READ_PAGE_LIMIT, READ_PAGE_LIMIT)
    with sim.crm.lock:
        items = _associated(sim, from_type, from_id, to_type)
    page, paging = _page(items, request.args.get("after"), limit)
    body = {"results": page}
    if paging:
        body["paging"] = paging
    return jsonify(body)


@blueprint.put("/objects/<from_name>/<from_id>/associations/default/<to_name>/<to_id>")
def associate_default(from_name, from_id, to_name, to_id):
    sim = simulator()
    from_type, to_type = object_type(from_name), object_type(to_name)
    default = assoc.DEFAULT_TYPE.get((from_type, to_type))
    if default is None:
        raise errors.validation_error(f"{from_type} cannot be associated with {to_type}")
    with sim.crm.lock:
        sim.crm.associate(from_type, from_id, to_type, to_id, [default], sim.app_source)
    results = [
        {
            "from": {"id": str(a_id)},
            "to": {"id": str(b_id)},
            "associationSpec": {"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": t},
        }
        for a_id, b_id, t in (
            (from_id, to_id, default),
            (to_id, from_id, assoc.REVERSE_TYPE[default]),
        )
    ]
    return batch_response(results)


@blueprint.put("/objects/<from_name>/<from_id>/associations/<to_name>/<to_id>")
def associate_labelled(from_name, from_id, to_name, to_id):
    sim = simulator()
    from_type, to_type = object_type(from_name), object_type(to_name)
    type_ids = _type_ids(json_body())
    with sim.crm.lock:
        sim.crm.associate(from_type, from_id, to_type, to_id, type_ids, sim.app_source)
        return jsonify(_labels_between(sim, from_type, from_id, to_type, to_id)), 201


@blueprint.delete("/objects/<from_name>/<from_id>/associations/<to_name>/<to_id>")
def remove_associations(from_name, from_id, to_name, to_id):
    sim = simulator()
    with sim.crm.lock:
        sim.crm.disassociate(
            object_type(from_name), from_id, object_type(to_name), to_id, None, sim.app_source
        )
    return "", 204


@blueprint.post("/associations/<from_name>/<to_name>/batch/read")
def batch_read(from_name, to_name):
    """Associations of up to 1000 records; ids with none are 207 errors."""
    sim = simulator()
    from_type, to_type = object_type(from_name), object_type(to_name)
    inputs = check_batch(_inputs(), BATCH_READ_LIMIT)
    results, without = [], []
    with sim.crm.lock:
        for item in inputs:
            from_id = str(item.get("id")) if isinstance(item, dict) else None
            items = _associated(sim, from_type, from_id, to_type) if from_id else []
            if not items:
                without.append(from_id)
                continue
            page, paging = _page(items, item.get("after"), READ_PAGE_LIMIT)
            result = {"from": {"id": from_id}, "to": page}
            if paging:
                result["paging"] = paging
            results.append(result)
    problems = [
        batch_error(
            "OBJECT_NOT_FOUND",
            f"No {to_type} is associated with {schema.SINGULAR[from_type]} {from_id}.",
            {"fromObjectId": [from_id]},
            sub_category="crm.associations.NO_ASSOCIATIONS_FOUND",
        )
        for from_id in without
    ]
    return batch_response(results, problems)


def _inputs():
    body = json_body()
    return body.get("inputs") if isinstance(body, dict) else None


@blueprint.post("/associations/<from_name>/<to_name>/batch/create")
def batch_create(from_name, to_name):
    sim = simulator()
    from_type, to_type = object_type(from_name), object_type(to_name)
    inputs = check_batch(_inputs(), BATCH_WRITE_LIMIT)
    pairs = [(_pair_ids(item), _type_ids(item.get("types"))) for item in inputs]
    with sim.crm.lock:
        for (from_id, to_id), type_ids in pairs:
            sim.crm.associate(from_type, from_id, to_type, to_id, type_ids, sim.app_source)
        results = [
            _labels_between(sim, from_type, from_id, to_type, to_id)
            for (from_id, to_id), _ in pairs
        ]
    return batch_response(results, status=201)


@blueprint.post("/associations/<from_name>/<to_name>/batch/associate/default")
def batch_associate_default(from_name, to_name):
    sim = simulator()
    from_type, to_type = object_type(from_name), object_type(to_name)
    default = assoc.DEFAULT_TYPE.get((from_type, to_type))
    if default is None:
        raise errors.validation_error(f"{from_type} cannot be associated with {to_type}")
    pairs = [_pair_ids(item) for item in check_batch(_inputs(), BATCH_WRITE_LIMIT)]
    with sim.crm.lock:
        for from_id, to_id in pairs:
            sim.crm.associate(from_type, from_id, to_type, to_id, [default], sim.app_source)
    results = [
        {
            "from": {"id": from_id},
            "to": {"id": to_id},
            "associationSpec": {
                "associationCategory": "HUBSPOT_DEFINED",
                "associationTypeId": default,
            },
        }
        for from_id, to_id in pairs
    ]
    return batch_response(results)


@blueprint.post("/associations/<from_name>/<to_name>/batch/archive")
def batch_archive(from_name, to_name):
    sim = simulator()
    from_type, to_type = object_type(from_name), object_type(to_name)
    inputs = check_batch(_inputs(), BATCH_WRITE_LIMIT)
    try:
        pairs = [
            (str(item["from"]["id"]), str(target["id"])) for item in inputs for target in item["to"]
        ]
    except (KeyError, TypeError):
        raise errors.validation_error("Each input needs from:{id} and to:[{id}].") from None
    with sim.crm.lock:
        for from_id, to_id in pairs:
            sim.crm.disassociate(from_type, from_id, to_type, to_id, None, sim.app_source)
    return "", 204


def _pair_ids(item) -> tuple[str, str]:
    try:
        return str(item["from"]["id"]), str(item["to"]["id"])
    except (KeyError, TypeError):
        raise errors.validation_error("Each input needs from:{id} and to:{id}.") from None
