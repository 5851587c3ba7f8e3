"""Access to the per-process services the app factory builds.

Request handlers and tasks both run inside the Flask app context, so they
reach settings, the database and the Celery app the same way.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from flask import current_app

if TYPE_CHECKING:
    from celery import Celery

    from models.db import Database
    from pcsync.config import Settings


def settings() -> Settings:
    return current_app.extensions["pcsync.settings"]


def database() -> Database:
    return current_app.extensions["pcsync.db"]


def celery_app() -> Celery:
    return current_app.extensions["celery"]


def now() -> float:
    """Epoch seconds from the app's clock (tests inject a fixed one)."""
    return current_app.extensions.get("pcsync.clock", time.time)()
