"""Opportunities: create, read, list, full-replacement update and its lock,
editability by review status, assign, associate, submit, AWS summary."""

from __future__ import annotations

import datetime as dt

import pytest

from .conftest import (
    codes_by_field,
    field_names,
    lifecycle,
    opportunity_request,
    update_payload_from,
)


def _create(client, token="token-1", **overrides) -> dict:
    created = client.create_opportunity(**opportunity_request(token, **overrides))
    return client.get_opportunity(Catalog="Sandbox", Identifier=created["Id"])


def _update(client, opportunity: dict, **changes) -> dict:
    payload = update_payload_from(opportunity)
    payload.update(changes)
    client.update_opportunity(**payload)
    return client.get_opportunity(Catalog="Sandbox", Identifier=opportunity["Id"])


def test_create_then_get_returns_the_full_opportunity(client):
    created = client.create_opportunity(**opportunity_request())
    assert created["Id"].startswith("O") and created["Id"][1:].isdigit()
    assert created["PartnerOpportunityIdentifier"] == "deal-1"
    got = client.get_opportunity(Catalog="Sandbox", Identifier=created["Id"])
    assert got["LifeCycle"]["ReviewStatus"] == "Pending Submission"
    assert got["Customer"]["Contacts"][0]["Email"] == "jane.doe@acme.example.com"
    assert got["OpportunityTeam"][0]["Email"] == "owner@example.com"
    assert got["RelatedEntityIdentifiers"]["Solutions"] == []
    assert got["LastModifiedDate"] == created["LastModifiedDate"]
    assert "Origin" not in got and "Tags" not in got


def test_timestamps_are_iso8601_with_milliseconds_on_the_wire(harness):
    from .conftest import post_raw

    harness.clock.advance(0.123)
    created = harness.client.create_opportunity(**opportunity_request())
    raw = post_raw(
        harness.url, "GetOpportunity", {"Catalog": "Sandbox", "Identifier": created["Id"]}
    )
    assert raw.json()["LastModifiedDate"] == "2025-06-15T12:00:00.123Z"


def test_client_token_returns_the_same_opportunity_for_the_same_body(client, sim):
    first = client.create_opportunity(**opportunity_request("same-token"))
    again = client.create_opportunity(**opportunity_request("same-token"))
    assert again["Id"] == first["Id"]
    assert len(client.list_opportunities(Catalog="Sandbox")["OpportunitySummaries"]) == 1


def test_client_token_with_a_different_body_conflicts(client):
    client.create_opportunity(**opportunity_request("same-token"))
    with pytest.raises(client.exceptions.ConflictException) as caught:
        client.create_opportunity(
            **opportunity_request("same-token", PartnerOpportunityIdentifier="deal-2")
        )
    assert "Conflicting client token submitted for a new request body." in str(caught.value)


def test_update_round_trips_last_modified_date_and_moves_it(client):
    opportunity = _create(client)
    payload = update_payload_from(opportunity)
    payload["LifeCycle"]["Stage"] = "Qualified"
    response = client.update_opportunity(**payload)
    assert response["LastModifiedDate"] > opportunity["LastModifiedDate"]
    assert lifecycle(client, opportunity["Id"])["Stage"] == "Qualified"


def test_stale_last_modified_date_raises_conflict(client):
    opportunity = _create(client)
    _update(client, opportunity, OpportunityType="Expansion")
    with pytest.raises(client.exceptions.ConflictException):
        _update(client, opportunity, OpportunityType="Flat Renewal")


def test_last_modified_date_without_milliseconds_is_stale(client, harness):
    harness.clock.advance(0.5)
    opportunity = _create(client)
    truncated = opportunity["LastModifiedDate"].replace(microsecond=0)
    payload = update_payload_from(opportunity)
    payload["LastModifiedDate"] = truncated
    with pytest.raises(client.exceptions.ConflictException):
        client.update_opportunity(**payload)


def test_writes_in_the_same_millisecond_get_increasing_dates(client):
    opportunity = _create(client)
    first = client.update_opportunity(**update_payload_from(opportunity))
    refreshed = client.get_opportunity(Catalog="Sandbox", Identifier=opportunity["Id"])
    second = client.update_opportunity(**update_payload_from(refreshed))
    assert opportunity["LastModifiedDate"] < first["LastModifiedDate"] < second["LastModifiedDate"]


def test_update_is_a_full_replacement_that_clears_omitted_fields(client):
    opportunity = _create(client)
    payload = update_payload_from(opportunity)
    del payload["Customer"]["Contacts"]
    del payload["Customer"]["Account"]["Address"]["City"]
    del payload["LifeCycle"]["NextSteps"]
    client.update_opportunity(**payload)
    after = client.get_opportunity(Catalog="Sandbox", Identifier=opportunity["Id"])
    assert "Contacts" not in after["Customer"]
    assert "City" not in after["Customer"]["Account"]["Address"]
    assert "NextSteps" not in after["LifeCycle"]
    assert after["Project"]["Title"] == "Data platform migration"
    assert after["LifeCycle"]["ReviewStatus"] == "Pending Submission"


def test_update_of_unknown_opportunity_is_not_found(client):
    with pytest.raises(client.exceptions.ResourceNotFoundException):
        client.update_opportunity(
            Catalog="Sandbox",
            Identifier="O999",
            LastModifiedDate=dt.datetime(2025, 1, 1, tzinfo=dt.UTC),
        )


@pytest.mark.parametrize("status", ["Submitted", "In review"])
def test_no_update_while_submitted_or_in_review(client, sim, status):
    opportunity = _create(client)
    sim.set_review_status(opportunity["Id"], review_status=status)
    current = client.get_opportunity(Catalog="Sandbox", Identifier=opportunity["Id"])
    with pytest.raises(client.exceptions.ValidationException) as caught:
        _update(client, current, PartnerOpportunityIdentifier="deal-9")
    assert caught.value.response["Reason"] == "BUSINESS_VALIDATION_FAILED"
    assert codes_by_field(caught.value) == {"LifeCycle.ReviewStatus": "INVALID_RESOURCE_STATE"}


def test_action_required_allows_only_the_listed_fields(client, sim):
    opportunity = _create(client)
    sim.set_review_status(
        opportunity["Id"], review_status="Action Required", review_comments="Fix the website"
    )
    current = client.get_opportunity(Catalog="Sandbox", Identifier=opportunity["Id"])
    assert current["LifeCycle"]["ReviewComments"] == "Fix the website"

    allowed = update_payload_from(current)
    allowed["Customer"]["Account"]["WebsiteUrl"] = "https://www.acme.example.com"
    allowed["Customer"]["Account"]["Address"]["City"] = "Oakland"
    allowed["LifeCycle"]["TargetCloseDate"] = "2026-01-31"
    allowed["Project"]["CustomerBusinessProblem"] = "A clearer statement of the customer's problem."
    allowed["PartnerOpportunityIdentifier"] = "deal-1b"
    client.update_opportunity(**allowed)

    current = client.get_opportunity(Catalog="Sandbox", Identifier=opportunity["Id"])
    assert current["Customer"]["Account"]["Address"]["City"] == "Oakland"
    blocked = update_payload_from(current)
    blocked["Project"]["Title"] = "New title"
    blocked["LifeCycle"]["Stage"] = "Technical Validation"
    with pytest.raises(client.exceptions.ValidationException) as caught:
        client.update_opportunity(**blocked)
    assert codes_by_field(caught.value) == {
        "Project.Title": "ACTION_NOT_PERMITTED",
        "LifeCycle.Stage": "ACTION_NOT_PERMITTED",
    }


def test_approved_locks_the_documented_fields(client, sim):
    opportunity = _create(client)
    sim.set_review_status(opportunity["Id"], review_status="Approved")
    current = client.get_opportunity(Catalog="Sandbox", Identifier=opportunity["Id"])
    locked = update_payload_from(current)
    locked["Customer"]["Account"]["Industry"] = "Healthcare"
    locked["Customer"]["Account"]["Address"]["PostalCode"] = "10001"
    locked["Project"]["Title"] = "Renamed"
    with pytest.raises(client.exceptions.ValidationException) as caught:
        client.update_opportunity(**locked)
    assert field_names(caught.value) == {
        "Customer.Account.Industry",
        "Customer.Account.Address.PostalCode",
        "Project.Title",
    }
    free = update_payload_from(current)
    free["LifeCycle"]["Stage"] = "Committed"
    client.update_opportunity(**free)
    assert lifecycle(client, opportunity["Id"])["Stage"] == "Committed"


def test_sandbox_update_may_set_review_status_but_aws_catalog_keeps_it(client):
    sandbox = _create(client)
    payload = update_payload_from(sandbox)
    payload["LifeCycle"]["ReviewStatus"] = "Approved"
    client.update_opportunity(**payload)
    assert lifecycle(client, sandbox["Id"])["ReviewStatus"] == "Approved"

    created = client.create_opportunity(**opportunity_request("aws-token", Catalog="AWS"))
    production = client.get_opportunity(Catalog="AWS", Identifier=created["Id"])
    payload = update_payload_from(production)
    payload["LifeCycle"]["ReviewStatus"] = "Approved"
    client.update_opportunity(**payload)
    assert (
        client.get_opportunity(Catalog="AWS", Identifier=created["Id"])["LifeCycle"]["ReviewStatus"]
        == "Pending Submission"
    )


def test_catalogs_are_separate(client):
    created = client.create_opportunity(**opportunity_request())
    with pytest.raises(client.exceptions.ResourceNotFoundException):
        client.get_opportunity(Catalog="AWS", Identifier=created["Id"])


def test_aws_referral_origin_only_in_sandbox(client):
    client.create_opportunity(**opportunity_request("sandbox", Origin="AWS Referral"))
    with pytest.raises(client.exceptions.ValidationException) as caught:
        client.create_opportunity(
            **opportunity_request("aws", Catalog="AWS", Origin="AWS Referral")
        )
    assert field_names(caught.value) == {"Origin"}


def test_target_close_date_in_the_past_is_rejected_by_the_injected_clock(client, harness):
    request = opportunity_request()
    request["LifeCycle"]["TargetCloseDate"] = "2025-06-14"
    with pytest.raises(client.exceptions.ValidationException) as caught:
        client.create_opportunity(**request)
    assert caught.value.response["Reason"] == "BUSINESS_VALIDATION_FAILED"
    assert field_names(caught.value) == {"LifeCycle.TargetCloseDate"}
    request["LifeCycle"]["TargetCloseDate"] = "2025-06-15"
    client.create_opportunity(**request)


def test_other_industry_requires_other_industry_text(client):
    request = opportunity_request()
    request["Customer"]["Account"]["Industry"] = "Other"
    with pytest.raises(client.exceptions.ValidationException):
        client.create_opportunity(**request)
    request["Customer"]["Account"]["OtherIndustry"] = "Space tourism"
    assert client.create_opportunity(**request)["Id"]


def test_list_opportunities_pages_with_next_token(client):
    ids = {client.create_opportunity(**opportunity_request(f"t{i}"))["Id"] for i in range(5)}
    seen, token, pages = [], None, 0
    while True:
        kwargs = {"Catalog": "Sandbox", "MaxResults": 2, **({"NextToken": token} if token else {})}
        page = client.list_opportunities(**kwargs)
        pages += 1
        seen += [summary["Id"] for summary in page["OpportunitySummaries"]]
        token = page.get("NextToken")
        if not token:
            break
    assert pages == 3
    assert sorted(seen) == sorted(ids) and len(seen) == 5
    paginator = client.get_paginator("list_opportunities")
    assert (
        sum(
            len(p["OpportunitySummaries"])
            for p in paginator.paginate(Catalog="Sandbox", PaginationConfig={"PageSize": 2})
        )
        == 5
    )


def test_list_opportunities_default_order_is_newest_modification_first(client, harness):
    first = client.create_opportunity(**opportunity_request("a"))["Id"]
    harness.clock.advance(1)
    second = client.create_opportunity(**opportunity_request("b"))["Id"]
    listed = [s["Id"] for s in client.list_opportunities(Catalog="Sandbox")["OpportunitySummaries"]]
    assert listed == [second, first]


def test_list_opportunities_filters(client, harness, sim):
    old = client.create_opportunity(**opportunity_request("old"))
    harness.clock.advance(60)
    other_customer = opportunity_request("new")
    other_customer["Customer"]["Account"]["CompanyName"] = "Globex"
    new = client.create_opportunity(**other_customer)
    sim.set_review_status(new["Id"], review_status="Approved")

    def ids(**filters):
        return {
            s["Id"]
            for s in client.list_opportunities(Catalog="Sandbox", **filters)["OpportunitySummaries"]
        }

    after = client.get_opportunity(Catalog="Sandbox", Identifier=new["Id"])["LastModifiedDate"]
    assert ids(LastModifiedDate={"AfterLastModifiedDate": after}) == {new["Id"]}  # on-or-after
    assert ids(Identifier=[old["Id"]]) == {old["Id"]}
    assert ids(LifeCycleReviewStatus=["Approved"]) == {new["Id"]}
    assert ids(LifeCycleStage=["Qualified"]) == {old["Id"], new["Id"]}
    assert ids(CustomerCompanyName=["Globex"]) == {new["Id"]}


def _assign(client, opportunity: dict, email: str, first: str, last: str, **more) -> None:
    assignee = {"Email": email, "FirstName": first, "LastName": last}
    assignee |= {"BusinessTitle": "PartnerAccountManager", **more}
    client.assign_opportunity(Catalog="Sandbox", Identifier=opportunity["Id"], Assignee=assignee)


def test_assign_opportunity_replaces_the_owner_with_a_registered_user(client, sim):
    opportunity = _create(client)
    _assign(client, opportunity, "sam.manager@example.com", "X", "Y")
    after = client.get_opportunity(Catalog="Sandbox", Identifier=opportunity["Id"])
    assert [m["Email"] for m in after["OpportunityTeam"]] == ["sam.manager@example.com"]
    assert after["OpportunityTeam"][0]["FirstName"] == "Sam"  # from the user's profile
    assert after["LastModifiedDate"] > opportunity["LastModifiedDate"]


def test_assign_to_an_unregistered_user_is_rejected(client, sim):
    opportunity = _create(client)
    with pytest.raises(client.exceptions.ValidationException) as caught:
        _assign(client, opportunity, "new.hire@example.com", "New", "Hire")
    assert field_names(caught.value) == {"Assignee.Email"}
    sim.register_partner_user("new.hire@example.com", "New", "Hire")
    _assign(client, opportunity, "new.hire@example.com", "New", "Hire")


def test_assign_validates_the_assignee_contact(client):
    opportunity = _create(client)
    with pytest.raises(client.exceptions.ValidationException) as caught:
        _assign(client, opportunity, "Owner@Example.com", "O", "W", BusinessTitle="x", Phone="555")
    assert field_names(caught.value) == {"Assignee.Email", "Assignee.Phone"}


def _relate(call, opportunity: dict, entity_type: str, identifier: str) -> None:
    """``call``: the client's associate_opportunity or disassociate_opportunity."""
    call(
        Catalog="Sandbox",
        OpportunityIdentifier=opportunity["Id"],
        RelatedEntityType=entity_type,
        RelatedEntityIdentifier=identifier,
    )


def _related(client, opportunity: dict) -> dict:
    current = client.get_opportunity(Catalog="Sandbox", Identifier=opportunity["Id"])
    return current["RelatedEntityIdentifiers"]


def test_associate_and_disassociate(client):
    opportunity = _create(client)
    _relate(client.associate_opportunity, opportunity, "Solutions", "S-1234567")
    _relate(client.associate_opportunity, opportunity, "AwsProducts", "AmazonRedshift")
    related = _related(client, opportunity)
    assert related["Solutions"] == ["S-1234567"] and related["AwsProducts"] == ["AmazonRedshift"]
    _relate(client.disassociate_opportunity, opportunity, "AwsProducts", "AmazonRedshift")
    related = _related(client, opportunity)
    assert related["AwsProducts"] == []
    with pytest.raises(client.exceptions.ResourceNotFoundException):
        _relate(client.associate_opportunity, opportunity, "Solutions", "S-999")
    with pytest.raises(client.exceptions.ValidationException):
        _relate(client.associate_opportunity, opportunity, "Solutions", "solution-1")


def test_association_limits(client):
    opportunity_id = _create(client)["Id"]

    def associate(kind, identifier):
        client.associate_opportunity(
            Catalog="Sandbox",
            OpportunityIdentifier=opportunity_id,
            RelatedEntityType=kind,
            RelatedEntityIdentifier=identifier,
        )

    for index in range(20):
        associate("AwsProducts", f"Product{index}")
    with pytest.raises(client.exceptions.ValidationException) as caught:
        associate("AwsProducts", "Product20")
    assert codes_by_field(caught.value) == {"RelatedEntityIdentifier": "TOO_MANY_VALUES"}

    offer = "arn:aws:aws-marketplace:us-east-1:123456789012:AWSMarketplace/Offer/offer-abc"
    offer_set = (
        "arn:aws:aws-marketplace:us-east-1:123456789012:AWSMarketplace/OfferSet/offerset-abc"
    )
    associate("AwsMarketplaceOffers", offer)
    with pytest.raises(client.exceptions.ValidationException):
        associate("AwsMarketplaceOfferSets", offer_set)


def test_only_active_solutions_can_be_associated(client):
    opportunity_id = _create(client)["Id"]
    # S-2000001 is seeded Inactive (docs/simulators/partner-central.md).
    with pytest.raises(client.exceptions.ValidationException) as caught:
        client.associate_opportunity(
            Catalog="Sandbox",
            OpportunityIdentifier=opportunity_id,
            RelatedEntityType="Solutions",
            RelatedEntityIdentifier="S-2000001",
        )
    assert codes_by_field(caught.value) == {"RelatedEntityIdentifier": "INVALID_RESOURCE_STATE"}
    related = client.get_opportunity(Catalog="Sandbox", Identifier=opportunity_id)
    assert related["RelatedEntityIdentifiers"]["Solutions"] == []


def test_submit_needs_a_solution_and_moves_to_submitted(client):
    opportunity_id = _create(client)["Id"]
    with pytest.raises(client.exceptions.ValidationException) as caught:
        client.submit_opportunity(
            Catalog="Sandbox", Identifier=opportunity_id, InvolvementType="Co-Sell"
        )
    assert field_names(caught.value) == {"RelatedEntityIdentifiers.Solutions"}
    with pytest.raises(client.exceptions.ResourceNotFoundException):
        client.get_aws_opportunity_summary(
            Catalog="Sandbox", RelatedOpportunityIdentifier=opportunity_id
        )
    client.associate_opportunity(
        Catalog="Sandbox",
        OpportunityIdentifier=opportunity_id,
        RelatedEntityType="Solutions",
        RelatedEntityIdentifier="S-1234567",
    )
    client.submit_opportunity(
        Catalog="Sandbox", Identifier=opportunity_id, InvolvementType="For Visibility Only"
    )
    assert lifecycle(client, opportunity_id)["ReviewStatus"] == "Submitted"
    summary = client.get_aws_opportunity_summary(
        Catalog="Sandbox", RelatedOpportunityIdentifier=opportunity_id
    )
    assert summary["InvolvementType"] == "For Visibility Only"
    assert summary["RelatedOpportunityId"] == opportunity_id


def test_aws_summary_control_fills_insights_and_team(client, sim):
    opportunity_id = _create(client)["Id"]
    sim.set_aws_summary(
        opportunity_id,
        InvolvementType="Co-Sell",
        Visibility="Full",
        OpportunityTeam=[
            {
                "Email": "rep@amazon.com",
                "FirstName": "A",
                "LastName": "Rep",
                "BusinessTitle": "AWSSalesRep",
            }
        ],
        Insights={"EngagementScore": "High", "NextBestActions": "Schedule a call"},
        LifeCycle={"Stage": "Qualify", "TargetCloseDate": "2025-12-31"},
    )
    summary = client.get_aws_opportunity_summary(
        Catalog="Sandbox", RelatedOpportunityIdentifier=opportunity_id
    )
    assert summary["Insights"]["EngagementScore"] == "High"
    assert summary["OpportunityTeam"][0]["BusinessTitle"] == "AWSSalesRep"
    assert summary["LifeCycle"]["Stage"] == "Qualify"
    from simulators.partner_central.errors import ControlError

    with pytest.raises(ControlError):
        sim.set_aws_summary(opportunity_id, Insights={"EngagementScore": "Huge"})


def test_list_solutions_has_the_sandbox_solution(client):
    solutions = client.list_solutions(Catalog="Sandbox")["SolutionSummaries"]
    assert "S-1234567" in {s["Id"] for s in solutions}
    active = client.list_solutions(Catalog="Sandbox", Status=["Inactive"])["SolutionSummaries"]
    assert all(s["Status"] == "Inactive" for s in active) and active
