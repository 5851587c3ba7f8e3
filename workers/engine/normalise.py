"""Turn HubSpot property strings into values Partner Central accepts.

Each function returns a :class:`~workers.engine.outcome.Normalised`: a value
the real API accepts, or ``None`` with a reason for the audit trail. Limits,
patterns and enums come from the botocore model (:mod:`workers.engine.model`).
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Callable
from datetime import UTC, date, datetime, time
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from urllib.parse import urlsplit, urlunsplit
from zoneinfo import ZoneInfo

import phonenumbers
import pycountry

from . import model
from .countries import COUNTRY_ALIASES
from .industries import HUBSPOT_INDUSTRY_LABELS, HUBSPOT_TO_PC_INDUSTRY
from .outcome import EMPTY, Normalised, accepted, adjusted, rejected

EMAIL_PATTERN = model.pattern_of("Contact", "Email")
PHONE_PATTERN = model.pattern_of("Contact", "Phone")
AMOUNT_PATTERN = model.pattern_of("ExpectedCustomerSpend", "Amount")
DATE_PATTERN = model.pattern_of("LifeCycle", "TargetCloseDate")
WEBSITE_MIN, WEBSITE_MAX = model.length_limits(model.shape_at("Account", "WebsiteUrl"))
PROBLEM_MIN, PROBLEM_MAX = model.length_limits(model.shape_at("Project", "CustomerBusinessProblem"))
OTHER_INDUSTRY_MAX = model.max_length("Account", "OtherIndustry")

_CENT = Decimal("0.01")
# A cut may back up to the last space only this far; beyond it a hard cut
# loses less text than dropping half the string.
_MIN_KEPT_FRACTION = 0.5


def _clean(raw: str | None) -> str:
    return (raw or "").strip()


def _empty_when_blank(normalise: Callable[..., Normalised]) -> Callable[..., Normalised]:
    """``normalise`` sees the stripped text, never a blank one: blank (or None)
    input normalises to EMPTY."""

    @functools.wraps(normalise)
    def normalise_unless_blank(raw: str | None, *args, **kwargs) -> Normalised:
        text = _clean(raw)
        return normalise(text, *args, **kwargs) if text else EMPTY

    return normalise_unless_blank


# --- free text ---------------------------------------------------------------


def cut_on_word_boundary(text: str, limit: int) -> str:
    """``text`` shortened to at most ``limit`` characters, ending at a word
    boundary when one is reasonably close to the limit."""
    if len(text) <= limit:
        return text
    head = text[: limit + 1]
    boundary = max(head.rfind(" "), head.rfind("\n"), head.rfind("\t"))
    if boundary >= limit * _MIN_KEPT_FRACTION:
        return head[:boundary].rstrip()
    return text[:limit].rstrip()


@_empty_when_blank
def normalise_text(text: str, limit: int | None) -> Normalised:
    if limit is not None and len(text) > limit:
        return adjusted(
            cut_on_word_boundary(text, limit), f"cut from {len(text)} to {limit} characters"
        )
    return accepted(text)


@_empty_when_blank
def normalise_business_problem(text: str) -> Normalised:
    """``CustomerBusinessProblem`` must be 20 to 2000 characters. Too short is not
    padded (invented text would reach AWS reviewers); it is left out."""
    if len(text) < PROBLEM_MIN:
        return rejected(f"shorter than {PROBLEM_MIN} characters ({len(text)})")
    return normalise_text(text, PROBLEM_MAX)


# --- contact details -----------------------------------------------------------


def normalise_email(raw: str | None) -> Normalised:
    email = _clean(raw).lower()
    if not email:
        return EMPTY
    if not EMAIL_PATTERN.fullmatch(email):
        return rejected(f"not an address Partner Central accepts: {email!r}")
    return accepted(email)


@_empty_when_blank
def normalise_phone(text: str, default_region: str | None) -> Normalised:
    """E.164. National formats need the record's country as the region; without
    one the number is ambiguous and is left out."""
    if text.startswith("00") and not default_region:
        # "00" is the international prefix in most of the world; with no
        # region to say otherwise, read it as "+".
        text = "+" + text[2:]
    international = text.startswith("+")
    if not international and not default_region:
        return rejected(f"national number {text!r} without a country to read it in")
    try:
        number = phonenumbers.parse(text, None if international else default_region)
    except phonenumbers.NumberParseException as error:
        return rejected(f"unreadable phone number {text!r}: {error}")
    if not phonenumbers.is_valid_number(number):
        where = "" if international else f" in {default_region}"
        return rejected(f"not a valid phone number{where}: {text!r}")
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    if not PHONE_PATTERN.fullmatch(e164):
        return rejected(f"not E.164 after formatting: {e164!r}")
    if number.extension:
        return adjusted(e164, f"extension {number.extension} dropped (E.164 has none)")
    return accepted(e164)


# --- country -------------------------------------------------------------------


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFC", text).lower().replace(".", "")
    return re.sub(r"\s+", " ", text).strip()


def country_code(raw: str | None) -> str | None:
    """ISO alpha-2 in the model's CountryCode enum, or None."""
    text = _clean(raw)
    if not text:
        return None
    folded = _fold(text)
    code = COUNTRY_ALIASES.get(folded)
    if code is None:
        try:
            code = pycountry.countries.lookup(text).alpha_2
        except LookupError:
            code = None
    return code if code in model.COUNTRY_CODES else None


@_empty_when_blank
def normalise_country(text: str) -> Normalised:
    code = country_code(text)
    if code is None:
        return rejected(f"unknown country {text!r}")
    return accepted(code)


def country_name(code: str) -> str:
    """Human name for a country code (pull direction: HubSpot ``country`` is free text)."""
    country = pycountry.countries.get(alpha_2=code)
    if country is None:
        return code
    return getattr(country, "common_name", None) or country.name


# --- website -------------------------------------------------------------------


@_empty_when_blank
def normalise_website(text: str) -> Normalised:
    """``https://`` added when no scheme; host lower-cased; path, query and
    fragment kept; a bare trailing ``/`` dropped so ``x.com`` and ``x.com/``
    compare equal."""
    if re.search(r"\s", text):
        return rejected(f"website contains spaces: {text!r}")
    if "://" not in text:
        text = "https://" + text.lstrip("/")
    parts = urlsplit(text)
    if parts.scheme.lower() not in ("http", "https"):
        return rejected(f"not a web address: {text!r}")
    host = (parts.hostname or "").lower()
    if "." not in host:
        return rejected(f"no domain name in {text!r}")
    netloc = host if parts.port is None else f"{host}:{parts.port}"
    path = "" if parts.path == "/" else parts.path
    url = urlunsplit((parts.scheme.lower(), netloc, path, parts.query, parts.fragment))
    if len(url) > WEBSITE_MAX:
        # A cut URL points nowhere; the site's root is the honest fallback.
        root = urlunsplit((parts.scheme.lower(), netloc, "", "", ""))
        return adjusted(root, f"longer than {WEBSITE_MAX} characters; path dropped")
    if len(url) < WEBSITE_MIN:
        return rejected(f"shorter than {WEBSITE_MIN} characters: {url!r}")
    return accepted(url)


# --- money and dates -----------------------------------------------------------


def format_amount(amount: Decimal) -> str:
    """Canonical decimal string: no exponent, no trailing zeros, at most two
    decimals ("1000", "12000.5"), so equal amounts compare equal as strings."""
    text = format(amount.quantize(_CENT, rounding=ROUND_HALF_UP), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def normalise_amount(raw: str | None) -> Normalised:
    text = _clean(raw).replace(",", "")
    if not text:
        return EMPTY
    try:
        amount = Decimal(text)
    except InvalidOperation:
        return rejected(f"not a number: {raw!r}")
    if not amount.is_finite() or amount < 0:
        return rejected(f"not a non-negative amount: {raw!r}")
    value = format_amount(amount)
    if not AMOUNT_PATTERN.fullmatch(value):
        return rejected(f"amount out of range: {raw!r}")
    if amount != Decimal(value):
        return adjusted(value, f"rounded {text} to two decimals")
    return accepted(value)


def spread_amount(raw: str | None, months: int) -> Normalised:
    """A total (e.g. an annual deal amount) as the monthly figure over ``months``."""
    total = normalise_amount(raw)
    if total.value is None or months == 1:
        return total
    return accepted(format_amount(Decimal(total.value) / months))


def parse_hubspot_datetime(raw: str) -> datetime | None:
    """HubSpot date/datetime strings: epoch milliseconds, ISO-8601 datetime or
    ``YYYY-MM-DD``. Naive values are UTC (HubSpot stores UTC)."""
    text = raw.strip()
    if re.fullmatch(r"-?\d{1,16}", text):
        return datetime.fromtimestamp(int(text) / 1000, tz=UTC)
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


@_empty_when_blank
def normalise_close_date(text: str, *, today: date, timezone: str = "UTC") -> Normalised:
    """``YYYY-MM-DD`` in the portal's time zone (a HubSpot close date is local
    midnight stored as UTC). A past date is left out: Partner Central refuses
    it, and the stored base keeps the change pending until it is fixed."""
    moment = parse_hubspot_datetime(text)
    if moment is None:
        return rejected(f"unreadable date {text!r}")
    local_day = moment.astimezone(ZoneInfo(timezone)).date()
    if local_day < today:
        return rejected(f"close date {local_day.isoformat()} is in the past (today {today})")
    value = local_day.isoformat()
    if not DATE_PATTERN.fullmatch(value):
        return rejected(f"date out of range: {value}")
    return accepted(value)


def close_date_to_hubspot(value: str, timezone: str = "UTC") -> str:
    """Pull direction: local midnight of the day, as HubSpot's UTC ISO string,
    so mapping it back yields the same day."""
    day = date.fromisoformat(value)
    local_midnight = datetime.combine(day, time(0), tzinfo=ZoneInfo(timezone))
    return local_midnight.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


# --- industry ------------------------------------------------------------------


def industry_label(raw: str) -> str:
    """Human-readable form of a HubSpot industry value for ``OtherIndustry``."""
    return HUBSPOT_INDUSTRY_LABELS.get(raw) or raw.replace("_", " ").strip().title()


def resolve_industry(raw: str, overrides: dict[str, str]) -> str | None:
    """Partner Central industry for a HubSpot value, or None when unknown.
    Overrides (configuration) come first; a value that already is a Partner
    Central industry (typed in by hand) is taken as is."""
    if raw in overrides:
        return overrides[raw]
    if raw in HUBSPOT_TO_PC_INDUSTRY:
        return HUBSPOT_TO_PC_INDUSTRY[raw]
    if raw in model.INDUSTRIES:
        return raw
    return None


@_empty_when_blank
def normalise_industry(text: str, overrides: dict[str, str]) -> Normalised:
    industry = resolve_industry(text, overrides)
    if industry is None:
        return adjusted(model.INDUSTRY_OTHER, f"unknown HubSpot industry {text!r}; sent as Other")
    return accepted(industry)


@_empty_when_blank
def normalise_other_industry(text: str, overrides: dict[str, str]) -> Normalised:
    """Text for ``OtherIndustry``: the original industry when it maps to
    ``Other``, else empty (so a stale text is cleared)."""
    industry = resolve_industry(text, overrides)
    if industry not in (None, model.INDUSTRY_OTHER):
        return EMPTY
    return normalise_text(industry_label(text), OTHER_INDUSTRY_MAX)
