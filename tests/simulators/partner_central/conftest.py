"""Fixtures: the simulator served over real HTTP, driven by the unmodified boto3 client."""

from __future__ import annotations

import copy
import json

import boto3
import pytest
import requests
from botocore.config import Config

from simulators.partner_central import create_app
from simulators.serving import serve_in_thread

from .valid_requests import VALID_OPPORTUNITY

# 2025-06-15T12:00:00Z: a fixed "now", so dates and expiry are deterministic.
START = 1_749_988_800.0
# botocore's `max_attempts` counts retries, not attempts: {"max_attempts": 1}
# still retries once. `total_max_attempts` includes the first attempt.
NO_RETRIES = Config(retries={"total_max_attempts": 1, "mode": "standard"})
# One session for all clients: it caches the loaded service model.
_SESSION = boto3.session.Session()


class FakeClock:
    def __init__(self, now: float = START):
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def make_client(url: str, validate_params: bool = True):
    config = NO_RETRIES.merge(Config(parameter_validation=validate_params))
    return _SESSION.client(
        "partnercentral-selling",
        endpoint_url=url,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=config,
    )


class Harness:
    """One simulator app served over HTTP, with clients and the clock that drives it."""

    def __init__(self, **options):
        self.clock = FakeClock()
        self.app = create_app(clock=self.clock, **options)
        self.sim = self.app.extensions["pc_simulator"]
        self.server = serve_in_thread(self.app)
        self.url = self.server.url
        self.client = make_client(self.url)
        # botocore checks required members and types itself; this client lets a
        # test send what only the server would reject.
        self.raw_client = make_client(self.url, validate_params=False)

    def stop(self) -> None:
        self.server.stop()


@pytest.fixture(scope="session")
def _served():
    # One server for the session (stopping one takes half a second); every test
    # starts from a reset simulator and a rewound clock.
    running = Harness()
    yield running
    running.stop()


def _fresh(running: Harness) -> Harness:
    running.clock.now = START
    running.sim.reset()
    return running


@pytest.fixture
def harness(_served):
    """Generous write quota: functional tests are not about throttling."""
    running = _fresh(_served)
    running.sim.set_quotas(write_per_second=1000)
    return running


@pytest.fixture
def strict_harness(_served):
    """The published quotas (1 write/s, 10 reads/s)."""
    return _fresh(_served)


@pytest.fixture
def client(harness):
    return harness.client


@pytest.fixture
def sim(harness):
    return harness.sim


def opportunity_request(token: str = "token-1", **overrides) -> dict:
    request = copy.deepcopy(VALID_OPPORTUNITY)
    request["ClientToken"] = token
    request.update(overrides)
    return request


def submittable(client, token: str = "token-1", **overrides) -> str:
    """A new opportunity with the Sandbox solution associated: ready to submit."""
    opportunity_id = client.create_opportunity(**opportunity_request(token, **overrides))["Id"]
    client.associate_opportunity(
        Catalog="Sandbox",
        OpportunityIdentifier=opportunity_id,
        RelatedEntityType="Solutions",
        RelatedEntityIdentifier="S-1234567",
    )
    return opportunity_id


def start_submission(client, opportunity_id, token="submit-1", involvement="Co-Sell"):
    return client.start_engagement_from_opportunity_task(
        Catalog="Sandbox",
        Identifier=opportunity_id,
        ClientToken=token,
        AwsSubmission={"InvolvementType": involvement, "Visibility": "Full"},
    )


def update_payload_from(opportunity: dict) -> dict:
    """What a correct client sends back: GetOpportunity minus the read-only members."""
    payload = {
        key: copy.deepcopy(value)
        for key, value in opportunity.items()
        if key
        not in (
            "Id",
            "Arn",
            "CreatedDate",
            "OpportunityTeam",
            "RelatedEntityIdentifiers",
            "ResponseMetadata",
        )
    }
    payload["Identifier"] = opportunity["Id"]
    return payload


def lifecycle(client, opportunity_id: str) -> dict:
    """The opportunity's LifeCycle as GetOpportunity returns it now."""
    return client.get_opportunity(Catalog="Sandbox", Identifier=opportunity_id)["LifeCycle"]


def field_names(error) -> set[str]:
    return {entry.get("FieldName") for entry in error.response["ErrorList"]}


def codes_by_field(error) -> dict[str, str]:
    return {entry.get("FieldName"): entry["Code"] for entry in error.response["ErrorList"]}


def post_raw(url: str, operation: str, body, headers: dict | None = None):
    """A hand-made awsJson request, for what botocore's serializer cannot send."""
    all_headers = {
        "X-Amz-Target": f"AWSPartnerCentralSelling.{operation}",
        "Content-Type": "application/x-amz-json-1.0",
        "Authorization": "AWS4-HMAC-SHA256 Credential=testing/20250615/us-east-1/x/aws4_request",
    }
    all_headers.update(headers or {})
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    return requests.post(url, data=data, headers=all_headers, timeout=10)
