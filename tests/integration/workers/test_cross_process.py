"""The limiter and the locks on the real Redis, contended by several OS processes."""

from __future__ import annotations

import itertools
import multiprocessing
from typing import Any

import pytest

from . import _contenders

pytestmark = pytest.mark.integration

PROCESSES = 4
HAMMER_SECONDS = 3.2


def run_contenders(target, args: tuple, processes: int = PROCESSES) -> list[dict[str, Any]]:
    """Run ``target(*args, start, results)`` in fresh (spawned) processes; collect reports."""
    context = multiprocessing.get_context("spawn")
    start = context.Barrier(processes)
    results = context.Queue()
    children = [
        context.Process(target=target, args=(*args, start, results)) for _ in range(processes)
    ]
    for child in children:
        child.start()
    # Drain before joining: a child blocks on exit until its queue data is read.
    reports = [results.get(timeout=120) for _ in children]
    for child in children:
        child.join(timeout=30)
        assert child.exitcode == 0, f"contender {child.pid} exited with {child.exitcode}"
    return reports


def test_pc_write_grants_at_most_one_token_per_second_across_processes(redis_url, key_prefix):
    reports = run_contenders(
        _contenders.hammer_limiter,
        (redis_url, key_prefix, "pc-write", None, HAMMER_SECONDS),
    )
    grants = sorted(grant for report in reports for grant in report["grants"])
    attempts = sum(report["attempts"] for report in reports)
    per_process = {report["pid"]: len(report["grants"]) for report in reports}

    assert attempts > 100 * PROCESSES, "the processes did not really contend"
    assert len(grants) >= 3, f"expected a grant every second, got {per_process}"
    # Grant i happened somewhere in [before_i, after_i]. If two grants could fall
    # in one 1-second window, the later one's `after` would be within 1 s of the
    # earlier one's `before`.
    for (earlier_before, _), (_, later_after) in itertools.pairwise(grants):
        assert later_after - earlier_before > 1.0, (
            f"two pc-write grants within one second: {earlier_before:.4f} .. {later_after:.4f}"
            f" (grants per process: {per_process})"
        )


def test_daily_budget_is_shared_by_all_processes(redis_url, key_prefix):
    config = {"tiny": {"limits": ["1000 per 1 second", "25 per 1 day"]}}
    reports = run_contenders(
        _contenders.hammer_limiter,
        (redis_url, key_prefix, "tiny", config, 1.0),
    )
    granted = sum(len(report["grants"]) for report in reports)

    assert granted == 25


def test_lock_is_exclusive_across_processes(redis_url, key_prefix):
    reports = run_contenders(
        _contenders.contend_for_lock,
        (redis_url, key_prefix, "opportunity:AWS:O-contended", 2.0),
    )
    holds = sorted(hold for report in reports for hold in report["holds"])

    assert sum(report["crowded"] for report in reports) == 0
    assert len(holds) >= 10, "the lock was hardly ever taken"
    for (_, earlier_left), (later_entered, _) in itertools.pairwise(holds):
        assert earlier_left <= later_entered, "two processes held the lock at once"
