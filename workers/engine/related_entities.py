"""Solutions, AWS products and the Marketplace offer of an opportunity: the
decisions of one reconciliation between the deal's properties and the
opportunity's `RelatedEntityIdentifiers`, without I/O.

The three sides are sets per kind: `base` (what both agreed on last time),
`ours` (the deal's properties) and `theirs` (Partner Central). A three-way
merge of sets keeps every addition and every removal made on either side;
what it adds to Partner Central must first pass validation and the limits,
else nothing is sent and the deal needs input.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field

from workers.engine.model import max_length, shape_at
from workers.engine.related_kinds import KINDS

# The model gives AwsProducts no pattern; its doc string shows codes such as
# "AmazonRedshift", "AWSAppFabric", "AWSCleanRooms" (the published list in
# aws-samples/partner-crm-integration-samples resources/aws_products.json).
PRODUCT_CODE = re.compile(r"[A-Za-z][A-Za-z0-9-]+")
# AssociateOpportunityRequest.RelatedEntityIdentifier: 1-255 characters.
MAX_IDENTIFIER = max_length("AssociateOpportunityRequest", "RelatedEntityIdentifier")


def entity_type_of(kind: str, identifier: str) -> str | None:
    """The RelatedEntityType an identifier of this kind has by its documented
    form (model patterns), or None when it has none of them."""
    if len(identifier) > MAX_IDENTIFIER:
        return None
    for entity_type in KINDS[kind].entity_types:
        if _pattern(entity_type).fullmatch(identifier):
            return entity_type
    return None


@functools.cache
def _pattern(entity_type: str) -> re.Pattern[str]:
    raw = shape_at("RelatedEntityIdentifiers", entity_type).member.metadata.get("pattern")
    return re.compile(raw) if raw else PRODUCT_CODE


def parse_values(raw: str | None) -> list[str]:
    """A multi-value property as HubSpot stores it: `;`-separated."""
    return list(dict.fromkeys(v.strip() for v in (raw or "").split(";") if v.strip()))


def format_values(values) -> str:
    return ";".join(sorted(values))


def from_properties(properties: dict) -> dict[str, set[str]]:
    return {name: set(parse_values(properties.get(k.deal_property))) for name, k in KINDS.items()}


def from_opportunity(related: dict | None) -> dict[str, set[str]]:
    related = related or {}
    return {
        name: {i for t in kind.entity_types for i in related.get(t) or []}
        for name, kind in KINDS.items()
    }


def merge_sets(base: set[str], ours: set[str], theirs: set[str]) -> set[str]:
    """Additions and removals from both sides against the base."""
    added = (ours - base) | (theirs - base)
    removed = (base - ours) | (base - theirs)
    return (base | added) - removed


ASSOCIATE, DISASSOCIATE = "AssociateOpportunity", "DisassociateOpportunity"


@dataclass
class Plan:
    result: dict[str, set[str]]
    calls: list[tuple[str, str, str]] = field(default_factory=list)  # (operation, type, id)
    problems: list[str] = field(default_factory=list)
    # Solutions to send that the list of Active ones lacks (a stale list?).
    unlisted_solutions: list[str] = field(default_factory=list)


def identifier_problems(kind: str, identifiers, active_solutions: set[str]) -> list[str]:
    """Why identifiers about to be sent would be refused; empty when none."""
    problems = []
    for identifier in sorted(identifiers):
        if entity_type_of(kind, identifier) is None:
            problems.append(f"{identifier} is not a valid {KINDS[kind].label} identifier")
        elif kind == "solution" and identifier not in active_solutions:
            problems.append(f"solution {identifier} is unknown or not Active in Partner Central")
    return problems


def limit_problems(result: dict[str, set[str]]) -> list[str]:
    return [
        f"{len(result[name])} {kind.label}, at most {kind.limit} per opportunity"
        for name, kind in KINDS.items()
        if len(result[name]) > kind.limit
    ]


def plan(
    base: dict[str, set[str]],
    ours: dict[str, set[str]],
    theirs: dict[str, set[str]],
    active_solutions: set[str],
) -> Plan:
    result = {name: merge_sets(base[name], ours[name], theirs[name]) for name in KINDS}
    decided = Plan(result)
    for name in KINDS:
        decided.problems += identifier_problems(name, result[name] - theirs[name], active_solutions)
    decided.problems += limit_problems(result)
    decided.unlisted_solutions = sorted(result["solution"] - theirs["solution"] - active_solutions)
    if decided.problems:
        return decided
    first, then, last = [], [], []
    for name, kind in KINDS.items():
        added = [
            (ASSOCIATE, entity_type_of(name, i), i) for i in sorted(result[name] - theirs[name])
        ]
        removed = [
            (DISASSOCIATE, entity_type_of(name, i) or kind.entity_types[0], i)
            for i in sorted(theirs[name] - result[name])
        ]
        # The new is associated before the old goes (DisassociateOpportunity's
        # doc string), except where the limit is one: no room for both.
        if kind.limit == 1:
            first += removed
            then += added
        else:
            then += added
            last += removed
    decided.calls = first + then + last
    return decided


def property_writes(result: dict[str, set[str]], shown: dict[str, set[str]]) -> dict[str, str]:
    """Deal properties to write so the deal shows `result`."""
    return {
        kind.deal_property: format_values(result[name])
        for name, kind in KINDS.items()
        if result[name] != shown[name]
    }
