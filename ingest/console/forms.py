"""The console's form posts: each calls one action, tells the operator what
happened (or why nothing did) and sends the browser back to a page, so a
reload never posts twice."""

from __future__ import annotations

from flask import flash, g, redirect, request, url_for

from ingest.console import actions, blueprint


def _done(run, endpoint: str, **values):
    try:
        flash(run(), "success")
    except actions.ActionRefused as exc:
        flash(str(exc), "error")
    return redirect(url_for(endpoint, **values))


@blueprint.route("/conflicts/<int:conflict_id>/resolve", methods=["POST"])
def resolve(conflict_id: int):
    choice, value = request.form.get("choice", ""), request.form.get("value")
    return _done(
        lambda: actions.resolve_conflict(conflict_id, choice, value, g.operator),
        "console.conflicts",
    )


@blueprint.route("/failures/<int:failure_id>/replay", methods=["POST"])
def replay(failure_id: int):
    return _done(lambda: actions.replay([failure_id], g.operator), "console.failures")


@blueprint.route("/failures/replay-all", methods=["POST"])
def replay_all():
    return _done(lambda: actions.replay(None, g.operator), "console.failures")


@blueprint.route("/referrals/<invitation_id>/accept", methods=["POST"])
def accept(invitation_id: str):
    return _done(
        lambda: actions.decide_referral(invitation_id, "accept", None, g.operator),
        "console.referrals",
    )


@blueprint.route("/referrals/<invitation_id>/reject", methods=["POST"])
def reject(invitation_id: str):
    reason = request.form.get("reason", "")
    return _done(
        lambda: actions.decide_referral(invitation_id, "reject", reason, g.operator),
        "console.referrals",
    )


@blueprint.route("/opportunities/<deal_id>/sync", methods=["POST"])
def sync_now(deal_id: str):
    return _done(
        lambda: actions.sync_now(deal_id, g.operator),
        "console.opportunity_page",
        identifier=deal_id,
    )
