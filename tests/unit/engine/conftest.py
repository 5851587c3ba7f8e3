from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from workers.engine import load_engine_config

TODAY = date(2025, 6, 2)


@pytest.fixture
def config():
    return load_engine_config(None)


@pytest.fixture
def today():
    return TODAY


@pytest.fixture
def deal():
    return {
        "hs_object_id": "18000000123",
        "dealname": "Acme data lake migration #AWS",
        "dealstage": "presentationscheduled",
        "pipeline": "default",
        "amount": "12000.5",
        "closedate": "2025-09-30T00:00:00.000Z",
        "description": "Acme's on-premises Hadoop cluster is at end of life and costs too much.",
        "hs_next_step": "Architecture workshop with the data team",
        "dealtype": "newbusiness",
        "deal_currency_code": "USD",
        "aws_customer_use_case": "Migration/Database Migration",
        "aws_delivery_models": "Professional Services",
        "aws_sales_activities": "Initialized discussions with customer",
        "aws_primary_needs": "Co-Sell - Architectural Validation",
        "aws_marketing_source": "None",
    }


@pytest.fixture
def company():
    return {
        "name": "Acme Analytics GmbH",
        "industry": "COMPUTER_SOFTWARE",
        "website": "acme-analytics.example.com",
        "domain": "acme-analytics.example.com",
        "country": "Deutschland",
        "zip": "10115",
        "city": "Berlin",
        "state": "Berlin",
        "address": "Invalidenstraße 1",
    }


@pytest.fixture
def contacts():
    return [
        {
            "id": "902",
            "primary": False,
            "properties": {
                "email": "Bob.Builder@Acme.example.com",
                "firstname": "Bob",
                "lastname": "Builder",
                "phone": "030 901820",
                "jobtitle": "Data Engineer",
            },
        },
        {
            "id": "77",
            "primary": True,
            "properties": {
                "email": "anna@acme.example.com",
                "firstname": "Anna",
                "lastname": "Schmidt",
                "phone": "+49 30 901820",
                "jobtitle": "CTO",
            },
        },
    ]


@pytest.fixture
def opportunity():
    """A GetOpportunity response as boto3 returns it, with members pcsync does not map."""
    return {
        "ResponseMetadata": {"HTTPStatusCode": 200},
        "Catalog": "Sandbox",
        "Id": "O1234567",
        "Arn": "arn:aws:partnercentral:us-east-1:123456789012:catalog/Sandbox/opportunity/O1234567",
        "PartnerOpportunityIdentifier": "18000000123",
        "OpportunityType": "Net New Business",
        "PrimaryNeedsFromAws": ["Co-Sell - Architectural Validation"],
        "NationalSecurity": "No",
        "CreatedDate": datetime(2025, 5, 1, 9, 0, tzinfo=UTC),
        "LastModifiedDate": datetime(2025, 5, 20, 12, 30, tzinfo=UTC),
        "RelatedEntityIdentifiers": {"AwsProducts": [], "Solutions": ["S-0000001"]},
        "OpportunityTeam": [{"Email": "owner@partner.example.com", "FirstName": "Pat"}],
        "Customer": {
            "Account": {
                "CompanyName": "Acme Analytics GmbH",
                "Industry": "Software and Internet",
                "WebsiteUrl": "https://acme-analytics.example.com",
                "AwsAccountId": "111122223333",
                "Duns": "123456789",
                "Address": {
                    "CountryCode": "DE",
                    "PostalCode": "10115",
                    "City": "Berlin",
                    "StateOrRegion": "Berlin",
                    "StreetAddress": "Invalidenstraße 1",
                },
            },
            "Contacts": [
                {
                    "Email": "anna@acme.example.com",
                    "FirstName": "Anna",
                    "LastName": "Schmidt",
                    "Phone": "+4930901820",
                    "BusinessTitle": "CTO",
                }
            ],
        },
        "Project": {
            "Title": "Acme data lake migration",
            "CustomerBusinessProblem": "Acme's on-premises Hadoop cluster is at end of life.",
            "CustomerUseCase": "Migration/Database Migration",
            "DeliveryModels": ["Professional Services"],
            "SalesActivities": ["Initialized discussions with customer"],
            "ExpectedCustomerSpend": [
                {
                    "Amount": "12000.00",
                    "CurrencyCode": "USD",
                    "Frequency": "Monthly",
                    "TargetCompany": "AWS",
                    "EstimationUrl": "https://calculator.aws/#/estimate?id=" + "a" * 40,
                }
            ],
            "ApnPrograms": ["ISV Accelerate Program"],
        },
        "LifeCycle": {
            "Stage": "Qualified",
            "TargetCloseDate": "2025-09-30",
            "NextSteps": "Architecture workshop",
            "ReviewStatus": "Pending Submission",
            "ReviewComments": "",
            "NextStepsHistory": [{"Value": "Intro call", "Time": datetime(2025, 5, 2, tzinfo=UTC)}],
        },
        "Marketing": {"Source": "None", "AwsFundingUsed": "No"},
    }
