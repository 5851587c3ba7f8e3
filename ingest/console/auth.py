"""Sign-in, sign-out, the session every console page needs, and the CSRF
check on every form post.

The session holds the operator's token id (`ingest.api.operator_actor_for`),
never the token; a token removed from PCSYNC_API_TOKENS ends its sessions.
CSRF tokens come from Flask-WTF (signed with the app's secret key, kept in
the session) and travel in each form's hidden `csrf_token` field.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import abort, g, redirect, render_template, request, session, url_for
from flask_wtf.csrf import generate_csrf, validate_csrf
from werkzeug.exceptions import HTTPException
from wtforms.validators import ValidationError

from ingest.api import operator_actor_for, token_is_valid
from ingest.console import blueprint
from pcsync import runtime

SESSION_OPERATOR = "operator"
OPEN_ENDPOINTS = frozenset({"console.login", "console.static"})
# Templates put `{{ csrf_token() }}` in every form's hidden field.
blueprint.add_app_template_global(generate_csrf, "csrf_token")


def current_operator() -> str | None:
    """The signed-in operator's id, if the token behind it is still configured."""
    actor = session.get(SESSION_OPERATOR)
    configured = {operator_actor_for(token) for token in runtime.settings().api_tokens}
    return actor if actor in configured else None


@blueprint.before_request
def check_csrf():
    if request.method != "POST":
        return
    try:
        validate_csrf(request.form.get("csrf_token"))
    except ValidationError as exc:
        abort(400, description=f"This form was refused: {exc} Reload the page and try again.")


@blueprint.before_request
def require_session():
    g.operator = current_operator()
    if g.operator is None and request.endpoint not in OPEN_ENDPOINTS:
        wanted = request.full_path.rstrip("?") if request.method == "GET" else None
        return redirect(url_for("console.login", next=wanted))


@blueprint.errorhandler(HTTPException)
def error_page(exc: HTTPException):
    return render_template("console/error.html", error=exc), exc.code


@blueprint.route("/login", methods=["GET", "POST"])
def login():
    tokens = runtime.settings().api_tokens
    wanted = _local_console_path(request.values.get("next"))
    if request.method == "GET":
        return render_template("console/login.html", next=wanted, closed=not tokens)
    token = request.form.get("token", "")
    if not tokens or not token or not token_is_valid(token, tokens):
        error = "That token is not one of the configured API tokens."
        return render_template("console/login.html", next=wanted, error=error), 401
    session.clear()
    session.permanent = True
    session[SESSION_OPERATOR] = operator_actor_for(token)
    return redirect(wanted)


@blueprint.route("/logout", methods=["POST"])
def logout():
    session.clear()
    return redirect(url_for("console.login"))


def _local_console_path(wanted: str | None) -> str:
    """Only a path inside the console: a `next` that leads elsewhere would
    make the login page an open redirect."""
    parts = urlsplit(wanted or "")
    if parts.scheme or parts.netloc or not parts.path.startswith("/console"):
        return url_for("console.overview_page")
    return wanted
