"""Engagements: AWS-owned collaboration records with members and contexts.

An engagement has no status field; a member carries only company, website
and account id (as in the model).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .. import store
from ..errors import AccessDenied
from ..timestamps import to_iso
from .common import (
    by_operation,
    find_engagement,
    page_response,
    paginate,
    partner_member,
    sort_items,
)

if TYPE_CHECKING:
    from ..simulator import Simulator
    from ..store import CatalogState

MEMBER_PAGE_SIZE = 10


def new_engagement(
    sim: Simulator,
    state: CatalogState,
    *,
    title: str,
    description: str | None,
    contexts: list[dict],
    created_by: str,
    first_member: dict,
) -> dict:
    engagement_id = sim.ids.engagement()
    now = sim.clock.now_ms()
    numbered_contexts = [
        {**context, "Id": context.get("Id", str(index))}
        for index, context in enumerate(contexts, 1)
    ]
    engagement = {
        "Id": engagement_id,
        "Arn": store.arn(sim.account_id, state.name, "engagement", engagement_id),
        "Title": title,
        "Description": description,
        "CreatedAt": now,
        "CreatedBy": created_by,
        "ModifiedAt": now,
        "ModifiedBy": created_by,
        "Contexts": numbered_contexts,
        "Members": [first_member],
    }
    state.engagements[engagement_id] = engagement
    detail = {
        "catalog": state.name,
        "engagement": {
            "engagementArn": engagement["Arn"],
            "engagementId": engagement_id,
            "CreatedAt": to_iso(now),
            "CreatedBy": created_by,
            "ContextTypes": [c["Type"] for c in numbered_contexts],
        },
    }
    sim.publish("Engagement Created", detail, engagement["Arn"])
    return engagement


def create_engagement(sim: Simulator, state: CatalogState, params: dict) -> dict:
    existing_id = state.engagement_tokens.lookup(params["ClientToken"], params)
    if existing_id is None:
        engagement = new_engagement(
            sim,
            state,
            title=params.get("Title", ""),
            description=params.get("Description"),
            contexts=params.get("Contexts", []),
            created_by=sim.account_id,
            first_member=partner_member(sim),
        )
        state.engagement_tokens.remember(params["ClientToken"], params, engagement["Id"])
    else:
        engagement = state.engagements[existing_id]
    return {
        "Id": engagement["Id"],
        "Arn": engagement["Arn"],
        "ModifiedAt": engagement["ModifiedAt"],
    }


def _view(engagement: dict) -> dict:
    return {
        **engagement,
        "MemberCount": len(engagement["Members"]),
        "ContextTypes": [c["Type"] for c in engagement["Contexts"]],
    }


def get_engagement(sim: Simulator, state: CatalogState, params: dict) -> dict:
    return _view(find_engagement(state, params["Identifier"]))


def list_engagements(sim: Simulator, state: CatalogState, params: dict) -> dict:
    def wanted(engagement: dict) -> bool:
        types = {c["Type"] for c in engagement["Contexts"]}
        identifiers = {i.rsplit("/", 1)[-1] for i in params.get("EngagementIdentifier", [])}
        return (
            (not params.get("CreatedBy") or engagement["CreatedBy"] in params["CreatedBy"])
            and engagement["CreatedBy"] not in params.get("ExcludeCreatedBy", [])
            and (not params.get("ContextTypes") or types & set(params["ContextTypes"]))
            and not types & set(params.get("ExcludeContextTypes", []))
            and (not identifiers or engagement["Id"] in identifiers)
        )

    matches = [_view(e) for e in state.engagements.values() if wanted(e)]
    keys = {"CreatedDate": lambda e: e["CreatedAt"]}
    ordered = sort_items(matches, params.get("Sort"), keys, "CreatedDate", "DESCENDING")
    return page_response(ordered, params, "ListEngagements", "EngagementSummaryList")


def require_membership(sim: Simulator, engagement: dict) -> None:
    if not any(m["AccountId"] == sim.account_id for m in engagement["Members"]):
        raise AccessDenied(
            f"Account {sim.account_id} is not a member of engagement {engagement['Id']}."
        )


def list_engagement_members(sim: Simulator, state: CatalogState, params: dict) -> dict:
    engagement = find_engagement(state, params["Identifier"])
    require_membership(sim, engagement)
    page, next_token = paginate(
        engagement["Members"], params, "ListEngagementMembers", MEMBER_PAGE_SIZE
    )
    return {"EngagementMemberList": page, "NextToken": next_token}


def associate_resource(
    sim: Simulator, state: CatalogState, engagement_id: str, opportunity_id: str, created_by: str
) -> None:
    pair = (engagement_id, opportunity_id)
    if any((a["EngagementId"], a["ResourceId"]) == pair for a in state.resource_associations):
        return
    state.resource_associations.append(
        {
            "Catalog": state.name,
            "EngagementId": engagement_id,
            "ResourceType": "Opportunity",
            "ResourceId": opportunity_id,
            "CreatedBy": created_by,
        }
    )


def engagement_of_opportunity(state: CatalogState, opportunity_id: str) -> dict | None:
    for association in state.resource_associations:
        if association["ResourceId"] == opportunity_id:
            return state.engagements[association["EngagementId"]]
    return None


def list_engagement_resource_associations(
    sim: Simulator, state: CatalogState, params: dict
) -> dict:
    def wanted(association: dict) -> bool:
        engagement = state.engagements[association["EngagementId"]]
        is_member = any(m["AccountId"] == sim.account_id for m in engagement["Members"])
        return is_member and all(
            params.get(key) in (None, association[field])
            for key, field in (
                ("EngagementIdentifier", "EngagementId"),
                ("ResourceType", "ResourceType"),
                ("ResourceIdentifier", "ResourceId"),
                ("CreatedBy", "CreatedBy"),
            )
        )

    matches = [a for a in state.resource_associations if wanted(a)]
    return page_response(
        matches,
        params,
        "ListEngagementResourceAssociations",
        "EngagementResourceAssociationSummaries",
    )


HANDLERS = by_operation(
    create_engagement,
    get_engagement,
    list_engagements,
    list_engagement_members,
    list_engagement_resource_associations,
)
