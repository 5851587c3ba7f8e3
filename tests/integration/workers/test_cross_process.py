"""The limiter and the locks on the real Redis, contended by several OS processes."""

from __future__ import annotations

import itertools
import json
import multiprocessing
import os
import subprocess
import sys
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


@pytest.fixture(params=["redis", "embedded"])
def store(request: pytest.FixtureRequest, tmp_path) -> dict[str, str]:
    """The limiter's shared store: production's Redis, or the embedded mode's
    file in the data dir (no server at all)."""
    if request.param == "embedded":
        return {"data_dir": str(tmp_path / "var")}
    return {
        "redis_url": request.getfixturevalue("redis_url"),
        "key_prefix": request.getfixturevalue("key_prefix"),
    }


def assert_at_most_one_per_second(grants: list[tuple[float, float]], per_process: dict) -> None:
    # Grant i happened somewhere in [before_i, after_i]. If two grants could fall
    # in one 1-second window, the later one's `after` would be within 1 s of the
    # earlier one's `before`.
    for (earlier_before, _), (_, later_after) in itertools.pairwise(sorted(grants)):
        assert later_after - earlier_before > 1.0, (
            f"two pc-write grants within one second: {earlier_before:.4f} .. {later_after:.4f}"
            f" (grants per process: {per_process})"
        )


def test_pc_write_grants_at_most_one_token_per_second_across_processes(store):
    reports = run_contenders(_contenders.hammer_limiter, (store, "pc-write", None, HAMMER_SECONDS))
    grants = [grant for report in reports for grant in report["grants"]]
    attempts = sum(report["attempts"] for report in reports)
    per_process = {report["pid"]: len(report["grants"]) for report in reports}

    assert attempts > 100 * PROCESSES, "the processes did not really contend"
    assert len(grants) >= 3, f"expected a grant every second, got {per_process}"
    assert_at_most_one_per_second(grants, per_process)


def test_slots_go_out_first_come_first_served_across_three_workers(store):
    reports = run_contenders(_contenders.queue_for_slots, (store, 3), processes=3)
    requests = sorted(
        (request for report in reports for request in report["requests"]),
        key=lambda request: request["granted"],
    )

    assert any(r["slot"] is not None for r in requests), "nobody had to queue"
    # Nobody asked later and was served earlier: the grant order is the order
    # in which the requests reached the shared book.
    for served_first, served_later in itertools.combinations(requests, 2):
        assert served_later["asked"][1] > served_first["asked"][0], (
            f"{served_later['holder']} asked at {served_later['asked']} and was served after "
            f"{served_first['holder']}, which asked later at {served_first['asked']}"
        )
    # Booked slots were honoured: nobody wrote before its slot, none twice a second.
    for request in requests:
        assert request["slot"] is None or request["granted"] >= request["slot"]
    grants = [(r["granted"] - 0.05, r["granted"]) for r in requests]
    assert_at_most_one_per_second(grants, {})


def test_embedded_budget_sees_the_writes_of_other_processes(tmp_path):
    data_dir = tmp_path / "var"
    reports = run_contenders(
        _contenders.hammer_limiter,
        ({"data_dir": str(data_dir)}, "pc-write", None, 2.5),
        processes=2,
    )
    granted = sum(len(report["grants"]) for report in reports)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PCSYNC_", "REDIS_"))}
    env["PCSYNC_DATA_DIR"] = str(data_dir)

    shown = subprocess.run(
        [sys.executable, "-m", "pcsync.cli", "budget", "--json"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )

    daily = json.loads(shown.stdout)["pc-write"][-1]
    assert granted >= 2
    assert daily["remaining"] == daily["limit"] - granted


def test_daily_budget_is_shared_by_all_processes(redis_url, key_prefix):
    config = {"tiny": {"limits": ["1000 per 1 second", "25 per 1 day"]}}
    reports = run_contenders(
        _contenders.hammer_limiter,
        ({"redis_url": redis_url, "key_prefix": key_prefix}, "tiny", config, 1.0),
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
