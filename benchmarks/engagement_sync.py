"""Benchmark: the engagement cycle at 10,000 linked opportunities.

The service runs as `sync_calls` runs it, on the integration tests' Stack:
both simulators in-process over HTTP (the unmodified boto3 client and
pcsync's HubSpot client talk to them as to the real APIs), with their quotas
and pcsync's limiter raised so the run measures work, not waiting. 10,000
linked, approved, engaged opportunities are seeded straight into the
simulator store, the HubSpot simulator and the database (links, engagement
state, watermark), as a previous cycle would have left them: no 10,000 API
writes. Then, each measured from the simulators' call logs:

1. an incremental cycle after 1% changed (half: a partner joined the
   engagement; half: the partner moved the stage to Launched);
2. an incremental cycle with nothing changed;
3. a full pass (`pcsync sync engagements --full`).

For each: Partner Central calls (and how many count against the 10/s read
quota, so the time the real API's quota would impose), HubSpot calls, and
duration. Not a test: run on demand.

    .venv/bin/python -m benchmarks.engagement_sync [--opportunities 10000] [--changed 0.01]
"""

from __future__ import annotations

import argparse
import time
from collections import Counter
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from benchmarks.sync_calls import running_bench
from models.engagements import EngagementState
from models.links import OpportunityLink
from models.sync_state import set_state
from pcsync import runtime
from simulators.partner_central.operations.common import (
    add_engagement_member,
    partner_member,
    touch_opportunity,
)
from simulators.partner_central.operations.engagements import associate_resource, new_engagement
from simulators.partner_central.operations.invitations import ACCEPTED, new_invitation
from simulators.partner_central.operations.opportunities import new_opportunity_record
from simulators.partner_central.operations.submission import opportunity_invitation_payload
from simulators.partner_central.quotas import READ_OPERATIONS
from simulators.partner_central.timestamps import to_iso
from workers.clients.partner_central import READ_OPERATIONS as LIMITED_READS
from workers.engine.engagement_status import team_hash
from workers.sync.context import Run
from workers.sync.engagements import (
    ENGAGEMENT_WATERMARK_KEY,
    FULL_PASS_KEY,
    WATERMARK_KEY,
    run_engagement_sync,
)

AWS_MEMBER = {"CompanyName": "AWS", "WebsiteUrl": "https://aws.amazon.com", "AccountId": "aws"}
TEAM = "Members: AWS; Example Partner Inc."
REAL_READ_QUOTA_PER_SECOND = 10
assert READ_OPERATIONS == LIMITED_READS  # the simulator and pcsync agree on the read quota


def opportunity_payload(n: int) -> dict:
    close = (datetime.now(UTC) + timedelta(days=90)).strftime("%Y-%m-%d")
    return {
        "PartnerOpportunityIdentifier": str(100000 + n),
        "OpportunityType": "Net New Business",
        "Customer": {
            "Account": {
                "CompanyName": f"Customer {n}",
                "Industry": "Software and Internet",
                "WebsiteUrl": f"https://customer{n}.example.com",
                "Address": {"CountryCode": "US"},
            }
        },
        "Project": {
            "Title": f"Migration {n}",
            "CustomerBusinessProblem": "The customer must move its data centre to AWS.",
            "ExpectedCustomerSpend": [
                {
                    "Amount": "1000",
                    "CurrencyCode": "USD",
                    "Frequency": "Monthly",
                    "TargetCompany": "AWS",
                }
            ],
        },
        "LifeCycle": {"Stage": "Qualified", "TargetCloseDate": close, "ReviewStatus": "Approved"},
    }


def seed_partner_central(sim, count: int) -> list[dict]:
    """Approved, engaged opportunities: engagement with the partner and AWS,
    the submission invitation accepted, an AWS summary."""
    seeded = []
    with sim.lock:
        state = sim.catalogs["Sandbox"]
        for n in range(count):
            record = new_opportunity_record(
                sim, "Sandbox", opportunity_payload(n), "Partner Referral"
            )
            record["LifeCycle"]["ReviewStatus"] = "Approved"
            state.opportunities[record["Id"]] = record
            engagement = new_engagement(
                sim,
                state,
                title=f"Migration {n}",
                description=None,
                contexts=[],
                created_by=sim.account_id,
                first_member=partner_member(sim),
            )
            engagement["Members"].append(dict(AWS_MEMBER))
            invitation = new_invitation(
                sim,
                state,
                engagement=engagement,
                payload=opportunity_invitation_payload(record),
                from_aws=False,
            )
            invitation["Status"] = ACCEPTED
            associate_resource(sim, state, engagement["Id"], record["Id"], sim.account_id)
            state.aws_summaries[record["Id"]] = {"InvolvementType": "Co-Sell"}
            seeded.append({"opportunity": record, "engagement": engagement})
    return seeded


def expected_properties(engagement: dict) -> dict[str, str]:
    created = datetime.fromtimestamp(engagement["CreatedAt"] / 1000, UTC)
    return {
        "aws_engagement_id": engagement["Id"],
        "aws_engagement_status": "Active",
        "aws_engagement_team": TEAM,
        "aws_engagement_member_count": "2",
        "aws_engagement_kickoff_date": created.date().isoformat(),
    }


def seed_hubspot_and_database(app, hub, seeded: list[dict]) -> None:
    """Deals showing the engagement, links, and the state a cycle left."""
    now = datetime.now(UTC)
    links, states = [], []
    for n, item in enumerate(seeded, start=1):
        opportunity, engagement = item["opportunity"], item["engagement"]
        properties = expected_properties(engagement)
        deal = hub.create_object(
            "deals", {"dealname": f"Deal {n}", "pipeline": "default", **properties}
        )
        links.append(
            {
                "id": n,
                "hubspot_deal_id": deal["id"],
                "catalog": "Sandbox",
                "opportunity_id": opportunity["Id"],
                "client_token": f"bench-{n}",
                "create_attempt": 1,
                "sync_status": "synced",
                "base_snapshot": {},
                "deferred_fields": {},
                "hubspot_written": {},
                "created_at": now,
                "updated_at": now,
            }
        )
        states.append(
            {
                "link_id": n,
                "engagement_id": engagement["Id"],
                "status": "Active",
                "invitation_status": "ACCEPTED",
                "team_hash": team_hash(TEAM),
                "member_count": 2,
                "engagement_modified_at": to_iso(engagement["ModifiedAt"]),
                "opportunity_modified_at": to_iso(opportunity["LastModifiedDate"]),
                "written": properties,
                "change_count": 1,
                "refreshed_at": now,
                "updated_at": now,
            }
        )
    latest = max(to_iso(i["opportunity"]["LastModifiedDate"]) for i in seeded)
    latest_engagement = max(to_iso(i["engagement"]["ModifiedAt"]) for i in seeded)
    with app.app_context(), runtime.database().transaction() as session:
        session.execute(sa.insert(OpportunityLink), links)
        session.execute(sa.insert(EngagementState), states)
        set_state(session, WATERMARK_KEY, latest)
        set_state(session, ENGAGEMENT_WATERMARK_KEY, latest_engagement)
        set_state(session, FULL_PASS_KEY, to_iso(int(time.time() * 1000)))


def change_some(sim, seeded: list[dict], fraction: float) -> int:
    """A partner joins half of the changed engagements; the partner launches the other half."""
    changed = seeded[: max(1, int(len(seeded) * fraction))]
    time.sleep(0.01)  # changes land after the seeded watermark
    with sim.lock:
        for n, item in enumerate(changed):
            if n % 2 == 0:
                member = {"CompanyName": f"Joiner {n}", "AccountId": f"{200000000000 + n}"}
                add_engagement_member(sim, "Sandbox", item["engagement"], member)
            else:
                item["opportunity"]["LifeCycle"]["Stage"] = "Launched"
                touch_opportunity(sim, item["opportunity"])
    return len(changed)


def measure(label: str, app, pc, hub, full: bool) -> dict:
    pc_before, hub_before = len(pc.calls()), len(hub.calls())
    run = Run(actor="benchmark", task_id=None, source="operator", priority="background")
    started = time.perf_counter()
    with app.app_context():
        report = run_engagement_sync(run, full=full, time_budget=None)
    elapsed = time.perf_counter() - started
    pc_calls = pc.calls()[pc_before:]
    hub_calls = hub.calls()[hub_before:]
    quota_reads = sum(1 for c in pc_calls if c["operation"] in READ_OPERATIONS)
    return {
        "label": label,
        "seconds": elapsed,
        "pc": len(pc_calls),
        "pc_quota_reads": quota_reads,
        "pc_by_operation": Counter(c["operation"] for c in pc_calls),
        "hubspot": len(hub_calls),
        "hubspot_by_call": Counter(f"{c['method']} {c['path']}" for c in hub_calls),
        "refreshed": report.drain.refreshed,
        "deals_written": report.drain.deals_written,
        "notes": report.drain.notes_created,
    }


def print_row(result: dict) -> None:
    floor = result["pc_quota_reads"] / REAL_READ_QUOTA_PER_SECOND
    print(
        f"{result['label']:<34} {result['pc']:>7} {result['pc_quota_reads']:>8} {floor:>9.0f}s "
        f"{result['hubspot']:>8} {result['seconds']:>8.1f}s "
        f"{result['refreshed']:>6} {result['deals_written']:>6} {result['notes']:>6}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--opportunities", type=int, default=10_000)
    parser.add_argument("--changed", type=float, default=0.01, help="fraction changed")
    args = parser.parse_args()
    with running_bench(debounce_seconds=2.0) as bench:
        # Seeding is no one's edit, and the cycles' own writes are not measured
        # through the ingest: no webhooks.
        bench.hubspot.set_webhook_url(None)
        run_cycles(bench.app, bench.pc, bench.hubspot, args)


def run_cycles(app, pc, hub, args) -> None:
    started = time.perf_counter()
    seeded = seed_partner_central(pc, args.opportunities)
    seed_hubspot_and_database(app, hub, seeded)
    print(f"seeded {len(seeded)} linked opportunities in {time.perf_counter() - started:.1f}s")
    changed = change_some(pc, seeded, args.changed)
    print(f"changed {changed} ({args.changed:.0%}): half a partner joined, half launched\n")

    results = [
        measure(f"incremental, {changed} changed", app, pc, hub, full=False),
        measure("incremental, nothing changed", app, pc, hub, full=False),
        measure("full pass (--full)", app, pc, hub, full=True),
    ]
    print(
        f"{'cycle':<34} {'PC':>7} {'quota':>8} {'at 10/s':>10} {'HubSpot':>8} {'duration':>9} "
        f"{'read':>6} {'deals':>6} {'notes':>6}"
    )
    for result in results:
        print_row(result)
    print("\nPC = Partner Central calls; quota = those on the 10/s read quota; at 10/s = the")
    print("least time the real read quota would impose; read = links refreshed; deals =")
    print("deals written (batch updates of 100); notes = notes created.\n")
    for result in results:
        operations = ", ".join(f"{op} {n}" for op, n in sorted(result["pc_by_operation"].items()))
        hubspot = ", ".join(f"{call} {n}" for call, n in sorted(result["hubspot_by_call"].items()))
        print(f"{result['label']}:\n  Partner Central: {operations}\n  HubSpot: {hubspot or '-'}")


if __name__ == "__main__":
    main()
