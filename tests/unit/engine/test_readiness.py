"""pcsync's own pre-flight: what Partner Central would refuse, said as a sales rep would."""

from __future__ import annotations

from workers.engine import build_update_request, opportunity_gaps, sales_rep_message
from workers.engine.readiness import Gap, submission_gaps


def _paths(gaps):
    return {(gap.path, gap.problem) for gap in gaps}


def _complete(opportunity):
    # The fixture's German company carries a state, which AWS takes only for the US.
    opportunity["Customer"]["Account"]["Address"].pop("StateOrRegion")
    return opportunity


def test_a_complete_opportunity_has_no_gaps(opportunity, today):
    assert opportunity_gaps(build_update_request(_complete(opportunity), {}), today=today) == []


def test_missing_deal_inputs_and_company_details_are_named_in_words(opportunity, today, config):
    request = build_update_request(
        _complete(opportunity),
        {
            "Project.CustomerUseCase": None,
            "Project.DeliveryModels": None,
            "Customer.Account.Address.PostalCode": None,
        },
    )
    gaps = opportunity_gaps(request, today=today)
    assert _paths(gaps) == {
        ("Project.CustomerUseCase", "missing"),
        ("Project.DeliveryModels", "missing"),
        ("Customer.Account.Address.PostalCode", "missing"),
    }
    assert sales_rep_message(gaps, config) == (
        "Set 'AWS use case' and 'AWS delivery models'; the company needs a postal code"
    )


def test_close_date_that_has_passed_since_blocks_every_update(opportunity, today, config):
    opportunity["LifeCycle"]["TargetCloseDate"] = "2025-06-01"
    gaps = opportunity_gaps(build_update_request(_complete(opportunity), {}), today=today)
    assert _paths(gaps) == {("LifeCycle.TargetCloseDate", "past")}
    assert sales_rep_message(gaps, config) == "Move 'Close date' to a future date"


def test_conditional_requirements(opportunity, today):
    request = build_update_request(
        _complete(opportunity),
        {
            "Customer.Account.Industry": "Other",
            "LifeCycle.Stage": "Closed Lost",
            "Project.CompetitorName": "*Other",
            "Marketing.Source": "Marketing Activity",
            "Marketing.AwsFundingUsed": None,
        },
    )
    assert _paths(opportunity_gaps(request, today=today)) == {
        ("Customer.Account.OtherIndustry", "missing"),
        ("LifeCycle.ClosedLostReason", "missing"),
        ("Project.OtherCompetitorNames", "missing"),
        ("Marketing.AwsFundingUsed", "missing"),
    }


def test_us_company_needs_a_documented_state_and_others_none(opportunity, today):
    us = build_update_request(
        _complete(opportunity), {"Customer.Account.Address.CountryCode": "US"}
    )
    assert _paths(opportunity_gaps(us, today=today)) == {
        ("Customer.Account.Address.StateOrRegion", "missing")
    }
    berlin = build_update_request(opportunity, {"Customer.Account.Address.StateOrRegion": "Berlin"})
    assert _paths(opportunity_gaps(berlin, today=today)) == {
        ("Customer.Account.Address.StateOrRegion", "invalid")
    }


def test_countries_without_postal_codes_need_none(opportunity, today):
    request = build_update_request(
        _complete(opportunity),
        {"Customer.Account.Address.CountryCode": "AE", "Customer.Account.Address.PostalCode": None},
    )
    assert opportunity_gaps(request, today=today) == []


def test_spend_must_be_monthly_above_zero_in_usd_or_eur(opportunity, today, config):
    entry = {"Amount": "900", "CurrencyCode": "GBP", "Frequency": "Monthly", "TargetCompany": "AWS"}
    request = build_update_request(
        _complete(opportunity), {"Project.ExpectedCustomerSpend": [entry]}
    )
    gaps = opportunity_gaps(request, today=today)
    assert _paths(gaps) == {("Project.ExpectedCustomerSpend", "invalid")}
    assert "'AWS expected monthly spend'" in sales_rep_message(gaps, config)


def test_deal_without_company_is_told_to_associate_one(today, config):
    gaps = opportunity_gaps({"Project": {"Title": "T"}}, today=today)
    assert Gap("Customer.Account") in gaps
    assert "Customer.Account.Industry" not in {gap.path for gap in gaps}
    assert "associate a company with the deal" in sales_rep_message(gaps, config)


def test_submission_needs_qualified_and_for_co_sell_the_co_sell_details(config):
    fields = {
        "LifeCycle.Stage": "Prospect",
        "PrimaryNeedsFromAws": ["Co-Sell - Deal Support"],
        "Project.SalesActivities": ["Conducted POC / Demo"],
        "LifeCycle.NextSteps": None,
        "Customer.Contacts": [{"Email": "a@example.com"}],
    }
    gaps = submission_gaps(fields, "Co-Sell")
    assert _paths(gaps) == {("LifeCycle.Stage", "not_yet"), ("LifeCycle.NextSteps", "missing")}
    assert sales_rep_message(gaps, config, stage="Prospect") == (
        "Set 'Next step'; move the deal past Prospect: AWS takes submissions from Qualified on"
    )
    assert submission_gaps({**fields, "LifeCycle.Stage": "Qualified"}, "For Visibility Only") == []
