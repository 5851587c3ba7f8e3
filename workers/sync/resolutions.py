"""An operator's resolution of a conflict and why one is refused: what the
management API and the console take and answer, without the sync engine that
applies it (`workers.sync.conflict_resolution`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

CHOICES = ("hubspot", "partner_central", "value")


class ResolutionError(Exception):
    """Why a resolution was refused; `status` is the HTTP status to answer."""

    status = 400

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message

    def __reduce__(self):  # picklable across the worker boundary
        return (type(self), (self.message,))


class ConflictNotFound(ResolutionError):
    status = 404


class ConflictAlreadyResolved(ResolutionError):
    status = 409


class InvalidResolution(ResolutionError):
    status = 400


@dataclass(frozen=True)
class Resolution:
    choice: str
    value: Any = None
