from __future__ import annotations

import copy
import json
import re

import pytest
from botocore.serialize import create_serializer

from workers.engine import (
    build_create_request,
    build_update_request,
    client_token,
    diff,
    extract_pc_fields,
    map_hubspot_to_pc,
    merge,
    model,
    update_diff,
)
from workers.engine.payload import SERVER_MANAGED_PATHS

from .model_check import request_errors


def test_update_keeps_unmapped_fields_and_applies_winners(opportunity):
    request = build_update_request(
        opportunity, {"LifeCycle.Stage": "Committed", "Project.Title": "Acme lakehouse"}
    )
    assert request["LifeCycle"]["Stage"] == "Committed"
    assert request["Project"]["Title"] == "Acme lakehouse"
    # Members pcsync does not map survive the full replacement.
    assert request["Project"]["CustomerUseCase"] == "Migration/Database Migration"
    assert request["Project"]["ApnPrograms"] == ["ISV Accelerate Program"]
    assert request["Customer"]["Account"]["Duns"] == "123456789"
    assert request["Customer"]["Account"]["AwsAccountId"] == "111122223333"
    assert request["PrimaryNeedsFromAws"] == ["Co-Sell - Architectural Validation"]
    assert request["Marketing"] == {"Source": "None", "AwsFundingUsed": "No"}
    assert request["NationalSecurity"] == "No"


def test_update_removes_read_only_members_and_renames_id(opportunity):
    request = build_update_request(opportunity, {})
    assert request["Identifier"] == "O1234567" and "Id" not in request
    for gone in (
        "Arn",
        "CreatedDate",
        "OpportunityTeam",
        "RelatedEntityIdentifiers",
        "ResponseMetadata",
    ):
        assert gone not in request
    for path in SERVER_MANAGED_PATHS:
        assert path.split(".")[1] not in request["LifeCycle"]
    assert request["LastModifiedDate"] == opportunity["LastModifiedDate"]
    assert request["Catalog"] == "Sandbox"


def test_update_request_passes_model_validation(opportunity):
    request = build_update_request(
        opportunity,
        {
            "Customer.Account.Industry": "Other",
            "Customer.Account.OtherIndustry": "Space Tourism",
            "LifeCycle.NextSteps": None,
            "Customer.Contacts": [{"Email": "new@acme.example.com", "Phone": "+447911123456"}],
        },
    )
    assert request_errors("UpdateOpportunityRequest", request) == []
    assert "NextSteps" not in request["LifeCycle"]  # None clears by omission


def test_validator_catches_what_botocore_lets_through(opportunity):
    """The helper itself must be able to fail."""
    request = build_update_request(
        opportunity, {"LifeCycle.Stage": "Won", "LifeCycle.TargetCloseDate": "30/09/2025"}
    )
    errors = request_errors("UpdateOpportunityRequest", request)
    assert any("Stage" in e for e in errors) and any("TargetCloseDate" in e for e in errors)
    assert request_errors("UpdateOpportunityRequest", {"Catalog": "Sandbox", "Arn": "x"})


def test_update_does_not_modify_the_read_opportunity(opportunity):
    before = copy.deepcopy(opportunity)
    build_update_request(
        opportunity, {"Customer.Account.Address.City": None, "LifeCycle.Stage": "Launched"}
    )
    assert opportunity == before


def test_clearing_the_last_member_removes_the_empty_container(opportunity):
    opportunity["Marketing"] = {"Source": "None"}
    request = build_update_request(opportunity, {"Marketing.Source": None})
    assert "Marketing" not in request


def test_spend_update_keeps_estimation_url_and_foreign_entries(opportunity):
    self_entry = {
        "Amount": "900000",
        "CurrencyCode": "USD",
        "Frequency": "Monthly",
        "TargetCompany": "Self",
    }
    opportunity["Project"]["ExpectedCustomerSpend"].append(self_entry)
    new = [
        {"Amount": "15000", "CurrencyCode": "USD", "Frequency": "Monthly", "TargetCompany": "AWS"}
    ]
    request = build_update_request(opportunity, {"Project.ExpectedCustomerSpend": new})
    spend = request["Project"]["ExpectedCustomerSpend"]
    assert spend[0]["Amount"] == "15000"
    assert spend[0]["EstimationUrl"].startswith("https://calculator.aws/#/estimate?id=")
    assert self_entry in spend
    assert request_errors("UpdateOpportunityRequest", request) == []


def test_catalog_override(opportunity):
    assert build_update_request(opportunity, {}, catalog="AWS")["Catalog"] == "AWS"


def test_full_push_cycle_produces_a_valid_minimal_change(
    deal, company, contacts, today, config, opportunity
):
    """Map, merge against the base, build: only the HubSpot changes differ."""
    theirs = extract_pc_fields(opportunity, config)
    base = dict(theirs)
    mapped = map_hubspot_to_pc(deal, company, contacts, today=today, config=config)
    result = merge(
        base, mapped.fields, theirs, strategies=config.strategies, directions=config.directions
    )
    request = build_update_request(opportunity, result.to_pc)
    assert request_errors("UpdateOpportunityRequest", request) == []
    changed = {change.path for change in update_diff(opportunity, request)}
    assert changed == {
        "LifeCycle.Stage",
        "LifeCycle.NextSteps",
        "Project.CustomerBusinessProblem",
        "Project.ExpectedCustomerSpend",
        "Customer.Contacts",
        # A state is accepted only for US customers; "must be null" with Source None.
        "Customer.Account.Address.StateOrRegion",
        "Marketing.AwsFundingUsed",
    }


def test_update_diff_is_empty_when_nothing_changes(opportunity):
    assert update_diff(opportunity, build_update_request(opportunity, {})) == []


# --- create ---


def test_create_request_has_catalog_token_origin_and_no_empty_values():
    request = build_create_request(
        {"Project.Title": "T", "LifeCycle.NextSteps": None, "Customer.Account.CompanyName": "Acme"},
        catalog="Sandbox",
        client_token="pcsync:1:2:create",
    )
    assert request == {
        "Project": {"Title": "T"},
        "Customer": {"Account": {"CompanyName": "Acme"}},
        "Catalog": "Sandbox",
        "ClientToken": "pcsync:1:2:create",
        "Origin": "Partner Referral",
    }
    assert request_errors("CreateOpportunityRequest", request) == []


def test_create_request_refuses_an_unknown_origin():
    with pytest.raises(ValueError, match="origin"):
        build_create_request({}, catalog="Sandbox", client_token="t", origin="Partner referral")


# --- client tokens ---

PRINTABLE_NO_SPACE = re.compile(r"[!-~]{1,64}")


def test_client_token_is_deterministic_and_readable():
    token = client_token("4711", "18000000123", "create")
    assert token == client_token(4711, 18000000123, "create") == "pcsync:4711:18000000123:create"


def test_client_tokens_differ_by_portal_deal_and_operation():
    tokens = {
        client_token("1", "23", "create"),
        client_token("12", "3", "create"),
        client_token("1", "23", "start-engagement"),
        client_token("2", "23", "create"),
    }
    assert len(tokens) == 4


@pytest.mark.parametrize(
    ("portal", "deal", "operation"),
    [
        ("4711", "9" * 60, "create"),
        ("4711", "123", "accept invitation"),
        ("portal with spaces", "123", "create"),
        ("4711", "123", "créer"),
    ],
)
def test_client_token_falls_back_to_a_hash_within_limits(portal, deal, operation):
    token = client_token(portal, deal, operation)
    assert PRINTABLE_NO_SPACE.fullmatch(token)
    assert token == client_token(portal, deal, operation)
    assert token != client_token(portal, deal, operation + "-2")


# --- audit diff ---


def test_diff_lists_changed_paths_with_before_and_after():
    before = {"LifeCycle": {"Stage": "Qualified", "NextSteps": "x"}, "Project": {"Title": "T"}}
    after = {
        "LifeCycle": {"Stage": "Committed"},
        "Project": {"Title": "T"},
        "OpportunityType": "Expansion",
    }
    assert [c.as_dict() for c in diff(before, after)] == [
        {"path": "LifeCycle.NextSteps", "before": "x", "after": None},
        {"path": "LifeCycle.Stage", "before": "Qualified", "after": "Committed"},
        {"path": "OpportunityType", "before": None, "after": "Expansion"},
    ]


def test_diff_of_flat_base_snapshots():
    changes = diff(
        {"Project.Title": "A", "LifeCycle.Stage": "Qualified"},
        {"Project.Title": "B", "LifeCycle.Stage": "Qualified"},
    )
    assert [(c.path, c.before, c.after) for c in changes] == [("Project.Title", "A", "B")]


# --- cross-check with the simulator's validator, when it is there ---


def test_update_request_passes_the_partner_central_simulators_validation(opportunity):
    """What boto3 would put on the wire for our request, checked by the
    simulator's server-side validator."""
    validation = pytest.importorskip("simulators.partner_central.validation")
    operation = model.service_model().operation_model("UpdateOpportunity")
    request = build_update_request(opportunity, {"LifeCycle.Stage": "Committed"})
    wire = create_serializer("json").serialize_to_request(request, operation)
    assert validation.validate(operation.input_shape, json.loads(wire["body"])) == []
