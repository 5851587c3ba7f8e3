"""Model-driven request validation: every error at once, named by its dotted path."""

from __future__ import annotations

import pytest

from simulators.partner_central import service_model
from simulators.partner_central.validation import validate

from .conftest import codes_by_field, field_names, opportunity_request, post_raw


def _create_rejected(harness, **overrides):
    with pytest.raises(harness.raw_client.exceptions.ValidationException) as caught:
        harness.raw_client.create_opportunity(**opportunity_request(**overrides))
    return caught.value


def test_wrong_enum_value_is_rejected_with_field_and_code(harness):
    request = opportunity_request()
    request["Customer"]["Account"]["Industry"] = "Software"
    with pytest.raises(harness.client.exceptions.ValidationException) as caught:
        harness.client.create_opportunity(**request)
    error = caught.value
    assert error.response["Reason"] == "REQUEST_VALIDATION_FAILED"
    assert codes_by_field(error) == {"Customer.Account.Industry": "INVALID_ENUM_VALUE"}


def test_upper_case_email_is_rejected(harness):
    request = opportunity_request()
    request["Customer"]["Contacts"][0]["Email"] = "Jane.Doe@Acme.example.com"
    with pytest.raises(harness.client.exceptions.ValidationException) as caught:
        harness.client.create_opportunity(**request)
    assert codes_by_field(caught.value) == {"Customer.Contacts[0].Email": "INVALID_STRING_FORMAT"}


def test_phone_not_in_e164_is_rejected(harness):
    request = opportunity_request()
    request["Customer"]["Contacts"][0]["Phone"] = "(415) 555-0100"
    with pytest.raises(harness.client.exceptions.ValidationException) as caught:
        harness.client.create_opportunity(**request)
    assert field_names(caught.value) == {"Customer.Contacts[0].Phone"}


def test_ten_character_business_problem_is_rejected(harness):
    request = opportunity_request()
    request["Project"]["CustomerBusinessProblem"] = "Too short."
    with pytest.raises(harness.client.exceptions.ValidationException) as caught:
        harness.client.create_opportunity(**request)
    assert field_names(caught.value) == {"Project.CustomerBusinessProblem"}


def test_missing_nested_required_member_is_rejected(harness):
    request = opportunity_request()
    del request["Customer"]["Account"]["CompanyName"]
    with pytest.raises(harness.raw_client.exceptions.ValidationException) as caught:
        harness.raw_client.create_opportunity(**request)
    assert codes_by_field(caught.value) == {
        "Customer.Account.CompanyName": "REQUIRED_FIELD_MISSING"
    }


def test_missing_required_member_inside_a_list_item_is_rejected(harness):
    request = opportunity_request()
    del request["Project"]["ExpectedCustomerSpend"][0]["CurrencyCode"]
    with pytest.raises(harness.raw_client.exceptions.ValidationException) as caught:
        harness.raw_client.create_opportunity(**request)
    assert field_names(caught.value) == {"Project.ExpectedCustomerSpend[0].CurrencyCode"}


def test_several_errors_are_all_reported_in_one_response(harness):
    request = opportunity_request()
    request["Customer"]["Account"]["Industry"] = "Software"
    request["Customer"]["Account"]["Address"]["CountryCode"] = "USA"
    request["Customer"]["Contacts"][0]["Email"] = "UPPER@EXAMPLE.COM"
    request["Project"]["ExpectedCustomerSpend"][0]["Amount"] = "12.345"
    request["LifeCycle"]["TargetCloseDate"] = "31/12/2025"
    del request["Customer"]["Account"]["CompanyName"]
    with pytest.raises(harness.raw_client.exceptions.ValidationException) as caught:
        harness.raw_client.create_opportunity(**request)
    assert codes_by_field(caught.value) == {
        "Customer.Account.Industry": "INVALID_ENUM_VALUE",
        "Customer.Account.Address.CountryCode": "INVALID_ENUM_VALUE",
        "Customer.Contacts[0].Email": "INVALID_STRING_FORMAT",
        "Project.ExpectedCustomerSpend[0].Amount": "INVALID_STRING_FORMAT",
        "LifeCycle.TargetCloseDate": "INVALID_STRING_FORMAT",
        "Customer.Account.CompanyName": "REQUIRED_FIELD_MISSING",
    }


def test_unknown_members_are_rejected(harness):
    request = opportunity_request()
    request["Customer"]["Account"]["Website"] = "https://acme.example.com"
    request["Id"] = "O123"
    response = post_raw(harness.url, "CreateOpportunity", request)
    assert response.status_code == 400
    body = response.json()
    assert body["__type"] == "ValidationException"
    assert {e["FieldName"]: e["Code"] for e in body["ErrorList"]} == {
        "Customer.Account.Website": "INVALID_VALUE",
        "Id": "INVALID_VALUE",
    }


def test_list_size_and_number_range_are_enforced(harness):
    too_many = [{"CurrencyCode": "USD", "Frequency": "Monthly", "TargetCompany": "AWS"}] * 11
    request = opportunity_request()
    request["Project"]["ExpectedCustomerSpend"] = too_many
    error = _create_rejected(harness, Project=request["Project"])
    assert codes_by_field(error) == {"Project.ExpectedCustomerSpend": "TOO_MANY_VALUES"}
    with pytest.raises(harness.raw_client.exceptions.ValidationException) as caught:
        harness.raw_client.list_engagement_members(
            Catalog="Sandbox", Identifier="eng-00000000000001", MaxResults=11
        )
    assert codes_by_field(caught.value) == {"MaxResults": "VALUE_OUT_OF_RANGE"}


def test_model_rejections_are_counted_and_valid_calls_are_not(harness):
    harness.client.create_opportunity(**opportunity_request())
    assert harness.sim.model_rejections() == []
    _create_rejected(harness, OpportunityType="Brand New")
    rejections = harness.sim.model_rejections()
    assert [r["operation"] for r in rejections] == ["CreateOpportunity"]
    assert rejections[0]["error_list"][0]["FieldName"] == "OpportunityType"


def test_business_rule_failures_are_not_model_rejections(harness):
    request = opportunity_request()
    request["Customer"]["Account"]["Industry"] = "Other"
    with pytest.raises(harness.client.exceptions.ValidationException) as caught:
        harness.client.create_opportunity(**request)
    assert caught.value.response["Reason"] == "BUSINESS_VALIDATION_FAILED"
    assert field_names(caught.value) == {"Customer.Account.OtherIndustry"}
    assert harness.sim.model_rejections() == []


def test_validator_walks_unions_and_maps_from_the_model():
    payload_shape = service_model.shape("Payload")
    both = {"OpportunityInvitation": {}, "LeadInvitation": {}}
    messages = {(e.field_name, e.code) for e in validate(payload_shape, both)}
    assert (None, "INVALID_VALUE") in messages
    attributes = service_model.shape("RecommendationAttributeMap")
    too_many = {f"k{i}": "v" for i in range(26)}
    assert [e.code for e in validate(attributes, too_many)] == ["TOO_MANY_VALUES"]


def test_tag_patterns_with_unicode_classes_compile_and_apply():
    tag = service_model.shape("Tag")
    assert validate(tag, {"Key": "team name", "Value": "Über-sales"}) == []
    assert [e.field_name for e in validate(tag, {"Key": "bad#key", "Value": "v"})] == ["Key"]
