"""Pseudonymised personal data in audit diffs (PCSYNC_AUDIT_PSEUDONYMISE).

Contact e-mail addresses, phone numbers and names are replaced by a keyed
token (HMAC-SHA256 of the normalised value), so the same person always
maps to the same token and an auditor can still follow one contact through
the trail, while the trail itself holds no personal data. Without the key
a token cannot be reversed or recomputed from a guessed value.

Personal values are found by member name (HubSpot properties and Partner
Central contact members) and by dotted path for field-level entries such as
``{"path": "Customer.Contacts[51].Phone", "before": ..., "after": ...}``.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

# The session info key under which models.db.Database hands the key to
# record_audit; absent means "store diffs as they are".
PSEUDONYM_KEY = "pcsync.audit_pseudonym_key"

PERSONAL_MEMBERS = frozenset(
    {
        "Email",
        "FirstName",
        "LastName",
        "Phone",
        "email",
        "firstname",
        "lastname",
        "phone",
        "mobilephone",
    }
)
# Members of a field-level entry that hold the field's values.
VALUE_MEMBERS = frozenset(
    {"before", "after", "base", "hubspot", "partner_central", "value", "winner_value"}
)
TOKEN_PREFIX = "pii:"


def token(value: Any, key: str) -> str:
    normalised = str(value).strip().lower().encode()
    return TOKEN_PREFIX + hmac.new(key.encode(), normalised, hashlib.sha256).hexdigest()[:20]


def _personal_path(path: Any) -> bool:
    return isinstance(path, str) and path.rsplit(".", 1)[-1] in PERSONAL_MEMBERS


def _mask(value: Any, key: str) -> Any:
    """Every leaf of a personal value tokenised (a list of contacts stays a list)."""
    if value is None or (isinstance(value, str) and value.startswith(TOKEN_PREFIX)):
        return value
    if isinstance(value, dict):
        return {k: _mask(v, key) for k, v in value.items()}
    if isinstance(value, list):
        return [_mask(v, key) for v in value]
    return token(value, key)


def pseudonymise(document: Any, key: str) -> Any:
    """A copy of `document` with personal values tokenised."""
    if isinstance(document, list):
        return [pseudonymise(item, key) for item in document]
    if not isinstance(document, dict):
        return document
    personal_entry = _personal_path(document.get("path"))
    copied = {}
    for name, value in document.items():
        if name in PERSONAL_MEMBERS or (personal_entry and name in VALUE_MEMBERS):
            copied[name] = _mask(value, key)
        else:
            copied[name] = pseudonymise(value, key)
    return copied
