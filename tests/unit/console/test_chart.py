"""The overview chart: writes per hour from the limiter's daily window, and
its geometry against the write quota."""

from __future__ import annotations

from datetime import UTC, datetime

from ingest.console.chart import HOUR, build_chart, writes_per_hour


def spend(limiter, clock, writes: int) -> None:
    for _ in range(writes):
        assert limiter.acquire("pc-write").allowed
        clock.advance(1.5)  # past the 1-per-second window


def test_writes_land_in_the_hour_they_were_made(make_limiter, fake_clock):
    limiter = make_limiter()
    spend(limiter, fake_clock, 3)  # 26 hours before the chart: outside the day
    fake_clock.advance(2.5 * HOUR)
    spend(limiter, fake_clock, 5)  # 23.5 hours before: the oldest hour
    fake_clock.advance(13 * HOUR)
    spend(limiter, fake_clock, 2)  # 10.5 hours before
    fake_clock.advance(10.3 * HOUR)
    spend(limiter, fake_clock, 4)  # this hour
    fake_clock.advance(0.2 * HOUR)

    counts = writes_per_hour(limiter)

    assert len(counts) == 24
    assert (counts[0], counts[13], counts[23]) == (5, 2, 4)
    assert sum(counts) == 11 == limiter.hits_within("pc-write", 24 * HOUR)


def test_no_chart_without_per_write_times(make_limiter):
    # HubSpot's daily window is a sliding-window counter: no timestamps kept.
    assert make_limiter().hits_within("hubspot", HOUR) is None
    assert writes_per_hour(make_limiter(), group="hubspot") is None


def test_bars_scale_to_the_hourly_ceiling_of_one_write_per_second():
    counts = [0] * 22 + [1800, 3600]
    now = datetime(2026, 12, 5, 9, 40, tzinfo=UTC)

    chart = build_chart(counts, now, per_second=1, per_day=10_000)

    bars, (ceiling, average) = chart["bars"], chart["lines"]
    assert [bar.label for bar in bars][:2] == ["10:00", "11:00"]
    assert bars[-1].label == "09:00"
    assert bars[-1].y == ceiling.y  # a full hour at 1/s reaches the ceiling line
    assert bars[-2].height * 2 == bars[-1].height
    assert bars[0].height == 0
    assert (ceiling.per_hour, ceiling.label) == (3600, "1/s = 3,600/h")
    assert (average.per_hour, average.label) == (417, "10,000/day ≈ 417/h")
    assert chart["total"] == 5400
