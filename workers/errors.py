"""The error vocabulary shared by the API clients, the limiter and the Celery tasks.

API clients translate transport and service failures into these types and raise
them ``from`` the original exception. No task declares Celery's
``autoretry_for``: every task body runs inside ``workers.task_policy.retrying``,
one policy for all of them, which retries what ``RETRY_ON`` names (and
transport failures and outages, ``workers.backoff.is_retryable``) and never
what ``NEVER_RETRY`` names. The split is the one docs/architecture.md
describes: throttling, 5xx and timeouts are retried with backoff; validation
errors are never retried and are recorded with the API's message.

Every error here survives ``pickle`` with its message and attributes, because
Celery moves exceptions between the worker child, the parent and the result
backend. ``Exception`` pickles only ``self.args``, which
would drop keyword-only attributes, hence ``SyncError.__reduce__``.
"""

from __future__ import annotations

from typing import Any


def _rebuild_error(cls: type[SyncError], message: str, attributes: dict[str, Any]) -> SyncError:
    """Recreate an error from its pickled parts without re-running ``__init__``.

    Bypassing ``__init__`` keeps unpickling independent of each subclass's
    constructor signature, so a subclass can add attributes freely.
    """
    error = cls.__new__(cls)
    Exception.__init__(error, message)
    error.__dict__.update(attributes)
    return error


class SyncError(Exception):
    """Base of every error pcsync raises on purpose.

    ``service`` is ``"hubspot"`` or ``"partnercentral"`` (or ``"limiter"``),
    ``operation`` the API operation (``"UpdateOpportunity"``, ``"batch/update"``),
    ``status_code`` the HTTP status when there was one.
    """

    def __init__(
        self,
        message: str,
        *,
        service: str | None = None,
        operation: str | None = None,
        status_code: int | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.service = service
        self.operation = operation
        self.status_code = status_code

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild_error, (type(self), self.message, dict(self.__dict__)))

    def __repr__(self) -> str:
        where = ".".join(part for part in (self.service, self.operation) if part)
        suffix = f" [{where}]" if where else ""
        return f"{type(self).__name__}({self.message!r}){suffix}"


class RetryableError(SyncError):
    """A failure that is likely to pass later: throttling, 5xx, timeouts, connection errors.

    ``retry_after`` is the server's hint in seconds (``Retry-After``, the limiter's
    answer) or ``None``; ``workers.backoff.delay`` waits at least that long.
    """

    def __init__(
        self,
        message: str,
        *,
        retry_after: float | None = None,
        service: str | None = None,
        operation: str | None = None,
        status_code: int | None = None,
    ) -> None:
        super().__init__(message, service=service, operation=operation, status_code=status_code)
        self.retry_after = retry_after


class Throttled(RetryableError):
    """The API refused the call for its rate limit: retried with backoff as
    long as it takes, never given up on (it is a wait, not a failure)."""

    is_wait = True


class RateLimited(RetryableError):
    """Our own limiter refused a token; nothing was sent to the API.

    Raised by tasks (or clients) when ``RateLimiter.acquire`` says no, so the
    task is retried after ``retry_after`` instead of holding a worker slot.
    """

    is_wait = True  # retried on the large budget (workers/backoff.py)

    def __init__(
        self,
        message: str,
        *,
        group: str,
        retry_after: float,
        priority: str = "event",
        service: str | None = "limiter",
        operation: str | None = None,
        slot: float | None = None,
    ) -> None:
        super().__init__(message, retry_after=retry_after, service=service, operation=operation)
        self.group = group
        self.priority = priority
        # The slot (epoch seconds) booked for this work: its retry comes back
        # for exactly that slot instead of a random later moment.
        self.slot = slot


class PermanentError(SyncError):
    """A failure that will repeat unchanged: validation errors, other 4xx.

    ``api_message`` is the API's own text (surfaced on the deal and in the
    console), ``field_errors`` the per-field details the API returned, each a
    dict such as ``{"field": "Customer.Account.WebsiteUrl", "message": "...",
    "code": "INVALID_VALUE"}``.
    """

    def __init__(
        self,
        message: str,
        *,
        api_message: str | None = None,
        field_errors: list[dict[str, Any]] | None = None,
        service: str | None = None,
        operation: str | None = None,
        status_code: int | None = None,
    ) -> None:
        super().__init__(message, service=service, operation=operation, status_code=status_code)
        self.api_message = api_message
        self.field_errors = list(field_errors or [])


class NotFound(PermanentError):
    """The object is gone (deleted deal, unknown opportunity): an audited outcome, not a retry."""


class ConflictError(SyncError):
    """The optimistic lock failed: Partner Central ``ConflictException`` on a stale
    ``LastModifiedDate``, or a HubSpot write that lost a race.

    The sync engine re-reads and merges again (bounded). If the bound runs out the
    task is retried later with fresh state, so ``is_retryable`` treats this as
    retryable while it is deliberately not a ``RetryableError`` (it must not be
    swallowed by transport-level retry loops that would resend the stale payload).
    """

    def __init__(
        self,
        message: str,
        *,
        api_message: str | None = None,
        service: str | None = None,
        operation: str | None = None,
        status_code: int | None = None,
    ) -> None:
        super().__init__(message, service=service, operation=operation, status_code=status_code)
        self.api_message = api_message


class LifecycleError(PermanentError):
    """A referral or submission step that cannot be taken as asked: the same
    request would be refused again, so it is recorded, never retried."""


class InvalidTransition(LifecycleError):
    """A move its lifecycle's table does not allow (workers/sync/lifecycle.py)."""


class InvalidDecision(LifecycleError):
    """A referral decision that is not one: an unknown decision, or a
    rejection reason outside the ones AWS documents."""


class DecisionRefused(LifecycleError):
    """An operator's accept or reject that cannot be taken now (nothing
    changed); ``status_code`` is the HTTP answer: 404 for an unknown
    invitation, 409 when its state does not allow a decision."""

    def __init__(self, status_code: int, message: str) -> None:
        super().__init__(message, api_message=message, service="pcsync", status_code=status_code)


# What workers.task_policy.retrying retries, and what it never retries (a
# PermanentError wins even when it is also one of RETRY_ON).
RETRY_ON: tuple[type[SyncError], ...] = (RetryableError, ConflictError)
NEVER_RETRY: tuple[type[SyncError], ...] = (PermanentError,)

__all__ = [
    "NEVER_RETRY",
    "RETRY_ON",
    "ConflictError",
    "DecisionRefused",
    "InvalidDecision",
    "InvalidTransition",
    "LifecycleError",
    "NotFound",
    "PermanentError",
    "RateLimited",
    "RetryableError",
    "SyncError",
    "Throttled",
]
