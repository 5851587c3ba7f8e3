"""A complete, valid CreateOpportunity request: what AWS requires of a new
opportunity (see simulators/partner_central/required_fields.py). Shared by the
simulator tests and the integration tests that create opportunities directly."""

from __future__ import annotations

# After the simulator tests' fixed "now" (2025-06-15); tests on the real clock
# replace it.
FUTURE_DATE = "2025-12-31"

VALID_OPPORTUNITY = {
    "Catalog": "Sandbox",
    "PartnerOpportunityIdentifier": "deal-1",
    "OpportunityType": "Net New Business",
    "PrimaryNeedsFromAws": ["Co-Sell - Technical Consultation"],
    "Customer": {
        "Account": {
            "CompanyName": "Acme Corp",
            "Industry": "Software and Internet",
            "WebsiteUrl": "https://acme.example.com",
            "Address": {
                "CountryCode": "US",
                "PostalCode": "94105",
                "City": "San Francisco",
                "StateOrRegion": "California",
            },
        },
        "Contacts": [
            {
                "Email": "jane.doe@acme.example.com",
                "FirstName": "Jane",
                "LastName": "Doe",
                "Phone": "+14155550100",
            }
        ],
    },
    "Project": {
        "Title": "Data platform migration",
        "CustomerBusinessProblem": "The customer must move 200 on-premises servers to AWS.",
        "CustomerUseCase": "Migration/Database Migration",
        "DeliveryModels": ["Professional Services"],
        "ExpectedCustomerSpend": [
            {
                "Amount": "2500.50",
                "CurrencyCode": "USD",
                "Frequency": "Monthly",
                "TargetCompany": "AWS",
            }
        ],
        "SalesActivities": ["Initialized discussions with customer"],
    },
    "LifeCycle": {"Stage": "Qualified", "TargetCloseDate": FUTURE_DATE, "NextSteps": "Workshop"},
    "Marketing": {"Source": "None"},
    "OpportunityTeam": [
        {
            "Email": "owner@example.com",
            "FirstName": "Olivia",
            "LastName": "Owner",
            "BusinessTitle": "PartnerAccountManager",
        }
    ],
}
