"""HubSpot's error bodies, raised as exceptions and rendered by the Flask app.

Shapes follow https://developers.hubspot.com/docs/api/error-handling:
``{status:"error", message, correlationId, category, errors?[...]}``;
rate-limit errors use their own shape (see ``ratelimits.py``). Keeping every
error in one exception type lets route code raise and forget while the app
renders one consistent body.
"""

from __future__ import annotations

import json
import uuid
from typing import Any


def correlation_id() -> str:
    return str(uuid.uuid4())


class HubSpotError(Exception):
    """An API error with HubSpot's status code, category and body."""

    def __init__(
        self,
        status: int,
        message: str,
        category: str,
        *,
        errors: list[dict] | None = None,
        extra: dict[str, Any] | None = None,
    ):
        super().__init__(status, message, category)
        self.status = status
        self.message = message
        self.category = category
        self.errors = errors
        self.extra = extra or {}

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "status": "error",
            "message": self.message,
            "correlationId": correlation_id(),
            "category": self.category,
        }
        if self.errors:
            body["errors"] = self.errors
        body.update(self.extra)
        return body


def validation_error(message: str, errors: list[dict] | None = None) -> HubSpotError:
    return HubSpotError(400, message, "VALIDATION_ERROR", errors=errors)


def not_found(message: str = "Object not found.  objectId are usually numeric.") -> HubSpotError:
    return HubSpotError(404, message, "OBJECT_NOT_FOUND")


def already_exists(message: str) -> HubSpotError:
    return HubSpotError(409, message, "OBJECT_ALREADY_EXISTS")


def property_values_invalid(problems: list[dict]) -> HubSpotError:
    """HubSpot's answer to bad property values: every problem at once.

    HubSpot embeds its per-property validation results as compact JSON inside
    ``message`` (``PROPERTY_DOESNT_EXIST``, ``INVALID_OPTION``, ...). We also
    list them under ``errors`` in the generic shape so clients need not parse
    the message.
    """
    message = "Property values were not valid: " + json.dumps(problems, separators=(",", ":"))
    errors = [
        {
            "message": problem["message"],
            "code": problem["error"],
            "context": {"propertyName": [problem["name"]]},
        }
        for problem in problems
    ]
    return validation_error(message, errors)


def batch_too_large(count: int, maximum: int) -> HubSpotError:
    return validation_error(
        f"Batch input limit exceeded: received {count} inputs, the maximum is {maximum}.",
        [
            {
                "message": f"size must be between 1 and {maximum}",
                "in": "inputs",
                "code": "INVALID_SIZE",
            }
        ],
    )
