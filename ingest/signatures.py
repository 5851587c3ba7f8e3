"""HubSpot request signatures, versions 1, 2 and 3.

The signed URI is rebuilt from the configured public URL, never from the URL
a TLS-terminating proxy hands Flask (it may say http:// or an internal host).
All comparisons are constant-time. Every header is parsed defensively: a
malformed value is a SignatureError (401), never an exception.

HubSpot sends v1 and v3 together; v3 alone carries a timestamp, so a
captured request with its v3 headers stripped is a replay. Only the versions
an operator lists in PCSYNC_WEBHOOK_SIGNATURES (default v3) are accepted.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from collections.abc import Mapping
from dataclasses import dataclass

# Milliseconds since the epoch fit in 13 digits until the year 2286; anything
# longer is not a timestamp (and int() of a huge digit string is refused).
MAX_TIMESTAMP_DIGITS = 15

# HubSpot decodes exactly these percent-encodings in the URI before signing
# v3; any other encoding stays as it is.
V3_URI_DECODINGS = {
    "%3A": ":",
    "%2F": "/",
    "%3F": "?",
    "%40": "@",
    "%21": "!",
    "%24": "$",
    "%27": "'",
    "%28": "(",
    "%29": ")",
    "%2A": "*",
    "%2C": ",",
    "%3B": ";",
}
_PERCENT_ESCAPE = re.compile(r"%[0-9A-Fa-f]{2}")


class SignatureError(Exception):
    """The request is not proven to come from HubSpot; `reason` says why."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class SignedRequest:
    method: str
    uri: str  # full public URL: scheme://host[/prefix]/path?query, as received
    body: bytes
    headers: Mapping[str, str]


def v1_signature(secret: str, body: bytes) -> str:
    return hashlib.sha256(secret.encode() + body).hexdigest()


def v2_signature(secret: str, method: str, uri: str, body: bytes) -> str:
    return hashlib.sha256(secret.encode() + method.encode() + uri.encode() + body).hexdigest()


def decode_v3_uri(uri: str) -> str:
    # Hex digits are case-insensitive (RFC 3986 §2.1): %3a decodes like %3A.
    return _PERCENT_ESCAPE.sub(lambda m: V3_URI_DECODINGS.get(m.group(0).upper(), m.group(0)), uri)


def v3_signature(secret: str, method: str, uri: str, body: bytes, timestamp: str) -> str:
    message = method.encode() + decode_v3_uri(uri).encode() + body + timestamp.encode()
    digest = hmac.new(secret.encode(), message, hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def _matches(expected: str, given: str) -> bool:
    return hmac.compare_digest(expected.encode(), given.encode())


def _verify_v3(request: SignedRequest, secret: str, now_ms: int, max_age_s: int) -> str:
    signature = request.headers.get("X-HubSpot-Signature-v3", "")
    timestamp = request.headers.get("X-HubSpot-Request-Timestamp", "")
    # isdigit() alone admits "²" and other non-ASCII digits int() refuses.
    if not (timestamp.isascii() and timestamp.isdigit()) or len(timestamp) > MAX_TIMESTAMP_DIGITS:
        raise SignatureError("v3 signature without a numeric X-HubSpot-Request-Timestamp")
    # Both directions: a far-future timestamp would extend a replay window.
    if abs(now_ms - int(timestamp)) > max_age_s * 1000:
        raise SignatureError("v3 timestamp outside the allowed window")
    expected = v3_signature(secret, request.method, request.uri, request.body, timestamp)
    if not _matches(expected, signature):
        raise SignatureError("v3 signature mismatch")
    return "v3"


def _verify_v1_v2(request: SignedRequest, secret: str) -> str:
    signature = request.headers.get("X-HubSpot-Signature", "")
    version = request.headers.get("X-HubSpot-Signature-Version", "v1").lower()
    if version == "v1":
        expected = v1_signature(secret, request.body)
    elif version == "v2":
        expected = v2_signature(secret, request.method, request.uri, request.body)
    else:
        raise SignatureError(f"unsupported signature version {version!r}")
    if not _matches(expected, signature.lower()):
        raise SignatureError(f"{version} signature mismatch")
    return version


def _claimed_version(request: SignedRequest) -> str:
    if "X-HubSpot-Signature-v3" in request.headers:
        return "v3"
    if "X-HubSpot-Signature" in request.headers:
        return request.headers.get("X-HubSpot-Signature-Version", "v1").lower()
    raise SignatureError("no HubSpot signature header")


def verify(
    request: SignedRequest,
    secret: str,
    *,
    now_ms: int,
    max_age_s: int = 300,
    accepted: tuple[str, ...] = ("v3",),
) -> str:
    """Return the verified version ("v1", "v2", "v3") or raise SignatureError.

    When v3 headers are present they decide: falling back to v1 would accept
    a replay that v3's timestamp exists to stop. A version not in `accepted`
    is refused before any digest is computed.
    """
    if not secret:
        raise SignatureError("no client secret configured")
    version = _claimed_version(request)
    if version not in accepted:
        raise SignatureError(
            f"{version} signatures are not accepted here (accepted: {', '.join(accepted)})"
        )
    if version == "v3":
        return _verify_v3(request, secret, now_ms, max_age_s)
    return _verify_v1_v2(request, secret)
