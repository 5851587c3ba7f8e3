from __future__ import annotations

from datetime import UTC, datetime

from workers.engine import (
    engine_config_from_dict,
    extract_pc_fields,
    hubspot_properties_to_read,
    map_hubspot_to_pc,
    ours_modified_at,
    pc_to_hubspot,
)
from workers.engine.fieldmap import FIELD_SPECS
from workers.engine.payload import build_create_request, client_token

from .model_check import request_errors


def _notes_for(mapped, path):
    return [n for n in mapped.notes if n.path == path]


def test_realistic_deal_maps_to_partner_central_fields(deal, company, contacts, today, config):
    mapped = map_hubspot_to_pc(deal, company, contacts, today=today, config=config)
    f = mapped.fields
    assert f["PartnerOpportunityIdentifier"] == "18000000123"
    assert f["Project.Title"] == "Acme data lake migration"  # sync tag removed
    assert f["LifeCycle.Stage"] == "Technical Validation"
    assert f["LifeCycle.TargetCloseDate"] == "2025-09-30"
    assert f["LifeCycle.NextSteps"] == "Architecture workshop with the data team"
    assert f["OpportunityType"] == "Net New Business"
    # The deal amount spread over 12 months: AWS wants monthly recurring spend.
    assert f["Project.ExpectedCustomerSpend"] == [
        {"Amount": "1000.04", "CurrencyCode": "USD", "Frequency": "Monthly", "TargetCompany": "AWS"}
    ]
    assert f["Project.CustomerUseCase"] == "Migration/Database Migration"
    assert f["Project.DeliveryModels"] == ["Professional Services"]
    assert f["Marketing.Source"] == "None"
    # A German company's state is not sent: Partner Central takes states only for the US.
    assert f["Customer.Account.Address.StateOrRegion"] is None
    assert f["Customer.Account.CompanyName"] == "Acme Analytics GmbH"
    assert f["Customer.Account.Industry"] == "Software and Internet"
    assert f["Customer.Account.OtherIndustry"] is None
    assert f["Customer.Account.WebsiteUrl"] == "https://acme-analytics.example.com"
    assert f["Customer.Account.Address.CountryCode"] == "DE"
    assert f["Customer.Account.Address.PostalCode"] == "10115"
    assert mapped.notes == []


def test_contacts_primary_first_then_by_id_with_normalised_values(
    deal, company, contacts, today, config
):
    extra = {"id": "100", "primary": False, "properties": {"email": "c@acme.example.com"}}
    mapped = map_hubspot_to_pc(deal, company, [*contacts, extra], today=today, config=config)
    people = mapped.fields["Customer.Contacts"]
    assert [p["Email"] for p in people] == [
        "anna@acme.example.com",  # primary
        "c@acme.example.com",  # id 100 before 902 (numeric order, not text order)
        "bob.builder@acme.example.com",  # lower-cased
    ]
    assert people[0] == {
        "Email": "anna@acme.example.com",
        "FirstName": "Anna",
        "LastName": "Schmidt",
        "Phone": "+4930901820",
        "BusinessTitle": "CTO",
    }
    # Bob's national number is read in the company's country (Deutschland → DE).
    assert people[2]["Phone"] == "+4930901820"


def test_contact_phone_uses_the_contacts_own_country_first(deal, company, today, config):
    contact = {
        "id": "5",
        "primary": True,
        "properties": {
            "email": "raj@acme.example.com",
            "phone": "098765 43210",
            "country": "India",
        },
    }
    mapped = map_hubspot_to_pc(deal, company, [contact], today=today, config=config)
    assert mapped.fields["Customer.Contacts"][0]["Phone"] == "+919876543210"


def test_unusable_contact_phone_is_left_out_with_a_note(deal, today, config):
    contact = {
        "id": "5",
        "primary": True,
        "properties": {"email": "x@acme.example.com", "phone": "0201234"},
    }
    mapped = map_hubspot_to_pc(deal, None, [contact], today=today, config=config)
    assert mapped.fields["Customer.Contacts"] == [{"Email": "x@acme.example.com"}]
    (note,) = _notes_for(mapped, "Customer.Contacts")
    assert "contact 5 Phone" in note.reason and note.kind == "adjusted"


def test_contact_with_nothing_usable_is_skipped(deal, company, contacts, today, config):
    empty = {"id": "1", "primary": False, "properties": {"email": "nope"}}
    mapped = map_hubspot_to_pc(deal, company, [*contacts, empty], today=today, config=config)
    assert len(mapped.fields["Customer.Contacts"]) == 2
    assert "contact 1 skipped" in _notes_for(mapped, "Customer.Contacts")[0].reason


def test_unknown_industry_maps_to_other_and_other_industry(deal, company, contacts, today, config):
    company["industry"] = "SPACE_TOURISM"
    mapped = map_hubspot_to_pc(deal, company, contacts, today=today, config=config)
    assert mapped.fields["Customer.Account.Industry"] == "Other"
    assert mapped.fields["Customer.Account.OtherIndustry"] == "Space Tourism"
    assert _notes_for(mapped, "Customer.Account.Industry")[0].kind == "adjusted"


def test_long_company_name_is_cut_on_a_word_boundary(deal, company, contacts, today, config):
    company["name"] = "The Very Long Name of an International Holding " * 5
    mapped = map_hubspot_to_pc(deal, company, contacts, today=today, config=config)
    name = mapped.fields["Customer.Account.CompanyName"]
    assert len(name) <= 120
    assert company["name"].startswith(name) and company["name"][len(name)] == " "


def test_past_close_date_is_omitted_so_partner_central_keeps_its_value(
    deal, company, contacts, today, config
):
    deal["closedate"] = "2024-12-31T00:00:00Z"
    mapped = map_hubspot_to_pc(deal, company, contacts, today=today, config=config)
    assert "LifeCycle.TargetCloseDate" not in mapped.fields
    assert "in the past" in _notes_for(mapped, "LifeCycle.TargetCloseDate")[0].reason


def test_epoch_ms_close_date(deal, company, contacts, today, config):
    deal["closedate"] = "1759190400000"
    mapped = map_hubspot_to_pc(deal, company, contacts, today=today, config=config)
    assert mapped.fields["LifeCycle.TargetCloseDate"] == "2025-09-30"


def test_required_field_empty_in_hubspot_is_not_sent_as_a_clear(
    deal, company, contacts, today, config
):
    company["website"] = company["domain"] = ""
    deal["hs_next_step"] = ""
    mapped = map_hubspot_to_pc(deal, company, contacts, today=today, config=config)
    assert "Customer.Account.WebsiteUrl" not in mapped.fields  # required: keep PC's
    assert mapped.fields["LifeCycle.NextSteps"] is None  # optional: cleared


def test_website_falls_back_to_domain(deal, company, contacts, today, config):
    company["website"] = ""
    company["domain"] = "Acme.example.org"
    mapped = map_hubspot_to_pc(deal, company, contacts, today=today, config=config)
    assert mapped.fields["Customer.Account.WebsiteUrl"] == "https://acme.example.org"


def test_deal_without_company_leaves_company_fields_alone(deal, contacts, today, config):
    mapped = map_hubspot_to_pc(deal, None, contacts, today=today, config=config)
    assert not any(p.startswith("Customer.Account") for p in mapped.fields)
    assert (
        _notes_for(mapped, "Customer.Account.CompanyName")[0].reason
        == "deal has no associated company"
    )


def test_unmapped_stage_and_foreign_currency_are_omitted(deal, company, contacts, today, config):
    deal["dealstage"] = "12345678"
    deal["deal_currency_code"] = "GBP"
    mapped = map_hubspot_to_pc(deal, company, contacts, today=today, config=config)
    assert "LifeCycle.Stage" not in mapped.fields
    assert "Project.ExpectedCustomerSpend" not in mapped.fields
    assert "GBP" in _notes_for(mapped, "Project.ExpectedCustomerSpend")[0].reason


def test_eur_deal_amount_is_sent_in_eur_per_month(deal, company, contacts, today, config):
    deal.update(deal_currency_code="EUR", amount="24000")
    mapped = map_hubspot_to_pc(deal, company, contacts, today=today, config=config)
    assert mapped.fields["Project.ExpectedCustomerSpend"][0] == {
        "Amount": "2000",
        "CurrencyCode": "EUR",
        "Frequency": "Monthly",
        "TargetCompany": "AWS",
    }


def test_monthly_spend_property_wins_over_the_amount_in_any_deal_currency(
    deal, company, contacts, today, config
):
    deal.update(deal_currency_code="GBP", amount="90000", aws_expected_monthly_spend="1500")
    mapped = map_hubspot_to_pc(deal, company, contacts, today=today, config=config)
    (entry,) = mapped.fields["Project.ExpectedCustomerSpend"]
    assert (entry["Amount"], entry["CurrencyCode"]) == ("1500", "USD")


def test_spend_months_and_property_defaults_come_from_the_configuration(
    deal, company, contacts, today
):
    config = engine_config_from_dict(
        {"spend_months": 1, "property_defaults": {"aws_delivery_models": "SaaS or PaaS"}}
    )
    deal.update(amount="700", aws_delivery_models="")
    mapped = map_hubspot_to_pc(deal, company, contacts, today=today, config=config)
    assert mapped.fields["Project.ExpectedCustomerSpend"][0]["Amount"] == "700"
    assert mapped.fields["Project.DeliveryModels"] == ["SaaS or PaaS"]


def test_us_state_is_sent_as_the_documented_full_name(deal, company, contacts, today, config):
    for written, sent in [("WA", "Washington"), ("wa", "Washington"), ("DC", "Dist. of Columbia")]:
        company.update(country="United States", state=written)
        mapped = map_hubspot_to_pc(deal, company, contacts, today=today, config=config)
        assert mapped.fields["Customer.Account.Address.StateOrRegion"] == sent


def test_marketing_details_are_sent_only_for_a_marketing_activity(
    deal, company, contacts, today, config
):
    deal.update(aws_marketing_campaign="reinvent-2025", aws_marketing_channels="Email;Live Event")
    mapped = map_hubspot_to_pc(deal, company, contacts, today=today, config=config)
    assert mapped.fields["Marketing.CampaignName"] is None
    deal.update(aws_marketing_source="Marketing Activity", aws_marketing_funding_used="No")
    mapped = map_hubspot_to_pc(deal, company, contacts, today=today, config=config)
    assert mapped.fields["Marketing.CampaignName"] == "reinvent-2025"
    assert mapped.fields["Marketing.Channels"] == ["Email", "Live Event"]


def test_custom_pipeline_and_source_property_from_config(deal, company, contacts, today):
    config = engine_config_from_dict(
        {
            "pipelines": {"enterprise": {"stages": {"s1": "Prospect", "s9": "Committed"}}},
            "fields": {"Project.ExpectedCustomerSpend": {"properties": ["aws_monthly_spend"]}},
        }
    )
    deal.update(pipeline="enterprise", dealstage="s9", aws_monthly_spend="3000")
    mapped = map_hubspot_to_pc(deal, company, contacts, today=today, config=config)
    assert mapped.fields["LifeCycle.Stage"] == "Committed"
    assert mapped.fields["Project.ExpectedCustomerSpend"][0]["Amount"] == "3000"


def test_disabled_field_is_not_mapped(deal, company, contacts, today):
    config = engine_config_from_dict({"fields": {"LifeCycle.NextSteps": {"enabled": False}}})
    mapped = map_hubspot_to_pc(deal, company, contacts, today=today, config=config)
    assert "LifeCycle.NextSteps" not in mapped.fields
    assert "LifeCycle.NextSteps" not in extract_pc_fields({}, config)


def test_mapped_fields_make_a_create_request_the_model_accepts(
    deal, company, contacts, today, config
):
    mapped = map_hubspot_to_pc(deal, company, contacts, today=today, config=config)
    request = build_create_request(
        mapped.fields,
        catalog="Sandbox",
        client_token=client_token("4711", deal["hs_object_id"], "create"),
    )
    assert request_errors("CreateOpportunityRequest", request) == []
    assert request["Customer"]["Account"]["Address"]["CountryCode"] == "DE"
    assert request["Origin"] == "Partner Referral"
    assert "OtherIndustry" not in request["Customer"]["Account"]  # None values left out


# --- reading Partner Central ---------------------------------------------------------------


def test_extract_reads_every_synced_path_in_canonical_form(opportunity, config):
    fields = extract_pc_fields(opportunity, config)
    assert set(fields) == {spec.path for spec in FIELD_SPECS}
    assert fields["Project.ExpectedCustomerSpend"] == [
        {"Amount": "12000", "CurrencyCode": "USD", "Frequency": "Monthly", "TargetCompany": "AWS"}
    ]
    assert fields["Customer.Account.OtherIndustry"] is None
    assert fields["LifeCycle.Stage"] == "Qualified"


def test_extract_ignores_spend_entries_pcsync_does_not_map(opportunity, config):
    opportunity["Project"]["ExpectedCustomerSpend"].append(
        {"Amount": "500000", "CurrencyCode": "USD", "Frequency": "Monthly", "TargetCompany": "Self"}
    )
    fields = extract_pc_fields(opportunity, config)
    assert len(fields["Project.ExpectedCustomerSpend"]) == 1


def test_unchanged_deal_maps_equal_to_what_partner_central_holds(
    deal, company, contacts, today, config, opportunity
):
    """Same data on both sides must compare equal, or every sync would write."""
    deal["aws_expected_monthly_spend"] = "12000"
    company["state"] = ""
    opportunity["Customer"]["Account"]["Address"].pop("StateOrRegion")
    opportunity["Marketing"].pop("AwsFundingUsed")
    deal["dealstage"] = "qualifiedtobuy"
    deal["hs_next_step"] = "Architecture workshop"
    deal["description"] = opportunity["Project"]["CustomerBusinessProblem"]
    mapped = map_hubspot_to_pc(deal, company, contacts[1:], today=today, config=config)
    theirs = extract_pc_fields(opportunity, config)
    assert {p: v for p, v in mapped.fields.items() if theirs[p] != v} == {}


# --- pulling into HubSpot ----------------------------------------------------------------------


def test_pc_values_become_hubspot_property_strings(config):
    writes = pc_to_hubspot(
        {
            "LifeCycle.Stage": "Business Validation",
            "LifeCycle.TargetCloseDate": "2025-10-15",
            "Project.ExpectedCustomerSpend": [
                {
                    "Amount": "2500.5",
                    "CurrencyCode": "USD",
                    "Frequency": "Monthly",
                    "TargetCompany": "AWS",
                }
            ],
            "LifeCycle.NextSteps": None,
        },
        config,
    )
    assert writes == {
        "deal": {
            "dealstage": "decisionmakerboughtin",
            "closedate": "2025-10-15T00:00:00.000Z",
            # A monthly figure never lands in the deal amount.
            "aws_expected_monthly_spend": "2500.5",
            "hs_next_step": "",
        }
    }
    assert writes.notes == []


def test_pull_skips_push_only_fields_with_a_note(config):
    writes = pc_to_hubspot({"Customer.Account.CompanyName": "Other Name"}, config)
    assert writes == {}
    assert writes.notes[0].path == "Customer.Account.CompanyName"


def test_pulled_values_map_back_to_the_same_values(deal, company, contacts, today, config):
    pulled = {"LifeCycle.Stage": "Committed", "LifeCycle.TargetCloseDate": "2025-11-30"}
    deal.update(pc_to_hubspot(pulled, config)["deal"])
    mapped = map_hubspot_to_pc(deal, company, contacts, today=today, config=config)
    assert {p: mapped.fields[p] for p in pulled} == pulled


def test_stage_pull_uses_the_deals_pipeline(config):
    config = engine_config_from_dict(
        {"pipelines": {"p2": {"stages": {"a": "Prospect", "b": "Prospect"}}}}
    )
    assert pc_to_hubspot({"LifeCycle.Stage": "Prospect"}, config, pipeline="p2") == {
        "deal": {"dealstage": "a"}
    }
    missing = pc_to_hubspot({"LifeCycle.Stage": "Launched"}, config, pipeline="p2")
    assert missing == {} and missing.notes


# --- caller helpers ---


def test_properties_to_read_cover_sources_and_context(config):
    wanted = hubspot_properties_to_read(config)
    assert {"hs_object_id", "pipeline", "dealstage", "amount", "closedate"} <= set(wanted["deal"])
    assert {"name", "industry", "website", "domain", "country"} <= set(wanted["company"])
    assert {"email", "phone", "jobtitle"} <= set(wanted["contacts"])


def test_ours_modified_at_takes_the_latest_source_property(config):
    early, late = datetime(2025, 5, 1, tzinfo=UTC), datetime(2025, 5, 3, tzinfo=UTC)
    stamps = ours_modified_at(
        {"deal": {"amount": early}, "company": {"website": early, "domain": late}}, config
    )
    assert stamps["Project.ExpectedCustomerSpend"] == early
    assert stamps["Customer.Account.WebsiteUrl"] == late
    assert "LifeCycle.Stage" not in stamps
