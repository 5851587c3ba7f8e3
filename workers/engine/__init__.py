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

from .config import (
    EngineConfig,
    EngineConfigError,
    FieldSettings,
    default_config_document,
    engine_config_from_dict,
    load_engine_config,
)
from .contacts import (
    CONTACTS_PATH,
    ContactsMerge,
    KnownContact,
    merge_contacts,
    with_merged_contacts,
)
from .editability import apply_editability, split_by_review_status
from .mapping import (
    HubSpotProperties,
    Mapped,
    extract_pc_fields,
    hubspot_properties_to_read,
    map_hubspot_to_pc,
    ours_modified_at,
    pc_to_hubspot,
)
from .merge import Conflict, FieldDecision, MergeResult, Outcome, Winner, merge
from .outcome import Note
from .payload import (
    FieldChange,
    build_create_request,
    build_update_request,
    client_token,
    diff,
    update_diff,
)
from .readiness import (
    Gap,
    NeedsInput,
    opportunity_gaps,
    sales_rep_message,
    submission_gaps,
)
from .strategies import Direction, Strategy

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
