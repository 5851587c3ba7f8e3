"""Failed tasks the database could not take, kept on local disk until it can.

A task that fails for good is stored in `failed_tasks` for operators to see
and replay. When that write fails too (the failure was the database going
away), the row is written here as one JSON file instead, and moved into
`failed_tasks` by the next successful failure write, at worker start and by
each pending sweep on this machine. Files are written to a temporary name and
renamed, so a crash never leaves half a row; a file is deleted only after its
row is committed (a crash in between stores the row twice, never zero times).
"""

from __future__ import annotations

import json
import logging
import os
import uuid
from collections.abc import Callable
from pathlib import Path

log = logging.getLogger(__name__)

SPOOL_FOLDER = "failure-spool"


def spool_folder(data_dir: Path) -> Path:
    return data_dir / SPOOL_FOLDER


def spool(folder: Path, row: dict) -> Path:
    """Write one failed-task row (JSON-ready values) durably; return its file."""
    folder.mkdir(parents=True, exist_ok=True)
    final = folder / f"{uuid.uuid4().hex}.json"
    temporary = final.with_suffix(".tmp")
    with temporary.open("w", encoding="utf-8") as handle:
        json.dump(row, handle, default=str)
        handle.flush()
        os.fsync(handle.fileno())
    temporary.rename(final)
    return final


def spooled(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.json")) if folder.is_dir() else []


def drain(folder: Path, store: Callable[[dict], None]) -> int:
    """Hand each spooled row to `store` (which commits it), oldest first, and
    delete its file; stop at the first failure (the database is still away)."""
    moved = 0
    for path in spooled(folder):
        store(json.loads(path.read_text(encoding="utf-8")))
        path.unlink()
        moved += 1
    if moved:
        log.info("failures.spool_drained", extra={"rows": moved})
    return moved
