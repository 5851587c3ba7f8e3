"""In-memory state of one partner account, split by Catalog as on AWS."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field

from .errors import Conflict

CATALOGS = ("AWS", "Sandbox")

# Seeded so the sandbox behaves as documented (`S-1234567`) and lists page.
SEED_SOLUTIONS = (
    {
        "Id": "S-1234567",
        "Name": "Sandbox Test Solution",
        "Status": "Active",
        "Category": "Software Product",
    },
    {
        "Id": "S-7654321",
        "Name": "Managed Migration Service",
        "Status": "Active",
        "Category": "Consulting Service",
    },
    {
        "Id": "S-2000001",
        "Name": "Legacy Analytics Offering",
        "Status": "Inactive",
        "Category": "Software Product",
    },
)

# Users registered in the partner's Partner Central account; AssignOpportunity
# only accepts these (there is no API that lists them).
SEED_PARTNER_USERS = (
    {
        "Email": "owner@example.com",
        "FirstName": "Olivia",
        "LastName": "Owner",
        "BusinessTitle": "PartnerAccountManager",
    },
    {
        "Email": "alex.seller@example.com",
        "FirstName": "Alex",
        "LastName": "Seller",
        "BusinessTitle": "OpportunityOwner",
    },
    {
        "Email": "sam.manager@example.com",
        "FirstName": "Sam",
        "LastName": "Manager",
        "BusinessTitle": "PartnerAccountManager",
    },
)

PARTNER_COMPANY_NAME = "Example Partner Inc."
PARTNER_WEBSITE = "https://partner.example.com"
AWS_ACCOUNT_ALIAS = "aws"
AWS_COMPANY_NAME = "AWS"


@dataclass
class TokenRegistry:
    """ClientToken idempotency: same token and body → same result; new body → conflict."""

    entries: dict[str, tuple[str, str]] = field(default_factory=dict)

    def lookup(self, token: str, params: dict) -> str | None:
        """The resource id created for this token, or None for a new token."""
        if token not in self.entries:
            return None
        fingerprint, resource_id = self.entries[token]
        if fingerprint != fingerprint_of(params):
            raise Conflict("Conflicting client token submitted for a new request body.")
        return resource_id

    def remember(self, token: str, params: dict, resource_id: str) -> None:
        self.entries[token] = (fingerprint_of(params), resource_id)


def fingerprint_of(params: dict) -> str:
    body = {key: value for key, value in params.items() if key != "ClientToken"}
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


@dataclass
class CatalogState:
    name: str
    opportunities: dict[str, dict] = field(default_factory=dict)
    aws_summaries: dict[str, dict] = field(default_factory=dict)
    engagements: dict[str, dict] = field(default_factory=dict)
    invitations: dict[str, dict] = field(default_factory=dict)
    # (engagement id, opportunity id) pairs, in creation order.
    resource_associations: list[dict] = field(default_factory=list)
    # key (engagement, resource id, template) → revisions, oldest first.
    snapshots: dict[tuple[str, str, str], list[dict]] = field(default_factory=dict)
    from_opportunity_tasks: dict[str, dict] = field(default_factory=dict)
    by_invitation_tasks: dict[str, dict] = field(default_factory=dict)
    solutions: dict[str, dict] = field(default_factory=dict)
    opportunity_tokens: TokenRegistry = field(default_factory=TokenRegistry)
    engagement_tokens: TokenRegistry = field(default_factory=TokenRegistry)
    snapshot_tokens: TokenRegistry = field(default_factory=TokenRegistry)
    from_opportunity_task_tokens: TokenRegistry = field(default_factory=TokenRegistry)
    by_invitation_task_tokens: TokenRegistry = field(default_factory=TokenRegistry)


class IdFactory:
    """Deterministic identifiers in the formats the model's patterns require."""

    _ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyz"

    def __init__(self):
        self._counters: dict[str, int] = {}

    def _next(self, kind: str) -> int:
        self._counters[kind] = self._counters.get(kind, 0) + 1
        return self._counters[kind]

    def _base36(self, number: int, width: int) -> str:
        digits = ""
        while number:
            number, remainder = divmod(number, 36)
            digits = self._ALPHABET[remainder] + digits
        return digits.rjust(width, "0")

    def opportunity(self) -> str:
        return f"O{1_000_000 + self._next('opportunity')}"

    def engagement(self) -> str:
        return f"eng-{self._base36(self._next('engagement'), 14)}"

    def invitation(self) -> str:
        return f"engi-{self._base36(self._next('invitation'), 13)}"

    def task(self) -> str:
        return f"task-{self._base36(self._next('task'), 13)}"

    def snapshot_job(self) -> str:
        return f"job-{self._base36(self._next('job'), 13)}"


def arn(account_id: str, catalog: str, kind: str, resource_id: str) -> str:
    # The form TagResource's ResourceArn pattern accepts (12-digit account).
    return f"arn:aws:partnercentral:us-east-1:{account_id}:catalog/{catalog}/{kind}/{resource_id}"
