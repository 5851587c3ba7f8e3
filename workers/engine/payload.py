"""The one place that builds Partner Central write requests.

``UpdateOpportunity`` replaces the whole opportunity: an omitted member
becomes null. So an update request is the current opportunity (from
GetOpportunity) with the winning fields applied and only the members the
update accepts kept; the accepted set is derived from the model's
``UpdateOpportunityRequest`` shape, not typed by hand.
"""

from __future__ import annotations

import copy
import hashlib
import re
from dataclasses import dataclass
from typing import Any

from botocore.model import Shape

from . import model
from .mapping import is_mapped_spend_entry
from .paths import flatten, get_path, set_path

UPDATE_SHAPE = "UpdateOpportunityRequest"
CREATE_SHAPE = "CreateOpportunityRequest"

# Members the model accepts on update but AWS owns: the review outcome and
# the next-steps history are written by AWS (the docs call ReviewStatus
# read-only; setting it is a Sandbox-only review simulation). pcsync never
# echoes them back, so it can neither fake a review nor rewrite history.
SERVER_MANAGED_PATHS: tuple[str, ...] = (
    "LifeCycle.ReviewStatus",
    "LifeCycle.ReviewComments",
    "LifeCycle.ReviewStatusReason",
    "LifeCycle.NextStepsHistory",
)

CLIENT_TOKEN_MAX = 64  # published limit [!-~]{1,64}; the model says 255
_TOKEN_PREFIX = "pcsync"
_READABLE_OPERATION = re.compile(r"[A-Za-z0-9_.-]+")


# --- pruning to a shape ----------------------------------------------------------------


def prune_to_shape(value: Any, shape: Shape) -> Any:
    """``value`` with every member the shape does not declare removed,
    recursively; ``None`` members and containers left empty are removed
    too (boto3 cannot send null)."""
    if shape.type_name == "structure":
        if not isinstance(value, dict):
            return None
        kept = {}
        for name, member_value in value.items():
            if name not in shape.members or member_value is None:
                continue
            pruned = prune_to_shape(member_value, shape.members[name])
            if pruned is not None:
                kept[name] = pruned
        return kept or None
    if shape.type_name == "list":
        if not isinstance(value, list):
            return None
        return [p for p in (prune_to_shape(item, shape.member) for item in value) if p is not None]
    return value


# --- applying winning fields -----------------------------------------------------------------


def _apply_spend(request: dict[str, Any], entries: list[dict] | None) -> None:
    """Replace only the monthly AWS spend entries pcsync maps; keep any other
    entry (e.g. a total-contract-value one) and an existing EstimationUrl."""
    current = get_path(request, "Project.ExpectedCustomerSpend") or []
    urls = {e.get("CurrencyCode"): e["EstimationUrl"] for e in current if e.get("EstimationUrl")}
    others = [e for e in current if not is_mapped_spend_entry(e)]
    mine = []
    for entry in entries or []:
        merged = dict(entry)
        if entry.get("CurrencyCode") in urls and "EstimationUrl" not in merged:
            merged["EstimationUrl"] = urls[entry["CurrencyCode"]]
        mine.append(merged)
    set_path(request, "Project.ExpectedCustomerSpend", (mine + others) or None)


_APPLIERS = {"Project.ExpectedCustomerSpend": _apply_spend}


def apply_fields(document: dict[str, Any], fields: dict[str, Any]) -> None:
    for path, value in fields.items():
        applier = _APPLIERS.get(path)
        if applier:
            applier(document, value)
        else:
            set_path(document, path, value)


# --- requests --------------------------------------------------------------------------------


def build_update_request(
    opportunity: dict[str, Any],
    fields: dict[str, Any],
    *,
    catalog: str | None = None,
    keep_server_managed: bool = False,
) -> dict[str, Any]:
    """The full ``UpdateOpportunity`` request: ``opportunity`` (a GetOpportunity
    response) with ``fields`` (path → value, ``None`` clears) applied, every
    member pcsync does not map preserved, ``Id`` renamed ``Identifier``,
    members the update does not accept (``Arn``, ``CreatedDate``,
    ``OpportunityTeam``, ``RelatedEntityIdentifiers``, ...) and the
    server-managed LifeCycle members removed, ``LastModifiedDate`` kept as
    read (the optimistic lock)."""
    document = copy.deepcopy({k: v for k, v in opportunity.items() if k != "ResponseMetadata"})
    document["Identifier"] = document.pop("Id")
    if catalog:
        document["Catalog"] = catalog
    apply_fields(document, fields)
    if not keep_server_managed:
        for path in SERVER_MANAGED_PATHS:
            set_path(document, path, None)
    request = prune_to_shape(document, model.shape(UPDATE_SHAPE)) or {}
    # The lock must be the value just read, whatever fields says.
    request["LastModifiedDate"] = opportunity["LastModifiedDate"]
    return request


def build_create_request(
    fields: dict[str, Any],
    *,
    catalog: str,
    client_token: str,
    origin: str = model.Origin.PARTNER_REFERRAL,
) -> dict[str, Any]:
    """A ``CreateOpportunity`` request from mapped fields (``None`` values are
    left out). With ``Catalog=AWS`` only ``Partner Referral`` is accepted."""
    if origin not in set(model.Origin):
        raise ValueError(f"origin must be one of {[str(o) for o in model.Origin]}, not {origin!r}")
    document: dict[str, Any] = {}
    apply_fields(document, {path: value for path, value in fields.items() if value is not None})
    request = prune_to_shape(document, model.shape(CREATE_SHAPE)) or {}
    request.update({"Catalog": catalog, "ClientToken": client_token, "Origin": str(origin)})
    return request


def client_token(portal_id: str | int, deal_id: str | int, operation: str) -> str:
    """Deterministic idempotency token (at most 64 printable ASCII characters,
    no spaces) for one operation on one deal, so a retry after a crash cannot
    create a duplicate. Readable when the ids are numeric and it fits, else
    a hash. Partner Central refuses a reused token with a different body: put
    a generation in ``operation`` (``"create-2"``) to retry with new content."""
    portal, deal = str(portal_id), str(deal_id)
    readable = f"{_TOKEN_PREFIX}:{portal}:{deal}:{operation}"
    if (
        portal.isdigit()
        and deal.isdigit()
        and _READABLE_OPERATION.fullmatch(operation)
        and len(readable) <= CLIENT_TOKEN_MAX
    ):
        return readable
    digest = hashlib.sha256("\0".join((portal, deal, operation)).encode()).hexdigest()
    return f"{_TOKEN_PREFIX}-{digest}"[:CLIENT_TOKEN_MAX]


# --- audit diff ------------------------------------------------------------------------------


@dataclass(frozen=True)
class FieldChange:
    path: str
    before: Any
    after: Any

    def as_dict(self) -> dict[str, Any]:
        return {"path": self.path, "before": self.before, "after": self.after}


def diff(before: dict[str, Any] | None, after: dict[str, Any] | None) -> list[FieldChange]:
    """Field-level differences between two nested documents (e.g. the current
    opportunity and the update request, or two base snapshots), by dotted
    path in sorted order; lists are compared whole."""
    old, new = flatten(before or {}), flatten(after or {})
    return [
        FieldChange(path, old.get(path), new.get(path))
        for path in sorted(set(old) | set(new))
        if old.get(path) != new.get(path)
    ]


def update_diff(opportunity: dict[str, Any], request: dict[str, Any]) -> list[FieldChange]:
    """What an update request actually changes: the diff against the request
    that would keep everything as read (so renamed and dropped read-only
    members do not show up). Empty means there is nothing to write."""
    return diff(build_update_request(opportunity, {}), request)
