"""Access to the per-process services the app factory builds.

Request handlers and tasks both run inside the Flask app context, so they
reach settings, the database and the Celery app the same way.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
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


def utc_now() -> datetime:
    """`now()` as an aware UTC datetime."""
    return datetime.fromtimestamp(now(), UTC)


def _per_app(key: str, build):
    """Build a service once per app (per process) and keep it."""
    extensions = current_app.extensions
    if key not in extensions:
        extensions[key] = build()
    return extensions[key]


def limiter():
    from workers.limiter import build_limiter

    # Without Redis, every process of the installation shares one store in the data dir.
    return _per_app(
        "pcsync.limiter",
        lambda: build_limiter(settings().redis_url, data_dir=settings().data_dir),
    )


def locks():
    from workers.locks import lock_factory

    return _per_app("pcsync.locks", lambda: lock_factory(settings().redis_url))


def partner_central():
    from workers.clients.partner_central import PartnerCentral

    return _per_app("pcsync.partner_central", lambda: PartnerCentral(settings(), limiter()))


def hubspot():
    from workers.clients.hubspot import HubSpot

    def build():
        current = settings()
        return HubSpot(current.hubspot_api_base_url, current.hubspot_access_token or "", limiter())

    return _per_app("pcsync.hubspot", build)


def engine_config():
    from workers.engine import load_engine_config

    return _per_app(
        "pcsync.engine_config", lambda: load_engine_config(settings().engine_config_path)
    )


def recent_webhook_events():
    """The memo of recently recorded HubSpot webhook events
    (`ingest/recent_events.py`); None without Redis (embedded mode)."""
    from ingest.recent_events import RecentEvents

    url = settings().redis_url
    return _per_app(
        "pcsync.recent_webhook_events",
        lambda: RecentEvents.from_url(url, "hubspot") if url else None,
    )


def resource_store():
    from pcsync.resource_store import open_store

    return _per_app("pcsync.resource_store", lambda: open_store(settings()))
