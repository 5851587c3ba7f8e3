"""Processes that open a fresh SQLite file at the same moment (the ingest and
the worker on a first start) all get it, in WAL mode: switching a new file
to WAL needs a lock SQLite does not wait for (models/db.py::use_wal)."""

from __future__ import annotations

import multiprocessing

from workers.sqlite_store import SQLiteStorage

PROCESSES = 3
TRIALS = 100


def open_store(path: str, start, results) -> None:
    start.wait(timeout=30)
    try:
        SQLiteStorage(f"pcsync-sqlite://{path}")
        results.put(None)
    except Exception as exc:  # reported to the test, which names it
        results.put(f"{type(exc).__name__}: {exc}")


def test_processes_opening_a_fresh_limiter_file_at_once_all_succeed(tmp_path):
    context = multiprocessing.get_context("fork")
    failures = []
    for trial in range(TRIALS):
        start, results = context.Barrier(PROCESSES), context.Queue()
        path = str(tmp_path / f"limiter-{trial}.sqlite3")
        children = [
            context.Process(target=open_store, args=(path, start, results))
            for _ in range(PROCESSES)
        ]
        for child in children:
            child.start()
        failures += [r for r in (results.get(timeout=60) for _ in children) if r]
        for child in children:
            child.join()
    assert failures == []
