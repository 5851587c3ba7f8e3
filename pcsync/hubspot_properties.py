"""The HubSpot deal properties pcsync owns: created by `pcsync hubspot setup`,
written only by pcsync, and therefore never a reason to sync (a change event
for one of them is pcsync's own write coming back)."""

from __future__ import annotations

GROUP_NAME = "aws_partner_central"
GROUP_LABEL = "AWS Partner Central (pcsync)"


def _text(name: str, label: str, description: str) -> dict:
    return {
        "name": name,
        "label": label,
        "type": "string",
        "fieldType": "text",
        "groupName": GROUP_NAME,
        "description": description,
    }


def _datetime(name: str, label: str, description: str) -> dict:
    return {
        "name": name,
        "label": label,
        "type": "datetime",
        "fieldType": "date",
        "groupName": GROUP_NAME,
        "description": description,
    }


DEAL_PROPERTIES: tuple[dict, ...] = (
    _text("aws_opportunity_id", "AWS opportunity ID", "Partner Central opportunity id (O…)"),
    _text("aws_review_status", "AWS review status", "LifeCycle.ReviewStatus in Partner Central"),
    _text("aws_review_comments", "AWS review comments", "Comments from the AWS review"),
    _text("aws_sync_status", "AWS sync status", "Outcome of pcsync's last sync of this deal"),
    _text("aws_sync_error", "AWS sync error", "The API's message when the last sync failed"),
    _datetime("aws_last_sync", "AWS last sync", "When pcsync last synced this deal"),
)

OWNED_DEAL_PROPERTY_NAMES = frozenset(p["name"] for p in DEAL_PROPERTIES)


def is_owned_property(object_type: str, property_name: str | None) -> bool:
    return object_type == "deal" and property_name in OWNED_DEAL_PROPERTY_NAMES
