"""Property-based fuzzing of every route of the real WSGI app on PostgreSQL.

Requests are generated around what each endpoint accepts: unsigned and
mis-signed requests, correctly signed webhook batches whose events carry
values a column refuses (NUL, lone surrogates, over-long names, integers past
BIGINT, wrong types), hostile JSON (deep nesting, 5,000-digit integers,
NaN), malformed signature headers, and API calls with hostile path ids and
bodies. Properties: no answer is a 5xx, and a request that is not
authenticated records nothing. CI runs 10,000 cases (PCSYNC_FUZZ_EXAMPLES
overrides; 1,000 by default on a developer machine). In-process test client:
the point is the app's input handling, not the network.
"""

from __future__ import annotations

import json
import os
import re
import time
from urllib.parse import quote

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ingest import create_app
from ingest.signatures import v3_signature
from tests.conftest import IN_CI, TEST_API_TOKEN, TEST_CLIENT_SECRET

pytestmark = pytest.mark.chaos

EXAMPLES = int(os.environ.get("PCSYNC_FUZZ_EXAMPLES", "10000" if IN_CI else "1000"))
EVENTS_SECRET = "events-secret-0123456789abcdef"
PUBLIC_URL = "https://pcsync.example.com"

# Values that break storage or parsing rather than validation.
nasty_text = st.one_of(
    st.text(max_size=40),
    st.just("a\x00b"),
    st.just("\ud800"),
    st.just("x" * 300),
    st.just("x" * 70),
    st.text(alphabet=st.characters(codec="utf-8"), min_size=200, max_size=400),
)
nasty_int = st.one_of(
    st.integers(min_value=-(2**70), max_value=2**70),
    st.just(2**63),
    st.just(-(2**63) - 1),
    st.just(10**30),
)
nasty_value = st.one_of(
    nasty_text,
    nasty_int,
    st.booleans(),
    st.none(),
    st.floats(allow_nan=False),
    st.just([]),
    st.just({}),
)


def hubspot_event(fields: dict) -> dict:
    event = {
        "eventId": 1,
        "subscriptionId": 7,
        "portalId": 62515,
        "occurredAt": 1_764_300_000_000,
        "subscriptionType": "deal.propertyChange",
        "objectId": 42,
        "propertyName": "amount",
        "propertyValue": "1",
        "changeSource": "CRM_UI",
    }
    event.update(fields)
    return event


hubspot_fields = st.sampled_from(
    [
        "eventId",
        "subscriptionId",
        "portalId",
        "occurredAt",
        "subscriptionType",
        "objectId",
        "propertyName",
        "propertyValue",
        "changeSource",
        "sourceId",
        "associationType",
        "fromObjectId",
        "toObjectId",
        "mergedObjectIds",
    ]
)
hubspot_batch = st.lists(
    st.dictionaries(hubspot_fields, nasty_value, max_size=3).map(hubspot_event),
    min_size=1,
    max_size=5,
)


def pc_event(detail: dict, envelope: dict) -> dict:
    event = {
        "version": "0",
        "id": "e-1",
        "detail-type": "Opportunity Updated",
        "source": "aws.partnercentral-selling",
        "time": "2025-06-15T12:00:00Z",
        "detail": {"catalog": "Sandbox", "opportunity": {"identifier": "O1234567"}, **detail},
    }
    event.update(envelope)
    return event


pc_detail = st.dictionaries(
    st.sampled_from(["opportunity", "engagement", "engagementInvitation", "catalog"]),
    st.one_of(
        nasty_value,
        st.fixed_dictionaries({"identifier": nasty_value}),
        st.fixed_dictionaries({"id": nasty_value, "participantType": st.just("RECEIVER")}),
    ),
    max_size=2,
)
pc_envelope = st.dictionaries(
    st.sampled_from(["id", "detail-type", "source", "time", "account", "resources"]),
    st.one_of(
        nasty_value,
        st.sampled_from(
            ["Engagement Member Joined", "Engagement Invitation Created", "Opportunity Created"]
        ),
    ),
    max_size=2,
)
pc_batch = st.one_of(
    st.builds(pc_event, pc_detail, pc_envelope),
    st.lists(st.builds(pc_event, pc_detail, pc_envelope), min_size=1, max_size=3),
)

hostile_json = st.sampled_from(
    [
        b"[" * 100_000 + b"]" * 100_000,
        b'[{"eventId": ' + b"9" * 5000 + b"}]",
        b'[{"eventId": NaN}]',
        b'[{"eventId": 1e999}]',
        b"\xff\xfe",
        b'"\\ud800"',
        b"",
        b"{}",
        b"[]",
        b"null",
    ]
)


@st.composite
def bodies(draw, structured) -> bytes:
    """Mostly well-formed JSON (to reach validation and storage), sometimes
    hostile JSON or arbitrary bytes."""
    kind = draw(st.integers(0, 9))
    if kind == 0:
        return draw(hostile_json)
    if kind == 1:
        return draw(st.binary(max_size=200))
    return json.dumps(draw(structured)).encode()


def header_text(max_size: int):
    """What a header value can be on the wire: bytes a server decodes as
    Latin-1, without line breaks (a server refuses those before the app)."""
    return st.text(st.characters(min_codepoint=32, max_codepoint=255), max_size=max_size)


timestamp_header = st.one_of(
    st.just(None),
    st.just("²"),
    st.just("1" * 5000),
    header_text(20),
    st.integers(min_value=-(10**20), max_value=10**20).map(str),
)


@st.composite
def hubspot_request(draw) -> dict:
    body = draw(bodies(hubspot_batch))
    mode = draw(
        st.sampled_from(["signed"] * 4 + ["unsigned", "v1_only", "bad_timestamp", "garbage"])
    )
    headers = {"Content-Type": "application/json"}
    authentic = mode == "signed"
    if mode == "signed":
        stamp = str(int(time.time() * 1000))
        uri = f"{PUBLIC_URL}/webhooks/hubspot"
        headers["X-HubSpot-Signature-v3"] = v3_signature(
            TEST_CLIENT_SECRET, "POST", uri, body, stamp
        )
        headers["X-HubSpot-Request-Timestamp"] = stamp
    elif mode == "v1_only":
        from ingest.signatures import v1_signature

        headers["X-HubSpot-Signature"] = v1_signature(TEST_CLIENT_SECRET, body)
    elif mode == "bad_timestamp":
        headers["X-HubSpot-Signature-v3"] = draw(header_text(50))
        stamp = draw(timestamp_header)
        if stamp is not None:
            headers["X-HubSpot-Request-Timestamp"] = stamp
    elif mode == "garbage":
        headers["X-HubSpot-Signature"] = draw(header_text(70))
        headers["X-HubSpot-Signature-Version"] = draw(header_text(5))
    return {
        "method": "POST",
        "path": "/webhooks/hubspot",
        "headers": headers,
        "body": body,
        "authentic": authentic,
    }


@st.composite
def pc_request(draw) -> dict:
    body = draw(bodies(pc_batch))
    authentic = draw(st.booleans())
    secret = EVENTS_SECRET if authentic else draw(header_text(40))
    headers = {"Content-Type": "application/json", "X-PCSync-Events-Secret": secret}
    return {
        "method": "POST",
        "path": "/webhooks/partner-central",
        "headers": headers,
        "body": body,
        "authentic": authentic,
    }


path_value = st.one_of(
    st.text(max_size=80),
    st.just("a\x00b"),
    st.just("O1234567"),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.just("9" * 40),
)


@st.composite
def api_request(draw, rules) -> dict:
    rule = draw(st.sampled_from(rules))
    method = draw(st.sampled_from(sorted(rule.methods - {"HEAD", "OPTIONS"})))
    path = re.sub(
        r"<(?:[a-z]+:)?[A-Za-z_]+>", lambda _m: quote(draw(path_value), safe=""), rule.rule
    )
    authentic = draw(st.booleans())
    headers = {"Content-Type": "application/json"}
    if authentic:
        headers["Authorization"] = f"Bearer {TEST_API_TOKEN}"
    elif draw(st.booleans()):
        headers["Authorization"] = draw(header_text(60))
    body = draw(
        bodies(
            st.dictionaries(
                st.sampled_from(["hubspot_owner_id", "assignee", "reason", "email", "first_name"]),
                st.one_of(
                    nasty_value, st.dictionaries(st.text(max_size=12), nasty_text, max_size=3)
                ),
                max_size=3,
            )
        )
    )
    query = draw(
        st.sampled_from(
            ["", "?all=true", "?state=%00", "?state=" + "x" * 300, "?limit=99999999999999999999"]
        )
    )
    return {
        "method": method,
        "path": path + query,
        "headers": headers,
        "body": body,
        "authentic": authentic,
    }


@pytest.fixture(scope="module")
def fuzz_app(postgres_database_url, tmp_path_factory):
    """One app on a PostgreSQL database of its own (NUL, surrogate and range
    refusals are PostgreSQL's; SQLite would hide them), real Redis broker."""
    from dataclasses import replace

    from pcsync.config import load_settings
    from tests.conftest import REDIS_TEST_URL

    environ = {
        "PCSYNC_DATA_DIR": str(tmp_path_factory.mktemp("fuzz") / "var"),
        "DATABASE_URL": postgres_database_url,
        "CELERY_BROKER_URL": REDIS_TEST_URL,
        "HUBSPOT_CLIENT_SECRET": TEST_CLIENT_SECRET,
        "HUBSPOT_ACCESS_TOKEN": "test-hubspot-token",
        "PCSYNC_API_TOKENS": TEST_API_TOKEN,
        "PCSYNC_EVENTS_SECRET": EVENTS_SECRET,
        "PCSYNC_PUBLIC_URL": PUBLIC_URL,
        "PCSYNC_LOG_LEVEL": "ERROR",
        "HUBSPOT_API_BASE_URL": "http://127.0.0.1:9",
        "PC_ENDPOINT_URL": "http://127.0.0.1:9",
    }
    app = create_app(replace(load_settings(environ)))
    yield app
    app.extensions["pcsync.db"].dispose()


def recorded(app) -> int:
    with app.extensions["pcsync.db"].engine.connect() as connection:
        return connection.execute(sa.text("SELECT count(*) FROM inbox_events")).scalar_one()


def test_no_generated_request_gets_a_5xx_or_records_without_authentication(fuzz_app, redis_url):
    client = fuzz_app.test_client()
    rules = [
        r
        for r in fuzz_app.url_map.iter_rules()
        if r.rule not in ("/webhooks/hubspot", "/webhooks/partner-central")
    ]
    requests = st.one_of(hubspot_request(), pc_request(), api_request(rules))
    seen = {"requests": 0, "by_status": {}}

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(requests)
    def check(request):
        before = recorded(fuzz_app)
        response = client.open(
            request["path"],
            method=request["method"],
            headers=request["headers"],
            data=request["body"],
        )
        seen["requests"] += 1
        seen["by_status"][response.status_code] = seen["by_status"].get(response.status_code, 0) + 1
        assert response.status_code < 500, (
            request["path"],
            response.status_code,
            response.get_data()[:300],
        )
        if not request["authentic"] and request["path"].startswith("/webhooks/"):
            assert recorded(fuzz_app) == before

    check()
    with fuzz_app.extensions["pcsync.db"].engine.connect() as connection:
        outcomes = dict(
            connection.execute(
                sa.text("SELECT outcome, count(*) FROM inbox_events GROUP BY outcome")
            ).all()
        )
    print(f"\nfuzzed {seen['requests']} requests; answers: {sorted(seen['by_status'].items())}")
    print(f"inbox rows by outcome: {outcomes}")
    assert seen["requests"] >= EXAMPLES
