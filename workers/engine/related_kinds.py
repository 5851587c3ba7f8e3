"""The three kinds of an opportunity's related entities (solutions, AWS
products, the Marketplace offer) and their sets: no service model, so the
ingest can name and count them without loading botocore."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Kind:
    name: str  # the management API's type
    deal_property: str
    entity_types: tuple[str, ...]  # RelatedEntityType values this kind covers
    limit: int
    label: str


# Limits per opportunity from the Partner Central quotas page ("20 AWS
# products, 10 Partner Solutions, 1 Marketplace private offer"); the model's
# AwsMarketplaceOffers doc string: "Takes one value per opportunity", and an
# opportunity has an offer or an offer set, not both.
KINDS: dict[str, Kind] = {
    "solution": Kind("solution", "aws_solution_ids", ("Solutions",), 10, "solutions"),
    "aws_product": Kind("aws_product", "aws_product_codes", ("AwsProducts",), 20, "AWS products"),
    "marketplace_offer": Kind(
        "marketplace_offer",
        "aws_marketplace_offer",
        ("AwsMarketplaceOffers", "AwsMarketplaceOfferSets"),
        1,
        "Marketplace offers or offer sets",
    ),
}
DEAL_PROPERTIES = tuple(kind.deal_property for kind in KINDS.values())


def as_lists(sets: dict[str, set[str]]) -> dict[str, list[str]]:
    return {name: sorted(values) for name, values in sets.items()}


def as_sets(lists: dict | None) -> dict[str, set[str]]:
    return {name: set((lists or {}).get(name) or []) for name in KINDS}
