"""The pure sync engine: field mapping, three-way merge, Partner Central
editability rules and request building. No I/O; dates are injected.

Typical push run (inside a task that holds the opportunity's lock)::

    config = load_engine_config(path)                       # once per process
    ours = map_hubspot_to_pc(deal, company, contacts, today=today, config=config)
    theirs = extract_pc_fields(opportunity, config)
    result = merge(base, ours.fields, theirs, strategies=config.strategies,
                   directions=config.directions,
                   ours_modified_at=ours_modified_at(stamps, config),
                   theirs_modified_at=opportunity["LastModifiedDate"])
    result = apply_editability(result, opportunity.get("LifeCycle", {}).get("ReviewStatus"))
    if result.to_pc:
        request = build_update_request(opportunity, result.to_pc)
        ...  # UpdateOpportunity(**request); on success store result.new_base
    if result.to_hubspot:
        writes = pc_to_hubspot(result.to_hubspot, config, pipeline=deal.get("pipeline"))

Customer contact details merge per contact and member before that
(:func:`merge_contacts`, then :func:`with_merged_contacts` on ``ours``); their
``to_hubspot`` is written to the HubSpot contacts.
"""

import importlib

from .merge import Conflict, FieldDecision, MergeResult, Outcome, Winner, merge
from .outcome import Note
from .strategies import Direction, Strategy

# The other names load their submodule on first use: importing a light
# submodule (invitations, related_kinds) runs this file first, and the ingest
# must not pay for what config and mapping load (botocore's service model,
# phonenumbers).
_SUBMODULE_OF = {
    "CONTACTS_PATH": "contacts",
    "ContactsMerge": "contacts",
    "EngineConfig": "config",
    "EngineConfigError": "config",
    "FieldChange": "payload",
    "FieldSettings": "config",
    "Gap": "readiness",
    "HubSpotProperties": "mapping",
    "KnownContact": "contacts",
    "Mapped": "mapping",
    "NeedsInput": "readiness",
    "apply_editability": "editability",
    "build_create_request": "payload",
    "build_update_request": "payload",
    "client_token": "payload",
    "default_config_document": "config",
    "diff": "payload",
    "engine_config_from_dict": "config",
    "extract_pc_fields": "mapping",
    "hubspot_properties_to_read": "mapping",
    "load_engine_config": "config",
    "map_hubspot_to_pc": "mapping",
    "merge_contacts": "contacts",
    "opportunity_gaps": "readiness",
    "ours_modified_at": "mapping",
    "pc_to_hubspot": "mapping",
    "sales_rep_message": "readiness",
    "split_by_review_status": "editability",
    "submission_gaps": "readiness",
    "update_diff": "payload",
    "with_merged_contacts": "contacts",
}


__all__ = [
    "CONTACTS_PATH",
    "Conflict",
    "ContactsMerge",
    "Direction",
    "EngineConfig",
    "EngineConfigError",
    "FieldChange",
    "FieldDecision",
    "FieldSettings",
    "Gap",
    "HubSpotProperties",
    "KnownContact",
    "Mapped",
    "MergeResult",
    "NeedsInput",
    "Note",
    "Outcome",
    "Strategy",
    "Winner",
    "apply_editability",
    "build_create_request",
    "build_update_request",
    "client_token",
    "default_config_document",
    "diff",
    "engine_config_from_dict",
    "extract_pc_fields",
    "hubspot_properties_to_read",
    "load_engine_config",
    "map_hubspot_to_pc",
    "merge",
    "merge_contacts",
    "opportunity_gaps",
    "ours_modified_at",
    "pc_to_hubspot",
    "sales_rep_message",
    "split_by_review_status",
    "submission_gaps",
    "update_diff",
    "with_merged_contacts",
]


def __getattr__(name: str) -> object:
    submodule = _SUBMODULE_OF.get(name)
    if submodule is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f".{submodule}", __name__), name)
