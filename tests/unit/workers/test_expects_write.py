"""Which deal syncs book a Partner Central write slot before their reads
(`workers/sync/deals.py::expects_write`)."""

from __future__ import annotations

from models.links import OpportunityLink
from workers.sync.deals import expects_write


def _link(opportunity_id, written):
    return OpportunityLink(
        hubspot_deal_id="101", opportunity_id=opportunity_id, hubspot_written=written
    )


def test_a_linked_deal_that_shows_its_opportunity_books():
    assert expects_write(_link("O1", {"aws_opportunity_id": "O1", "aws_sync_status": "synced"}))


def test_an_unlinked_deal_does_not_book():
    assert not expects_write(None)
    assert not expects_write(_link(None, {}))


def test_the_retry_of_a_create_whose_status_was_not_shown_does_not_book():
    # CreateOpportunity went out, the deal's status PATCH was refused: the
    # retry mostly delivers that status and must not queue for a write.
    assert not expects_write(_link("O1", {}))
    assert not expects_write(_link("O1", None))


def test_a_deal_showing_another_opportunity_does_not_book():
    assert not expects_write(_link("O2", {"aws_opportunity_id": "O1"}))
