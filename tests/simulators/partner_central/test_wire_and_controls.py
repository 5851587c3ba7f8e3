"""The awsJson wire format and the HTTP controls under /_sim."""

from __future__ import annotations

import requests

from simulators.partner_central.operations import HANDLERS

from .conftest import opportunity_request, post_raw

OPPORTUNITY_ARN = "arn:aws:partnercentral:us-east-1:123456789012:catalog/Sandbox/opportunity/O1"

IMPLEMENTED = {
    "CreateOpportunity",
    "GetOpportunity",
    "ListOpportunities",
    "UpdateOpportunity",
    "AssignOpportunity",
    "AssociateOpportunity",
    "DisassociateOpportunity",
    "GetAwsOpportunitySummary",
    "SubmitOpportunity",
    "StartEngagementFromOpportunityTask",
    "ListEngagementFromOpportunityTasks",
    "ListSolutions",
    "CreateEngagement",
    "GetEngagement",
    "ListEngagements",
    "SearchEngagements",
    "ListEngagementMembers",
    "ListEngagementResourceAssociations",
    "ListEngagementInvitations",
    "GetEngagementInvitation",
    "AcceptEngagementInvitation",
    "RejectEngagementInvitation",
    "StartEngagementByAcceptingInvitationTask",
    "ListEngagementByAcceptingInvitationTasks",
    "CreateResourceSnapshot",
    "GetResourceSnapshot",
    "ListResourceSnapshots",
}


def test_the_implemented_operations_are_the_agreed_set():
    assert set(HANDLERS) == IMPLEMENTED


def test_error_body_has_type_message_reason_and_error_list(harness):
    request = opportunity_request()
    request["OpportunityType"] = "Brand New"
    response = post_raw(harness.url, "CreateOpportunity", request)
    assert response.status_code == 400
    assert response.headers["Content-Type"] == "application/x-amz-json-1.0"
    body = response.json()
    assert body["__type"] == "ValidationException"
    assert body["Reason"] == "REQUEST_VALIDATION_FAILED"
    assert body["ErrorList"] == [
        {
            "FieldName": "OpportunityType",
            "Code": "INVALID_ENUM_VALUE",
            "Message": body["ErrorList"][0]["Message"],
        }
    ]
    assert "OpportunityType" in body["Message"]


def test_statuses_of_the_error_types(harness):
    assert (
        post_raw(
            harness.url, "GetOpportunity", {"Catalog": "Sandbox", "Identifier": "O1"}
        ).status_code
        == 404
    )
    assert (
        post_raw(harness.url, "NoSuchOperation", {}).json()["__type"] == "UnknownOperationException"
    )
    unsigned = post_raw(
        harness.url, "ListSolutions", {"Catalog": "Sandbox"}, headers={"Authorization": ""}
    )
    assert unsigned.status_code == 403
    broken = post_raw(harness.url, "ListSolutions", b"{not json")
    assert (broken.status_code, broken.json()["__type"]) == (400, "SerializationException")
    unimplemented = post_raw(
        harness.url,
        "ListTagsForResource",
        {"ResourceArn": OPPORTUNITY_ARN},
    )
    assert unimplemented.status_code == 501


def test_unknown_catalog_is_a_business_validation_error(harness):
    response = post_raw(harness.url, "ListSolutions", {"Catalog": "Production"})
    body = response.json()
    assert (response.status_code, body["Reason"]) == (400, "BUSINESS_VALIDATION_FAILED")
    assert body["ErrorList"][0]["FieldName"] == "Catalog"


def test_call_log_over_http_filters_by_operation(harness):
    harness.client.list_solutions(Catalog="Sandbox")
    harness.client.create_opportunity(**opportunity_request())
    calls = requests.get(
        f"{harness.url}/_sim/calls", params={"operation": "CreateOpportunity"}, timeout=5
    ).json()["results"]
    assert [c["operation"] for c in calls] == ["CreateOpportunity"]
    assert calls[0]["parameters"]["Customer"]["Account"]["CompanyName"] == "Acme Corp"
    assert (calls[0]["status"], calls[0]["error_type"]) == (200, None)


def test_reset_over_http_forgets_everything(harness):
    harness.client.create_opportunity(**opportunity_request())
    assert requests.post(f"{harness.url}/_sim/reset", timeout=5).json() == {"ok": True}
    assert harness.client.list_opportunities(Catalog="Sandbox")["OpportunitySummaries"] == []
    assert [c["operation"] for c in harness.sim.calls()] == ["ListOpportunities"]


def test_review_control_over_http_moves_last_modified_date(harness):
    client = harness.client
    created = client.create_opportunity(**opportunity_request())
    response = requests.post(
        f"{harness.url}/_sim/opportunities/{created['Id']}/review",
        json={
            "review_status": "Action Required",
            "review_comments": "Add a website",
            "review_status_reason": "Missing data",
        },
        timeout=5,
    )
    assert response.status_code == 200
    after = client.get_opportunity(Catalog="Sandbox", Identifier=created["Id"])
    assert after["LifeCycle"]["ReviewStatus"] == "Action Required"
    assert after["LifeCycle"]["ReviewStatusReason"] == "Missing data"
    assert after["LastModifiedDate"] > created["LastModifiedDate"]
    bad = requests.post(
        f"{harness.url}/_sim/opportunities/{created['Id']}/review",
        json={"review_status": "In Review"},
        timeout=5,
    )
    assert bad.status_code == 400 and "ReviewStatus" in bad.json()["error"]


def test_other_controls_over_http(harness):
    url = f"{harness.url}/_sim"
    invitation = requests.post(
        f"{url}/invitations", json={"project": {"Title": "Referral"}}, timeout=5
    )
    assert invitation.status_code == 201
    body = invitation.json()
    assert body["Id"].startswith("engi-") and body["Status"] == "PENDING"
    member = requests.post(
        f"{url}/engagements/{body['EngagementId']}/members",
        json={"company_name": "Other Partner", "account_id": "222222222222"},
        timeout=5,
    )
    assert member.json()["MemberCount"] == 2
    assert (
        requests.post(f"{url}/invitations/{body['Id']}/expire", timeout=5).json()["Status"]
        == "EXPIRED"
    )
    user = requests.post(
        f"{url}/partner-users",
        json={"email": "new@example.com", "first_name": "N", "last_name": "U"},
        timeout=5,
    )
    assert user.status_code == 201
    assert "new@example.com" in {
        u["Email"] for u in requests.get(f"{url}/partner-users", timeout=5).json()
    }
    assert (
        requests.post(f"{url}/quotas", json={"read_per_second": 2}, timeout=5).json()["read"][
            "per_second"
        ]
        == 2
    )
    assert requests.post(f"{url}/faults", json={"error_rate": 2}, timeout=5).status_code == 400
    assert (
        requests.post(
            f"{url}/solutions", json={"solution_id": "S-42", "name": "Extra"}, timeout=5
        ).status_code
        == 201
    )
    assert "S-42" in {
        s["Id"] for s in harness.client.list_solutions(Catalog="Sandbox")["SolutionSummaries"]
    }
