"""Typed errors keep their message and attributes across a pickle round trip."""

from __future__ import annotations

import pickle

import pytest

from workers.errors import (
    NEVER_RETRY,
    RETRY_ON,
    ConflictError,
    DecisionRefused,
    InvalidTransition,
    LifecycleError,
    NotFound,
    PermanentError,
    RateLimited,
    RetryableError,
    SyncError,
)

FIELD_ERRORS = [
    {"field": "Customer.Account.WebsiteUrl", "message": "must match pattern", "code": "X"},
]

EXAMPLES = [
    SyncError("base", service="hubspot", operation="batch/read", status_code=None),
    RetryableError(
        "throttled", retry_after=2.5, service="partnercentral", operation="GetOpportunity"
    ),
    RetryableError("connection reset", status_code=None),
    RateLimited("pc-write refused", group="pc-write", retry_after=0.4, priority="background"),
    PermanentError(
        "validation failed",
        api_message="1 validation error detected",
        field_errors=FIELD_ERRORS,
        service="partnercentral",
        operation="UpdateOpportunity",
        status_code=400,
    ),
    NotFound("no such deal", api_message="resource not found", service="hubspot", status_code=404),
    ConflictError("stale LastModifiedDate", api_message="ConflictException", status_code=409),
    InvalidTransition("invitation ei-1: accepted -> accepting", service="pcsync"),
    DecisionRefused(409, "the invitation is accepted"),
]


@pytest.mark.parametrize("error", EXAMPLES, ids=lambda e: type(e).__name__)
def test_pickle_round_trip_keeps_type_message_and_attributes(error):
    restored = pickle.loads(pickle.dumps(error))

    assert type(restored) is type(error)
    assert str(restored) == str(error)
    assert restored.args == error.args
    assert vars(restored) == vars(error)


def test_restored_permanent_error_exposes_field_errors():
    restored = pickle.loads(pickle.dumps(EXAMPLES[4]))
    assert restored.field_errors == FIELD_ERRORS
    assert restored.api_message == "1 validation error detected"
    assert (restored.service, restored.operation) == ("partnercentral", "UpdateOpportunity")


def test_errors_raised_from_the_original_keep_the_cause():
    original = TimeoutError("read timed out")
    with pytest.raises(RetryableError) as raised:
        try:
            raise original
        except TimeoutError as exc:
            raise RetryableError("HubSpot timed out", service="hubspot") from exc
    assert raised.value.__cause__ is original


def test_hierarchy_matches_the_retry_declarations():
    assert issubclass(RateLimited, RetryableError)
    assert issubclass(NotFound, PermanentError)
    assert all(issubclass(cls, SyncError) for cls in (*RETRY_ON, *NEVER_RETRY))
    assert not issubclass(ConflictError, RetryableError | PermanentError)
    assert ConflictError in RETRY_ON
    assert (PermanentError,) == NEVER_RETRY


def test_lifecycle_errors_are_permanent_and_a_refusal_carries_its_http_answer():
    assert issubclass(InvalidTransition, LifecycleError)
    assert issubclass(DecisionRefused, LifecycleError)
    assert issubclass(LifecycleError, NEVER_RETRY)
    refused = pickle.loads(pickle.dumps(DecisionRefused(404, "no invitation ei-1")))
    assert (refused.status_code, refused.api_message) == (404, "no invitation ei-1")


def test_field_errors_are_copied_not_shared():
    details = [{"field": "a"}]
    error = PermanentError("bad", field_errors=details)
    details.append({"field": "b"})
    assert error.field_errors == [{"field": "a"}]
    assert PermanentError("bad").field_errors == []


def test_repr_names_service_and_operation():
    error = RetryableError("boom", service="partnercentral", operation="GetOpportunity")
    assert repr(error) == "RetryableError('boom') [partnercentral.GetOpportunity]"
