"""Submitting to AWS (StartEngagementFromOpportunityTask), engagements, members,
resource associations and snapshots."""

from __future__ import annotations

import pytest

from .conftest import field_names, lifecycle, opportunity_request, start_submission, submittable


def test_start_engagement_needs_an_associated_solution(client):
    opportunity_id = client.create_opportunity(**opportunity_request())["Id"]
    with pytest.raises(client.exceptions.ValidationException) as caught:
        start_submission(client, opportunity_id)
    assert caught.value.response["Reason"] == "BUSINESS_VALIDATION_FAILED"
    assert "RelatedEntityIdentifiers.Solutions" in field_names(caught.value)


def test_start_engagement_needs_the_fields_aws_receives(client):
    # A national-security opportunity may be stored without a website (model doc
    # of Account.WebsiteUrl), but AWS's invitation needs one.
    request = opportunity_request(NationalSecurity="Yes")
    request["Customer"]["Account"]["Industry"] = "Government"
    del request["Customer"]["Account"]["WebsiteUrl"]
    opportunity_id = client.create_opportunity(**request)["Id"]
    client.associate_opportunity(
        Catalog="Sandbox",
        OpportunityIdentifier=opportunity_id,
        RelatedEntityType="Solutions",
        RelatedEntityIdentifier="S-1234567",
    )
    with pytest.raises(client.exceptions.ValidationException) as caught:
        start_submission(client, opportunity_id)
    assert field_names(caught.value) == {"Customer.Account.WebsiteUrl"}


def test_start_engagement_creates_engagement_snapshot_invitation_and_submits(client):
    opportunity_id = submittable(client)
    task = start_submission(client, opportunity_id)
    assert task["TaskStatus"] == "COMPLETE"
    assert task["TaskId"].startswith("task-")
    engagement_id, invitation_id = task["EngagementId"], task["EngagementInvitationId"]

    opportunity = client.get_opportunity(Catalog="Sandbox", Identifier=opportunity_id)
    assert opportunity["LifeCycle"]["ReviewStatus"] == "Submitted"
    engagement = client.get_engagement(Catalog="Sandbox", Identifier=engagement_id)
    assert engagement["MemberCount"] == 1
    assert engagement["Contexts"][0]["Type"] == "CustomerProject"
    assert (
        engagement["Contexts"][0]["Payload"]["CustomerProject"]["Customer"]["CompanyName"]
        == "Acme Corp"
    )
    invitation = client.get_engagement_invitation(Catalog="Sandbox", Identifier=invitation_id)
    assert (
        invitation["Payload"]["OpportunityInvitation"]["Project"]["Title"]
        == "Data platform migration"
    )
    sent = client.list_engagement_invitations(Catalog="Sandbox", ParticipantType="SENDER")
    assert [i["Id"] for i in sent["EngagementInvitationSummaries"]] == [invitation_id]
    associations = client.list_engagement_resource_associations(
        Catalog="Sandbox", EngagementIdentifier=engagement_id
    )
    assert [a["ResourceId"] for a in associations["EngagementResourceAssociationSummaries"]] == [
        opportunity_id
    ]
    snapshots = client.list_resource_snapshots(
        Catalog="Sandbox", EngagementIdentifier=engagement_id
    )
    assert [s["Revision"] for s in snapshots["ResourceSnapshotSummaries"]] == [1]
    listed = client.list_engagement_from_opportunity_tasks(
        Catalog="Sandbox", TaskIdentifier=[task["TaskId"]]
    )
    assert listed["TaskSummaries"][0]["EngagementId"] == engagement_id


def test_start_engagement_is_idempotent_by_client_token(client):
    opportunity_id = submittable(client)
    first = start_submission(client, opportunity_id, token="submit-x")
    again = start_submission(client, opportunity_id, token="submit-x")
    assert again["TaskId"] == first["TaskId"]
    assert len(client.list_engagements(Catalog="Sandbox")["EngagementSummaryList"]) == 1
    with pytest.raises(client.exceptions.ConflictException):
        client.start_engagement_from_opportunity_task(
            Catalog="Sandbox",
            Identifier=opportunity_id,
            ClientToken="submit-x",
            AwsSubmission={"InvolvementType": "For Visibility Only"},
        )


def test_delayed_task_reports_in_progress_then_complete(client, sim, harness):
    sim.set_task_delay(30)
    opportunity_id = submittable(client)
    task = start_submission(client, opportunity_id)
    assert task["TaskStatus"] == "IN_PROGRESS"
    assert "EngagementId" not in task
    assert lifecycle(client, opportunity_id)["ReviewStatus"] == "Pending Submission"
    harness.clock.advance(30)
    summary = client.list_engagement_from_opportunity_tasks(
        Catalog="Sandbox", OpportunityIdentifier=[opportunity_id]
    )["TaskSummaries"][0]
    assert summary["TaskStatus"] == "COMPLETE"
    assert summary["EngagementId"].startswith("eng-")
    assert lifecycle(client, opportunity_id)["ReviewStatus"] == "Submitted"


def test_approval_control_accepts_the_submission_invitation(client, sim):
    opportunity_id = submittable(client)
    task = start_submission(client, opportunity_id)
    sim.set_review_status(opportunity_id, review_status="Approved")
    invitation = client.get_engagement_invitation(
        Catalog="Sandbox", Identifier=task["EngagementInvitationId"]
    )
    assert invitation["Status"] == "ACCEPTED"
    assert (
        client.get_engagement(Catalog="Sandbox", Identifier=task["EngagementId"])["MemberCount"]
        == 2
    )


SHOP_ENGAGEMENT = {
    "Catalog": "Sandbox",
    "ClientToken": "eng-token",
    "Title": "Joint pursuit",
    "Description": "Co-sell with a partner",
    "Contexts": [
        {
            "Type": "CustomerProject",
            "Payload": {
                "CustomerProject": {
                    "Customer": {
                        "Industry": "Retail",
                        "CompanyName": "Shop",
                        "WebsiteUrl": "https://shop.example.com",
                        "CountryCode": "DE",
                    },
                    "Project": {
                        "Title": "Shop",
                        "BusinessProblem": "Needs a scalable storefront on AWS.",
                        "TargetCompletionDate": "2025-10-01",
                    },
                }
            },
        }
    ],
}


def test_create_get_and_list_engagements(client):
    created = client.create_engagement(**SHOP_ENGAGEMENT)
    assert created["Id"].startswith("eng-")
    # The same client token again: the same engagement, not a second one.
    assert client.create_engagement(**SHOP_ENGAGEMENT)["Id"] == created["Id"]
    engagement = client.get_engagement(Catalog="Sandbox", Identifier=created["Arn"])
    assert engagement["Title"] == "Joint pursuit" and engagement["CreatedBy"] == "123456789012"
    listed = client.list_engagements(Catalog="Sandbox", ContextTypes=["CustomerProject"])
    assert [e["Id"] for e in listed["EngagementSummaryList"]] == [created["Id"]]
    assert (
        client.list_engagements(Catalog="Sandbox", ExcludeContextTypes=["CustomerProject"])[
            "EngagementSummaryList"
        ]
        == []
    )
    with pytest.raises(client.exceptions.ValidationException):
        client.create_engagement(Catalog="Sandbox", ClientToken="other", Title="x" * 41)


def test_list_engagement_members_pages_past_ten(client, sim):
    engagement_id = client.create_engagement(Catalog="Sandbox", ClientToken="e", Title="Big")["Id"]
    for index in range(11):
        sim.add_engagement_member(
            engagement_id, company_name=f"Partner {index}", account_id=f"{index:012d}"
        )
    pages = list(
        client.get_paginator("list_engagement_members").paginate(
            Catalog="Sandbox", Identifier=engagement_id, PaginationConfig={"PageSize": 10}
        )
    )
    assert [len(p["EngagementMemberList"]) for p in pages] == [10, 2]
    accounts = [m["AccountId"] for p in pages for m in p["EngagementMemberList"]]
    assert len(set(accounts)) == 12
    with pytest.raises(client.exceptions.ValidationException):
        client.list_engagement_members(Catalog="Sandbox", Identifier=engagement_id, MaxResults=20)


def test_members_list_is_only_for_members(client, sim):
    invitation = sim.create_invitation()
    with pytest.raises(client.exceptions.AccessDeniedException):
        client.list_engagement_members(Catalog="Sandbox", Identifier=invitation["EngagementId"])


def test_resource_snapshots_number_revisions(client):
    opportunity_id = submittable(client)
    engagement_id = client.create_engagement(Catalog="Sandbox", ClientToken="e", Title="Snapshots")[
        "Id"
    ]
    common = {
        "Catalog": "Sandbox",
        "EngagementIdentifier": engagement_id,
        "ResourceType": "Opportunity",
        "ResourceIdentifier": opportunity_id,
        "ResourceSnapshotTemplateIdentifier": "OpportunitySummaryView",
    }
    first = client.create_resource_snapshot(ClientToken="s1", **common)
    second = client.create_resource_snapshot(ClientToken="s2", **common)
    assert (first["Revision"], second["Revision"]) == (1, 2)
    assert client.create_resource_snapshot(ClientToken="s1", **common)["Revision"] == 1
    latest = client.get_resource_snapshot(**common)
    assert latest["Revision"] == 2
    assert (
        latest["Payload"]["OpportunitySummary"]["Customer"]["Account"]["CompanyName"] == "Acme Corp"
    )
    assert latest["Payload"]["OpportunitySummary"]["Lifecycle"]["Stage"] == "Qualified"
    assert client.get_resource_snapshot(Revision=1, **common)["Revision"] == 1
    with pytest.raises(client.exceptions.ResourceNotFoundException):
        client.get_resource_snapshot(Revision=3, **common)
    with pytest.raises(client.exceptions.ResourceNotFoundException):
        client.create_resource_snapshot(
            ClientToken="s3", **{**common, "ResourceSnapshotTemplateIdentifier": "NoSuchTemplate"}
        )
    with pytest.raises(client.exceptions.ValidationException):
        client.create_resource_snapshot(
            ClientToken="s4",
            **{**common, "ResourceSnapshotTemplateIdentifier": "AWS opportunity snapshot template"},
        )
    listed = client.list_resource_snapshots(Catalog="Sandbox", EngagementIdentifier=engagement_id)
    assert [s["Revision"] for s in listed["ResourceSnapshotSummaries"]] == [1, 2]
