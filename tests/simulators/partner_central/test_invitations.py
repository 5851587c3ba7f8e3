"""AWS referrals: invitations created by the AWS-side control, accepted, rejected,
turned into opportunities, and expired after 15 days."""

from __future__ import annotations

import pytest

from simulators.partner_central.errors import ControlError

DAY = 24 * 60 * 60


def _referral(sim, **options):
    return sim.create_invitation(
        customer={"CompanyName": "Initech", "Industry": "Financial Services", "CountryCode": "GB"},
        project={
            "Title": "Core banking modernisation",
            "BusinessProblem": "Legacy mainframe costs are rising quickly.",
        },
        sender_contacts=[{"Email": "aws.rep@amazon.com", "FirstName": "Ada", "LastName": "Rep"}],
        **options,
    )


def test_list_and_get_a_referral_invitation(client, sim):
    invitation_id = _referral(sim)["Id"]
    received = client.list_engagement_invitations(Catalog="Sandbox", ParticipantType="RECEIVER")
    summaries = received["EngagementInvitationSummaries"]
    assert [s["Id"] for s in summaries] == [invitation_id]
    assert summaries[0]["Status"] == "PENDING"
    assert (summaries[0]["ExpirationDate"] - summaries[0]["InvitationDate"]).days == 15
    assert (
        client.list_engagement_invitations(Catalog="Sandbox", ParticipantType="SENDER")[
            "EngagementInvitationSummaries"
        ]
        == []
    )
    invitation = client.get_engagement_invitation(Catalog="Sandbox", Identifier=invitation_id)
    payload = invitation["Payload"]["OpportunityInvitation"]
    assert payload["Customer"]["CompanyName"] == "Initech"
    assert payload["SenderContacts"][0]["Email"] == "aws.rep@amazon.com"
    assert invitation["SenderCompanyName"] == "AWS"


def test_list_invitations_requires_participant_type(harness):
    with pytest.raises(harness.raw_client.exceptions.ValidationException) as caught:
        harness.raw_client.list_engagement_invitations(Catalog="Sandbox")
    assert caught.value.response["ErrorList"][0]["FieldName"] == "ParticipantType"


def test_control_rejects_an_invalid_referral_payload(sim):
    with pytest.raises(ControlError):
        sim.create_invitation(customer={"Industry": "Fintech"})


def test_accept_adds_the_partner_to_the_engagement(client, sim):
    invitation = _referral(sim)
    client.accept_engagement_invitation(Catalog="Sandbox", Identifier=invitation["Id"])
    assert (
        client.get_engagement_invitation(Catalog="Sandbox", Identifier=invitation["Id"])["Status"]
        == "ACCEPTED"
    )
    members = client.list_engagement_members(
        Catalog="Sandbox", Identifier=invitation["EngagementId"]
    )
    assert "123456789012" in {m["AccountId"] for m in members["EngagementMemberList"]}
    with pytest.raises(client.exceptions.ConflictException):
        client.accept_engagement_invitation(Catalog="Sandbox", Identifier=invitation["Id"])


def test_reject_records_the_reason(client, sim):
    invitation = _referral(sim)
    client.reject_engagement_invitation(
        Catalog="Sandbox", Identifier=invitation["Id"], RejectionReason="Unable to support"
    )
    rejected = client.get_engagement_invitation(Catalog="Sandbox", Identifier=invitation["Id"])
    assert (rejected["Status"], rejected["RejectionReason"]) == ("REJECTED", "Unable to support")


def test_accepting_task_creates_an_aws_referral_opportunity(client, sim):
    invitation = _referral(sim)
    task = client.start_engagement_by_accepting_invitation_task(
        Catalog="Sandbox", Identifier=invitation["Id"], ClientToken="accept-1"
    )
    assert task["TaskStatus"] == "COMPLETE"
    opportunity = client.get_opportunity(Catalog="Sandbox", Identifier=task["OpportunityId"])
    assert opportunity["Customer"]["Account"]["CompanyName"] == "Initech"
    assert (
        opportunity["Project"]["CustomerBusinessProblem"]
        == "Legacy mainframe costs are rising quickly."
    )
    summary = client.get_aws_opportunity_summary(
        Catalog="Sandbox", RelatedOpportunityIdentifier=task["OpportunityId"]
    )
    assert summary["Origin"] == "AWS Referral"
    again = client.start_engagement_by_accepting_invitation_task(
        Catalog="Sandbox", Identifier=invitation["Id"], ClientToken="accept-1"
    )
    assert again["TaskId"] == task["TaskId"]
    listed = client.list_engagement_by_accepting_invitation_tasks(
        Catalog="Sandbox", EngagementInvitationIdentifier=[invitation["Id"]]
    )
    assert [t["OpportunityId"] for t in listed["TaskSummaries"]] == [task["OpportunityId"]]
    associations = client.list_engagement_resource_associations(
        Catalog="Sandbox", EngagementIdentifier=invitation["EngagementId"]
    )
    assert [a["ResourceId"] for a in associations["EngagementResourceAssociationSummaries"]] == [
        task["OpportunityId"]
    ]


def test_invitations_expire_after_fifteen_days(client, sim, harness):
    invitation = _referral(sim)
    harness.clock.advance(15 * DAY - 1)
    assert (
        client.get_engagement_invitation(Catalog="Sandbox", Identifier=invitation["Id"])["Status"]
        == "PENDING"
    )
    harness.clock.advance(1)
    assert (
        client.get_engagement_invitation(Catalog="Sandbox", Identifier=invitation["Id"])["Status"]
        == "EXPIRED"
    )
    with pytest.raises(client.exceptions.ConflictException):
        client.accept_engagement_invitation(Catalog="Sandbox", Identifier=invitation["Id"])
    with pytest.raises(client.exceptions.ConflictException):
        client.start_engagement_by_accepting_invitation_task(
            Catalog="Sandbox", Identifier=invitation["Id"], ClientToken="late"
        )
    expired = client.list_engagement_invitations(
        Catalog="Sandbox", ParticipantType="RECEIVER", Status=["EXPIRED"]
    )
    assert [i["Id"] for i in expired["EngagementInvitationSummaries"]] == [invitation["Id"]]


def test_expire_control_expires_now(client, sim):
    invitation = _referral(sim)
    sim.expire_invitation(invitation["Id"])
    assert (
        client.get_engagement_invitation(Catalog="Sandbox", Identifier=invitation["Id"])["Status"]
        == "EXPIRED"
    )
    assert (
        sim.events("Engagement Invitation Expired")[0]["detail"]["engagementInvitation"]["id"]
        == invitation["Id"]
    )
