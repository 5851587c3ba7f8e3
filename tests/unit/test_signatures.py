"""HubSpot signature verification: documented vectors, and agreement with
HubSpot's official Python client on generated inputs."""

from __future__ import annotations

import random
import string
import time

import pytest
from hubspot.utils.signature import Signature

from ingest.signatures import (
    SignatureError,
    SignedRequest,
    decode_v3_uri,
    v1_signature,
    v2_signature,
    v3_signature,
    verify,
)

DOC_SECRET = "yyyyyyyy-yyyy-yyyy-yyyy-yyyyyyyyyyyy"
DOC_V1_BODY = (
    b'[{"eventId":1,"subscriptionId":12345,"portalId":62515,"occurredAt":1564113600000,'
    b'"subscriptionType":"contact.creation","attemptNumber":0,"objectId":123,'
    b'"changeSource":"CRM","changeFlag":"NEW","appId":54321}]'
)


def test_documented_v1_vector():
    expected = "232db2615f3d666fe21a8ec971ac7b5402d33b9a925784df3ca654d05f4817de"
    assert v1_signature(DOC_SECRET, DOC_V1_BODY) == expected


def test_documented_v2_vectors():
    uri = "https://www.example.com/webhook_uri"
    assert (
        v2_signature(DOC_SECRET, "GET", uri, b"")
        == "eee2dddcc73c94d699f5e395f4b9d454a069a6855fbfa152e91e88823087200e"
    )
    assert (
        v2_signature(DOC_SECRET, "POST", uri, b'{"example_field":"example_value"}')
        == "9569219f8ba981ffa6f6f16aa0f48637d35d728c7e4d93d0d52efaa512af7900"
    )


def test_sdk_v3_vector():
    signature = v3_signature(
        DOC_SECRET,
        "POST",
        "https://www.example.com/webhook_uri",
        b"{'example_field':'example_value'}",
        "1693657560000",
    )
    assert signature == "K36dawei4A+QBNolUOqo7s91KQDWQ5MXZ/QufNYuk/Y="


def _random_text(rng: random.Random, length: int) -> str:
    alphabet = string.ascii_letters + string.digits + ' {}[]":,.-_éü€'
    return "".join(rng.choice(alphabet) for _ in range(length))


@pytest.mark.parametrize("seed", range(25))
def test_agrees_with_official_client_on_generated_inputs(seed):
    rng = random.Random(seed)
    secret = _random_text(rng, 36)
    body = _random_text(rng, rng.randint(0, 400))
    uri = f"https://host{seed}.example.com/hooks/{_random_text(rng, 5).strip() or 'x'}?a={seed}"
    uri = uri.replace(" ", "-")
    now_ms = int(time.time() * 1000)
    timestamp = str(now_ms - rng.randint(0, 250_000))

    v1 = Signature.is_valid(
        signature=v1_signature(secret, body.encode()),
        client_secret=secret,
        request_body=body,
        signature_version="v1",
    )
    v2 = Signature.is_valid(
        signature=v2_signature(secret, "POST", uri, body.encode()),
        client_secret=secret,
        request_body=body,
        http_uri=uri,
        http_method="POST",
        signature_version="v2",
    )
    v3 = Signature.is_valid(
        signature=v3_signature(secret, "POST", uri, body.encode(), timestamp),
        client_secret=secret,
        request_body=body,
        http_uri=uri,
        http_method="POST",
        signature_version="v3",
        timestamp=timestamp,
    )
    assert (v1, v2, v3) == (True, True, True)

    # And the other way round: what the official client computes, we accept.
    official_v3 = Signature.get_signature(
        client_secret=secret,
        request_body=body,
        signature_version="v3",
        http_uri=uri,
        http_method="POST",
        timestamp=timestamp,
    )
    request = SignedRequest(
        "POST",
        uri,
        body.encode(),
        {"X-HubSpot-Signature-v3": official_v3, "X-HubSpot-Request-Timestamp": timestamp},
    )
    assert verify(request, secret, now_ms=now_ms) == "v3"


def _v3_request(secret, uri, body, timestamp, signed_uri=None):
    signature = v3_signature(secret, "POST", signed_uri or uri, body, timestamp)
    headers = {"X-HubSpot-Signature-v3": signature, "X-HubSpot-Request-Timestamp": timestamp}
    return SignedRequest("POST", uri, body, headers)


def test_v3_rejects_stale_and_far_future_timestamps():
    now_ms = 1_700_000_000_000
    for offset_s, accepted in [(-299, True), (299, True), (-301, False), (301, False)]:
        timestamp = str(now_ms + offset_s * 1000)
        request = _v3_request("s3cret", "https://a.example/h", b"[]", timestamp)
        if accepted:
            assert verify(request, "s3cret", now_ms=now_ms) == "v3"
        else:
            with pytest.raises(SignatureError, match="window"):
                verify(request, "s3cret", now_ms=now_ms)


def test_v3_decodes_lower_case_escapes_like_upper_case():
    assert decode_v3_uri("https://a.example/h?r=https%3a%2f%2fx.example%2Fp%3b") == (
        "https://a.example/h?r=https://x.example/p;"
    )
    assert decode_v3_uri("https://a.example/h?q=a%20b%2e") == "https://a.example/h?q=a%20b%2e"


def test_v3_decodes_only_the_documented_percent_encodings():
    raw = "https://a.example/h?redirect=https%3A%2F%2Fx.example%2Fp%3Fq%40v%21%24%27%28%29%2A%2C%3B&s=a%20b"
    assert (
        decode_v3_uri(raw) == "https://a.example/h?redirect=https://x.example/p?q@v!$'()*,;&s=a%20b"
    )
    # HubSpot signs the decoded form; a request arriving encoded must verify.
    now_ms = 1_700_000_000_000
    timestamp = str(now_ms)
    body = b"[]"
    decoded = decode_v3_uri(raw)
    request = _v3_request("s3cret", raw, body, timestamp, signed_uri=decoded)
    assert verify(request, "s3cret", now_ms=now_ms) == "v3"


def test_changed_body_fails_each_version():
    every = ("v1", "v2", "v3")
    now_ms = 1_700_000_000_000
    body = b'[{"eventId":1}]'
    tampered = b'[{"eventId":2}]'
    uri = "https://a.example/h"
    v3 = _v3_request("s", uri, body, str(now_ms))
    with pytest.raises(SignatureError, match="v3 signature mismatch"):
        verify(SignedRequest("POST", uri, tampered, v3.headers), "s", now_ms=now_ms, accepted=every)
    v1_headers = {"X-HubSpot-Signature": v1_signature("s", body)}
    with pytest.raises(SignatureError, match="v1 signature mismatch"):
        verify(SignedRequest("POST", uri, tampered, v1_headers), "s", now_ms=now_ms, accepted=every)
    v2_headers = {
        "X-HubSpot-Signature": v2_signature("s", "POST", uri, body),
        "X-HubSpot-Signature-Version": "v2",
    }
    assert (
        verify(SignedRequest("POST", uri, body, v2_headers), "s", now_ms=now_ms, accepted=every)
        == "v2"
    )
    with pytest.raises(SignatureError, match="v2 signature mismatch"):
        verify(
            SignedRequest("POST", uri + "x", body, v2_headers), "s", now_ms=now_ms, accepted=every
        )


def test_missing_header_and_secret():
    request = SignedRequest("POST", "https://a.example/h", b"[]", {})
    with pytest.raises(SignatureError, match="no HubSpot signature header"):
        verify(request, "s", now_ms=0)
    with pytest.raises(SignatureError, match="no client secret"):
        verify(request, "", now_ms=0)


def test_v3_headers_take_precedence_over_a_valid_v1():
    body = b"[]"
    headers = {
        "X-HubSpot-Signature": v1_signature("s", body),
        "X-HubSpot-Signature-v3": "not-the-signature",
        "X-HubSpot-Request-Timestamp": "1700000000000",
    }
    with pytest.raises(SignatureError, match="v3"):
        verify(SignedRequest("POST", "https://a/h", body, headers), "s", now_ms=1_700_000_000_000)


def test_v1_and_v2_are_refused_unless_listed():
    """A captured v1+v3 request with its v3 headers stripped is a replay."""
    body = b"[]"
    v1 = SignedRequest(
        "POST", "https://a/h", body, {"X-HubSpot-Signature": v1_signature("s", body)}
    )
    with pytest.raises(SignatureError, match="v1 signatures are not accepted"):
        verify(v1, "s", now_ms=0)
    assert verify(v1, "s", now_ms=0, accepted=("v1", "v3")) == "v1"
    v2 = SignedRequest(
        "POST",
        "https://a/h",
        body,
        {
            "X-HubSpot-Signature": v2_signature("s", "POST", "https://a/h", body),
            "X-HubSpot-Signature-Version": "v2",
        },
    )
    with pytest.raises(SignatureError, match="v2 signatures are not accepted"):
        verify(v2, "s", now_ms=0, accepted=("v1", "v3"))


@pytest.mark.parametrize("timestamp", ["²", "1" * 5000, "-1", "1e3", " 1", "١٢٣"])
def test_malformed_timestamps_are_a_signature_error(timestamp):
    headers = {"X-HubSpot-Signature-v3": "x", "X-HubSpot-Request-Timestamp": timestamp}
    with pytest.raises(SignatureError, match="numeric"):
        verify(SignedRequest("POST", "https://a/h", b"[]", headers), "s", now_ms=0)
