"""API errors in Partner Central's wire vocabulary.

Each error knows its `__type`, HTTP status and extra body members; the wire
layer renders them, handlers only raise them. Statuses come from the Smithy
`httpError` traits (the botocore model carries none).
"""

from __future__ import annotations

from dataclasses import dataclass

REQUEST_VALIDATION_FAILED = "REQUEST_VALIDATION_FAILED"
BUSINESS_VALIDATION_FAILED = "BUSINESS_VALIDATION_FAILED"


@dataclass(frozen=True)
class FieldError:
    """One entry of a ValidationException's ErrorList."""

    field_name: str | None
    message: str
    code: str

    def to_wire(self) -> dict:
        entry = {"Message": self.message, "Code": self.code}
        if self.field_name:
            entry["FieldName"] = self.field_name
        return entry


class ApiError(Exception):
    error_type = "InternalServerException"
    status = 500

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message

    def body(self) -> dict:
        return {"__type": self.error_type, "Message": self.message}


class ValidationError(ApiError):
    error_type = "ValidationException"
    status = 400

    def __init__(self, errors: list[FieldError], reason: str, message: str | None = None):
        self.errors = list(errors)
        self.reason = reason
        super().__init__(message or _summarise(self.errors, reason))

    def body(self) -> dict:
        return {
            **super().body(),
            "Reason": self.reason,
            "ErrorList": [error.to_wire() for error in self.errors],
        }


def business_error(field_name: str | None, message: str, code: str) -> ValidationError:
    return ValidationError([FieldError(field_name, message, code)], BUSINESS_VALIDATION_FAILED)


class AccessDenied(ApiError):
    error_type = "AccessDeniedException"
    status = 403


class NotFound(ApiError):
    error_type = "ResourceNotFoundException"
    status = 404


class Conflict(ApiError):
    error_type = "ConflictException"
    status = 409


class QuotaExceeded(ApiError):
    error_type = "ServiceQuotaExceededException"
    status = 402


class Throttled(ApiError):
    error_type = "ThrottlingException"
    status = 429


class InternalError(ApiError):
    error_type = "InternalServerException"
    status = 500


class UnknownOperation(ApiError):
    error_type = "UnknownOperationException"
    status = 400


class NotImplementedBySimulator(ApiError):
    # 501 so botocore does not retry it: the simulator will never answer it.
    error_type = "NotImplementedException"
    status = 501


class SerializationFailure(ApiError):
    error_type = "SerializationException"
    status = 400


class MissingAuthentication(ApiError):
    error_type = "MissingAuthenticationTokenException"
    status = 403


class ControlError(Exception):
    """A bad call to a simulator control (not part of the AWS API)."""


def _summarise(errors: list[FieldError], reason: str) -> str:
    kind = "Request" if reason == REQUEST_VALIDATION_FAILED else "Business"
    details = "; ".join(f"{e.field_name or '(request)'}: {e.message}" for e in errors)
    return f"{kind} validation failed with {len(errors)} error(s): {details}"
