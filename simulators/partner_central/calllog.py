"""Every API request the simulator received, with its outcome."""

from __future__ import annotations

import copy
from dataclasses import asdict, dataclass, field

from .errors import REQUEST_VALIDATION_FAILED


@dataclass
class CallRecord:
    time: float
    operation: str
    catalog: str | None
    parameters: dict
    status: int = 200
    error_type: str | None = None
    error_message: str | None = None
    reason: str | None = None
    error_list: list[dict] = field(default_factory=list)

    def to_dict(self) -> dict:
        return asdict(self)


class CallLog:
    def __init__(self):
        self._records: list[CallRecord] = []

    def add(self, record: CallRecord) -> CallRecord:
        self._records.append(record)
        return record

    def records(self, operation: str | None = None) -> list[dict]:
        return [
            copy.deepcopy(r.to_dict())
            for r in self._records
            if operation is None or r.operation == operation
        ]

    def model_rejections(self) -> list[dict]:
        """Requests the service model itself rejects: a correct client never sends one."""
        return [r for r in self.records() if r["reason"] == REQUEST_VALIDATION_FAILED]

    def rejections(self) -> list[dict]:
        """Every request the service refused as invalid, by its model or its
        business rules (a ValidationException)."""
        return [r for r in self.records() if r["error_type"] == "ValidationException"]

    def clear(self) -> None:
        self._records.clear()
