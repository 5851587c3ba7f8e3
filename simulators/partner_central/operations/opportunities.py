"""Opportunity operations: create, read, list, full-replacement update, assign,
associate, submit, and the AWS summary."""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING

from .. import rules, store
from ..errors import (
    BUSINESS_VALIDATION_FAILED,
    Conflict,
    FieldError,
    NotFound,
    ValidationError,
    business_error,
)
from ..timestamps import to_iso
from .common import (
    by_operation,
    find_opportunity,
    page_response,
    publish_opportunity_event,
    sort_items,
    touch_opportunity,
)
from .submission import all_submission_errors

if TYPE_CHECKING:
    from ..simulator import Simulator
    from ..store import CatalogState

INITIAL_REVIEW_STATUS = "Pending Submission"
DEFAULT_ORIGIN = "Partner Referral"
RELATED_ENTITY_TYPES = (
    "AwsProducts",
    "Solutions",
    "AwsMarketplaceOffers",
    "AwsMarketplaceOfferSets",
    "AwsMarketplaceSolutions",
    "AwsMarketplaceProducts",
)


def _raise_if(errors: list[FieldError]) -> None:
    if errors:
        raise ValidationError(errors, BUSINESS_VALIDATION_FAILED)


def create_opportunity(sim: Simulator, state: CatalogState, params: dict) -> dict:
    existing_id = state.opportunity_tokens.lookup(params["ClientToken"], params)
    if existing_id is not None:
        return _create_response(state.opportunities[existing_id])
    payload = {name: params[name] for name in rules.opportunity_data_members() if name in params}
    _raise_if(
        rules.origin_errors(params.get("Origin"), state.name)
        + rules.content_errors(payload, sim.today())
    )
    record = new_opportunity_record(sim, state.name, payload, params.get("Origin", DEFAULT_ORIGIN))
    record["OpportunityTeam"] = params.get("OpportunityTeam", [])
    if "Tags" in params:
        record["Tags"] = params["Tags"]
    state.opportunities[record["Id"]] = record
    state.opportunity_tokens.remember(params["ClientToken"], params, record["Id"])
    publish_opportunity_event(sim, record, "Opportunity Created")
    return _create_response(record)


def new_opportunity_record(sim: Simulator, catalog: str, payload: dict, origin: str) -> dict:
    opportunity_id = sim.ids.opportunity()
    record = copy.deepcopy(payload)
    lifecycle = {
        key: value
        for key, value in record.get("LifeCycle", {}).items()
        if key not in rules.AWS_OWNED_LIFECYCLE_MEMBERS
    }
    lifecycle["ReviewStatus"] = INITIAL_REVIEW_STATUS
    now = sim.clock.next_modification_ms()
    record.update(
        Id=opportunity_id,
        Arn=store.arn(sim.account_id, catalog, "opportunity", opportunity_id),
        Catalog=catalog,
        Origin=origin,
        CreatedDate=now,
        LastModifiedDate=now,
        LifeCycle=lifecycle,
        OpportunityTeam=[],
        RelatedEntityIdentifiers={kind: [] for kind in RELATED_ENTITY_TYPES},
    )
    _append_next_steps_history(sim, lifecycle, None)
    return record


def _create_response(record: dict) -> dict:
    return {
        "Id": record["Id"],
        "PartnerOpportunityIdentifier": record.get("PartnerOpportunityIdentifier"),
        "LastModifiedDate": record["LastModifiedDate"],
    }


def get_opportunity(sim: Simulator, state: CatalogState, params: dict) -> dict:
    # The response shape drops what GetOpportunity does not return (Origin, Tags).
    return find_opportunity(state, params["Identifier"])


def update_opportunity(sim: Simulator, state: CatalogState, params: dict) -> dict:
    record = find_opportunity(state, params["Identifier"])
    if params["LastModifiedDate"] != record["LastModifiedDate"]:
        raise Conflict(
            f"Opportunity {record['Id']} was modified at {to_iso(record['LastModifiedDate'])}, "
            f"after the LastModifiedDate sent ({to_iso(params['LastModifiedDate'])}). "
            "Read it again with GetOpportunity and resend the full payload."
        )
    incoming = rules.partner_owned_view(params)
    review_status = record["LifeCycle"].get("ReviewStatus")
    requested_status = params.get("LifeCycle", {}).get("ReviewStatus")
    # Sandbox lets partners simulate AWS's review by setting ReviewStatus;
    # elsewhere it is read-only and the stored value is kept.
    simulate_review = state.name == "Sandbox" and requested_status not in (None, review_status)
    changes = rules.changed_paths(rules.partner_owned_view(record), incoming)
    _raise_if(
        rules.editability_errors(review_status, changes, simulate_review)
        + rules.content_errors(incoming, sim.today())
    )
    if changes:
        _replace_partner_data(sim, record, incoming)
    if simulate_review:
        record["LifeCycle"]["ReviewStatus"] = requested_status
    touch_opportunity(sim, record)
    publish_opportunity_event(sim, record, "Opportunity Updated")
    return {"Id": record["Id"], "LastModifiedDate": record["LastModifiedDate"]}


def _replace_partner_data(sim: Simulator, record: dict, incoming: dict) -> None:
    """Full replacement: members the update omits are gone afterwards."""
    previous_lifecycle = record.get("LifeCycle", {})
    for name in rules.opportunity_data_members():
        record.pop(name, None)
    record.update(copy.deepcopy(incoming))
    lifecycle = record.setdefault("LifeCycle", {})
    for name in rules.AWS_OWNED_LIFECYCLE_MEMBERS:
        if name in previous_lifecycle:
            lifecycle[name] = previous_lifecycle[name]
    _append_next_steps_history(sim, lifecycle, previous_lifecycle.get("NextSteps"))


def _append_next_steps_history(
    sim: Simulator, lifecycle: dict, previous_next_steps: str | None
) -> None:
    next_steps = lifecycle.get("NextSteps")
    if next_steps and next_steps != previous_next_steps:
        history = lifecycle.setdefault("NextStepsHistory", [])
        history.append({"Value": next_steps, "Time": sim.clock.now_ms()})
        del history[:-50]  # the model allows at most 50 entries


def list_opportunities(sim: Simulator, state: CatalogState, params: dict) -> dict:
    matches = [r for r in state.opportunities.values() if _matches_filters(r, params)]
    ordered = sort_items(matches, params.get("Sort"), _SORT_KEYS, "LastModifiedDate", "DESCENDING")
    return page_response(ordered, params, "ListOpportunities", "OpportunitySummaries")


_SORT_KEYS = {
    "LastModifiedDate": lambda r: r["LastModifiedDate"],
    "CreatedDate": lambda r: r["CreatedDate"],
    "Identifier": lambda r: int(r["Id"][1:]),
    "CustomerCompanyName": lambda r: r.get("Customer", {}).get("Account", {}).get("CompanyName"),
    "TargetCloseDate": lambda r: r.get("LifeCycle", {}).get("TargetCloseDate"),
}


def _matches_filters(record: dict, params: dict) -> bool:
    lifecycle = record.get("LifeCycle", {})
    company = record.get("Customer", {}).get("Account", {}).get("CompanyName")
    checks = [
        _in_window(
            record["LastModifiedDate"],
            params.get("LastModifiedDate"),
            "AfterLastModifiedDate",
            "BeforeLastModifiedDate",
        ),
        _in_window(
            record["CreatedDate"],
            params.get("CreatedDate"),
            "AfterCreatedDate",
            "BeforeCreatedDate",
        ),
        _in_window(
            lifecycle.get("TargetCloseDate"),
            params.get("TargetCloseDate"),
            "AfterTargetCloseDate",
            "BeforeTargetCloseDate",
        ),
        _in_list(record["Id"], params.get("Identifier")),
        _in_list(lifecycle.get("Stage"), params.get("LifeCycleStage")),
        _in_list(lifecycle.get("ReviewStatus"), params.get("LifeCycleReviewStatus")),
        _in_list(
            (company or "").casefold(),
            [n.casefold() for n in params.get("CustomerCompanyName") or []] or None,
        ),
    ]
    return all(checks)


def _in_window(value, window: dict | None, after_key: str, before_key: str) -> bool:
    """`After…` is on-or-after (as documented); `Before…` is strictly before."""
    if not window:
        return True
    if value is None:
        return False
    after, before = window.get(after_key), window.get(before_key)
    return (after is None or value >= after) and (before is None or value < before)


def _in_list(value, allowed: list | None) -> bool:
    return not allowed or value in allowed


def assign_opportunity(sim: Simulator, state: CatalogState, params: dict) -> None:
    record = find_opportunity(state, params["Identifier"])
    assignee = params["Assignee"]
    user = sim.partner_users.get(assignee["Email"])
    if user is None:
        raise business_error(
            "Assignee.Email",
            f"{assignee['Email']} is not a registered user of this Partner Central account.",
            "INVALID_VALUE",
        )
    # Partner Central takes the names from the user's profile, not from the request.
    owner = {
        "Email": assignee["Email"],
        "FirstName": user["FirstName"],
        "LastName": user["LastName"],
        "BusinessTitle": assignee["BusinessTitle"],
    }
    if "Phone" in assignee:
        owner["Phone"] = assignee["Phone"]
    team = [m for m in record.get("OpportunityTeam", []) if not _is_owner(m)]
    record["OpportunityTeam"] = [owner, *team][:10]
    touch_opportunity(sim, record)
    publish_opportunity_event(sim, record, "Opportunity Updated")


OWNER_TITLES = frozenset({"PartnerAccountManager", "OpportunityOwner"})


def _is_owner(member: dict) -> bool:
    return member.get("BusinessTitle") in OWNER_TITLES


def associate_opportunity(sim: Simulator, state: CatalogState, params: dict) -> None:
    record = find_opportunity(state, params["OpportunityIdentifier"])
    entity_type, identifier = params["RelatedEntityType"], params["RelatedEntityIdentifier"]
    _raise_if(rules.related_identifier_errors(entity_type, identifier))
    if entity_type == "Solutions" and identifier not in state.solutions:
        raise NotFound(f"Solution {identifier} not found in catalog {state.name}.")
    if entity_type == "Solutions":
        _raise_if(rules.solution_status_errors(state.solutions[identifier]))
    related = record["RelatedEntityIdentifiers"]
    _raise_if(rules.association_errors(related, entity_type, identifier))
    if identifier not in related[entity_type]:
        related[entity_type].append(identifier)
    touch_opportunity(sim, record)
    publish_opportunity_event(sim, record, "Opportunity Updated")


def disassociate_opportunity(sim: Simulator, state: CatalogState, params: dict) -> None:
    record = find_opportunity(state, params["OpportunityIdentifier"])
    entity_type, identifier = params["RelatedEntityType"], params["RelatedEntityIdentifier"]
    related = record["RelatedEntityIdentifiers"][entity_type]
    if identifier not in related:
        raise NotFound(
            f"{identifier} is not associated with opportunity {record['Id']} as {entity_type}."
        )
    related.remove(identifier)
    touch_opportunity(sim, record)
    publish_opportunity_event(sim, record, "Opportunity Updated")


def submit_opportunity(sim: Simulator, state: CatalogState, params: dict) -> None:
    record = find_opportunity(state, params["Identifier"])
    _raise_if(all_submission_errors(record, params["InvolvementType"]))
    mark_submitted(sim, state, record, params["InvolvementType"], params.get("Visibility", "Full"))


def mark_submitted(
    sim: Simulator, state: CatalogState, record: dict, involvement: str, visibility: str
) -> None:
    record["LifeCycle"]["ReviewStatus"] = "Submitted"
    summary = state.aws_summaries.setdefault(record["Id"], {})
    summary.update(InvolvementType=involvement, Visibility=visibility)
    touch_opportunity(sim, record)
    publish_opportunity_event(sim, record, "Opportunity Updated")


def get_aws_opportunity_summary(sim: Simulator, state: CatalogState, params: dict) -> dict:
    record = find_opportunity(state, params["RelatedOpportunityIdentifier"])
    summary = state.aws_summaries.get(record["Id"])
    # AWS creates its side of the opportunity on submission (or when it referred it).
    if summary is None:
        raise NotFound(f"No AWS opportunity summary exists yet for {record['Id']}.")
    return {
        **summary,
        "Catalog": state.name,
        "RelatedOpportunityId": record["Id"],
        "Origin": summary.get("Origin", record.get("Origin")),
    }


def list_solutions(sim: Simulator, state: CatalogState, params: dict) -> dict:
    def wanted(solution: dict) -> bool:
        return (
            _in_list(solution["Status"], params.get("Status"))
            and _in_list(solution["Id"], params.get("Identifier"))
            and _in_list(solution["Category"], params.get("Category"))
        )

    keys = {
        name: (lambda s, name=name: s[name if name != "Identifier" else "Id"])
        for name in ("Identifier", "Name", "Status", "Category", "CreatedDate")
    }
    matches = [s for s in state.solutions.values() if wanted(s)]
    ordered = sort_items(matches, params.get("Sort"), keys, "Identifier", "ASCENDING")
    return page_response(ordered, params, "ListSolutions", "SolutionSummaries")


HANDLERS = by_operation(
    create_opportunity,
    get_opportunity,
    update_opportunity,
    list_opportunities,
    assign_opportunity,
    associate_opportunity,
    disassociate_opportunity,
    submit_opportunity,
    get_aws_opportunity_summary,
    list_solutions,
)
