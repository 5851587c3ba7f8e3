"""`pcsync doctor`: check a deployment's configuration end to end.

Each check talks to the real thing (database, broker, HubSpot, Partner
Central) the way the service will, and says in one line what it found. A
check that fails names what to fix; the others still run, so one look shows
every problem.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from pcsync import runtime
from pcsync.deal_properties import DEAL_PROPERTIES
from workers.errors import SyncError

# One cheap read per scope pcsync needs (deals, contacts, companies, owners);
# HubSpot answers 403 when the token lacks the scope, 401 when it is invalid.
HUBSPOT_SCOPE_PROBES = {
    "crm.objects.deals.read": "/crm/v3/objects/deals",
    "crm.objects.contacts.read": "/crm/v3/objects/contacts",
    "crm.objects.companies.read": "/crm/v3/objects/companies",
    "crm.objects.owners.read": "/crm/v3/owners",
}


class CheckFailed(Exception):
    """A check found a problem; the message says what to fix."""


@dataclass(frozen=True)
class Result:
    name: str
    ok: bool
    detail: str

    def line(self) -> str:
        return f"{'ok  ' if self.ok else 'FAIL'}  {self.name:<24} {self.detail}"


def run_checks() -> Iterator[Result]:
    """Run every check inside the app context; yields one result each."""
    for name, check in CHECKS:
        try:
            yield Result(name, True, check())
        except (CheckFailed, SyncError) as problem:
            yield Result(name, False, str(problem))


def check_database() -> str:
    from sqlalchemy.exc import SQLAlchemyError

    from models.migrate import current_revision, head_revision

    url = runtime.settings().database_url
    try:
        runtime.database().ping()
        current = current_revision(url)
    except SQLAlchemyError as exc:
        raise CheckFailed(f"cannot reach the database: {type(exc).__name__}") from exc
    head = head_revision()
    if current != head:
        raise CheckFailed(
            f"schema at {current or 'nothing'}, code expects {head}: run `pcsync db upgrade`"
        )
    return f"reachable, schema at {current}"


def check_broker() -> str:
    from kombu.exceptions import OperationalError

    url = runtime.settings().celery_broker_url
    try:
        with runtime.celery_app().connection_for_write() as connection:
            connection.ensure_connection(max_retries=1, timeout=3)
    except (OperationalError, OSError) as exc:
        raise CheckFailed(f"cannot reach the broker {url.split('@')[-1]}: {exc}") from exc
    return f"reachable ({url.split('://')[0]})"


def _require_token() -> None:
    if not runtime.settings().hubspot_access_token:
        raise CheckFailed("HUBSPOT_ACCESS_TOKEN is not set")


def check_hubspot_token() -> str:
    settings = runtime.settings()
    _require_token()
    missing = []
    for scope, path in HUBSPOT_SCOPE_PROBES.items():
        try:
            runtime.hubspot().request("GET", path, params={"limit": 1}, priority="background")
        except SyncError as exc:
            if getattr(exc, "status_code", None) == 401:
                raise CheckFailed(
                    "HubSpot refused HUBSPOT_ACCESS_TOKEN (401): wrong or expired token"
                ) from exc
            if getattr(exc, "status_code", None) != 403:
                raise
            missing.append(scope)
    if missing:
        raise CheckFailed(f"the token lacks the scopes {', '.join(missing)}")
    return f"accepted with {', '.join(HUBSPOT_SCOPE_PROBES)} at {settings.hubspot_api_base_url}"


def check_hubspot_properties() -> str:
    _require_token()
    found = runtime.hubspot().request("GET", "/crm/v3/properties/deals", priority="background")
    names = {p["name"] for p in found.get("results", [])}
    missing = [p["name"] for p in DEAL_PROPERTIES if p["name"] not in names]
    if missing:
        raise CheckFailed(
            f"missing deal properties {', '.join(missing[:3])} ({len(missing)} in all): "
            "run `pcsync hubspot setup`"
        )
    return f"all {len(DEAL_PROPERTIES)} pcsync deal properties present"


def check_partner_central() -> str:
    settings = runtime.settings()
    answer = runtime.partner_central().call("ListSolutions", priority="background", MaxResults=1)
    seen = len(answer.get("SolutionSummaries", []))
    where = settings.pc_endpoint_url or "AWS"
    return f"ListSolutions answered in the {settings.pc_catalog} catalog at {where} ({seen} listed)"


def check_secrets() -> str:
    settings = runtime.settings()
    missing = [
        name
        for name, value in (
            ("HUBSPOT_CLIENT_SECRET", settings.hubspot_client_secret),
            ("PCSYNC_EVENTS_SECRET", settings.events_secret),
            ("PCSYNC_API_TOKENS", settings.api_tokens),
        )
        if not value
    ]
    if missing:
        raise CheckFailed(
            f"not set: {', '.join(missing)} (webhooks or the API would answer 503/401)"
        )
    return "HubSpot webhook secret, events secret and API tokens set"


CHECKS: tuple[tuple[str, Callable[[], str]], ...] = (
    ("database", check_database),
    ("broker", check_broker),
    ("hubspot token", check_hubspot_token),
    ("hubspot properties", check_hubspot_properties),
    ("partner central", check_partner_central),
    ("webhook secrets", check_secrets),
)
