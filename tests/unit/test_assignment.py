"""The parts of opportunity assignment that need no API: the owner map
setting, who a HubSpot owner becomes in Partner Central, the decisions taken
from the link, and the owner cache (in-process on an injected clock, and in
the real Redis)."""

from __future__ import annotations

import json

import pytest
import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from models.links import OpportunityLink
from pcsync.config import ConfigError, load_settings
from workers.errors import PermanentError
from workers.sync.assignees import (
    Assignee,
    OwnerCache,
    assignee_for_owner,
    check_assignee,
    email_is_valid,
    make_assignee,
)
from workers.sync.assignment import first_step, resolved_step

OLIVIA = {
    "id": "70000001",
    "email": "Olivia@CRM.example.com",
    "firstName": "Olivia",
    "lastName": "O",
}


# -- settings -------------------------------------------------------------------------------


def test_owner_map_inline_or_from_a_file_is_normalised(tmp_path):
    inline = load_settings(
        {"PCSYNC_OWNER_MAP": json.dumps({"70000001": "Owner@Example.com"})}
    ).owner_map
    assert inline == {"70000001": {"email": "owner@example.com"}}
    path = tmp_path / "owners.json"
    path.write_text(
        json.dumps({"Ana@CRM.example.com": {"email": "ana@example.com", "firstName": "Ana"}})
    )
    from_file = load_settings({"PCSYNC_OWNER_MAP": str(path)}).owner_map
    assert from_file == {"ana@crm.example.com": {"email": "ana@example.com", "firstName": "Ana"}}
    defaults = load_settings({})
    assert defaults.owner_map == {}
    assert defaults.assignee_business_title == "PartnerAccountManager"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ('{"1": "not-an-email"}', "'1' needs a Partner Central login e-mail"),
        ('{"1": {"firstName": "Ana"}}', "'1' needs a Partner Central login e-mail"),
        ('["owner@example.com"]', "must be a JSON object"),
        ("{not json", "is not valid JSON"),
        ("/no/such/owner-map.json", "neither a JSON object nor a readable file"),
    ],
)
def test_a_bad_owner_map_stops_start_up_naming_the_problem(raw, expected):
    with pytest.raises(ConfigError) as caught:
        load_settings({"PCSYNC_OWNER_MAP": raw})
    (problem,) = caught.value.problems
    assert problem.startswith("PCSYNC_OWNER_MAP: ")
    assert expected in problem


def test_business_title_is_one_the_docs_name():
    with pytest.raises(ConfigError) as caught:
        load_settings({"PCSYNC_ASSIGNEE_BUSINESS_TITLE": "Boss"})
    assert "PCSYNC_ASSIGNEE_BUSINESS_TITLE" in caught.value.problems[0]
    chosen = load_settings({"PCSYNC_ASSIGNEE_BUSINESS_TITLE": "OpportunityOwner"})
    assert chosen.assignee_business_title == "OpportunityOwner"


# -- the assignee ---------------------------------------------------------------------------


def test_an_owner_becomes_their_lower_cased_email_with_names():
    assignee = assignee_for_owner(OLIVIA, {}, "PartnerAccountManager")
    assert assignee.request() == {
        "Email": "olivia@crm.example.com",
        "FirstName": "Olivia",
        "LastName": "O",
        "BusinessTitle": "PartnerAccountManager",
    }


@pytest.mark.parametrize("key", ["70000001", "olivia@crm.example.com"])
def test_the_map_by_owner_id_or_hubspot_email_names_the_login(key):
    owner_map = {key: {"email": "owner@example.com", "lastName": "Owner"}}
    assignee = assignee_for_owner(OLIVIA, owner_map, "OpportunityOwner")
    assert assignee == Assignee("owner@example.com", "Olivia", "Owner", "OpportunityOwner")


def test_names_are_cut_to_the_model_length_and_missing_ones_sent_empty():
    assignee = make_assignee(" A@Example.com ", "x" * 100, None, "PartnerAccountManager")
    assert assignee.email == "a@example.com"
    assert assignee.first_name == "x" * 80
    assert assignee.last_name == ""


def test_email_check_is_the_models_pattern():
    assert email_is_valid("owner@example.com")
    assert not email_is_valid("Owner@Example.com")  # the model only takes lower case
    assert not email_is_valid("")
    assert not email_is_valid("a" * 80 + "@example.com")


def test_an_owner_without_a_usable_email_is_refused_before_any_call():
    no_email = assignee_for_owner({"id": "5", "email": None}, {}, "PartnerAccountManager")
    with pytest.raises(PermanentError) as caught:
        check_assignee(no_email)
    assert caught.value.field_errors[0]["field"] == "Assignee.Email"
    assert "(no e-mail)" in caught.value.api_message
    check_assignee(assignee_for_owner(OLIVIA, {}, "PartnerAccountManager"))  # no error


def test_an_owner_without_names_is_refused_before_any_call():
    # HubSpot owners may have no names; "" is not a name Partner Central takes.
    unnamed = assignee_for_owner(
        {"id": "5", "email": "ops@example.com", "firstName": "", "lastName": None},
        {},
        "PartnerAccountManager",
    )
    with pytest.raises(PermanentError) as caught:
        check_assignee(unnamed)
    assert [e["field"] for e in caught.value.field_errors] == [
        "Assignee.FirstName",
        "Assignee.LastName",
    ]
    named = {"ops@example.com": {"firstName": "Olivia", "lastName": "Ops"}}
    check_assignee(assignee_for_owner({"id": "5", "email": "ops@example.com"}, named, "X"))


# -- decisions from the link ----------------------------------------------------------------


def link(**columns) -> OpportunityLink:
    return OpportunityLink(hubspot_deal_id="5000001", opportunity_id="O1000001", **columns)


def test_first_step_settles_most_syncs_without_a_call():
    assert first_step(link(), None) == "none"
    assert first_step(link(assignee_owner_id="1"), None) == "clear"
    assert first_step(link(assignment_failed_owner_id="2"), None) == "clear"
    assert first_step(link(assignee_owner_id="1"), "1") == "unchanged"
    assert first_step(link(assignee_owner_id="1"), "2") == "resolve"
    assert first_step(link(), "2") == "resolve"


def test_resolved_step_never_resends_a_refused_pair():
    dana = Assignee("dana@example.com", "Dana", "N", "PartnerAccountManager")
    refused = link(assignment_failed_owner_id="4", assignment_failed_email="dana@example.com")
    assert resolved_step(refused, "4", dana) == "refused_before"
    # The same owner under another (mapped) login is tried again.
    other = Assignee("dana.pc@example.com", "Dana", "N", "PartnerAccountManager")
    assert resolved_step(refused, "4", other) == "assign"
    unknown = link(assignment_failed_owner_id="9", assignment_failed_email="")
    assert resolved_step(unknown, "9", None) == "refused_before"
    assert resolved_step(link(), "9", None) == "owner_unknown"
    assigned = link(assignee={"Email": "dana@example.com"}, assignee_owner_id=None)
    assert resolved_step(assigned, "4", dana) == "already_assigned"
    assert resolved_step(link(), "4", dana) == "assign"


# -- owner cache ----------------------------------------------------------------------------


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_in_process_cache_forgets_after_its_ttl():
    clock = Clock()
    cache = OwnerCache(ttl=600, clock=clock)
    assert cache.get("70000001") is None
    cache.put("70000001", OLIVIA)
    clock.now += 599
    assert cache.get("70000001") == OLIVIA
    clock.now += 2
    assert cache.get("70000001") is None


def test_redis_cache_is_shared_and_expires(redis_url):
    writer, reader = OwnerCache.for_url(redis_url), OwnerCache.for_url(redis_url)
    writer.put("70000001", OLIVIA)
    assert reader.get("70000001") == OLIVIA
    ttl = redis.Redis.from_url(redis_url).ttl("pcsync:hubspot-owner:70000001")
    assert 0 < ttl <= 600


def test_an_unreachable_redis_is_a_miss_not_an_error():
    closed_port = redis.Redis(
        host="127.0.0.1", port=9, socket_connect_timeout=0.2, retry=Retry(NoBackoff(), 0)
    )
    cache = OwnerCache(closed_port)
    cache.put("70000001", OLIVIA)
    assert cache.get("70000001") is None
