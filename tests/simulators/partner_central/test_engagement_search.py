"""SearchEngagements: filter tree, sort and paging, through the unmodified boto3 client."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from .conftest import START


def _engagement(client, token: str, title: str) -> str:
    return client.create_engagement(
        Catalog="Sandbox", ClientToken=token, Title=title, Description="Co-sell", Contexts=[]
    )["Id"]


def _ids(response) -> list[str]:
    return [e["Id"] for e in response["EngagementSearchSummaries"]]


def test_finds_engagements_modified_since_a_moment_oldest_first(client, harness):
    first = _engagement(client, "t-1", "First")
    harness.clock.advance(60)
    second = _engagement(client, "t-2", "Second")
    harness.clock.advance(60)
    third = _engagement(client, "t-3", "Third")
    since = datetime.fromtimestamp(START + 30, UTC)

    found = client.search_engagements(
        Catalog="Sandbox",
        Filter={"GreaterThan": {"Key": "LastModifiedAt", "Value": {"DateValue": since}}},
        Sort={"SortBy": "LastModifiedAt", "SortOrder": "ASCENDING"},
        MaxResults=1,
    )
    rest = client.search_engagements(
        Catalog="Sandbox",
        Filter={"GreaterThan": {"Key": "LastModifiedAt", "Value": {"DateValue": since}}},
        Sort={"SortBy": "LastModifiedAt", "SortOrder": "ASCENDING"},
        NextToken=found["NextToken"],
    )

    assert _ids(found) == [second] and _ids(rest) == [third] and "NextToken" not in rest
    summary = found["EngagementSearchSummaries"][0]
    assert summary["Title"] == "Second" and summary["MemberCount"] == 1
    assert first not in _ids(found) + _ids(rest)


def test_and_or_not_filters_combine(client):
    alpha = _engagement(client, "t-a", "Alpha")
    beta = _engagement(client, "t-b", "Beta")
    _engagement(client, "t-c", "Gamma")

    either = client.search_engagements(
        Catalog="Sandbox",
        Filter={
            "OrAllFilters": [
                {"EqualsTo": {"Key": "Title", "Value": {"StringValue": "Alpha"}}},
                {"EqualsTo": {"Key": "Title", "Value": {"StringValue": "Beta"}}},
            ]
        },
    )
    not_alpha = client.search_engagements(
        Catalog="Sandbox",
        Filter={
            "AndAllFilters": [
                {
                    "ContainsAny": {
                        "Key": "EngagementId",
                        "Value": {"StringListValue": [alpha, beta]},
                    }
                },
                {"NotFilter": {"EqualsTo": {"Key": "Title", "Value": {"StringValue": "Alpha"}}}},
            ]
        },
    )

    assert sorted(_ids(either)) == sorted([alpha, beta])
    assert _ids(not_alpha) == [beta]


def test_a_filter_on_context_fields_the_simulator_does_not_hold_is_refused(client):
    with pytest.raises(client.exceptions.ValidationException) as caught:
        client.search_engagements(
            Catalog="Sandbox",
            Filter={
                "EqualsTo": {"Key": "LeadCustomerIndustry", "Value": {"StringValue": "Retail"}}
            },
        )
    assert "LeadCustomerIndustry" in caught.value.response["Error"]["Message"] or any(
        "LeadCustomerIndustry" in e.get("Message", "") for e in caught.value.response["ErrorList"]
    )
