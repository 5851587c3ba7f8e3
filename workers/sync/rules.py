"""Which deals sync: the deal name carries the tag, or the opt-in property is true."""

from __future__ import annotations

SYNC_TAG = "#AWS"
OPT_IN_PROPERTY = "aws_sync_enabled"
REFERRAL_PROPERTY = "aws_invitation_id"
DECISION_PROPERTY = "aws_invitation_decision"  # accept | reject, set by an operator
# Read with every deal, beyond what the field mapping needs.
OWNER_PROPERTY = "hubspot_owner_id"  # the opportunity's assignee follows it
RULE_PROPERTIES = (
    "dealname",
    OPT_IN_PROPERTY,
    REFERRAL_PROPERTY,
    DECISION_PROPERTY,
    "aws_submit_to_aws",
    OWNER_PROPERTY,
)


def deal_wants_sync(properties: dict[str, str | None]) -> bool:
    name = properties.get("dealname") or ""
    opted_in = (properties.get(OPT_IN_PROPERTY) or "").strip().lower() == "true"
    return opted_in or SYNC_TAG.lower() in name.lower()
