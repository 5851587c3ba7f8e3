"""US state names as Partner Central accepts them in ``Address.StateOrRegion``.

The service accepts only the full names its model documentation lists
(``Washington``, ``Dist. of Columbia``, ``APO/AE``, ...). HubSpot's company
``state`` is free text: ``WA``, ``wa`` and ``Washington`` all mean the same
state. USPS codes come from ISO 3166-2:US (pycountry); the few names the
documentation spells differently from ISO, and the military "states" ISO
does not list, are mapped here.
"""

from __future__ import annotations

import functools

import pycountry

from .model import US_STATES

# ISO 3166-2 name or USPS code → the documented spelling.
_DOCUMENTED_SPELLING = {
    "district of columbia": "Dist. of Columbia",
    "virgin islands, us": "Virgin Islands",
    "fm": "Federated States of Micronesia",
    "mh": "Marshall Islands",
    "pw": "Palau",
    # USPS codes of the armed forces' addresses.
    "ae": "APO/AE",
    "aa": "AFO/FPO",
    "ap": "FPO, AP",
}


def _fold(text: str) -> str:
    return " ".join(text.replace(".", "").lower().split())


@functools.cache
def _lookup() -> dict[str, str]:
    names = {_fold(name): name for name in US_STATES}
    table = dict(names)
    for folded, documented in _DOCUMENTED_SPELLING.items():
        table[folded] = documented
    for subdivision in pycountry.subdivisions.get(country_code="US"):
        code = subdivision.code.split("-")[1].lower()
        name = names.get(_fold(subdivision.name)) or _DOCUMENTED_SPELLING.get(
            _fold(subdivision.name)
        )
        if name:
            table.setdefault(code, name)
    return table


def us_state(raw: str | None) -> str | None:
    """The documented name of a US state written as a code or a name, or None."""
    return _lookup().get(_fold(raw or "")) if raw else None
