"""The Flask application factory for the Partner Central simulator."""

from __future__ import annotations

from flask import Flask

from . import control_api, wire
from .simulator import Simulator


def create_app(**options) -> Flask:
    """A WSGI app speaking Partner Central's awsJson protocol, plus /_sim controls.

    Options (keyword only): clock, write_per_second, write_per_day,
    read_per_second, read_per_day, account_id, event_target_url, event_secret.
    The simulator is at `app.extensions["pc_simulator"]`.
    """
    app = Flask(__name__)
    app.extensions["pc_simulator"] = Simulator(**options)
    app.register_blueprint(wire.blueprint)
    app.register_blueprint(control_api.blueprint)
    return app
