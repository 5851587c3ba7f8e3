"""Who an opportunity is assigned to: the Partner Central user
(`AssigneeContact`) for a HubSpot owner, and the owners themselves, cached.

- The owner is resolved through HubSpot's Owners API (cached: Redis when
  configured, shared by every worker; this process otherwise) and, for
  people whose HubSpot e-mail is not their Partner Central login, through
  `PCSYNC_OWNER_MAP`. The request carries the lower-cased e-mail, first and
  last name and `PCSYNC_ASSIGNEE_BUSINESS_TITLE`: all four are required.
- `check_assignee` refuses locally what Partner Central would refuse.
"""

from __future__ import annotations

import json
import logging
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import redis

from pcsync import runtime
from workers.engine.model import length_limits, shape_at
from workers.errors import NotFound, PermanentError

log = logging.getLogger(__name__)

OWNER_CACHE_TTL_SECONDS = 600.0
OWNER_CACHE_PREFIX = "pcsync:hubspot-owner:"


# -- the assignee ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Assignee:
    """An `AssigneeContact`: who the opportunity is assigned to."""

    email: str
    first_name: str
    last_name: str
    business_title: str

    def request(self) -> dict[str, str]:
        return {
            "Email": self.email,
            "FirstName": self.first_name,
            "LastName": self.last_name,
            "BusinessTitle": self.business_title,
        }


def _member(name: str):
    return shape_at("AssigneeContact", name)


def email_is_valid(email: str) -> bool:
    """Partner Central's own pattern (lower case only, at most 80 characters)."""
    return bool(re.fullmatch(_member("Email").metadata["pattern"], email))


def _fit(member: str, value: str | None) -> str:
    _, longest = length_limits(_member(member))
    return (value or "").strip()[:longest]


def make_assignee(
    email: str, first_name: str | None, last_name: str | None, business_title: str
) -> Assignee:
    return Assignee(
        email=email.strip().lower(),
        first_name=_fit("FirstName", first_name),
        last_name=_fit("LastName", last_name),
        business_title=business_title,
    )


def assignee_for_owner(owner: dict, owner_map: dict[str, dict], business_title: str) -> Assignee:
    """The Partner Central user for a HubSpot owner: the map's entry (by owner
    id, then by HubSpot e-mail) where there is one, else the owner's e-mail.
    Names come from the map when it gives them, else from HubSpot (Partner
    Central shows the names of the user's own profile either way)."""
    hubspot_email = (owner.get("email") or "").strip().lower()
    mapped = owner_map.get(str(owner["id"])) or owner_map.get(hubspot_email) or {}
    return make_assignee(
        mapped.get("email") or hubspot_email,
        mapped.get("firstName") or owner.get("firstName"),
        mapped.get("lastName") or owner.get("lastName"),
        business_title,
    )


def settings_assignee(owner: dict) -> Assignee:
    """`assignee_for_owner` with this deployment's map and business title."""
    settings = runtime.settings()
    return assignee_for_owner(owner, settings.owner_map, settings.assignee_business_title)


# -- HubSpot owners, cached -----------------------------------------------------------------


class OwnerCache:
    """HubSpot owners by id for `ttl` seconds.

    In Redis when a client is given (every worker shares one lookup), in this
    process otherwise. A cache that cannot be reached is a miss, never an
    error: the Owners API is the truth.
    """

    def __init__(
        self,
        client: redis.Redis | None = None,
        ttl: float = OWNER_CACHE_TTL_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._client = client
        self._ttl = ttl
        self._clock = clock
        self._local: dict[str, tuple[float, dict]] = {}
        self._mutex = threading.Lock()

    @classmethod
    def for_url(cls, redis_url: str | None) -> OwnerCache:
        return cls(redis.Redis.from_url(redis_url) if redis_url else None)

    def get(self, owner_id: str) -> dict | None:
        if self._client is not None:
            try:
                raw = self._client.get(OWNER_CACHE_PREFIX + owner_id)
            except redis.RedisError:
                log.warning("owner_cache.unavailable", exc_info=True)
                return None
            return json.loads(raw) if raw else None
        with self._mutex:
            expires, owner = self._local.get(owner_id, (0.0, None))
            return owner if expires > self._clock() else None

    def put(self, owner_id: str, owner: dict) -> None:
        if self._client is not None:
            try:
                self._client.set(
                    OWNER_CACHE_PREFIX + owner_id, json.dumps(owner), ex=int(self._ttl)
                )
            except redis.RedisError:
                log.warning("owner_cache.unavailable", exc_info=True)
            return
        with self._mutex:
            self._local[owner_id] = (self._clock() + self._ttl, owner)


def owner_cache() -> OwnerCache:
    return runtime._per_app(
        "pcsync.owner_cache", lambda: OwnerCache.for_url(runtime.settings().redis_url)
    )


def lookup_owner(owner_id: str) -> dict | None:
    """The owner's id, e-mail and names, or None when HubSpot has no such
    (active) owner. Misses are not cached: an owner added a moment ago is
    found on the next sync."""
    cache = owner_cache()
    owner = cache.get(owner_id)
    if owner is not None:
        return owner
    try:
        found = runtime.hubspot().get_owner(owner_id)
    except NotFound:
        return None
    owner = {name: found.get(name) for name in ("id", "email", "firstName", "lastName")}
    owner["id"] = str(owner["id"] or owner_id)
    cache.put(owner_id, owner)
    return owner


def check_assignee(assignee: Assignee) -> None:
    """Refuse locally what Partner Central would refuse (no e-mail, an
    address outside its pattern, no names: the model requires FirstName and
    LastName, and "" is not a name), without spending a write on it."""
    if not email_is_valid(assignee.email):
        shown = assignee.email or "(no e-mail)"
        raise PermanentError(
            f"{shown} is not a valid Partner Central login",
            api_message=f"{shown} is not an e-mail Partner Central accepts",
            field_errors=[{"field": "Assignee.Email", "message": "invalid e-mail"}],
            service="pcsync",
            operation="AssignOpportunity",
        )
    if not (assignee.first_name and assignee.last_name):
        raise PermanentError(
            f"{assignee.email or 'the deal owner'} has no first and last name",
            api_message=f"{assignee.email or 'The deal owner'} has no first and last name in "
            "HubSpot; add them, or give them in PCSYNC_OWNER_MAP",
            field_errors=[
                {"field": f"Assignee.{member}", "message": "empty"}
                for member, value in (
                    ("FirstName", assignee.first_name),
                    ("LastName", assignee.last_name),
                )
                if not value
            ],
            service="pcsync",
            operation="AssignOpportunity",
        )
