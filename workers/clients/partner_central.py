"""The one Partner Central client factory.

Wraps the unmodified boto3 `partnercentral-selling` client: fills in the
catalog, takes a rate-limiter token for the operation's quota group before
each call (waiting in place for a slot booked a moment ahead), and
translates botocore failures into typed errors. botocore's own
retries are off: every retry goes back through the limiter, so throttling is
counted once, globally, and retried by the task with backoff.
"""

from __future__ import annotations

import logging
from typing import Any

import boto3
from botocore import xform_name
from botocore.config import Config
from botocore.credentials import DeferredRefreshableCredentials, create_assume_role_refresher
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectionClosedError,
    ConnectTimeoutError,
    EndpointConnectionError,
    ParamValidationError,
    ReadTimeoutError,
)
from botocore.session import get_session

from pcsync.config import Settings
from pcsync.metrics import instrument_boto_client
from workers.errors import (
    ConflictError,
    NotFound,
    PermanentError,
    RetryableError,
    Throttled,
)
from workers.limiter import Priority, RateLimiter

log = logging.getLogger(__name__)

SERVICE = "partnercentral-selling"
REGION = "us-east-1"  # the only region Partner Central serves

# Quota groups
# (https://docs.aws.amazon.com/partner-central/latest/developer-guide/quotas.html).
# Operations in neither group have no published quota and are not limited by us.
WRITE_OPERATIONS = frozenset(
    {
        "CreateOpportunity",
        "UpdateOpportunity",
        "AssociateOpportunity",
        "DisassociateOpportunity",
        "RejectEngagementInvitation",
        "AssignOpportunity",
        "StartEngagementFromOpportunityTask",
        "StartEngagementByAcceptingInvitationTask",
    }
)
READ_OPERATIONS = frozenset(
    {
        "GetOpportunity",
        "GetAwsOpportunitySummary",
        "ListOpportunities",
        "ListSolutions",
        "GetEngagementInvitation",
        "ListEngagementInvitations",
    }
)
THROTTLED = "ThrottlingException"
RETRYABLE_CODES = frozenset({THROTTLED, "InternalServerException"})
# Throttled calls sent again through the limiter before the task retries.
THROTTLED_RESENDS = 2


def quota_group(operation: str) -> str | None:
    if operation in WRITE_OPERATIONS:
        return "pc-write"
    if operation in READ_OPERATIONS:
        return "pc-read"
    return None


def _boto_session(settings: Settings) -> boto3.Session:
    if not settings.pc_role_arn:
        return boto3.Session(region_name=REGION)
    # Refreshable credentials: the assumed role's session outlives one hour.
    source = get_session()
    refresher = create_assume_role_refresher(
        source.create_client("sts", region_name=REGION),
        {"RoleArn": settings.pc_role_arn, "RoleSessionName": "pcsync"},
    )
    botocore_session = get_session()
    botocore_session._credentials = DeferredRefreshableCredentials(
        refresh_using=refresher, method="assume-role"
    )
    return boto3.Session(botocore_session=botocore_session, region_name=REGION)


def make_boto_client(settings: Settings):
    # total_max_attempts counts the first call (max_attempts counts retries).
    config = Config(
        retries={"total_max_attempts": 1, "mode": "standard"},
        connect_timeout=5,
        read_timeout=30,
        user_agent_extra="pcsync",
    )
    client = _boto_session(settings).client(
        SERVICE, region_name=REGION, endpoint_url=settings.pc_endpoint_url, config=config
    )
    instrument_boto_client(client)
    return client


def translate(exc: Exception, operation: str) -> Exception:
    """Map a botocore failure onto the typed error family."""
    where = {"service": "partnercentral", "operation": operation}
    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        code = error.get("Code", "")
        message = error.get("Message") or str(exc)
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        where["status_code"] = status
        if code == THROTTLED:
            return Throttled(f"{code}: {message}", **where)
        if code in RETRYABLE_CODES:
            return RetryableError(f"{code}: {message}", **where)
        if code == "ConflictException":
            return ConflictError(f"{code}: {message}", api_message=message, **where)
        field_errors = [
            {"field": e.get("FieldName"), "message": e.get("Message"), "code": e.get("Code")}
            for e in exc.response.get("ErrorList", [])
        ]
        kind = NotFound if code == "ResourceNotFoundException" else PermanentError
        return kind(f"{code}: {message}", api_message=message, field_errors=field_errors, **where)
    if isinstance(
        exc, (EndpointConnectionError, ConnectTimeoutError, ReadTimeoutError, ConnectionClosedError)
    ):
        return RetryableError(f"connection to Partner Central failed: {exc}", **where)
    if isinstance(exc, ParamValidationError):
        return PermanentError(
            f"request rejected before sending: {exc}", api_message=str(exc), **where
        )
    return RetryableError(f"{type(exc).__name__}: {exc}", **where)


class PartnerCentral:
    def __init__(self, settings: Settings, limiter: RateLimiter, boto_client=None):
        self.catalog = settings.pc_catalog
        self.limiter = limiter
        self.boto = boto_client or make_boto_client(settings)

    def call(self, operation: str, *, priority: Priority = "event", **params: Any) -> dict:
        """Call `operation` with `params` (Catalog added); return the response."""
        group = quota_group(operation)
        method = getattr(self.boto, xform_name(operation))
        for resend in range(THROTTLED_RESENDS + 1):
            if group:
                self.limiter.take(group, priority=priority, operation=operation, resend=resend > 0)
            try:
                response = method(Catalog=self.catalog, **params)
                break
            except ClientError as exc:
                error = translate(exc, operation)
                if resend < THROTTLED_RESENDS and isinstance(error, Throttled):
                    # Paced by us, refused at arrival by a hair: the request
                    # changed nothing and goes again at the next token, first
                    # in line, keeping the task's reads and its place.
                    log.info("partnercentral.throttled", extra={"operation": operation})
                    continue
                raise error from exc
            except BotoCoreError as exc:
                raise translate(exc, operation) from exc
        response.pop("ResponseMetadata", None)
        return response

    def paginate(self, operation: str, result_key: str, *, priority: Priority = "event", **params):
        """Yield items of a list operation page by page, each page through the limiter."""
        token = None
        while True:
            page = self.call(
                operation, priority=priority, **params, **({"NextToken": token} if token else {})
            )
            yield from page.get(result_key, [])
            token = page.get("NextToken")
            if not token:
                return
