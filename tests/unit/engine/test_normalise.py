from __future__ import annotations

from datetime import date

import pytest

from workers.engine import model
from workers.engine import normalise as norm
from workers.engine.countries import COUNTRY_ALIASES
from workers.engine.industries import HUBSPOT_INDUSTRIES, PC_TO_HUBSPOT_INDUSTRY

TODAY = date(2025, 6, 2)


# --- email ---


def test_email_is_lower_cased_and_trimmed():
    assert (
        norm.normalise_email("  Anna.Schmidt@ACME.Example.COM ").value
        == "anna.schmidt@acme.example.com"
    )


@pytest.mark.parametrize(
    "raw", ["not-an-email", "anna@", "anna schmidt@acme.com", "a" * 75 + "@x.com"]
)
def test_invalid_email_is_omitted_with_a_reason(raw):
    result = norm.normalise_email(raw)
    assert result.value is None and result.reason


def test_empty_email_is_empty_not_rejected():
    assert norm.normalise_email("").empty


# --- phones ---


@pytest.mark.parametrize(
    ("raw", "region", "expected"),
    [
        ("(202) 555-0143", "US", "+12025550143"),
        ("212.736.5000", "US", "+12127365000"),
        ("020 7946 0958", "GB", "+442079460958"),
        ("07911 123456", "GB", "+447911123456"),
        ("030 901820", "DE", "+4930901820"),
        ("0151 23456789", "DE", "+4915123456789"),
        ("098765 43210", "IN", "+919876543210"),
        ("+91 98765 43210", None, "+919876543210"),
        ("0049 30 901820", None, "+4930901820"),
    ],
)
def test_phone_national_and_international_formats_become_e164(raw, region, expected):
    result = norm.normalise_phone(raw, region)
    assert result.value == expected
    assert norm.PHONE_PATTERN.fullmatch(result.value)


def test_national_phone_without_a_country_is_omitted_with_reason():
    result = norm.normalise_phone("030 901820", None)
    assert result.value is None
    assert "without a country" in result.reason


@pytest.mark.parametrize(("raw", "region"), [("12345", "US"), ("call me", "GB"), ("+49 1", None)])
def test_invalid_phone_is_omitted_with_reason(raw, region):
    result = norm.normalise_phone(raw, region)
    assert result.value is None and result.reason


def test_phone_extension_is_dropped_and_noted():
    result = norm.normalise_phone("020 7946 0958 ext. 12", "GB")
    assert result.value == "+442079460958"
    assert "extension" in result.reason


# --- countries ---


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("USA", "US"),
        ("United States", "US"),
        ("united states of america", "US"),
        ("U.K.", "GB"),
        ("UK", "GB"),
        ("England", "GB"),
        ("Deutschland", "DE"),
        ("Germany", "DE"),
        ("de", "DE"),
        ("DEU", "DE"),
        ("India", "IN"),
        ("The Netherlands", "NL"),
        ("South Korea", "KR"),
        ("Russia", "RU"),
        ("Türkiye", "TR"),
        ("Viet Nam", "VN"),
    ],
)
def test_country_names_codes_and_aliases_become_alpha2(raw, code):
    assert norm.normalise_country(raw).value == code


def test_unknown_country_is_omitted_with_reason():
    result = norm.normalise_country("Narnia")
    assert result.value is None and "Narnia" in result.reason


def test_every_country_alias_is_in_the_model_enum():
    assert set(COUNTRY_ALIASES.values()) <= model.COUNTRY_CODES


# --- websites ---


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("acme.example.com", "https://acme.example.com"),
        ("Acme.Example.COM/About/Team", "https://acme.example.com/About/Team"),
        ("http://WWW.Acme.com/", "http://www.acme.com"),
        ("https://acme.com/path?q=1#top", "https://acme.com/path?q=1#top"),
        ("www.acme.io:8443/x", "https://www.acme.io:8443/x"),
    ],
)
def test_website_gets_scheme_lower_host_and_keeps_path(raw, expected):
    assert norm.normalise_website(raw).value == expected


@pytest.mark.parametrize("raw", ["localhost", "ftp://acme.com", "acme dot com"])
def test_unusable_website_is_omitted(raw):
    result = norm.normalise_website(raw)
    assert result.value is None and result.reason


def test_overlong_website_falls_back_to_its_root():
    result = norm.normalise_website("acme.com/" + "x" * 300)
    assert result.value == "https://acme.com"
    assert result.reason


# --- text ---


def test_long_text_is_cut_on_a_word_boundary():
    text = "word " * 40  # 200 characters
    cut = norm.cut_on_word_boundary(text.strip(), 52)
    assert len(cut) <= 52
    assert cut.endswith("word") and not cut.endswith(" ")
    assert text.startswith(cut)


def test_text_without_spaces_is_hard_cut_at_the_limit():
    assert norm.cut_on_word_boundary("x" * 300, 255) == "x" * 255


def test_company_name_limit_comes_from_the_model():
    name = "Internationale Gesellschaft für angewandte Datenanalyse " * 4
    result = norm.normalise_text(name, model.max_length("Account", "CompanyName"))
    assert len(result.value) <= 120
    assert name.startswith(result.value)
    assert name[len(result.value)] == " "  # cut where a word ended
    assert "cut from" in result.reason


def test_business_problem_too_short_is_omitted_not_padded():
    result = norm.normalise_business_problem("Too slow")
    assert result.value is None
    assert "shorter than 20" in result.reason


def test_business_problem_too_long_is_cut_to_2000_on_a_word():
    result = norm.normalise_business_problem("latency " * 400)
    assert 20 <= len(result.value) <= 2000
    assert result.value.endswith("latency")


# --- amounts ---


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("12000.5", "12000.5"),
        ("1e3", "1000"),
        ("1000.00", "1000"),
        ("0", "0"),
        ("99.999", "100"),
        ("1,250.75", "1250.75"),
    ],
)
def test_amounts_become_decimal_strings_with_two_decimals_at_most(raw, expected):
    result = norm.normalise_amount(raw)
    assert result.value == expected
    assert norm.AMOUNT_PATTERN.fullmatch(result.value)


@pytest.mark.parametrize("raw", ["abc", "-5", "NaN", "Infinity"])
def test_bad_amounts_are_omitted(raw):
    assert norm.normalise_amount(raw).rejected


def test_empty_amount_is_empty():
    assert norm.normalise_amount("").empty


def test_rounding_is_noted():
    assert norm.normalise_amount("10.005").reason


# --- close dates ---


def test_iso_close_date_becomes_yyyy_mm_dd():
    assert norm.normalise_close_date("2025-09-30T00:00:00.000Z", today=TODAY).value == "2025-09-30"


def test_epoch_ms_close_date_becomes_yyyy_mm_dd():
    # 2025-09-30T00:00:00Z
    assert norm.normalise_close_date("1759190400000", today=TODAY).value == "2025-09-30"


def test_close_date_uses_the_portal_time_zone():
    # Midnight in Berlin is 22:00 UTC the day before.
    raw = "2025-09-29T22:00:00Z"
    assert norm.normalise_close_date(raw, today=TODAY).value == "2025-09-29"
    assert (
        norm.normalise_close_date(raw, today=TODAY, timezone="Europe/Berlin").value == "2025-09-30"
    )


def test_close_date_today_is_accepted_and_yesterday_is_omitted():
    assert norm.normalise_close_date("2025-06-02", today=TODAY).value == "2025-06-02"
    past = norm.normalise_close_date("2025-06-01T10:00:00Z", today=TODAY)
    assert past.value is None
    assert "in the past" in past.reason


def test_unreadable_close_date_is_omitted():
    assert norm.normalise_close_date("next friday", today=TODAY).rejected


@pytest.mark.parametrize("zone", ["UTC", "America/New_York", "Europe/Berlin", "Asia/Kolkata"])
def test_close_date_round_trips_through_hubspot(zone):
    written = norm.close_date_to_hubspot("2025-09-30", zone)
    assert norm.normalise_close_date(written, today=TODAY, timezone=zone).value == "2025-09-30"


# --- industry ---


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("COMPUTER_SOFTWARE", "Software and Internet"),
        ("FINANCIAL_SERVICES", "Financial Services"),
        ("HOSPITAL_HEALTH_CARE", "Healthcare"),
        ("OIL_ENERGY", "Energy - Oil and Gas"),
        ("Retail", "Retail"),  # already a Partner Central value
    ],
)
def test_hubspot_industries_map_to_the_model_enum(raw, expected):
    assert norm.normalise_industry(raw, {}).value == expected
    assert norm.normalise_other_industry(raw, {}).empty


def test_unknown_industry_becomes_other_with_a_readable_other_industry():
    industry = norm.normalise_industry("SPACE_TOURISM", {})
    assert industry.value == "Other"
    assert "SPACE_TOURISM" in industry.reason
    assert norm.normalise_other_industry("SPACE_TOURISM", {}).value == "Space Tourism"


def test_industry_override_wins_over_the_table():
    overrides = {"RESEARCH": "Life Sciences"}
    assert norm.normalise_industry("RESEARCH", overrides).value == "Life Sciences"


def test_every_industry_table_target_is_in_the_model_enum():
    assert {pc for _, _, pc in HUBSPOT_INDUSTRIES} <= model.INDUSTRIES
    assert len({value for value, _, _ in HUBSPOT_INDUSTRIES}) == len(HUBSPOT_INDUSTRIES) >= 140


def test_every_pc_industry_except_other_pulls_back_to_itself():
    assert set(PC_TO_HUBSPOT_INDUSTRY) == model.INDUSTRIES - {"Other"}
    for pc_value, hubspot_value in PC_TO_HUBSPOT_INDUSTRY.items():
        assert norm.normalise_industry(hubspot_value, {}).value == pc_value
