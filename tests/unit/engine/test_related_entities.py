"""The related-entity decisions: three-way merge of sets, validation, limits
and the order of the calls."""

from __future__ import annotations

from workers.engine.related_entities import (
    ASSOCIATE,
    DISASSOCIATE,
    entity_type_of,
    from_opportunity,
    from_properties,
    merge_sets,
    parse_values,
    plan,
    property_writes,
)

OFFER = "arn:aws:aws-marketplace:us-east-1:123456789012:AWSMarketplace/Offer/offer-abc"
OFFER_2 = "arn:aws:aws-marketplace:us-east-1:123456789012:AWSMarketplace/Offer/offer-def"
OFFER_SET = "arn:aws:aws-marketplace:us-east-1:123456789012:AWSMarketplace/OfferSet/offerset-x"
ACTIVE = {"S-1", "S-2", "S-3"}


def sides(**values):
    empty = {"solution": set(), "aws_product": set(), "marketplace_offer": set()}
    return {**empty, **{k: set(v) for k, v in values.items()}}


def test_values_are_semicolon_separated_and_trimmed():
    assert parse_values(" S-1;S-2 ;;S-1") == ["S-1", "S-2"]
    assert from_properties({"aws_product_codes": "AmazonRedshift;AWSLambda"})["aws_product"] == {
        "AmazonRedshift",
        "AWSLambda",
    }


def test_identifier_forms_come_from_the_model():
    assert entity_type_of("solution", "S-1234567") == "Solutions"
    assert entity_type_of("solution", "solution-1") is None
    assert entity_type_of("marketplace_offer", OFFER) == "AwsMarketplaceOffers"
    assert entity_type_of("marketplace_offer", OFFER_SET) == "AwsMarketplaceOfferSets"
    assert entity_type_of("marketplace_offer", "offer-abc") is None
    assert entity_type_of("aws_product", "AmazonRedshift") == "AwsProducts"
    assert entity_type_of("aws_product", "Amazon Redshift") is None


def test_both_sides_additions_and_removals_are_kept():
    assert merge_sets({"a", "b"}, {"a", "b", "c"}, {"b", "d"}) == {"b", "c", "d"}


def test_a_new_solution_is_associated_before_the_old_one_goes():
    decided = plan(
        sides(solution={"S-1"}), sides(solution={"S-2"}), sides(solution={"S-1"}), ACTIVE
    )
    assert decided.problems == []
    assert decided.calls == [(ASSOCIATE, "Solutions", "S-2"), (DISASSOCIATE, "Solutions", "S-1")]


def test_an_offer_is_replaced_by_removing_the_old_one_first():
    decided = plan(
        sides(marketplace_offer={OFFER}),
        sides(marketplace_offer={OFFER_SET}),
        sides(marketplace_offer={OFFER}),
        ACTIVE,
    )
    assert decided.calls == [
        (DISASSOCIATE, "AwsMarketplaceOffers", OFFER),
        (ASSOCIATE, "AwsMarketplaceOfferSets", OFFER_SET),
    ]


def test_unknown_or_inactive_solutions_and_limits_mean_no_calls():
    unknown = plan(sides(), sides(solution={"S-9"}), sides(), ACTIVE)
    assert unknown.calls == [] and "S-9" in unknown.problems[0]
    assert unknown.unlisted_solutions == ["S-9"]  # worth listing the solutions again
    offers = plan(sides(), sides(marketplace_offer={OFFER, OFFER_2}), sides(), ACTIVE)
    assert offers.calls == [] and "at most 1" in offers.problems[0]
    products = {f"Product{i}" for i in range(21)}
    too_many = plan(sides(), sides(aws_product=products), sides(), ACTIVE)
    assert too_many.calls == [] and too_many.problems == [
        "21 AWS products, at most 20 per opportunity"
    ]


def test_changes_made_in_partner_central_reach_the_deal():
    theirs = from_opportunity({"Solutions": ["S-1", "S-3"], "AwsProducts": ["AmazonRedshift"]})
    decided = plan(sides(solution={"S-1"}), sides(solution={"S-1"}), theirs, ACTIVE)
    assert decided.calls == []
    assert property_writes(decided.result, sides(solution={"S-1"})) == {
        "aws_solution_ids": "S-1;S-3",
        "aws_product_codes": "AmazonRedshift",
    }
