"""`pcsync audit export` streams any number of rows: 100,000 rows are
exported as CSV and JSON Lines by the real command in its own process,
and its peak memory is no larger than for 1,000 rows (plus a small margin).
The figures are printed (pytest -s) for the record."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import timedelta

import pytest

from models.audit import AuditEntry
from models.base import utcnow

ROWS = 100_000
SMALL = 1_000
BATCH = 10_000
# Peak RSS may grow by at most this much from 1,000 to 100,000 rows: what
# buffers and allocator noise need, far below what holding the rows would.
MARGIN_KB = 20 * 1024
MEASURE = (
    "import resource, subprocess, sys; subprocess.run(sys.argv[1:], check=True); "
    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
)


def fill(stack, start) -> None:
    """ROWS audit rows one second apart from `start`, inserted in batches
    (the export reads rows; how they were chained does not matter here)."""
    engine = stack.app.extensions["pcsync.db"].engine
    table = AuditEntry.__table__
    with engine.begin() as connection:
        for first in range(0, ROWS, BATCH):
            connection.execute(
                table.insert(),
                [
                    {
                        "at": start + timedelta(seconds=i),
                        "action": "opportunity.sync",
                        "outcome": "updated",
                        "source": "hubspot",
                        "actor": "pcsync.sync_hubspot_object",
                        "object_type": "deal",
                        "object_id": str(5_000_000 + i),
                        "opportunity_id": f"O{1_000_000 + i}",
                        "diff": {
                            "partner_central": [{"path": "LifeCycle.NextSteps", "after": "x" * 80}]
                        },
                        "message": None,
                    }
                    for i in range(first, first + BATCH)
                ],
            )


def export_peak_kb(stack, tmp_path, fmt: str, start, end) -> tuple[int, int]:
    """Peak RSS (KB) of one `pcsync audit export` process, and rows written."""
    out = tmp_path / f"export-{fmt}-{end.timestamp():.0f}.{fmt}"
    command = [sys.executable, "-m", "pcsync.cli", "audit", "export", "--format", fmt]
    command += ["--from", start.isoformat(), "--to", end.isoformat(), "--output", str(out)]
    measured = subprocess.run(
        [sys.executable, "-c", MEASURE, *command],
        env=stack.environment(),
        capture_output=True,
        text=True,
        check=True,
    )
    with out.open() as lines:
        written = sum(1 for _ in lines) - (1 if fmt == "csv" else 0)
    if fmt == "jsonl":
        json.loads(out.read_text().splitlines()[-1])  # each line a document
    return int(measured.stdout.split()[-1]), written


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_export_of_100000_rows_keeps_memory_flat(stack, tmp_path, fmt):
    start = utcnow() - timedelta(days=30)
    fill(stack, start)
    small_kb, small_rows = export_peak_kb(
        stack, tmp_path, fmt, start, start + timedelta(seconds=SMALL)
    )
    large_kb, large_rows = export_peak_kb(stack, tmp_path, fmt, start, utcnow())
    database = stack.app.extensions["pcsync.settings"].database_url.split(":")[0]
    print(
        f"\naudit export {fmt} on {database}: {small_rows} rows peak RSS {small_kb / 1024:.1f} MB;"
        f" {large_rows} rows peak RSS {large_kb / 1024:.1f} MB"
    )
    assert (small_rows, large_rows) == (SMALL, ROWS)
    assert large_kb - small_kb < MARGIN_KB
