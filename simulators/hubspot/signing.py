"""HubSpot webhook request signatures, v1 and v3 (https://developers.hubspot.com/docs/api/webhooks/validating-requests).

Written with hashlib/hmac rather than the SDK so the simulator is an
independent implementation the SDK's verifier can check.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

# v3 receivers decode exactly these escapes in the URI before hashing; we
# sign the decoded form so a receiver following the documented rule agrees.
_V3_DECODED = {
    "%3A": ":", "%2F": "/", "%3F": "?", "%40": "@", "%21": "!", "%24": "$",
    "%27": "'", "%28": "(", "%29": ")", "%2A": "*", "%2C": ",", "%3B": ";",
}  # fmt: skip


def v1_signature(client_secret: str, body: str) -> str:
    """SHA-256 hex of client secret + body (no HMAC: HubSpot's v1)."""
    return hashlib.sha256(f"{client_secret}{body}".encode()).hexdigest()


def v3_uri(uri: str) -> str:
    for encoded, plain in _V3_DECODED.items():
        uri = uri.replace(encoded, plain).replace(encoded.lower(), plain)
    return uri


def v3_signature(client_secret: str, method: str, uri: str, body: str, timestamp_ms: int) -> str:
    """Base64 HMAC-SHA256 of method + URI + body + timestamp, keyed by the secret."""
    source = f"{method}{v3_uri(uri)}{body}{timestamp_ms}"
    digest = hmac.new(client_secret.encode(), source.encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def signature_headers(client_secret: str, method: str, uri: str, body: str, timestamp_ms: int):
    """The headers HubSpot sends with a Webhooks API request: v1 and v3."""
    return {
        "X-HubSpot-Signature": v1_signature(client_secret, body),
        "X-HubSpot-Signature-Version": "v1",
        "X-HubSpot-Signature-v3": v3_signature(client_secret, method, uri, body, timestamp_ms),
        "X-HubSpot-Request-Timestamp": str(timestamp_ms),
    }
