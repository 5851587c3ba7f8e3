"""Many deals' states from batch reads: v4 association rows name the primary
company and the primary contact as the v3 read of one deal does."""

from __future__ import annotations

from workers.engine import load_engine_config
from workers.sync.hubspot_state import read_deal_states


class RecordedHubSpot:
    """HubSpot's answers to the batch reads, and the calls made."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, list[str]]] = []

    def batch_read(self, object_type, ids, properties, *, properties_with_history=(), priority):
        ids = sorted(ids)
        self.calls.append((f"read {object_type}", ids))
        return {
            i: {"id": i, "properties": {"name": f"{object_type} {i}"}, "propertiesWithHistory": {}}
            for i in ids
            if i != "404"  # deleted since the cycle listed it
        }

    def associations(self, from_type, to_type, ids, *, priority):
        self.calls.append((f"associations {to_type}", sorted(ids)))
        if to_type == "companies":
            return {
                "1": [
                    {"id": "11", "types": [{"typeId": 341, "label": None}]},
                    {"id": "12", "types": [{"typeId": 341, "label": None}, {"typeId": 5}]},
                ],
            }
        return {"1": [{"id": "22", "types": [{"typeId": 3, "label": "Primary buyer"}]}]}


def test_batch_states_find_the_primary_company_and_contact_and_share_reads():
    hubspot = RecordedHubSpot()
    states = read_deal_states(hubspot, ["1", "2", "404"], load_engine_config(None), priority="x")

    assert sorted(states) == ["1", "2"]
    assert states["1"].company_id == "12"  # the primary, though listed second
    assert states["1"].company == {"name": "companies 12"}
    assert states["1"].contacts == [
        {"id": "22", "properties": {"name": "contacts 22"}, "primary": True}
    ]
    assert states["2"].company_id is None and states["2"].contacts == []
    assert hubspot.calls == [
        ("read deals", ["1", "2", "404"]),
        ("associations companies", ["1", "2"]),
        ("associations contacts", ["1", "2"]),
        ("read companies", ["12"]),
        ("read contacts", ["22"]),
    ]
