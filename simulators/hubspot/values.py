"""Property values as HubSpot stores them: validated, normalised, strings.

HubSpot accepts JSON strings, numbers and booleans for property values and
always returns strings. Each function here returns the stored string or
raises ``ValueProblem`` with HubSpot's error code, so the caller can report
every bad property of a request at once.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation

from .timefmt import iso_from_epoch, parse_datetime_ms

MAX_STRING_LENGTH = 65536


class ValueProblem(Exception):
    def __init__(self, code: str, message: str):
        super().__init__(code, message)
        self.code = code
        self.message = message


def as_text(raw) -> str:
    """The string form of a JSON value; objects and lists are not values."""
    if raw is None:
        return ""
    if isinstance(raw, bool):
        return "true" if raw else "false"
    if isinstance(raw, int | float | str):
        return str(raw)
    raise ValueProblem("INVALID_PROPERTY_VALUE", f"{raw!r} is not a valid property value")


def normalise(definition: dict, raw, allowed_options: set[str] | None) -> str:
    """Stored string for `raw` under `definition`; "" clears the property.

    `allowed_options` is the set of valid enumeration values, or None when
    any value goes (free enumerations).
    """
    text = as_text(raw)
    if text == "":
        return ""
    kind = definition["type"]
    if kind == "number":
        return _number(text)
    if kind == "datetime":
        return _datetime(text)
    if kind == "date":
        return _date(text)
    if kind == "bool":
        return _bool(text)
    if kind == "enumeration":
        return _enumeration(definition, text, allowed_options)
    if len(text) > MAX_STRING_LENGTH:
        raise ValueProblem(
            "INVALID_STRING_LENGTH", f"{definition['name']} exceeds {MAX_STRING_LENGTH} characters"
        )
    return text


def _number(text: str) -> str:
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise ValueProblem("INVALID_FLOAT", f"{text} was not a valid number.") from None
    if not number.is_finite():
        raise ValueProblem("INVALID_FLOAT", f"{text} was not a valid number.")
    # HubSpot echoes numbers without trailing zeros: "1000.50" -> "1000.5".
    if number == number.to_integral_value():
        return str(number.quantize(Decimal(1)))
    return format(number.normalize(), "f")


def _datetime(text: str) -> str:
    try:
        millis = parse_datetime_ms(text)
    except ValueError:
        raise ValueProblem(
            "INVALID_DATE", f"{text} was not a valid date time (ISO-8601 or epoch ms)."
        ) from None
    return iso_from_epoch(millis / 1000)


def _date(text: str) -> str:
    """A date property takes `YYYY-MM-DD` or epoch ms at midnight UTC."""
    try:
        millis = parse_datetime_ms(text)
    except ValueError:
        raise ValueProblem("INVALID_DATE", f"{text} was not a valid date.") from None
    if millis % 86_400_000:
        raise ValueProblem(
            "INVALID_DATE", f"{text} is not midnight UTC; date properties hold whole days."
        )
    return datetime.fromtimestamp(millis / 1000, tz=UTC).strftime("%Y-%m-%d")


def _bool(text: str) -> str:
    lowered = text.lower()
    if lowered not in ("true", "false"):
        raise ValueProblem("INVALID_BOOLEAN", f"{text} was not a valid boolean (true or false).")
    return lowered


def _enumeration(definition: dict, text: str, allowed: set[str] | None) -> str:
    # Multi-select (checkbox) values are `;`-separated. HubSpot treats a
    # leading `;` as "append"; the simulator replaces (a known simplification).
    multiple = definition["fieldType"] == "checkbox"
    chosen = [part for part in text.split(";") if part] if multiple else [text]
    if allowed is not None:
        for value in chosen:
            if value not in allowed:
                shown = ", ".join(sorted(allowed)[:20])
                raise ValueProblem(
                    "INVALID_OPTION",
                    f"{value} was not one of the allowed options: [{shown}"
                    f"{', ...' if len(allowed) > 20 else ''}]",
                )
    return ";".join(chosen)
