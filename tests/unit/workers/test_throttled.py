"""Both clients report an API's rate-limit refusal as one type, `Throttled`,
so callers tell a wait from a failure by type instead of by status code."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
import requests
from botocore.exceptions import ClientError

from workers.backoff import is_wait
from workers.clients.hubspot import _error_for
from workers.clients.partner_central import THROTTLED_RESENDS, PartnerCentral, translate
from workers.errors import RetryableError, Throttled


def hubspot_response(status: int, headers: dict | None = None) -> requests.Response:
    response = requests.Response()
    response.status_code = status
    response.headers.update(headers or {})
    response._content = b'{"message": "You have reached your ten_secondly_rolling limit."}'
    return response


def pc_error(code: str, status: int) -> ClientError:
    return ClientError(
        {
            "Error": {"Code": code, "Message": "refused"},
            "ResponseMetadata": {"HTTPStatusCode": status},
        },
        "GetOpportunity",
    )


def test_hubspot_429_is_throttled_with_the_servers_wait():
    error = _error_for(hubspot_response(429, {"Retry-After": "4"}), "crm/v3/objects/deals")

    assert isinstance(error, Throttled)
    assert error.retry_after == 4.0
    assert is_wait(error)


def test_hubspot_5xx_is_retryable_but_not_throttled():
    error = _error_for(hubspot_response(503), "crm/v3/objects/deals")

    assert isinstance(error, RetryableError)
    assert not isinstance(error, Throttled)


def test_partner_central_throttling_exception_is_throttled():
    error = translate(pc_error("ThrottlingException", 429), "GetOpportunity")

    assert isinstance(error, Throttled)
    assert (error.service, error.status_code) == ("partnercentral", 429)


def test_partner_central_internal_error_is_retryable_but_not_throttled():
    error = translate(pc_error("InternalServerException", 500), "GetOpportunity")

    assert isinstance(error, RetryableError)
    assert not isinstance(error, Throttled)


class ThrottlingBoto:
    """A boto client whose GetOpportunity is throttled `refusals` times, then answers."""

    def __init__(self, refusals: int) -> None:
        self.refusals = refusals
        self.calls = 0

    def get_opportunity(self, **params) -> dict:
        self.calls += 1
        if self.calls <= self.refusals:
            raise pc_error("ThrottlingException", 429)
        return {"Id": params["Identifier"], "ResponseMetadata": {}}


class CountingLimiter:
    def __init__(self) -> None:
        self.tokens_taken = 0
        self.resends: list[bool] = []

    def take(self, group: str, *, resend: bool = False, **_) -> None:
        self.tokens_taken += 1
        self.resends.append(resend)


def partner_central(boto: ThrottlingBoto, limiter: CountingLimiter) -> PartnerCentral:
    return PartnerCentral(SimpleNamespace(pc_catalog="Sandbox"), limiter, boto_client=boto)


def test_partner_central_sends_a_throttled_call_again_through_the_limiter():
    boto, limiter = ThrottlingBoto(refusals=THROTTLED_RESENDS), CountingLimiter()

    response = partner_central(boto, limiter).call("GetOpportunity", Identifier="O1")

    assert response == {"Id": "O1"}
    assert boto.calls == limiter.tokens_taken == THROTTLED_RESENDS + 1
    # Each resend goes first in line for its token (RateLimiter.take).
    assert limiter.resends == [False] + [True] * THROTTLED_RESENDS


def test_partner_central_raises_throttled_once_the_resends_are_spent():
    boto, limiter = ThrottlingBoto(refusals=THROTTLED_RESENDS + 1), CountingLimiter()

    with pytest.raises(Throttled):
        partner_central(boto, limiter).call("GetOpportunity", Identifier="O1")
    assert boto.calls == THROTTLED_RESENDS + 1
