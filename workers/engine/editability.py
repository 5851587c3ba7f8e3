"""Which Partner Central paths may be written in each review status.

Source: the AWS guide "Working with opportunity updates"
(https://docs.aws.amazon.com/partner-central/latest/developer-guide/working-with-opportunity-updates.html)
and the model's ReviewStatus doc (summarised in docs/architecture.md). Paths that
cannot be written now are deferred, not dropped: :meth:`MergeResult.defer` keeps their old base, so
the next merge after the status changes writes them.
"""

from __future__ import annotations

from dataclasses import dataclass

from .merge import MergeResult
from .model import ReviewStatus


@dataclass(frozen=True)
class EditRule:
    """``allowed`` None means every path not in ``locked``; a prefix covers
    the paths below it (``Customer.Account.Address`` covers its members)."""

    allowed: frozenset[str] | None = None
    locked: frozenset[str] = frozenset()
    reason: str = ""

    def permits(self, path: str) -> bool:
        if _covered(path, self.locked):
            return False
        return self.allowed is None or _covered(path, self.allowed)


def _covered(path: str, prefixes: frozenset[str]) -> bool:
    return any(path == p or path.startswith(p + ".") for p in prefixes)


NOTHING: frozenset[str] = frozenset()

ACTION_REQUIRED_ALLOWED = frozenset(
    {
        "Customer.Account.Address",
        "Customer.Account.WebsiteUrl",
        "LifeCycle.TargetCloseDate",
        "Project.ExpectedCustomerSpend",
        "Project.CustomerBusinessProblem",
        "PartnerOpportunityIdentifier",
    }
)


def _members(parent: str, *names: str) -> frozenset[str]:
    return frozenset(f"{parent}.{name}" for name in names)


# Rule 5 of the guide, plus the company name and the state that AWS's field
# catalogue marks not updatable once approved. `OtherIndustry` is in neither
# list: AWS accepts a change to it after approval, so it is written.
APPROVED_LOCKED = (
    _members("Customer.Account", "CompanyName", "Industry", "WebsiteUrl")
    | _members("Customer.Account.Address", "CountryCode", "PostalCode", "StateOrRegion")
    | _members("Project", "CustomerBusinessProblem", "Title")
    | {"PartnerOpportunityIdentifier"}
)

EDIT_RULES: dict[str | None, EditRule] = {
    # AWS referrals carry no review status; they are editable.
    None: EditRule(),
    ReviewStatus.PENDING_SUBMISSION: EditRule(),
    ReviewStatus.SUBMITTED: EditRule(
        NOTHING, reason="opportunity is Submitted; updates are blocked"
    ),
    ReviewStatus.IN_REVIEW: EditRule(
        NOTHING, reason="opportunity is In review; updates are blocked"
    ),
    ReviewStatus.REJECTED: EditRule(NOTHING, reason="opportunity was Rejected; it is read-only"),
    ReviewStatus.ACTION_REQUIRED: EditRule(
        ACTION_REQUIRED_ALLOWED, reason="Action Required allows only the fields AWS asked about"
    ),
    ReviewStatus.APPROVED: EditRule(locked=APPROVED_LOCKED, reason="locked after approval"),
}

# A status this code does not know: write nothing rather than guess.
UNKNOWN_STATUS_RULE = EditRule(NOTHING, reason="unknown review status; updates held back")


def rule_for(review_status: str | None) -> EditRule:
    return EDIT_RULES.get(review_status or None, UNKNOWN_STATUS_RULE)


@dataclass(frozen=True)
class EditSplit:
    writable: dict
    deferred: dict
    reason: str | None


def split_by_review_status(changes: dict, review_status: str | None) -> EditSplit:
    """``changes`` (path → value) split into what may be written now and what
    must wait."""
    rule = rule_for(review_status)
    writable = {p: v for p, v in changes.items() if rule.permits(p)}
    deferred = {p: v for p, v in changes.items() if not rule.permits(p)}
    return EditSplit(writable, deferred, rule.reason if deferred else None)


def apply_editability(result: MergeResult, review_status: str | None) -> MergeResult:
    """The merge result with the Partner Central writes the status forbids
    moved to ``deferred`` (their base kept, so they are retried later).
    Writes to HubSpot are not affected."""
    split = split_by_review_status(result.to_pc, review_status)
    return result.defer(set(split.deferred), split.reason or "")
