"""pcsync's own copies of AWS's rules agree with the simulator, the witness.

The simulator is written from AWS's documentation and imports nothing from
pcsync; the engine's editability table and the client's quota groups are
pcsync's reading of the same pages. Each test here fails when one side drifts.
"""

from __future__ import annotations

import pytest

from simulators.partner_central.quotas import DAY_SECONDS, published_groups
from workers.clients.partner_central import READ_OPERATIONS, WRITE_OPERATIONS
from workers.engine.editability import APPROVED_LOCKED, rule_for
from workers.limiter import DEFAULT_LIMITS_CONFIG, parse_limits_config

from .conftest import codes_by_field, opportunity_request, update_payload_from

# A valid new value for each path the engine locks after approval: a path added
# to the engine's table fails here until it has one (and the simulator refuses it).
CHANGED_VALUES = {
    "Customer.Account.CompanyName": "Acme Holdings",
    "Customer.Account.Industry": "Aerospace",
    "Customer.Account.WebsiteUrl": "https://acme.example.org",
    "Customer.Account.Address.CountryCode": "CA",
    "Customer.Account.Address.PostalCode": "94107",
    "Customer.Account.Address.StateOrRegion": "Oregon",
    "Project.CustomerBusinessProblem": "The customer must move 300 on-premises servers to AWS.",
    "Project.Title": "Data lake migration",
    "PartnerOpportunityIdentifier": "deal-2",
}


def _approved_update(harness, **overrides) -> dict:
    """An approved opportunity's full update payload, unchanged."""
    client = harness.client
    created = client.create_opportunity(**opportunity_request(**overrides))
    harness.sim.set_review_status(created["Id"], review_status="Approved")
    return update_payload_from(client.get_opportunity(Catalog="Sandbox", Identifier=created["Id"]))


def _set_path(payload: dict, path: str, value) -> None:
    *parents, last = path.split(".")
    for part in parents:
        payload = payload[part]
    payload[last] = value


@pytest.mark.parametrize("path", sorted(APPROVED_LOCKED))
def test_the_simulator_refuses_each_path_the_engine_locks_after_approval(harness, path):
    update = _approved_update(harness)
    _set_path(update, path, CHANGED_VALUES[path])
    with pytest.raises(harness.client.exceptions.ValidationException) as caught:
        harness.client.update_opportunity(**update)
    assert codes_by_field(caught.value).get(path) == "ACTION_NOT_PERMITTED"


def test_other_industry_changes_after_approval_and_the_engine_writes_it(harness):
    account = opportunity_request()["Customer"]["Account"]
    customer = {"Account": {**account, "Industry": "Other", "OtherIndustry": "Space tourism"}}
    update = _approved_update(harness, Customer=customer)
    _set_path(update, "Customer.Account.OtherIndustry", "Orbital tourism")
    harness.client.update_opportunity(**update)  # accepted: AWS does not lock it
    assert rule_for("Approved").permits("Customer.Account.OtherIndustry")


def test_the_client_limits_exactly_the_operations_aws_publishes_quotas_for():
    groups = published_groups()
    assert groups["write"].operations == WRITE_OPERATIONS
    assert groups["read"].operations == READ_OPERATIONS


@pytest.mark.parametrize(
    ("client_group", "published"), [("pc-write", "write"), ("pc-read", "read")]
)
def test_the_client_limiter_assumes_the_published_quotas(client_group, published):
    policy = parse_limits_config(DEFAULT_LIMITS_CONFIG)[client_group]
    group = published_groups()[published]
    windows = {(window.item.amount, window.period) for window in policy.windows}
    assert windows == {(group.per_second, 1.0), (group.per_day, float(DAY_SECONDS))}
