"""Submission to AWS end to end: a user sets "Submit to AWS" on a linked deal in
the HubSpot simulator, the signed webhook reaches the ingest, a real worker
associates the solution, starts the engagement task and polls it; the
Partner Central simulator's call log, the opportunity, the link row and the
deal show the outcome."""

from __future__ import annotations

from tasks.submission import submit_opportunity
from tests.conftest import TEST_API_TOKEN
from tests.integration.factories import create_company, create_contact, create_deal
from tests.integration.stack import wait_for

AUTH = {"Authorization": f"Bearer {TEST_API_TOKEN}"}


def link_of(stack, deal_id) -> dict | None:
    rows = stack.rows("SELECT * FROM opportunity_links WHERE hubspot_deal_id = :d", d=deal_id)
    return rows[0] if rows else None


def linked_deal(stack, **properties) -> tuple[str, str]:
    """A tagged deal synced to a new opportunity (needs the worker running),
    with the next step AWS needs to co-sell."""
    company = create_company(stack.hubspot)
    contact = create_contact(stack.hubspot)
    properties = {"hs_next_step": "Architecture workshop", **properties}
    deal_id = create_deal(stack.hubspot, company_id=company, contact_ids=[contact], **properties)
    link = wait_for(lambda: (row := link_of(stack, deal_id)) and row["opportunity_id"] and row)
    return deal_id, link["opportunity_id"]


def deal(stack, deal_id) -> dict:
    return stack.hubspot.get_object("deals", deal_id)["properties"]


def submission_outcomes(stack, deal_id) -> list[str]:
    rows = stack.rows(
        "SELECT outcome FROM audit_entries WHERE object_id = :d AND action = 'opportunity.submit'"
        " ORDER BY id",
        d=deal_id,
    )
    return [r["outcome"] for r in rows]


def submission_asked(stack, status: str, timeout: float = 30.0) -> tuple[str, str, dict]:
    """A linked deal whose rep ticks "submit to AWS", once its link's
    submission status is `status`: (deal id, opportunity id, link row)."""
    deal_id, opportunity_id = linked_deal(stack)
    stack.hubspot.update_object("deals", deal_id, {"aws_submit_to_aws": "true"})
    link = wait_for(
        lambda: (row := link_of(stack, deal_id)) and row["submission_status"] == status and row,
        timeout,
    )
    return deal_id, opportunity_id, link


def test_submit_to_aws_on_the_deal_submits_and_shows_the_outcome(stack):
    stack.pc.set_task_delay(1)  # IN_PROGRESS first: the task is polled to COMPLETE
    with stack.worker():
        deal_id, opportunity_id, link = submission_asked(stack, "submitted", timeout=45)
        wait_for(lambda: deal(stack, deal_id).get("aws_submission_status") == "submitted")

    (associate,) = stack.pc.calls("AssociateOpportunity")
    assert associate["parameters"] == {
        "Catalog": "Sandbox",
        "OpportunityIdentifier": opportunity_id,
        "RelatedEntityType": "Solutions",
        "RelatedEntityIdentifier": "S-1234567",
    }
    (start,) = stack.pc.calls("StartEngagementFromOpportunityTask")
    assert start["parameters"]["Identifier"] == opportunity_id
    assert start["parameters"]["AwsSubmission"] == {
        "InvolvementType": "Co-Sell",
        "Visibility": "Full",
    }
    assert start["parameters"]["ClientToken"].startswith("pcsync")
    polls = stack.pc.calls("ListEngagementFromOpportunityTasks")
    assert polls and polls[-1]["parameters"]["TaskIdentifier"] == [link["submission_task_id"]]
    assert link["engagement_id"] and link["engagement_id"].startswith("eng-")
    assert link["review_status"] == "Submitted"
    opportunity = stack.aws_read(opportunity_id)
    assert opportunity["LifeCycle"]["ReviewStatus"] == "Submitted"
    assert opportunity["RelatedEntityIdentifiers"]["Solutions"] == ["S-1234567"]
    properties = deal(stack, deal_id)
    assert properties["aws_review_status"] == "Submitted"
    assert properties["aws_involvement_type"] == "Co-Sell"
    assert submission_outcomes(stack, deal_id) == [
        "requested",
        "starting",
        "in_progress",
        "submitted",
    ]


def test_a_submission_aws_refuses_is_a_failed_outcome_on_the_deal(stack_with):
    # A solution this Partner Central account does not have: AWS refuses it.
    stack = stack_with(solution_ids=("S-0000404",))
    with stack.worker():
        deal_id, opportunity_id, link = submission_asked(stack, "failed")
        properties = wait_for(
            lambda: (p := deal(stack, deal_id)).get("aws_submission_status") == "failed" and p
        )
    (associate,) = stack.pc.calls("AssociateOpportunity")
    assert associate["status"] == 404
    assert stack.pc.calls("StartEngagementFromOpportunityTask") == []
    assert "S-0000404" in link["last_error"]
    assert properties["aws_sync_error"] == link["last_error"]
    assert submission_outcomes(stack, deal_id)[-1] == "failed"
    failed = stack.rows("SELECT task_name FROM failed_tasks")
    assert {"task_name": "pcsync.submit_opportunity"} in failed
    assert stack.opportunity(opportunity_id)["LifeCycle"]["ReviewStatus"] == "Pending Submission"


def test_a_redelivered_submit_task_does_not_start_twice(stack):
    client = stack.app.test_client()
    stack.pc.set_task_delay(3600)  # stays IN_PROGRESS until the clock is advanced
    with stack.worker():
        deal_id, opportunity_id = linked_deal(stack)
        assert client.post("/api/deals/5999999/submit", headers=AUTH).status_code == 404
        assert client.post(f"/api/deals/{deal_id}/submit").status_code == 401
        assert client.post(f"/api/deals/{deal_id}/submit", headers=AUTH).status_code == 202
        wait_for(lambda: link_of(stack, deal_id)["submission_status"] == "in_progress")
        # Under way: the API refuses to start another.
        assert client.post(f"/api/deals/{deal_id}/submit", headers=AUTH).status_code == 409
        # The same message delivered again (a worker died before acknowledging it).
        polls = len(stack.pc.calls("ListEngagementFromOpportunityTasks"))
        with stack.app.app_context():
            submit_opportunity.delay(deal_id)
        wait_for(lambda: len(stack.pc.calls("ListEngagementFromOpportunityTasks")) > polls)
        stack.pc.advance_clock(3601)
        with stack.app.app_context():
            submit_opportunity.delay(deal_id)
        wait_for(lambda: link_of(stack, deal_id)["submission_status"] == "submitted")
        wait_for(lambda: deal(stack, deal_id).get("aws_submission_status") == "submitted")
    assert len(stack.pc.calls("AssociateOpportunity")) == 1
    (start,) = stack.pc.calls("StartEngagementFromOpportunityTask")
    assert start["parameters"]["Identifier"] == opportunity_id
    # Partner Central holds exactly one submission task: the one the link follows.
    (task,) = stack.boto().list_engagement_from_opportunity_tasks(
        Catalog="Sandbox", OpportunityIdentifier=[opportunity_id]
    )["TaskSummaries"]
    assert task["TaskStatus"] == "COMPLETE"
    assert link_of(stack, deal_id)["submission_task_id"] == task["TaskId"]
    actors = stack.rows(
        "SELECT DISTINCT actor FROM audit_entries WHERE object_id = :d AND outcome = 'requested'",
        d=deal_id,
    )
    assert len(actors) == 1 and actors[0]["actor"].startswith("operator:")


def test_submission_of_a_prospect_is_refused_before_any_call(stack):
    with stack.worker():
        deal_id, _ = linked_deal(stack, dealstage="appointmentscheduled")
        stack.hubspot.update_object("deals", deal_id, {"aws_submit_to_aws": "true"})
        properties = wait_for(
            lambda: (
                (p := deal(stack, deal_id)).get("aws_submission_status") == "not_submittable" and p
            )
        )
    assert properties["aws_sync_error"] == (
        "Move the deal past Prospect: AWS takes submissions from Qualified on"
    )
    # Not one submission call reached Partner Central.
    for operation in ("AssociateOpportunity", "StartEngagementFromOpportunityTask"):
        assert stack.pc.calls(operation) == []
    assert submission_outcomes(stack, deal_id) == ["requested", "not_submittable"]
    assert stack.rows("SELECT task_name FROM failed_tasks") == []
