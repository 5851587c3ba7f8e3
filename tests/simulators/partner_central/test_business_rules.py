"""The business rules the real service enforces beyond the model, one test per rule.

Each rule is broken once in a create and once in a full update (UpdateOpportunity
replaces the whole opportunity, so it must be as complete as a create), and the
same request is accepted once the rule is satisfied. Sources are quoted in
simulators/partner_central/required_fields.py and rules.py.
"""

from __future__ import annotations

import pytest

from .conftest import (
    codes_by_field,
    opportunity_request,
    start_submission,
    submittable,
    update_payload_from,
)


def _account(request):
    return request["Customer"]["Account"]


def _drop(*path):
    def mutate(request):
        parent = request
        for part in path[:-1]:
            parent = parent[part]
        del parent[path[-1]]

    return mutate


def _set(*path_and_value):
    *path, value = path_and_value

    def mutate(request):
        parent = request
        for part in path[:-1]:
            parent = parent.setdefault(part, {})
        parent[path[-1]] = value

    return mutate


def _both(*mutations):
    def mutate(request):
        for mutation in mutations:
            mutation(request)

    return mutate


REQUIRED = "REQUIRED_FIELD_MISSING"
INVALID = "INVALID_VALUE"


def _required(*path: str, value):
    """The rule of a required member: dropping it is REQUIRED at its path,
    and ``value`` satisfies it."""
    return _drop(*path), {".".join(path): REQUIRED}, _set(*path, value)


def _refused_value(*path: str, bad, code: str, good):
    """The rule of a member's value: ``bad`` gives ``code`` at its path, ``good`` passes."""
    return _set(*path, bad), {".".join(path): code}, _set(*path, good)


# rule id → (break it, the error it gives, satisfy it again on the broken request)
RULES = {
    "industry": _required("Customer", "Account", "Industry", value="Software and Internet"),
    "website": _required("Customer", "Account", "WebsiteUrl", value="https://acme.example.com"),
    "country": (
        _both(
            _drop("Customer", "Account", "Address", "CountryCode"),
            _drop("Customer", "Account", "Address", "StateOrRegion"),
        ),
        {"Customer.Account.Address.CountryCode": REQUIRED},
        _set("Customer", "Account", "Address", "CountryCode", "DE"),
    ),
    "postal_code": (
        _drop("Customer", "Account", "Address", "PostalCode"),
        {"Customer.Account.Address.PostalCode": REQUIRED},
        # Qatar is on AWS's list of countries without postal codes.
        _both(
            _set("Customer", "Account", "Address", "CountryCode", "QA"),
            _drop("Customer", "Account", "Address", "StateOrRegion"),
        ),
    ),
    "us_state_required": _required(
        "Customer", "Account", "Address", "StateOrRegion", value="Washington"
    ),
    "us_state_full_name": _refused_value(
        "Customer",
        "Account",
        "Address",
        "StateOrRegion",
        bad="WA",
        code=INVALID,
        good="Dist. of Columbia",
    ),
    "state_only_in_us": (
        _both(
            _set("Customer", "Account", "Address", "CountryCode", "DE"),
            _set("Customer", "Account", "Address", "StateOrRegion", "Berlin"),
        ),
        {"Customer.Account.Address.StateOrRegion": INVALID},
        _drop("Customer", "Account", "Address", "StateOrRegion"),
    ),
    "title": _required("Project", "Title", value="Data platform migration"),
    "business_problem": _required(
        "Project", "CustomerBusinessProblem", value="The customer must leave its data centre."
    ),
    "use_case_required": _required("Project", "CustomerUseCase", value="Security & Compliance"),
    "use_case_documented_value": _refused_value(
        "Project",
        "CustomerUseCase",
        bad="Data migration",
        code=INVALID,
        good="AI Machine Learning and Analytics",
    ),
    "delivery_models": _refused_value(
        "Project", "DeliveryModels", bad=[], code=REQUIRED, good=["SaaS or PaaS"]
    ),
    "sales_activities": _required("Project", "SalesActivities", value=["Conducted POC / Demo"]),
    "expected_spend_required": (
        _drop("Project", "ExpectedCustomerSpend"),
        {"Project.ExpectedCustomerSpend": REQUIRED},
        _set(
            "Project",
            "ExpectedCustomerSpend",
            [
                {
                    "Amount": "100",
                    "CurrencyCode": "EUR",
                    "Frequency": "Monthly",
                    "TargetCompany": "AWS",
                }
            ],
        ),
    ),
    "expected_spend_positive": (
        _set(
            "Project",
            "ExpectedCustomerSpend",
            [
                {
                    "Amount": "0",
                    "CurrencyCode": "USD",
                    "Frequency": "Monthly",
                    "TargetCompany": "AWS",
                }
            ],
        ),
        {"Project.ExpectedCustomerSpend[0].Amount": INVALID},
        _set(
            "Project",
            "ExpectedCustomerSpend",
            [
                {
                    "Amount": "1",
                    "CurrencyCode": "USD",
                    "Frequency": "Monthly",
                    "TargetCompany": "AWS",
                }
            ],
        ),
    ),
    "expected_spend_usd_or_eur": (
        _set(
            "Project",
            "ExpectedCustomerSpend",
            [
                {
                    "Amount": "900",
                    "CurrencyCode": "GBP",
                    "Frequency": "Monthly",
                    "TargetCompany": "AWS",
                }
            ],
        ),
        {"Project.ExpectedCustomerSpend[0].CurrencyCode": INVALID},
        _set(
            "Project",
            "ExpectedCustomerSpend",
            [
                {
                    "Amount": "900",
                    "CurrencyCode": "EUR",
                    "Frequency": "Monthly",
                    "TargetCompany": "AWS",
                }
            ],
        ),
    ),
    "primary_needs": _required("PrimaryNeedsFromAws", value=["Co-Sell - Deal Support"]),
    "marketing_source": (
        _drop("Marketing"),
        {"Marketing.Source": REQUIRED},
        _set("Marketing", {"Source": "None"}),
    ),
    "marketing_none_means_empty": (
        _set("Marketing", {"Source": "None", "CampaignName": "re:Invent"}),
        {"Marketing.CampaignName": INVALID},
        _set("Marketing", {"Source": "None"}),
    ),
    "marketing_activity_needs_funding_answer": (
        _set("Marketing", {"Source": "Marketing Activity", "Channels": ["Live Event"]}),
        {"Marketing.AwsFundingUsed": REQUIRED},
        _set("Marketing", {"Source": "Marketing Activity", "AwsFundingUsed": "No"}),
    ),
    "marketing_use_cases_need_funding": (
        _set(
            "Marketing",
            {"Source": "Marketing Activity", "AwsFundingUsed": "No", "UseCases": ["Storage"]},
        ),
        {"Marketing.UseCases": INVALID},
        _set(
            "Marketing",
            {"Source": "Marketing Activity", "AwsFundingUsed": "Yes", "UseCases": ["Storage"]},
        ),
    ),
    "target_close_date": _required("LifeCycle", "TargetCloseDate", value="2025-12-31"),
    "closed_lost_reason": (
        _set("LifeCycle", "Stage", "Closed Lost"),
        {"LifeCycle.ClosedLostReason": REQUIRED},
        _set("LifeCycle", "ClosedLostReason", "Price"),
    ),
    "other_competitor_names": (
        _set("Project", "CompetitorName", "*Other"),
        {"Project.OtherCompetitorNames": REQUIRED},
        _set("Project", "OtherCompetitorNames", "Hetzner"),
    ),
    "flat_renewal_parent": (
        _set("OpportunityType", "Flat Renewal"),
        {"Project.RelatedOpportunityIdentifier": REQUIRED},
        _set("Project", "RelatedOpportunityIdentifier", "O1234567"),
    ),
}


@pytest.mark.parametrize("rule", sorted(RULES))
def test_rule_is_enforced_on_create(harness, rule):
    breaks, expected, satisfies = RULES[rule]
    request = opportunity_request()
    breaks(request)
    with pytest.raises(harness.raw_client.exceptions.ValidationException) as caught:
        harness.raw_client.create_opportunity(**request)
    assert caught.value.response["Reason"] == "BUSINESS_VALIDATION_FAILED"
    assert codes_by_field(caught.value) == expected
    assert harness.sim.catalogs["Sandbox"].opportunities == {}

    satisfies(request)
    created = harness.raw_client.create_opportunity(**request)
    assert created["Id"].startswith("O")


@pytest.mark.parametrize("rule", sorted(RULES))
def test_rule_is_enforced_on_every_update(harness, rule):
    breaks, expected, satisfies = RULES[rule]
    client = harness.raw_client
    created = client.create_opportunity(**opportunity_request())
    before = client.get_opportunity(Catalog="Sandbox", Identifier=created["Id"])
    update = update_payload_from(before)
    breaks(update)
    with pytest.raises(client.exceptions.ValidationException) as caught:
        client.update_opportunity(**update)
    assert codes_by_field(caught.value) == expected
    unchanged = client.get_opportunity(Catalog="Sandbox", Identifier=created["Id"])
    assert unchanged["LastModifiedDate"] == before["LastModifiedDate"]

    satisfies(update)
    client.update_opportunity(**update)


def test_national_security_opportunity_needs_no_website_or_state(harness):
    request = opportunity_request(NationalSecurity="Yes")
    _account(request)["Industry"] = "Government"
    del _account(request)["WebsiteUrl"]
    del _account(request)["Address"]["StateOrRegion"]
    assert harness.raw_client.create_opportunity(**request)["Id"]


@pytest.mark.parametrize("stage", ["Prospect", "Closed Lost"])
def test_submission_is_refused_before_qualified_and_after_closed_lost(harness, stage):
    client = harness.client
    lifecycle = {"Stage": stage, "TargetCloseDate": "2025-12-31", "NextSteps": "Workshop"}
    if stage == "Closed Lost":
        lifecycle["ClosedLostReason"] = "Price"
    opportunity_id = submittable(client, LifeCycle=lifecycle)
    with pytest.raises(client.exceptions.ValidationException) as caught:
        start_submission(client, opportunity_id)
    assert codes_by_field(caught.value) == {"LifeCycle.Stage": "INVALID_RESOURCE_STATE"}
    opportunity = client.get_opportunity(Catalog="Sandbox", Identifier=opportunity_id)
    assert opportunity["LifeCycle"]["ReviewStatus"] == "Pending Submission"


def test_co_sell_submission_needs_next_steps_and_a_customer_contact(harness):
    client = harness.client
    request = opportunity_request()
    del request["LifeCycle"]["NextSteps"]
    del request["Customer"]["Contacts"]
    opportunity_id = submittable(
        client, LifeCycle=request["LifeCycle"], Customer=request["Customer"]
    )
    with pytest.raises(client.exceptions.ValidationException) as caught:
        start_submission(client, opportunity_id)
    assert codes_by_field(caught.value) == {
        "LifeCycle.NextSteps": "REQUIRED_FIELD_MISSING",
        "Customer.Contacts": "REQUIRED_FIELD_MISSING",
    }
    # For visibility only, AWS does not need them.
    assert (
        start_submission(client, opportunity_id, "submit-2", "For Visibility Only")["TaskStatus"]
        == "COMPLETE"
    )


@pytest.mark.parametrize(
    ("path", "value"),
    [("CompanyName", "Acme Holdings"), ("Address.StateOrRegion", "Oregon")],
)
def test_company_name_and_state_are_locked_after_approval(harness, path, value):
    client = harness.client
    created = client.create_opportunity(**opportunity_request())
    harness.sim.set_review_status(created["Id"], review_status="Approved")
    update = update_payload_from(
        client.get_opportunity(Catalog="Sandbox", Identifier=created["Id"])
    )
    target = _account(update)
    *parents, last = path.split(".")
    for part in parents:
        target = target[part]
    target[last] = value
    with pytest.raises(client.exceptions.ValidationException) as caught:
        client.update_opportunity(**update)
    assert codes_by_field(caught.value) == {f"Customer.Account.{path}": "ACTION_NOT_PERMITTED"}
