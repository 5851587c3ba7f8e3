"""Owners API v3: read one owner, list (optionally by email)."""

from __future__ import annotations

from flask import Blueprint, jsonify, request

from . import errors
from .web import bool_arg, int_arg, simulator

blueprint = Blueprint("hubspot_owners", __name__, url_prefix="/crm/v3/owners")
LIST_LIMIT = 500


@blueprint.get("")
@blueprint.get("/")
def list_owners():
    sim = simulator()
    limit = int_arg("limit", 100, LIST_LIMIT)
    start = int(request.args.get("after") or 0)
    with sim.crm.lock:
        owners = sim.owners.list(request.args.get("email"), archived=bool_arg("archived"))
    body = {"results": owners[start : start + limit]}
    if start + limit < len(owners):
        body["paging"] = {"next": {"after": str(start + limit)}}
    return jsonify(body)


@blueprint.get("/<owner_id>")
def read_owner(owner_id):
    sim = simulator()
    id_property = request.args.get("idProperty", "id")
    if id_property not in ("id", "userId"):
        raise errors.validation_error("idProperty must be id or userId")
    with sim.crm.lock:
        owner = sim.owners.get(owner_id, id_property, archived=bool_arg("archived"))
    if owner is None:
        raise errors.not_found(f"Owner {owner_id} not found")
    return jsonify(owner)
