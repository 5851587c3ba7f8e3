"""Resources of an opportunity on the whole stack: solutions, AWS products and
the Marketplace offer set from HubSpot deal properties and from the
management API, changes made in Partner Central flowing back to the deal,
limits and unknown ids refused before any call, resource snapshots, and the
partner resource library (local store) mirrored on the deal.

Partner Central allows one write a second, so each test sends only a few."""

from __future__ import annotations

import io
import time
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa

from tasks.resources import change_related_entity, create_snapshot
from tests.conftest import TEST_API_TOKEN
from tests.integration.factories import create_company, create_contact, create_deal
from tests.integration.helpers import route_events_to_ingest
from tests.integration.stack import until_accepted, wait_for

AUTH = {"Authorization": f"Bearer {TEST_API_TOKEN}"}
OFFER = "arn:aws:aws-marketplace:us-east-1:123456789012:AWSMarketplace/Offer/offer-abc"
OFFER_2 = "arn:aws:aws-marketplace:us-east-1:123456789012:AWSMarketplace/Offer/offer-def"
OFFER_SET = "arn:aws:aws-marketplace:us-east-1:123456789012:AWSMarketplace/OfferSet/offerset-x"
EVENTS_SECRET = "resources-events-secret-0123456789"
# Seeded in the simulator (docs/simulators/partner-central.md).
SANDBOX_SOLUTION, MIGRATION_SOLUTION, INACTIVE_SOLUTION = "S-1234567", "S-7654321", "S-2000001"
ASSOCIATION_CALLS = ("AssociateOpportunity", "DisassociateOpportunity")


@pytest.fixture
def stack(stack_with):
    built = stack_with(events_secret=EVENTS_SECRET, resource_max_bytes=4096)
    route_events_to_ingest(built)
    return built


def linked_deal(stack, **properties) -> tuple[str, str]:
    company = create_company(stack.hubspot)
    contact = create_contact(stack.hubspot)
    deal = create_deal(stack.hubspot, company_id=company, contact_ids=[contact], **properties)
    return deal, stack.wait_linked(deal, timeout=90)["opportunity_id"]


def deal_properties(stack, deal_id) -> dict:
    return stack.hubspot.get_object("deals", deal_id)["properties"]


def deal_shows(stack, deal_id, **expected) -> dict:
    def check():
        props = deal_properties(stack, deal_id)
        return props if all((props.get(k) or "") == v for k, v in expected.items()) else None

    return wait_for(check, timeout=90)


def related(stack, opportunity_id) -> dict:
    return stack.opportunity(opportunity_id)["RelatedEntityIdentifiers"]


def opportunity_has(stack, opportunity_id, **expected) -> dict:
    def check():
        current = related(stack, opportunity_id)
        return (
            current if all(sorted(current[k]) == sorted(v) for k, v in expected.items()) else None
        )

    return wait_for(check, timeout=90)


def calls_in_order(stack, since: float = 0.0) -> list[tuple[str, str]]:
    """(operation, identifier) of each successful association call, in order."""
    found = [
        (c["time"], op, c["parameters"]["RelatedEntityIdentifier"])
        for op in ASSOCIATION_CALLS
        for c in stack.pc_calls(op, since)
    ]
    return [(op, identifier) for _, op, identifier in sorted(found)]


def outcomes(stack, deal_id) -> list[str]:
    return stack.audit_outcomes(deal_id, action="opportunity.related_entities")


def boto_retrying(call, **params):
    """A call as another Partner Central user, waiting out the shared 1/s quota."""
    throttled = call.__self__.exceptions.ThrottlingException  # the quota pcsync shares
    return until_accepted(lambda: call(Catalog="Sandbox", **params), (throttled,))


# -- related entities --------------------------------------------------------------------


def test_solutions_products_and_offer_from_hubspot_are_associated_replaced_and_removed(stack):
    stack.pc.add_solution("S-3000001", "Data Lake Accelerator")
    with stack.worker():
        deal, opportunity_id = linked_deal(
            stack,
            aws_solution_ids=f"{SANDBOX_SOLUTION};{MIGRATION_SOLUTION}",
            aws_product_codes="AmazonRedshift",
            aws_marketplace_offer=OFFER,
        )
        opportunity_has(
            stack,
            opportunity_id,
            Solutions=[SANDBOX_SOLUTION, MIGRATION_SOLUTION],
            AwsProducts=["AmazonRedshift"],
            AwsMarketplaceOffers=[OFFER],
        )
        deal_shows(stack, deal, aws_related_entities_status="synced")
        first_round = calls_in_order(stack)

        # Replace a solution, drop the product, swap the offer for an offer set.
        since = time.time()
        stack.hubspot.update_object(
            "deals",
            deal,
            {
                "aws_solution_ids": f"{SANDBOX_SOLUTION};S-3000001",
                "aws_product_codes": "",
                "aws_marketplace_offer": OFFER_SET,
            },
        )
        opportunity_has(
            stack,
            opportunity_id,
            Solutions=[SANDBOX_SOLUTION, "S-3000001"],
            AwsProducts=[],
            AwsMarketplaceOffers=[],
            AwsMarketplaceOfferSets=[OFFER_SET],
        )
        wait_for(lambda: outcomes(stack, deal).count("updated") >= 2, timeout=60)
    assert sorted(first_round) == sorted(
        ("AssociateOpportunity", i)
        for i in (SANDBOX_SOLUTION, MIGRATION_SOLUTION, "AmazonRedshift", OFFER)
    )
    # The new solution goes in before the old one goes; the offer is replaced by
    # removing the old one first (one offer or offer set per opportunity).
    assert calls_in_order(stack, since) == [
        ("DisassociateOpportunity", OFFER),
        ("AssociateOpportunity", "S-3000001"),
        ("AssociateOpportunity", OFFER_SET),
        ("DisassociateOpportunity", MIGRATION_SOLUTION),
        ("DisassociateOpportunity", "AmazonRedshift"),
    ]
    assert stack.rows(
        "SELECT status FROM related_entity_bases WHERE hubspot_deal_id = :d", d=deal
    ) == [{"status": "synced"}]
    # Each call audited with what it changed.
    rows = stack.rows(
        "SELECT action, diff FROM audit_entries WHERE object_id = :d"
        " AND action IN ('opportunity.associate', 'opportunity.disassociate')",
        d=deal,
    )
    assert len(rows) == 9


def test_unknown_or_inactive_solutions_and_limits_leave_the_deal_needing_input(stack):
    for number in range(1, 10):
        stack.pc.add_solution(f"S-300000{number}", f"Solution {number}")
    eleven = [SANDBOX_SOLUTION, MIGRATION_SOLUTION] + [f"S-300000{n}" for n in range(1, 10)]
    with stack.worker():
        deal, opportunity_id = linked_deal(
            stack, aws_solution_ids=f"{SANDBOX_SOLUTION};{INACTIVE_SOLUTION};S-9999999"
        )
        props = deal_shows(stack, deal, aws_related_entities_status="needs_input")
        assert INACTIVE_SOLUTION in props["aws_related_entities_error"]
        assert "S-9999999" in props["aws_related_entities_error"]

        cases = {
            "aws_solution_ids": (";".join(eleven), "11 solutions, at most 10"),
            "aws_product_codes": (
                ";".join(f"Product{n}" for n in range(21)),
                "21 AWS products, at most 20",
            ),
            "aws_marketplace_offer": (f"{OFFER};{OFFER_2}", "2 Marketplace offers"),
        }
        for name, (value, problem) in cases.items():
            stack.hubspot.update_object(
                "deals",
                deal,
                {"aws_solution_ids": SANDBOX_SOLUTION, "aws_product_codes": "", name: value},
            )
            wait_for(
                lambda problem=problem: (
                    problem
                    in (deal_properties(stack, deal).get("aws_related_entities_error") or "")
                ),
                timeout=60,
            )
    # Nothing was sent that Partner Central would refuse: no association at all.
    assert calls_in_order(stack) == []
    assert related(stack, opportunity_id)["Solutions"] == []
    assert outcomes(stack, deal).count("needs_input") >= 4


def test_the_api_refuses_an_eleventh_solution_before_any_call(stack):
    for number in range(1, 10):
        stack.pc.add_solution(f"S-300000{number}", f"Solution {number}")
    ten = [SANDBOX_SOLUTION] + [f"S-300000{n}" for n in range(1, 10)]
    client = stack.app.test_client()
    with stack.worker():
        deal, opportunity_id = linked_deal(stack, aws_solution_ids=";".join(ten))
        opportunity_has(stack, opportunity_id, Solutions=ten)
        url = f"/api/opportunities/{opportunity_id}/resources"
        wait_for(lambda: len(client.get(url, headers=AUTH).json["solutions"]) == 10)
        eleventh = client.post(
            url, json={"type": "solution", "id": MIGRATION_SOLUTION}, headers=AUTH
        )
    assert eleventh.status_code == 409
    assert "at most 10" in eleventh.json["error"]
    assert len(stack.pc_calls("AssociateOpportunity")) == 10
    assert "requested" not in outcomes(stack, deal)


def test_a_change_made_in_partner_central_appears_on_the_deal(stack):
    client = stack.boto()
    with stack.worker():
        deal, opportunity_id = linked_deal(stack, aws_solution_ids=SANDBOX_SOLUTION)
        opportunity_has(stack, opportunity_id, Solutions=[SANDBOX_SOLUTION])
        # Another partner user associates a product and a solution in Partner Central.
        for entity_type, identifier in (
            ("AwsProducts", "AWSLambda"),
            ("Solutions", MIGRATION_SOLUTION),
        ):
            boto_retrying(
                client.associate_opportunity,
                OpportunityIdentifier=opportunity_id,
                RelatedEntityType=entity_type,
                RelatedEntityIdentifier=identifier,
            )
        props = deal_shows(
            stack,
            deal,
            aws_solution_ids=f"{SANDBOX_SOLUTION};{MIGRATION_SOLUTION}",
            aws_product_codes="AWSLambda",
        )
    assert props["aws_related_entities_status"] == "synced"
    # pcsync associated only what the deal asked for; the rest came from Partner Central.
    assert calls_in_order(stack) == [
        ("AssociateOpportunity", SANDBOX_SOLUTION),
        ("AssociateOpportunity", "AWSLambda"),
        ("AssociateOpportunity", MIGRATION_SOLUTION),
    ]


def test_the_api_adds_and_removes_each_type_and_writes_the_deal(stack):
    client = stack.app.test_client()
    with stack.worker():
        deal, opportunity_id = linked_deal(stack)
        url = f"/api/opportunities/{opportunity_id}/resources"
        for kind, identifier in (
            ("solution", MIGRATION_SOLUTION),
            ("aws_product", "AmazonS3"),
            ("marketplace_offer", OFFER),
        ):
            response = client.post(url, json={"type": kind, "id": identifier}, headers=AUTH)
            assert response.status_code == 202, response.json
        deal_shows(
            stack,
            deal,
            aws_solution_ids=MIGRATION_SOLUTION,
            aws_product_codes="AmazonS3",
            aws_marketplace_offer=OFFER,
        )
        # The same message delivered again (a worker died before acknowledging it).
        with stack.app.app_context():
            again = change_related_entity.apply(
                (opportunity_id, "solution", MIGRATION_SOLUTION, True)
            )
        assert again.get() == "unchanged"
        assert len(stack.pc_calls("AssociateOpportunity")) == 3
        wait_for(lambda: client.get(url, headers=AUTH).json["marketplace_offer"] == OFFER)
        # A second offer is over the limit of one: refused before anything is queued.
        second = client.post(url, json={"type": "marketplace_offer", "id": OFFER_2}, headers=AUTH)
        assert second.status_code == 409
        removed = client.delete(f"{url}/marketplace_offer/{OFFER}", headers=AUTH)
        assert removed.status_code == 202
        removed = client.delete(f"{url}/aws_product/AmazonS3", headers=AUTH)
        assert removed.status_code == 202
        deal_shows(stack, deal, aws_product_codes="", aws_marketplace_offer="")
        view = wait_for(
            lambda: (got := client.get(url, headers=AUTH).json)["aws_products"] == [] and got
        )
    assert view["solutions"] == [MIGRATION_SOLUTION] and view["marketplace_offer"] is None
    assert related(stack, opportunity_id)["AwsMarketplaceOffers"] == []
    assert len(stack.pc_calls("AssociateOpportunity")) == 3
    assert len(stack.pc_calls("DisassociateOpportunity")) == 2

    bad_id = client.post(url, json={"type": "solution", "id": "solution-1"}, headers=AUTH)
    assert bad_id.status_code == 400 and "id" in bad_id.json["errors"]["json"]
    bad_type = client.post(url, json={"type": "document", "id": "x"}, headers=AUTH)
    assert bad_type.status_code == 400 and "type" in bad_type.json["errors"]["json"]
    inactive = client.post(url, json={"type": "solution", "id": INACTIVE_SOLUTION}, headers=AUTH)
    assert inactive.status_code == 400
    assert client.get("/api/opportunities/O99999/resources", headers=AUTH).status_code == 404
    assert client.delete(f"{url}/aws_product/AmazonEC2", headers=AUTH).status_code == 404
    assert client.get(url).status_code == 401
    requested = stack.audit_outcomes(deal, action="opportunity.related_entities")
    assert requested.count("requested") == 5


# -- snapshots ---------------------------------------------------------------------------


def test_a_snapshot_is_created_in_the_engagement_and_listed(stack):
    client = stack.app.test_client()
    with stack.worker():
        # Co-sell submission needs a next step (AWS's field catalogue).
        deal, opportunity_id = linked_deal(stack, hs_next_step="Architecture workshop")
        url = f"/api/opportunities/{opportunity_id}/snapshots"
        assert client.post(url, json={}, headers=AUTH).status_code == 409  # no engagement yet
        stack.hubspot.update_object("deals", deal, {"aws_submit_to_aws": "true"})
        wait_for(lambda: (stack.link(deal) or {}).get("engagement_id"), timeout=90)
        bad = client.post(url, json={"template": "AWS opportunity snapshot"}, headers=AUTH)
        assert bad.status_code == 400
        queued = client.post(url, json={"template": "OpportunitySummaryView"}, headers=AUTH)
        assert queued.status_code == 202
        snapshot_id = queued.json["id"]
        created = wait_for(
            lambda: (
                (got := client.get(f"{url}/{snapshot_id}", headers=AUTH).json)["status"]
                == "created"
                and got
            ),
            timeout=60,
        )
        props = wait_for(lambda: deal_properties(stack, deal).get("aws_last_snapshot_at"))
    assert props
    # A worker that died after Partner Central created the snapshot but before
    # pcsync stored it: the redelivered task sends the same ClientToken and
    # gets the same snapshot back, not a second revision.
    with stack.app.extensions["pcsync.db"].engine.begin() as connection:
        connection.execute(
            sa.text("UPDATE resource_snapshots SET status = 'requested' WHERE id = :i"),
            {"i": snapshot_id},
        )
    with stack.app.app_context():
        assert create_snapshot.apply((snapshot_id,)).get() == "created"
    first, second = stack.pc_calls("CreateResourceSnapshot")
    assert first["parameters"] == second["parameters"]
    # (The submission itself took revision 1 of this template.)
    assert client.get(f"{url}/{snapshot_id}", headers=AUTH).json["revision"] == created["revision"]
    assert created["revision"] == 2
    listed = client.get(url, headers=AUTH).json
    assert [s["id"] for s in listed] == [snapshot_id]
    summary = created["payload"]["OpportunitySummary"]
    opportunity = stack.opportunity(opportunity_id)
    assert summary["Lifecycle"]["Stage"] == opportunity["LifeCycle"]["Stage"]
    assert summary["RelatedEntityIdentifiers"]["Solutions"] == ["S-1234567"]
    call = first
    token = call["parameters"]["ClientToken"]
    assert token.startswith("pcsync") and len(token) <= 64
    assert call["parameters"]["ResourceSnapshotTemplateIdentifier"] == "OpportunitySummaryView"
    overview = client.get(f"/api/opportunities/{opportunity_id}/resources", headers=AUTH).json
    assert [s["id"] for s in overview["snapshots"]] == [snapshot_id]


# -- the partner resource library --------------------------------------------------------


def upload(client, content: bytes, content_type: str = "text/plain", **form):
    data = {
        "title": "Acme case study",
        "category": "case_study",
        **form,
        "file": (io.BytesIO(content), "case-study.txt", content_type),
    }
    return client.post(
        "/api/resources", data=data, headers=AUTH, content_type="multipart/form-data"
    )


def test_library_files_and_links_attach_to_opportunities_and_show_on_the_deal(stack):
    client = stack.app.test_client()
    assert upload(client, b"x" * 5000).status_code == 413
    refused = upload(client, b"MZ", content_type="application/x-msdownload")
    assert refused.status_code == 400
    assert client.get("/api/resources", headers=AUTH).json == []

    stored = upload(client, b"How Acme cut costs by 40% on AWS.")
    assert stored.status_code == 201
    linked = client.post(
        "/api/resources",
        json={
            "title": "Reference architecture",
            "category": "reference_architecture",
            "url": "https://partner.example.com/ra.pdf",
        },
        headers=AUTH,
    )
    assert linked.status_code == 201
    bad_url = client.post(
        "/api/resources", json={"title": "x", "category": "other", "url": "ftp://x"}, headers=AUTH
    )
    assert bad_url.status_code == 400 and "url" in bad_url.json["errors"]["json"]

    # The signed download link serves the file; a forged one does not.
    download_url = client.get(f"/api/resources/{stored.json['id']}", headers=AUTH).json[
        "download_url"
    ]
    parts = urlsplit(download_url)
    fetched = client.get(f"{parts.path}?{parts.query}")
    assert fetched.status_code == 200 and fetched.data == b"How Acme cut costs by 40% on AWS."
    assert (
        client.get(f"{parts.path}?{parts.query}".replace("signature=", "signature=0")).status_code
        == 403
    )

    with stack.worker():
        deal, opportunity_id = linked_deal(stack)
        url = f"/api/opportunities/{opportunity_id}/library"
        for resource in (stored.json, linked.json):
            response = client.post(url, json={"resource_id": resource["id"]}, headers=AUTH)
            assert response.status_code == 201
        props = deal_shows(stack, deal, aws_total_resources="2")
        assert "Acme case study" in props["aws_partner_resources"]
        assert "https://partner.example.com/ra.pdf" in props["aws_partner_resources"]
        assert props["aws_last_resource_upload"]

        assert client.delete(f"{url}/{stored.json['id']}", headers=AUTH).status_code == 200
        props = deal_shows(stack, deal, aws_total_resources="1")
        assert "Acme case study" not in props["aws_partner_resources"]
        assert client.delete(f"/api/resources/{linked.json['id']}", headers=AUTH).status_code == 204
        deal_shows(stack, deal, aws_total_resources="0", aws_partner_resources="")
    assert client.get(f"/api/resources/{linked.json['id']}", headers=AUTH).status_code == 404
    # Files are never sent to AWS: no Partner Central call carries them.
    assert not [c for c in stack.pc.calls() if "Acme case study" in str(c["parameters"])]
    actions = [
        r["action"]
        for r in stack.rows("SELECT action FROM audit_entries WHERE object_type = 'resource'")
    ]
    assert sorted(actions) == sorted(
        ["resource.create"] * 2 + ["resource.attach"] * 2 + ["resource.detach", "resource.delete"]
    )
