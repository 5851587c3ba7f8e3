"""Benchmark: delay from a HubSpot change to its `UpdateOpportunity`, at a
steady rate of changes, under the real Partner Central quota (1 write/s).

The service runs as `sync_calls` runs it (both simulators, the ingest over
HTTP, SQLite, the memory broker, a Celery worker in this process) but with
the real quotas and pcsync's own limiter, whose store is a file in the
run's temporary data dir: nothing on a shared server is touched, and the
directory is removed afterwards. The worker uses a pool of threads, as the
embedded `pcsync worker` does.

One linked deal per change; change i edits deal i's amount at
start + i / rate through the HubSpot simulator, which sends its signed
webhooks to the ingest. The delay of a change is the time from the edit to
the first successful `UpdateOpportunity` of its opportunity, as the Partner
Central simulator logged it.

At a rate above the quota, a change also waits for the changes ahead of it:
change i cannot be written before the i writes ahead of it, one per slot,
so the report also gives each delay minus that queue wait (it is bounded by
the debounce and one sync's work when the queue is first come, first served).

    .venv/bin/python -m benchmarks.latency [--rate 1] [--seconds 60] [--debounce 2]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections import Counter
from dataclasses import dataclass

from benchmarks.sync_calls import Bench, running_bench, seed
from workers.limiter import SLOT_SAFETY

# The published Partner Central quotas (writes 1/s and 10,000/day, reads
# 10/s and 100,000/day), which the simulator starts with too.
AWS_QUOTAS = {
    "write_per_second": 1,
    "write_per_day": 10_000,
    "read_per_second": 10,
    "read_per_day": 100_000,
}
SLOT_SECONDS = 1.0 + SLOT_SAFETY  # pcsync's spacing of Partner Central writes
DRAIN_TIMEOUT = 900.0


@dataclass
class Change:
    deal_id: str
    opportunity_id: str
    edited_at: float = 0.0
    written_at: float | None = None

    @property
    def delay(self) -> float | None:
        return None if self.written_at is None else self.written_at - self.edited_at


def run_changes(bench: Bench, changes: list[Change], rate: float) -> None:
    """Edit one deal every 1/rate seconds, on a fixed schedule."""
    start = time.time()
    for number, change in enumerate(changes):
        pause = start + number / rate - time.time()
        if pause > 0:
            time.sleep(pause)
        change.edited_at = time.time()
        bench.hubspot.update_object("deals", change.deal_id, {"amount": str(70_000 + number)})


def record_writes(bench: Bench, changes: list[Change]) -> None:
    by_opportunity = {change.opportunity_id: change for change in changes}
    for call in bench.pc.calls("UpdateOpportunity"):
        change = by_opportunity.get(call["parameters"].get("Identifier"))
        if not change or call["status"] != 200 or call["time"] < change.edited_at:
            continue
        if change.written_at is None or call["time"] < change.written_at:
            change.written_at = call["time"]


def queue_wait(number: int, rate: float) -> float:
    """How long change ``number`` must wait for the writes ahead of it."""
    return max(0.0, number * SLOT_SECONDS - number / rate)


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def overtaken(changes: list[Change]) -> int:
    """Changes written after a change that was made later than them."""
    written = [c for c in changes if c.written_at is not None]
    return sum(
        1
        for number, earlier in enumerate(written)
        if any(later.written_at < earlier.written_at for later in written[number + 1 :])
    )


def print_report(bench: Bench, changes: list[Change], args, seconds: float) -> None:
    delays = [c.delay for c in changes if c.delay is not None]
    beyond_queue = [
        c.delay - queue_wait(number, args.rate)
        for number, c in enumerate(changes)
        if c.delay is not None
    ]
    calls = Counter(
        c["operation"] if c["status"] == 200 else f"{c['operation']} ({c['error_type']})"
        for c in bench.pc.calls()
    )
    runs = ", ".join(f"{t} {s} x{n}" for (t, s), n in sorted(bench.tracker.runs.items()))
    print(
        f"pcsync latency benchmark: {len(changes)} changes at {args.rate:g}/s for "
        f"{args.seconds:g}s, debounce {args.debounce:g}s, Partner Central at 1 write/s; "
        f"worker: {args.concurrency} threads; SQLite + memory broker + limiter file in the "
        f"data dir; all written after {seconds:.1f}s"
    )
    print(f"   written: {len(delays)} of {len(changes)}")
    if delays:
        print(
            f"   webhook -> UpdateOpportunity: p50 {percentile(delays, 0.5):.2f}s, "
            f"p95 {percentile(delays, 0.95):.2f}s, max {max(delays):.2f}s, "
            f"mean {statistics.mean(delays):.2f}s"
        )
        print(
            f"   minus the wait for the writes ahead (1 per {SLOT_SECONDS:g}s): "
            f"p50 {percentile(beyond_queue, 0.5):.2f}s, p95 {percentile(beyond_queue, 0.95):.2f}s, "
            f"max {max(beyond_queue):.2f}s"
        )
    print(f"   changes written after a later change: {overtaken(changes)}")
    print(
        f"   per change: GetOpportunity {calls['GetOpportunity'] / len(changes):.2f}, "
        f"UpdateOpportunity {calls['UpdateOpportunity'] / len(changes):.2f}"
    )
    print(f"   Partner Central calls: {dict(sorted(calls.items()))}")
    print(f"   task runs: {runs or 'none'}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rate", type=float, default=1.0, help="changes per second")
    parser.add_argument("--seconds", type=float, default=60.0, help="how long changes come")
    parser.add_argument("--debounce", type=float, default=2.0, help="PCSYNC_DEBOUNCE_SECONDS")
    parser.add_argument("--concurrency", type=int, default=4, help="worker threads")
    args = parser.parse_args()
    with running_bench(args.debounce, raised=False) as bench:
        count = max(1, round(args.rate * args.seconds))
        seeded = seed(bench, count, threads=4)
        bench.pc.set_quotas(**AWS_QUOTAS)
        changes = [
            Change(deal, opportunity)
            for deal, opportunity in zip(seeded.deal_ids, seeded.opportunity_ids, strict=True)
        ]
        with bench.worker(pool="threads", concurrency=args.concurrency):
            bench.tracker.reset()
            started = time.time()
            run_changes(bench, changes, args.rate)
            bench.wait_drained(DRAIN_TIMEOUT)
            seconds = time.time() - started
        record_writes(bench, changes)
        print_report(bench, changes, args, seconds)
    return 0


if __name__ == "__main__":
    sys.exit(main())
