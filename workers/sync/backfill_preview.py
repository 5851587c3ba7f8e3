"""What the backfill's dry run reports for a deal: the fields a create would
send, or the field-level changes the sync of a linked deal would make
(map + extract + merge against the stored base, as the sync does), without
writing anything."""

from __future__ import annotations

from datetime import date
from typing import Any

from models.links import OpportunityLink
from pcsync import runtime
from workers.engine import build_update_request, map_hubspot_to_pc, pc_to_hubspot, update_diff
from workers.sync.deals import plan_merge
from workers.sync.hubspot_state import DealState


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 120 else text[:117] + "..."


def planned_create_fields(state: DealState, today: date) -> list[str]:
    """The fields a create would send, with what was adjusted or left out."""
    mapped = map_hubspot_to_pc(
        state.properties,
        state.company,
        state.contacts,
        today=today,
        config=runtime.engine_config(),
    )
    lines = [
        f"partner_central {path}: {_show(value)}"
        for path, value in sorted(mapped.fields.items())
        if value is not None
    ]
    lines += [f"note {n.path}: {n.kind}, {n.reason}" for n in mapped.notes]
    return lines


def planned_sync_changes(
    link: OpportunityLink, state: DealState, opportunity: dict, today: date
) -> list[str]:
    """Field-level changes the sync of a linked deal would make, computed with
    the engine exactly as `workers.sync.deals` does, without writing."""
    config = runtime.engine_config()
    _mapped, result = plan_merge(dict(link.base_snapshot or {}), state, opportunity, today)
    lines = []
    if result.to_pc:
        request = build_update_request(opportunity, result.to_pc)
        lines += [
            f"partner_central {c.path}: {_show(c.before)} -> {_show(c.after)}"
            for c in update_diff(opportunity, request)
        ]
    writes = pc_to_hubspot(result.to_hubspot, config, pipeline=state.properties.get("pipeline"))
    for object_type, properties in sorted(writes.items()):
        lines += [
            f"hubspot {object_type}.{name}: -> {_show(value)}"
            for name, value in sorted(properties.items())
        ]
    lines += [
        f"deferred {path}: {result.deferred_reason or 'not editable now'}"
        for path in sorted(result.deferred)
    ]
    lines += [
        f"conflict {c.path}: hubspot {_show(c.ours)} vs partner_central {_show(c.theirs)}"
        f" ({c.strategy})"
        for c in result.pending_conflicts
    ]
    return lines
