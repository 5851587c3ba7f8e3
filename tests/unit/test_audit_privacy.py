from __future__ import annotations

from models.audit_privacy import pseudonymise, token

KEY = "pseudonym-secret-0123456789"


def test_one_person_one_token_whatever_the_case_or_spacing():
    assert token("Jordan.Lee@Example.com ", KEY) == token("jordan.lee@example.com", KEY)
    assert token("jordan.lee@example.com", KEY) != token(
        "jordan.lee@example.com", "another-key-0123"
    )


def test_personal_members_and_personal_paths_are_tokenised_the_rest_kept():
    diff = {
        "hubspot": {"contacts": {"51": {"phone": "+12065550142", "jobtitle": "CTO"}}},
        "partner_central": [
            {"path": "Customer.Contacts[51].Email", "before": "a@example.com", "after": None},
            {"path": "LifeCycle.NextSteps", "before": "call", "after": "send plan"},
        ],
    }
    masked = pseudonymise(diff, KEY)
    contact = masked["hubspot"]["contacts"]["51"]
    assert contact["phone"] == token("+12065550142", KEY) and contact["jobtitle"] == "CTO"
    email, steps = masked["partner_central"]
    assert email == {
        "path": "Customer.Contacts[51].Email",
        "before": token("a@example.com", KEY),
        "after": None,
    }
    assert steps == diff["partner_central"][1]
    assert pseudonymise(masked, KEY) == masked  # tokens are not tokenised again
