"""The first hour of a new user, end to end through `pcsync run` as `make
run` starts it: the README's walk-through, twice in a row on one data dir;
every CLI command from another shell beside the running demo; `pcsync
doctor`; `/metrics` after the walk-through; one notification for a failed
deal, posted to a receiver this test runs."""

from __future__ import annotations

import socket
import subprocess
from datetime import UTC, datetime

import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.integration import demo_run
from tests.integration.demo_run import get_json, post_json
from tests.integration.receiver import Receiver
from tests.integration.stack import free_port, wait_for

pytestmark = pytest.mark.integration

DEMO_TOKEN = {"Authorization": "Bearer pcsync-demo-api-token"}
ONE_DAY = 24 * 3600


def deals(run) -> dict[str, dict]:
    """HubSpot's side, as the README shows it: the simulator's deal listing."""
    listing = get_json(f"{run.hs}/_sim/objects/deals")["results"]
    return {deal["id"]: deal["properties"] for deal in listing}


# What AWS requires on every opportunity (the README's section and walk-through).
AWS_REQUIRED = {
    "aws_customer_use_case": "Migration/Database Migration",
    "aws_delivery_models": "Professional Services",
    "aws_sales_activities": "Initialized discussions with customer",
    "aws_primary_needs": "Co-Sell - Technical Consultation",
    "aws_marketing_source": "None",
}


def walk_through(run) -> dict:
    """The README's walk-through; returns the deal as HubSpot shows it at the end."""
    company = post_json(
        f"{run.hs}/_sim/objects/companies",
        {
            "properties": {
                "name": "Acme",
                "website": "acme.example.com",
                "industry": "COMPUTER_SOFTWARE",
                "country": "Germany",
                "zip": "10115",
            }
        },
    )
    deal = post_json(
        f"{run.hs}/_sim/objects/deals",
        {
            "properties": {
                "dealname": "Acme migration #AWS",
                "amount": "12000",
                "dealstage": "qualifiedtobuy",
                "pipeline": "default",
                "closedate": "2027-06-30T00:00:00.000Z",
                "description": "Acme wants to leave its data centre before the lease ends.",
                **AWS_REQUIRED,
            },
            "associations": [
                {
                    "to": {"id": company["id"]},
                    "types": [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 5}],
                }
            ],
        },
    )
    # The README names these ids: every run hands out the same ones.
    assert (company["id"], deal["id"]) == ("5000001", "5000002")
    wait_for(lambda: deals(run)["5000002"].get("aws_opportunity_id") == "O1000001", 60)
    created = get_json(f"{run.pc}/_sim/calls", params={"operation": "CreateOpportunity"})
    assert [c["status"] for c in created["results"]] == [200]

    post_json(
        f"{run.pc}/_sim/opportunities/O1000001/review",
        {"review_status": "Action Required", "review_comments": "Add the expected spend"},
    )
    post_json(
        f"{run.pc}/_sim/opportunities/O1000001/aws-summary",
        {"Insights": {"EngagementScore": "High", "NextBestActions": "Book a workshop"}},
    )
    wait_for(lambda: deals(run)["5000002"].get("aws_review_status") == "Action Required", 60)
    wait_for(lambda: deals(run)["5000002"].get("aws_engagement_score") == "High", 60)
    assert get_json(f"{run.pc}/_sim/model-rejections") == []
    return deals(run)["5000002"]


def assert_green(run, deal: dict) -> None:
    assert deal["aws_sync_status"] != "failed", deal.get("aws_sync_error")
    assert get_json(f"{run.public_url}/api/failures", headers=DEMO_TOKEN) == []


# -- make run, twice --------------------------------------------------------------


def test_a_second_make_run_replays_the_walk_through(tmp_path):
    data_dir = tmp_path / "var"
    for round_number in (1, 2):
        run = demo_run.start(data_dir)
        try:
            deal = walk_through(run)
            assert_green(run, deal)
            if round_number == 2:
                assert "the demo database was reset" in run.banner()
        finally:
            assert run.stop() == 0
        # The settings published for other shells go with the run.
        assert not (data_dir / "run.json").exists()


def test_a_taken_port_stops_make_run_before_anything_starts(tmp_path):
    data_dir = tmp_path / "var"
    ingest_port, pc_port = free_port(), free_port()
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", 0))
        squatter.listen()
        hubspot_port = squatter.getsockname()[1]
        finished = subprocess.run(
            demo_run.run_command(ingest_port, pc_port, hubspot_port),
            env=demo_run.run_environment(data_dir, ingest_port),
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=120,
        )

    assert finished.returncode == 1
    assert f"127.0.0.1:{hubspot_port} (HubSpot simulator)" in finished.stderr
    assert "pcsync is up" not in finished.stdout
    assert not (data_dir / "run.json").exists(), "nothing was started, nothing published"


# -- beside one running demo ------------------------------------------------------


@pytest.fixture(scope="module")
def receiver():
    started = Receiver()
    yield started
    started.stop()


@pytest.fixture(scope="module")
def demo(tmp_path_factory, receiver):
    data_dir = tmp_path_factory.mktemp("demo") / "var"
    run = demo_run.start(data_dir, PCSYNC_NOTIFY_URL=receiver.url)
    try:
        walk_through(run)
        yield run
    finally:
        run.stop()


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("backfill", "--dry-run"), "dry run, nothing changed"),
        (("sync", "engagements"), "refreshed"),
        (("sync", "reconcile"), "watermark"),
        (("budget",), "pc-write"),
        (("failures", "list"), "no failed tasks"),
        (("failures", "replay", "--all"), "0 replayed"),
        (("hubspot", "setup"), "already present"),
        (("db", "upgrade"), "database at revision"),
        (("--version",), "pcsync "),
    ],
    ids=lambda value: " ".join(value) if isinstance(value, tuple) else None,
)
def test_each_cli_command_works_beside_the_running_demo(demo, args, expected):
    done = demo.cli(*args)
    assert done.returncode == 0, done.stdout + done.stderr
    assert expected in done.stdout
    assert "Traceback" not in done.stderr


def test_env_prints_the_demo_settings_for_curl(demo):
    done = demo.cli("env")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert f"export HUBSPOT_API_BASE_URL={demo.hs}" in lines
    assert f"export PC_ENDPOINT_URL={demo.pc}" in lines
    assert "export PCSYNC_API_TOKENS=pcsync-demo-api-token" in lines
    assert "export HUBSPOT_CLIENT_SECRET=sim-client-secret" in lines
    # The banner showed the same values.
    assert "token: pcsync-demo-api-token" in demo.banner()
    assert "HubSpot webhooks sim-client-secret" in demo.banner()


def test_reset_refuses_beside_the_running_demo_and_removes_nothing(demo):
    done = demo.cli("reset", "--demo")
    assert done.returncode == 1
    assert "stop it (Ctrl-C) before resetting" in done.stderr
    assert (demo.data_dir / "pcsync.sqlite3").exists()
    assert deals(demo)["5000002"]["aws_opportunity_id"] == "O1000001"
    assert demo.cli("reset").returncode == 2  # --demo is required


@pytest.mark.parametrize("path", ["/webhooks/hubspot", "/webhooks/partner-central"])
def test_webhook_refusals_carry_their_status_like_every_other_error(demo, path):
    refused = demo_run.requests.post(f"{demo.public_url}{path}", json=[], timeout=10)
    assert refused.status_code == 401
    assert refused.json()["status"] == 401
    assert refused.json()["error"]


def test_gunicorn_control_socket_belongs_to_this_instance(demo):
    # Not the per-user default (~/.gunicorn/gunicorn.ctl) another instance shares.
    assert (demo.data_dir / "gunicorn.ctl").is_socket()


def test_doctor_is_green_on_the_demo(demo):
    done = demo.cli("doctor")
    assert done.returncode == 0, done.stdout + done.stderr
    names = ("database", "broker", "hubspot token", "hubspot properties", "partner central")
    for name in (*names, "webhook secrets"):
        assert any(line.startswith("ok") and name in line for line in done.stdout.splitlines())
    assert done.stdout.splitlines()[-1] == "all 6 checks passed"


def test_doctor_is_red_naming_the_check_with_a_wrong_token(demo):
    done = demo.cli("doctor", HUBSPOT_ACCESS_TOKEN="not-the-right-token")
    assert done.returncode == 1
    lines = done.stdout.splitlines()
    (token_line,) = [line for line in lines[:-1] if "hubspot token" in line]
    assert token_line.startswith("FAIL")
    assert "refused HUBSPOT_ACCESS_TOKEN (401)" in token_line
    assert any(line.startswith("ok") and "database" in line for line in lines)
    assert "hubspot token" in lines[-1]


def samples(run) -> dict[tuple, float]:
    text = demo_run.requests.get(f"{run.public_url}/metrics", timeout=10).text
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def test_metrics_after_the_walk_through(demo):
    found = samples(demo)

    def value(name, **labels):
        return found.get((name, tuple(sorted(labels.items()))), 0)

    assert value("pcsync_webhooks_total", source="hubspot", outcome="accepted") >= 1
    assert value("pcsync_webhooks_total", source="partner_central", outcome="accepted") >= 1
    assert value("pcsync_tasks_total", task="pcsync.sync_hubspot_object", outcome="success") >= 1
    assert (
        value(
            "pcsync_api_calls_total",
            service="partner_central",
            operation="CreateOpportunity",
            outcome="ok",
        )
        == 1
    )
    assert value("pcsync_task_duration_seconds_count", task="pcsync.sync_hubspot_object") >= 1
    assert value("pcsync_deals", sync_status="failed") == 0
    assert ("pcsync_queue_depth", ()) in found
    assert ("pcsync_quota_used_today", (("group", "pc-write"),)) in found


def test_a_failed_deal_posts_one_notification(demo, receiver):
    # A deal closing today while Partner Central's clock is already in
    # tomorrow: our checks pass it, Partner Central's business rules refuse it.
    post_json(f"{demo.pc}/_sim/clock/advance", {"seconds": ONE_DAY})
    today = datetime.now(UTC).strftime("%Y-%m-%dT00:00:00.000Z")
    deal = post_json(
        f"{demo.hs}/_sim/objects/deals",
        {
            "properties": {
                "dealname": "Closing today #AWS",
                "amount": "5000",
                "dealstage": "qualifiedtobuy",
                "pipeline": "default",
                "closedate": today,
                "description": "A deal Partner Central refuses: its close date is past there.",
                **AWS_REQUIRED,
            },
            "associations": [
                {
                    "to": {"id": "5000001"},
                    "types": [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 5}],
                }
            ],
        },
    )
    wait_for(lambda: deals(demo)[deal["id"]].get("aws_sync_status") == "failed", 60)

    first, second = demo.cli("notify"), demo.cli("notify")

    assert first.returncode == 0, first.stdout + first.stderr
    assert f"sent     deal_failed {deal['id']}" in first.stdout
    assert second.returncode == 0, second.stdout + second.stderr
    assert "0 sent" in second.stdout
    (notice,) = [text for text in receiver.texts() if f"Deal {deal['id']} failed" in text]
    assert "TargetCloseDate" in notice
