"""Reading the audit trail over the API (filters, paging, newest first,
verification) and pseudonymised personal data, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import timedelta
from urllib.parse import quote

import pytest

from ingest import create_app
from models.audit import record_audit
from models.base import utcnow
from tests.conftest import TEST_API_TOKEN

AUTH = {"Authorization": f"Bearer {TEST_API_TOKEN}"}
SECRET = "pseudonym-secret-0123456789"


@pytest.fixture
def app(make_settings, database_url):
    return create_app(make_settings(database_url=database_url))


def write(app, count: int, **fields) -> None:
    with app.app_context(), app.extensions["pcsync.db"].transaction() as session:
        for index in range(count):
            record_audit(
                session,
                action=fields.get("action", "opportunity.sync"),
                outcome=fields.get("outcome", "updated"),
                source="hubspot",
                actor="test",
                object_type="deal",
                object_id=fields.get("deal_id", str(index)),
                opportunity_id=fields.get("opportunity_id"),
                diff=fields.get("diff"),
            )


def test_audit_rows_filtered_paged_newest_first_and_verified(app):
    write(app, 3, deal_id="11", opportunity_id="O1001")
    write(app, 2, deal_id="12", opportunity_id="O1002", outcome="deferred")
    client = app.test_client()
    page = client.get("/api/audit?opportunity_id=O1001&page_size=2", headers=AUTH).get_json()
    assert page["total"] == 3 and len(page["items"]) == 2
    assert page["items"][0]["id"] > page["items"][1]["id"]  # newest first
    assert all(item["row_hash"] and item["prev_hash"] for item in page["items"])
    deferred = client.get("/api/audit?deal_id=12&outcome=deferred", headers=AUTH).get_json()
    assert deferred["total"] == 2
    later = quote((utcnow() + timedelta(minutes=1)).isoformat())
    assert client.get(f"/api/audit?from={later}", headers=AUTH).get_json()["total"] == 0
    assert client.get(f"/api/audit?to={later}", headers=AUTH).get_json()["total"] == 5
    assert client.get("/api/audit?from=yesterday", headers=AUTH).status_code == 400
    assert client.get("/api/audit").status_code == 401
    verification = client.get("/api/audit/verify", headers=AUTH).get_json()
    assert verification == {
        "ok": True,
        "checked": 5,
        "unchained": 0,
        "first_bad_id": None,
        "problem": None,
    }
    spec = client.get("/openapi.json").get_json()["paths"]
    assert {"/api/audit", "/api/conflicts", "/api/reports/compliance"} <= set(spec)


def test_personal_data_is_pseudonymised_with_one_token_per_person(make_settings, database_url):
    app = create_app(
        make_settings(
            database_url=database_url, audit_pseudonymise=True, audit_pseudonym_secret=SECRET
        )
    )
    contact = {"Email": "Jordan.Lee@example.com", "FirstName": "Jordan", "Phone": "+12065550142"}
    write(app, 1, diff={"partner_central": [{"path": "Customer.Contacts", "after": [contact]}]})
    write(app, 1, diff={"path": "Customer.Contacts[51].Email", "hubspot": "jordan.lee@example.com"})
    items = app.test_client().get("/api/audit", headers=AUTH).get_json()["items"]
    newest, oldest = items
    stored = oldest["diff"]["partner_central"][0]["after"][0]
    assert all(value.startswith("pii:") for value in stored.values())
    assert "Jordan" not in str(items) and "example.com" not in str(items)
    # The same person, from either side and in any case, is the same token.
    assert newest["diff"]["hubspot"] == stored["Email"]
    assert newest["diff"]["path"] == "Customer.Contacts[51].Email"


def test_cli_lists_conflicts_exports_and_reports(app, tmp_path):
    from click.testing import CliRunner

    from pcsync.cli import main

    write(app, 2, deal_id="21", action="field.conflict", outcome="conflict_pending")
    settings = app.extensions["pcsync.settings"]
    runner = CliRunner()
    listed = runner.invoke(main, ["conflicts", "list", "--json"], obj=settings)
    assert listed.exit_code == 0 and json.loads(listed.output) == []
    out = tmp_path / "audit.csv"
    exported = runner.invoke(
        main, ["audit", "export", "--format", "csv", "--output", str(out)], obj=settings
    )
    assert exported.exit_code == 0, exported.output
    header, *rows = out.read_text().splitlines()
    assert header.startswith("id,at,action") and len(rows) == 2
    report = runner.invoke(main, ["report", "compliance"], obj=settings)
    assert report.exit_code == 0, report.output
    document = json.loads(report.output)
    assert document["total"]["conflicts_opened"] == {"count": 2}
    assert document["chain"]["ok"] is True
