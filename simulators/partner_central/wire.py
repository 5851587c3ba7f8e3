"""The awsJson 1.0 wire protocol: `POST /` with `X-Amz-Target`, JSON in and out.

SigV4 is not verified (any credentials do), but an Authorization header must
be present, as an unsigned request never reaches the real service.
"""

from __future__ import annotations

import json
import uuid

from flask import Blueprint, Response, current_app, request

from . import service_model
from .errors import ApiError, MissingAuthentication, SerializationFailure, UnknownOperation

CONTENT_TYPE = "application/x-amz-json-1.0"

blueprint = Blueprint("pc_wire", __name__)


@blueprint.post("/")
def dispatch() -> Response:
    simulator = current_app.extensions["pc_simulator"]
    operation = _operation_from_target(request.headers.get("X-Amz-Target", ""))
    try:
        params = _parse_request(operation)
    except ApiError as error:
        status, body = simulator.reject(operation or "(none)", None, error)
        return _respond(status, body)
    status, body = simulator.handle(operation, params)
    return _respond(status, body)


def _operation_from_target(target: str) -> str | None:
    prefix, _, operation = target.partition(".")
    return operation if prefix == service_model.target_prefix() and operation else None


def _parse_request(operation: str | None) -> dict:
    if operation is None:
        raise UnknownOperation("Missing or unknown X-Amz-Target header.")
    if not request.headers.get("Authorization"):
        raise MissingAuthentication("Missing Authentication Token")
    raw = request.get_data()
    if not raw.strip():
        return {}
    try:
        params = json.loads(raw)
    except ValueError as error:
        raise SerializationFailure(f"Request body is not valid JSON: {error}") from error
    if not isinstance(params, dict):
        raise SerializationFailure("Request body must be a JSON object.")
    return params


def _respond(status: int, body: dict) -> Response:
    return Response(
        json.dumps(body),
        status=status,
        content_type=CONTENT_TYPE,
        headers={"x-amzn-RequestId": str(uuid.uuid4())},
    )
