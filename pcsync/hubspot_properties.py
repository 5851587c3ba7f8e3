"""The HubSpot deal properties pcsync creates (`pcsync hubspot setup`).

Two kinds:
- OUTPUT properties are written only by pcsync. A change event for one of
  them is pcsync's own write coming back, so the ingest ignores it.
- INPUT properties are how an operator asks pcsync for something from
  HubSpot (opt in, submit to AWS, accept a referral); their changes are work.
"""

from __future__ import annotations

GROUP = {"name": "aws_partner_central", "label": "AWS Partner Central (pcsync)", "displayOrder": -1}


def property_definition(
    name: str, label: str, description: str, kind: str = "text", options=()
) -> dict:
    types = {
        "text": ("string", "text"),
        "textarea": ("string", "textarea"),
        "datetime": ("datetime", "date"),
        "date": ("date", "date"),
        "number": ("number", "number"),
        "select": ("enumeration", "select"),
        "checkboxes": ("enumeration", "checkbox"),
        "bool": ("enumeration", "booleancheckbox"),
    }
    type_, field_type = types[kind]
    definition = {
        "name": name,
        "label": label,
        "type": type_,
        "fieldType": field_type,
        "groupName": GROUP["name"],
        "description": description,
    }
    if kind == "bool":
        options = (("true", "Yes"), ("false", "No"))
    if options:
        definition["options"] = [
            {"label": label_, "value": value, "displayOrder": i, "hidden": False}
            for i, (value, label_) in enumerate(options)
        ]
    return definition


OUTPUT_DEAL_PROPERTIES: tuple[dict, ...] = (
    property_definition(
        "aws_opportunity_id", "AWS opportunity ID", "Partner Central opportunity id (O…)"
    ),
    property_definition("aws_review_status", "AWS review status", "LifeCycle.ReviewStatus"),
    property_definition(
        "aws_review_comments", "AWS review comments", "AWS review comments", "textarea"
    ),
    property_definition("aws_sync_status", "AWS sync status", "Outcome of pcsync's last sync"),
    property_definition(
        "aws_sync_error", "AWS sync error", "The API message of a failed sync", "textarea"
    ),
    property_definition(
        "aws_last_sync", "AWS last sync", "When pcsync last synced this deal", "datetime"
    ),
    property_definition(
        "aws_contact_company_last_sync",
        "AWS contact/company last sync",
        "When pcsync last moved contact or company data between HubSpot and Partner Central",
        "datetime",
    ),
    property_definition(
        "aws_involvement_type", "AWS involvement type", "Co-Sell or For Visibility Only"
    ),
    property_definition("aws_engagement_score", "AWS engagement score", "High, Medium or Low"),
    property_definition(
        "aws_next_best_actions", "AWS next best actions", "From AWS insights", "textarea"
    ),
    property_definition("aws_team", "AWS team", "AWS sales team on the opportunity", "textarea"),
    property_definition("aws_submission_status", "AWS submission status", "Submission to AWS"),
    # Unique: HubSpot refuses a second deal for one referral, and the deal can be
    # read by it at once (idProperty), which search cannot promise.
    {
        **property_definition(
            "aws_invitation_id", "AWS invitation ID", "Engagement invitation of an AWS referral"
        ),
        "hasUniqueValue": True,
    },
    property_definition(
        "aws_invitation_status", "AWS invitation status", "State of the AWS referral"
    ),
    property_definition(
        "aws_invitation_expires_at",
        "AWS invitation expires",
        "Accept or reject the AWS referral before this time",
        "datetime",
    ),
    property_definition(
        "aws_assigned_partner_user",
        "AWS assigned partner user",
        "The Partner Central user pcsync assigned the opportunity to (follows the deal owner)",
    ),
    property_definition(
        "aws_opportunity_team",
        "AWS opportunity team",
        "The partner's team on the opportunity (GetOpportunity OpportunityTeam)",
        "textarea",
    ),
    property_definition(
        "aws_team_last_sync",
        "AWS team last sync",
        "When pcsync last read the opportunity team",
        "datetime",
    ),
    # AWS engagement lifecycle (workers/sync/engagements); the status is
    # derived, see the table in workers/engine/engagement_status.py.
    property_definition(
        "aws_engagement_id", "AWS engagement ID", "Partner Central engagement id (eng-…)"
    ),
    property_definition(
        "aws_engagement_status",
        "AWS engagement status",
        "Derived by pcsync from review status, stages, invitations and members",
        "select",
        tuple((status, status) for status in ("Pending", "Active", "Completed", "Cancelled")),
    ),
    property_definition(
        "aws_engagement_team",
        "AWS engagement team",
        "Engagement member companies and the AWS people on the opportunity",
        "textarea",
    ),
    property_definition(
        "aws_engagement_member_count",
        "AWS engagement members",
        "Number of engagement members",
        "number",
    ),
    property_definition(
        "aws_engagement_kickoff_date",
        "AWS engagement kickoff",
        "When the engagement was created (its CreatedAt)",
        "date",
    ),
    property_definition(
        "aws_last_engagement_sync",
        "AWS last engagement sync",
        "When pcsync last changed the engagement properties",
        "datetime",
    ),
    # Resources (workers/sync/resources.py, snapshots.py, library.py).
    property_definition(
        "aws_related_entities_status",
        "AWS solutions/products status",
        "synced, or needs_input when a solution, product or offer cannot be associated",
    ),
    property_definition(
        "aws_related_entities_error",
        "AWS solutions/products problem",
        "What to fix in the solutions, AWS products or Marketplace offer",
        "textarea",
    ),
    property_definition(
        "aws_last_snapshot_at",
        "AWS last snapshot",
        "When pcsync last created a resource snapshot of the opportunity",
        "datetime",
    ),
    property_definition(
        "aws_partner_resources",
        "AWS partner resources",
        "Partner resources attached to the opportunity: title and link, one a line",
        "textarea",
    ),
    property_definition(
        "aws_total_resources", "AWS total resources", "Partner resources attached", "number"
    ),
    property_definition(
        "aws_last_resource_upload",
        "AWS last resource upload",
        "When a partner resource was last attached to the opportunity",
        "datetime",
    ),
    # Conflicts between the two sides (workers/sync/conflicts.py).
    property_definition(
        "aws_conflict_status",
        "AWS conflict status",
        "none, pending (an operator must settle a field) or resolved",
        "select",
        tuple((status, status) for status in ("none", "pending", "resolved")),
    ),
    property_definition(
        "aws_last_conflict_date",
        "AWS last conflict",
        "When pcsync last found the two sides disagreeing on a field",
        "date",
    ),
    property_definition(
        "aws_last_sync_by",
        "AWS last change by",
        "Who made the last change pcsync synced: hubspot-user:<id>, operator:<id> or pcsync",
    ),
)

INPUT_DEAL_PROPERTIES: tuple[dict, ...] = (
    property_definition(
        "aws_sync_enabled", "Sync to AWS", "Sync this deal with Partner Central", "bool"
    ),
    property_definition(
        "aws_submit_to_aws",
        "Submit to AWS",
        "Set to Yes to submit the opportunity to AWS (co-sell)",
        "bool",
    ),
    property_definition(
        "aws_invitation_decision",
        "AWS referral decision",
        "Accept or reject this AWS referral",
        "select",
        (("accept", "Accept"), ("reject", "Reject")),
    ),
    # Multiple values are ;-separated, as HubSpot stores multi-value properties.
    property_definition(
        "aws_solution_ids",
        "AWS solutions",
        "Partner Central solution ids (S-…), ;-separated, at most 10",
    ),
    property_definition(
        "aws_product_codes",
        "AWS products",
        "AWS product codes such as AmazonRedshift, ;-separated, at most 20",
    ),
    property_definition(
        "aws_marketplace_offer",
        "AWS Marketplace offer",
        "ARN of one AWS Marketplace private offer or offer set",
    ),
)


OWNED_DEAL_PROPERTY_NAMES = frozenset(p["name"] for p in OUTPUT_DEAL_PROPERTIES)


def is_owned_property(object_type: str, property_name: str | None) -> bool:
    return object_type == "deal" and property_name in OWNED_DEAL_PROPERTY_NAMES
