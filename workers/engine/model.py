"""The Partner Central service model, as botocore ships it.

Enum tables, patterns and length limits are read from the installed model
rather than typed by hand, so they cannot drift from what the server accepts
(``"In review"`` with a lower-case r, 249 country codes, 28 industries, ...).
"""

from __future__ import annotations

import enum
import functools
import html
import os
import re

from botocore.loaders import create_loader
from botocore.model import ServiceModel, Shape

SERVICE_NAME = "partnercentral-selling"

# Length limits are expressed as patterns such as ``(?s).{0,120}`` in this model.
_LENGTH_PATTERN = re.compile(r"^\(\?s\)\.\{(\d+),(\d+)\}$")
# The Email pattern starts with a look-ahead ``(?=.{0,80}$)`` carrying its limit.
_LOOKAHEAD_LENGTH = re.compile(r"^\(\?=\.\{(\d+),(\d+)\}\$\)")


@functools.cache
def service_model() -> ServiceModel:
    # The model files alone, found as a session finds them (AWS_DATA_PATH
    # first): a session would also load botocore's client and credential
    # machinery, which the engine (and so the ingest) never uses.
    loader = create_loader(os.environ.get("AWS_DATA_PATH"))
    return ServiceModel(loader.load_service_model(SERVICE_NAME, "service-2"), SERVICE_NAME)


def shape(name: str) -> Shape:
    return service_model().shape_for(name)


def enum_values(shape_name: str) -> tuple[str, ...]:
    return tuple(shape(shape_name).enum)


def shape_at(root: str, path: str) -> Shape:
    """The shape of a dotted member path below ``root``; lists are walked
    through to their member shape (``Customer.Contacts.Email``)."""
    current = shape(root)
    for part in path.split("."):
        while current.type_name == "list":
            current = current.member
        if current.type_name != "structure" or part not in current.members:
            raise KeyError(f"{root} has no member path {path!r} (stopped at {part!r})")
        current = current.members[part]
    return current


def length_limits(member: Shape) -> tuple[int | None, int | None]:
    """(min, max) characters or entries for a shape, from its metadata or its
    length pattern. ``None`` where the model sets no bound."""
    low = member.metadata.get("min")
    high = member.metadata.get("max")
    pattern = member.metadata.get("pattern", "")
    match = _LENGTH_PATTERN.match(pattern) or _LOOKAHEAD_LENGTH.match(pattern)
    if match:
        low, high = int(match.group(1)), int(match.group(2))
    return low, high


def max_length(root: str, path: str) -> int | None:
    return length_limits(shape_at(root, path))[1]


def pattern_of(root: str, path: str) -> re.Pattern[str] | None:
    raw = shape_at(root, path).metadata.get("pattern")
    return re.compile(raw) if raw else None


def _identifier(value: str) -> str:
    return re.sub(r"[^0-9A-Za-z]+", "_", value).strip("_").upper()


def _model_enum(name: str, shape_name: str) -> type[enum.StrEnum]:
    """A StrEnum whose members are exactly the model's values; code that names a
    member the model dropped fails at import instead of at the server."""
    return enum.StrEnum(name, {_identifier(v): v for v in enum_values(shape_name)})


ReviewStatus = _model_enum("ReviewStatus", "ReviewStatus")
Stage = _model_enum("Stage", "Stage")
OpportunityType = _model_enum("OpportunityType", "OpportunityType")
Origin = _model_enum("Origin", "OpportunityOrigin")

INDUSTRIES: frozenset[str] = frozenset(enum_values("Industry"))
COUNTRY_CODES: frozenset[str] = frozenset(enum_values("CountryCode"))
CURRENCY_CODES: frozenset[str] = frozenset(enum_values("CurrencyCode"))
PAYMENT_FREQUENCIES: tuple[str, ...] = enum_values("PaymentFrequency")

INDUSTRY_OTHER = "Other"


def documented_values(structure: str, member: str) -> tuple[str, ...]:
    """Values a member's documentation lists ("Valid values: a | b") where the
    model types it a free string but the service accepts only the list
    (``Project.CustomerUseCase``, ``Address.StateOrRegion``, ...), in order."""
    doc = shape(structure).members[member].documentation
    listed = re.search(r"Valid values:\s*<code>(.*?)</code>", doc, re.DOTALL)
    if listed is None:
        raise KeyError(f"{structure}.{member} documents no list of valid values")
    return tuple(html.unescape(value).strip() for value in listed.group(1).split(" | "))


CUSTOMER_USE_CASES = documented_values("Project", "CustomerUseCase")
US_STATES = documented_values("Address", "StateOrRegion")
MARKETING_USE_CASES = documented_values("Marketing", "UseCases")
# ExpectedCustomerSpend.CurrencyCode doc: "Accepted values are USD (US Dollars) and EUR".
SPEND_CURRENCIES = frozenset({"USD", "EUR"})
