"""Liveness and readiness probes."""

from __future__ import annotations

from flask import Blueprint, jsonify

from pcsync import runtime

blueprint = Blueprint("health", __name__)


@blueprint.get("/healthz")
def healthz():
    return jsonify(status="ok")


def _check(probe) -> str:
    try:
        probe()
    except Exception as exc:  # a probe reports any failure; it never raises
        return f"unavailable: {type(exc).__name__}"
    return "ok"


def _ping_broker() -> None:
    with runtime.celery_app().connection_for_write() as connection:
        connection.ensure_connection(max_retries=1, timeout=2)


@blueprint.get("/readyz")
def readyz():
    checks = {"database": _check(runtime.database().ping), "broker": _check(_ping_broker)}
    ready = all(value == "ok" for value in checks.values())
    return jsonify(status="ready" if ready else "not ready", checks=checks), 200 if ready else 503
