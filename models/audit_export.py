"""Export audit rows as CSV or JSON Lines, streamed: rows are read in
batches and written one at a time, so memory stays flat for any size."""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from typing import TextIO

from sqlalchemy.orm import Session

from models.audit_query import COLUMN_NAMES, AuditFilter, stream_rows

FORMATS = ("csv", "jsonl")


def _csv_value(value):
    return json.dumps(value, sort_keys=True) if isinstance(value, dict | list) else value


def export_audit(
    session: Session,
    where: AuditFilter,
    out: TextIO,
    fmt: str,
    progress: Callable[[], None] = lambda: None,
) -> int:
    """Write the matching rows, oldest first, to `out`; returns how many."""
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}")
    writer = csv.writer(out) if fmt == "csv" else None
    if writer:
        writer.writerow(COLUMN_NAMES)
    count = 0
    for row in stream_rows(session, where):
        if writer:
            writer.writerow([_csv_value(row[name]) for name in COLUMN_NAMES])
        else:
            out.write(json.dumps(row, sort_keys=True) + "\n")
        count += 1
        progress()
    return count
