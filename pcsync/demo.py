"""Starting the embedded demo over: `pcsync reset --demo`, and `pcsync run`
with simulators.

The simulators keep their state in memory and restart empty, handing out the
same ids again (the first opportunity is always O1000001). A database that
survived the previous run would then point at objects that no longer exist,
or worse, at different ones with the same ids. So whenever the simulators
start empty the demo's stored state goes too: the SQLite database, the
embedded broker's queued tasks and beat's schedule.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from models.migrate import upgrade
from pcsync import runinfo
from pcsync.config import Settings

# Folders and files under the data dir that belong to one run of the demo:
# queued tasks name objects of the old simulators, and beat's schedule.
RUN_STATE = ("broker", "celerybeat-schedule*")


class ResetRefused(Exception):
    """The demo state cannot be reset; the message says why. Nothing was removed."""


def sqlite_file(database_url: str) -> Path | None:
    """The file of a SQLite URL, None for any other database (or in-memory)."""
    if not database_url.startswith("sqlite"):
        return None
    location = database_url.split(":///", 1)[-1]
    return Path(location) if location and location != ":memory:" else None


def reset(settings: Settings) -> list[Path]:
    """Remove the demo's stored state and migrate a fresh database; returns
    what was removed. Refuses (removing nothing) beside a live `pcsync run`
    or for a database that is not a SQLite file: those are not demo data."""
    if runinfo.running(settings.data_dir) is not None:
        raise ResetRefused(
            f"a `pcsync run` is using {settings.data_dir}; stop it (Ctrl-C) before resetting"
        )
    database = sqlite_file(settings.database_url)
    if database is None:
        raise ResetRefused(
            "only the embedded SQLite demo database is reset; "
            "DATABASE_URL points at another database, which is left alone"
        )
    removed = [_remove(p) for p in _demo_files(database, settings.data_dir) if p.exists()]
    upgrade(settings.database_url)
    return removed


def _demo_files(database: Path, data_dir: Path) -> list[Path]:
    # SQLite's journal files go with the database (WAL mode keeps -wal, -shm).
    files = [
        database.with_name(database.name + suffix) for suffix in ("", "-wal", "-shm", "-journal")
    ]
    for pattern in RUN_STATE:
        files.extend(sorted(data_dir.glob(pattern)))
    return files


def _remove(target: Path) -> Path:
    if target.is_dir():
        shutil.rmtree(target)
    else:
        target.unlink()
    return target
