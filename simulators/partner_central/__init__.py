"""A local stand-in for the AWS Partner Central Selling API.

It speaks awsJson 1.0 so the unmodified boto3 client can talk to it, and it
fails where the real API fails: model-driven request validation, the
documented business rules, optimistic locking, idempotency tokens, quotas.
See docs/simulators/partner-central.md.
"""

from .app import create_app
from .simulator import Simulator

__all__ = ["Simulator", "create_app"]
