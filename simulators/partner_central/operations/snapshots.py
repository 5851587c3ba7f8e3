"""Resource snapshots: immutable, template-based copies of an opportunity.

A snapshot is not a file: it is the subset of an opportunity's fields that a
template names, numbered by revision. No API uploads documents.
"""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING

from .. import codec, service_model
from ..errors import NotFound
from .common import by_operation, find_engagement, find_opportunity, page_response
from .engagements import associate_resource, require_membership

if TYPE_CHECKING:
    from ..simulator import Simulator
    from ..store import CatalogState

# Template name → (payload member, how to build it). The names follow the views
# the events documentation names; AWS publishes no list of template ids.
PARTNER_VIEW_TEMPLATE = "OpportunitySummaryView"
AWS_VIEW_TEMPLATE = "AwsOpportunitySummaryFullView"


def _partner_view(state: CatalogState, opportunity: dict) -> dict:
    shape = service_model.shape("OpportunitySummaryView")
    # The view spells the lifecycle member `Lifecycle`.
    return {
        "OpportunitySummary": codec.project(shape, opportunity, aliases={"Lifecycle": "LifeCycle"})
    }


def _aws_view(state: CatalogState, opportunity: dict) -> dict:
    shape = service_model.shape("AwsOpportunitySummaryFullView")
    summary = {
        **state.aws_summaries.get(opportunity["Id"], {}),
        "RelatedOpportunityId": opportunity["Id"],
    }
    return {"AwsOpportunitySummaryFullView": codec.project(shape, summary)}


TEMPLATES = {PARTNER_VIEW_TEMPLATE: _partner_view, AWS_VIEW_TEMPLATE: _aws_view}


def take_snapshot(
    sim: Simulator, state: CatalogState, engagement: dict, opportunity: dict, template: str
) -> dict:
    build = TEMPLATES.get(template)
    if build is None:
        raise NotFound(
            f"Resource snapshot template {template} not found. Known: {', '.join(TEMPLATES)}."
        )
    key = (engagement["Id"], opportunity["Id"], template)
    revisions = state.snapshots.setdefault(key, [])
    revision = len(revisions) + 1
    snapshot = {
        "Catalog": state.name,
        "Arn": (
            f"{engagement['Arn']}/resource/Opportunity/{opportunity['Id']}"
            f"/template/{template}/resource-snapshot/{revision}"
        ),
        "CreatedBy": sim.account_id,
        "CreatedAt": sim.clock.now_ms(),
        "EngagementId": engagement["Id"],
        "ResourceType": "Opportunity",
        "ResourceId": opportunity["Id"],
        "ResourceSnapshotTemplateName": template,
        "Revision": revision,
        "Payload": copy.deepcopy(build(state, opportunity)),
        "TargetMemberAccounts": [m["AccountId"] for m in engagement["Members"]],
    }
    revisions.append(snapshot)
    associate_resource(sim, state, engagement["Id"], opportunity["Id"], sim.account_id)
    return snapshot


def create_resource_snapshot(sim: Simulator, state: CatalogState, params: dict) -> dict:
    existing_arn = state.snapshot_tokens.lookup(params["ClientToken"], params)
    if existing_arn is not None:
        snapshot = next(
            s for revs in state.snapshots.values() for s in revs if s["Arn"] == existing_arn
        )
    else:
        engagement = find_engagement(state, params["EngagementIdentifier"])
        require_membership(sim, engagement)
        opportunity = find_opportunity(state, params["ResourceIdentifier"])
        snapshot = take_snapshot(
            sim, state, engagement, opportunity, params["ResourceSnapshotTemplateIdentifier"]
        )
        state.snapshot_tokens.remember(params["ClientToken"], params, snapshot["Arn"])
    return {"Arn": snapshot["Arn"], "Revision": snapshot["Revision"]}


def get_resource_snapshot(sim: Simulator, state: CatalogState, params: dict) -> dict:
    key = (
        find_engagement(state, params["EngagementIdentifier"])["Id"],
        params["ResourceIdentifier"],
        params["ResourceSnapshotTemplateIdentifier"],
    )
    revisions = state.snapshots.get(key, [])
    wanted = params.get("Revision", len(revisions))
    if not 1 <= wanted <= len(revisions):
        raise NotFound(f"Resource snapshot revision {wanted} not found for {'/'.join(key)}.")
    return revisions[wanted - 1]


def list_resource_snapshots(sim: Simulator, state: CatalogState, params: dict) -> dict:
    engagement = find_engagement(state, params["EngagementIdentifier"])
    filters = (
        ("ResourceType", "ResourceType"),
        ("ResourceIdentifier", "ResourceId"),
        ("ResourceSnapshotTemplateIdentifier", "ResourceSnapshotTemplateName"),
        ("CreatedBy", "CreatedBy"),
    )
    matches = [
        snapshot
        for (engagement_id, _, _), revisions in state.snapshots.items()
        if engagement_id == engagement["Id"]
        for snapshot in revisions
        if all(params.get(key) in (None, snapshot[field]) for key, field in filters)
    ]
    return page_response(matches, params, "ListResourceSnapshots", "ResourceSnapshotSummaries")


HANDLERS = by_operation(create_resource_snapshot, get_resource_snapshot, list_resource_snapshots)
