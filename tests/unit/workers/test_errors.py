"""Typed errors keep their message and attributes across a pickle round trip."""

from __future__ import annotations

import pickle

import pytest

from workers import errors

FIELD_ERRORS = [
    {"field": "Customer.Account.WebsiteUrl", "message": "must match pattern", "code": "X"},
]

EXAMPLES = [
    errors.SyncError("base", service="hubspot", operation="batch/read", status_code=None),
    errors.RetryableError(
        "throttled", retry_after=2.5, service="partnercentral", operation="GetOpportunity"
    ),
    errors.RetryableError("connection reset", status_code=None),
    errors.RateLimited(
        "pc-write refused", group="pc-write", retry_after=0.4, priority="background"
    ),
    errors.PermanentError(
        "validation failed",
        api_message="1 validation error detected",
        field_errors=FIELD_ERRORS,
        service="partnercentral",
        operation="UpdateOpportunity",
        status_code=400,
    ),
    errors.NotFound(
        "no such deal", api_message="resource not found", service="hubspot", status_code=404
    ),
    errors.ConflictError(
        "stale LastModifiedDate", api_message="ConflictException", status_code=409
    ),
    errors.InvalidTransition("invitation ei-1: accepted -> accepting", service="pcsync"),
    errors.DecisionRefused(409, "the invitation is accepted"),
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
    with pytest.raises(errors.RetryableError) as raised:
        try:
            raise original
        except TimeoutError as exc:
            raise errors.RetryableError("HubSpot timed out", service="hubspot") from exc
    assert raised.value.__cause__ is original


def test_hierarchy_matches_the_retry_declarations():
    assert issubclass(errors.RateLimited, errors.RetryableError)
    assert issubclass(errors.NotFound, errors.PermanentError)
    assert all(issubclass(cls, errors.SyncError) for cls in (*errors.RETRY_ON, *errors.NEVER_RETRY))
    assert not issubclass(errors.ConflictError, errors.RetryableError | errors.PermanentError)
    assert errors.ConflictError in errors.RETRY_ON
    assert (errors.PermanentError,) == errors.NEVER_RETRY


def test_lifecycle_errors_are_permanent_and_a_refusal_carries_its_http_answer():
    assert issubclass(errors.InvalidTransition, errors.LifecycleError)
    assert issubclass(errors.DecisionRefused, errors.LifecycleError)
    assert issubclass(errors.LifecycleError, errors.NEVER_RETRY)
    refused = pickle.loads(pickle.dumps(errors.DecisionRefused(404, "no invitation ei-1")))
    assert (refused.status_code, refused.api_message) == (404, "no invitation ei-1")


def test_field_errors_are_copied_not_shared():
    details = [{"field": "a"}]
    error = errors.PermanentError("bad", field_errors=details)
    details.append({"field": "b"})
    assert error.field_errors == [{"field": "a"}]
    assert errors.PermanentError("bad").field_errors == []


def test_repr_names_service_and_operation():
    error = errors.RetryableError("boom", service="partnercentral", operation="GetOpportunity")
    assert repr(error) == "RetryableError('boom') [partnercentral.GetOpportunity]"
