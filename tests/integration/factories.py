"""Realistic HubSpot records created in the simulator as a user would."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

# What AWS requires on every opportunity that HubSpot has no field for, as a
# rep fills it in (multiple checkboxes are ";"-joined option values).
AWS_REQUIREMENTS = {
    "aws_customer_use_case": "Migration/Database Migration",
    "aws_delivery_models": "Professional Services",
    "aws_sales_activities": "Initialized discussions with customer;Conducted POC / Demo",
    "aws_primary_needs": "Co-Sell - Technical Consultation",
    "aws_marketing_source": "None",
}


def future_close_date(days: int = 60) -> str:
    return (datetime.now(UTC) + timedelta(days=days)).strftime("%Y-%m-%dT00:00:00.000Z")


# A company and its contact as a rep would have them in HubSpot.
COMPANY = {
    "name": "Acme Analytics",
    "domain": "acme-analytics.example.com",
    "website": "acme-analytics.example.com",
    "industry": "COMPUTER_SOFTWARE",
    "country": "United States",
    "city": "Seattle",
    "state": "Washington",
    "zip": "98101",
    "address": "100 Pine Street",
}
CONTACT = {
    "email": "Jordan.Lee@Acme-Analytics.example.com",
    "firstname": "Jordan",
    "lastname": "Lee",
    "phone": "(206) 555-0142",
    "jobtitle": "VP Engineering",
}


def create_company(sim, **overrides) -> str:
    return sim.create_object("companies", {**COMPANY, **overrides})["id"]


def create_contact(sim, **overrides) -> str:
    return sim.create_object("contacts", {**CONTACT, **overrides})["id"]


# HubSpot's association type ids (HUBSPOT_DEFINED) from a deal.
DEAL_TO_COMPANY, DEAL_TO_CONTACT = 5, 3


def _association(to_id: str, type_id: int) -> dict:
    return {
        "to": {"id": to_id},
        "types": [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": type_id}],
    }


def create_deal(sim, *, company_id=None, contact_ids=(), **overrides) -> str:
    properties = {
        "dealname": "Acme data platform migration #AWS",
        "amount": "12000",
        "closedate": future_close_date(),
        "pipeline": "default",
        "dealstage": "qualifiedtobuy",
        "description": "Acme needs to move its on-premises analytics warehouse to AWS "
        "to cut costs and scale for seasonal peaks.",
        **AWS_REQUIREMENTS,
        **overrides,
    }
    associations = [_association(company_id, DEAL_TO_COMPANY)] if company_id else []
    associations += [_association(contact_id, DEAL_TO_CONTACT) for contact_id in contact_ids]
    return sim.create_object("deals", properties, associations)["id"]


def console_opportunity_request(client_token: str, close: str, **overrides) -> dict:
    """A complete CreateOpportunity request, as a partner would enter one in the
    Partner Central console (every field the service requires)."""
    return {
        "Catalog": "Sandbox",
        "ClientToken": client_token,
        "OpportunityType": "Net New Business",
        "PrimaryNeedsFromAws": ["Co-Sell - Deal Support"],
        "Customer": {
            "Account": {
                "CompanyName": "Globex Logistics",
                "Industry": "Transportation and Logistics",
                "WebsiteUrl": "https://globex-logistics.example.com",
                "Address": {"CountryCode": "DE", "PostalCode": "10115", "City": "Berlin"},
            }
        },
        "Project": {
            "Title": "Globex route optimisation",
            "CustomerBusinessProblem": "Globex plans delivery routes by hand and wants to "
            "optimise them with managed machine learning services.",
            "CustomerUseCase": "AI Machine Learning and Analytics",
            "DeliveryModels": ["Professional Services"],
            "SalesActivities": ["Initialized discussions with customer"],
            "ExpectedCustomerSpend": [
                {
                    "Amount": "8000",
                    "CurrencyCode": "USD",
                    "Frequency": "Monthly",
                    "TargetCompany": "AWS",
                }
            ],
        },
        "Marketing": {"Source": "None"},
        "LifeCycle": {"Stage": "Qualified", "TargetCloseDate": close},
        **overrides,
    }
