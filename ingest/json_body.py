"""Decode a request body as JSON, turning every way it can fail into one error.

`json.loads` raises more than JSONDecodeError on hostile input: ValueError for
an integer of more than 4,300 digits, RecursionError for deep nesting, and it
accepts NaN and Infinity (not JSON), and 1e999 as an infinite float that later
breaks integer fields. All of these are the sender's mistake: a 400.
"""

from __future__ import annotations

import json
import math


class MalformedJSON(ValueError):
    """The body is not a JSON document pcsync accepts; the message says why."""


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"number {text[:20]} is out of range")
    return value


def _refuse_constant(name: str) -> None:
    raise ValueError(f"{name} is not JSON")


def parse_json(body: bytes) -> object:
    try:
        return json.loads(body, parse_float=_finite, parse_constant=_refuse_constant)
    except RecursionError:
        raise MalformedJSON("body is nested too deeply") from None
    except ValueError as exc:  # JSONDecodeError, UnicodeDecodeError, digit limit
        raise MalformedJSON(f"body is not valid JSON: {str(exc)[:200]}") from None
