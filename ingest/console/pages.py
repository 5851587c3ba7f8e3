"""The console's pages (GET only): each reads, renders, and changes nothing."""

from __future__ import annotations

from flask import abort, redirect, render_template, request, url_for
from sqlalchemy import select

from ingest.console import blueprint, opportunity
from ingest.console.overview import NEEDS_INPUT, overview
from models import Conflict, Invitation, OpportunityLink
from pcsync import runtime
from workers.failures import list_failures
from workers.sync.referral_views import REJECTION_REASONS, invitation_view


@blueprint.route("")
def overview_page():
    return render_template("console/overview.html", figures=overview(runtime.utc_now()))


@blueprint.route("/conflicts")
def conflicts():
    with runtime.database().transaction() as session:
        pending = list(
            session.scalars(
                select(Conflict).where(Conflict.status == "pending").order_by(Conflict.id)
            )
        )
        return render_template("console/conflicts.html", conflicts=pending)


@blueprint.route("/failures")
def failures():
    with runtime.database().transaction() as session:
        waiting = list(
            session.scalars(
                select(OpportunityLink)
                .where(OpportunityLink.sync_status == NEEDS_INPUT)
                .order_by(OpportunityLink.updated_at.desc())
            )
        )
        return render_template(
            "console/failures.html", failures=list_failures(session), needs_input=waiting
        )


@blueprint.route("/referrals")
def referrals():
    with runtime.database().transaction() as session:
        rows = session.scalars(
            select(Invitation).order_by(Invitation.expires_at.asc(), Invitation.invitation_id)
        )
        now = runtime.utc_now()
        views = [invitation_view(row, now) for row in rows]
    return render_template("console/referrals.html", referrals=views, reasons=REJECTION_REASONS)


@blueprint.route("/opportunities")
def search():
    query = request.args.get("q", "")
    with runtime.database().transaction() as session:
        found = opportunity.search(session, query)
        if len(found) == 1:
            return redirect(
                url_for("console.opportunity_page", identifier=found[0].hubspot_deal_id)
            )
        return render_template("console/search.html", query=query, links=found)


@blueprint.route("/opportunities/<identifier>")
def opportunity_page(identifier: str):
    with runtime.database().transaction() as session:
        link = opportunity.find(session, identifier)
        if link is None:
            abort(404, description=f"No deal or opportunity {identifier} is linked.")
        return render_template("console/opportunity.html", **opportunity.details(session, link))
