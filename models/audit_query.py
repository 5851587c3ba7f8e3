"""Selecting audit rows by the filters operators and auditors use; shared by
the audit API, the export and the compliance report."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from models.audit import AuditEntry

COLUMNS = tuple(AuditEntry.__table__.columns)
COLUMN_NAMES = tuple(column.name for column in COLUMNS)
STREAM_BATCH = 1000


@dataclass(frozen=True)
class AuditFilter:
    start: datetime | None = None  # inclusive
    end: datetime | None = None  # exclusive
    opportunity_id: str | None = None
    deal_id: str | None = None
    action: str | None = None
    outcome: str | None = None

    def apply(self, statement: Select) -> Select:
        conditions = []
        if self.start is not None:
            conditions.append(AuditEntry.at >= self.start)
        if self.end is not None:
            conditions.append(AuditEntry.at < self.end)
        if self.opportunity_id:
            conditions.append(AuditEntry.opportunity_id == self.opportunity_id)
        if self.deal_id:
            conditions += [AuditEntry.object_type == "deal", AuditEntry.object_id == self.deal_id]
        if self.action:
            conditions.append(AuditEntry.action == self.action)
        if self.outcome:
            conditions.append(AuditEntry.outcome == self.outcome)
        return statement.where(*conditions)


def row_dict(row) -> dict:
    """One audit row (a Core row of COLUMNS) as plain JSON-ready values."""
    values = dict(zip(COLUMN_NAMES, row, strict=True))
    values["at"] = values["at"].isoformat()
    return values


def stream_rows(session: Session, where: AuditFilter) -> Iterator[dict]:
    """Matching rows oldest first, fetched in batches (a server-side cursor
    on PostgreSQL): memory stays flat however many rows match."""
    statement = where.apply(select(*COLUMNS)).order_by(AuditEntry.id)
    result = session.execute(statement.execution_options(yield_per=STREAM_BATCH))
    for row in result:
        yield row_dict(row)
