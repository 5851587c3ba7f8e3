"""The overview's chart: Partner Central writes per hour over the last 24
hours, drawn as server-side SVG against the write quota (1 per second, which
caps an hour at 3,600, and 10,000 per rolling day, an average of 417 an hour).

The counts come from the limiter's daily moving window, which logs the time
of every write token any worker took, so the chart is the account's spending
as Partner Central counts it, not one process's view.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

HOUR = 3600
HOURS = 24
WIDTH, HEIGHT = 720, 260
LEFT, RIGHT, TOP, BOTTOM = 56, 12, 16, 36  # margins for the axis labels


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    count: int
    label: str  # the hour it starts, "14:00" UTC


@dataclass(frozen=True)
class Line:
    y: float
    per_hour: int
    label: str


def writes_per_hour(limiter, group: str = "pc-write") -> list[int] | None:
    """Writes in each of the last 24 hours, oldest first; None when the
    group's daily window keeps no timestamps."""
    totals = [limiter.hits_within(group, hours * HOUR) for hours in range(1, HOURS + 1)]
    if None in totals:
        return None
    latest_first = [totals[0]] + [totals[i] - totals[i - 1] for i in range(1, HOURS)]
    return list(reversed(latest_first))


def build_chart(counts: list[int], now: datetime, per_second: int, per_day: int) -> dict:
    """Geometry for the template: bars, the two quota lines, the y scale."""
    ceiling = per_second * HOUR
    top = max(ceiling, max(counts, default=0))
    plot_height = HEIGHT - TOP - BOTTOM
    slot = (WIDTH - LEFT - RIGHT) / len(counts)

    def y_of(value: float) -> float:
        return TOP + plot_height * (1 - value / top)

    average = round(per_day / HOURS)
    first_hour = now.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
    first_hour -= timedelta(hours=len(counts) - 1)
    bars = [
        Bar(
            x=LEFT + i * slot + 2,
            y=y_of(count),
            width=slot - 4,
            height=TOP + plot_height - y_of(count),
            count=count,
            label=(first_hour + timedelta(hours=i)).strftime("%H:00"),
        )
        for i, count in enumerate(counts)
    ]
    lines = [
        Line(y_of(ceiling), ceiling, f"{per_second}/s = {ceiling:,}/h"),
        Line(y_of(per_day / HOURS), average, f"{per_day:,}/day ≈ {average}/h"),
    ]
    return {
        "width": WIDTH,
        "height": HEIGHT,
        "left": LEFT,
        "right": WIDTH - RIGHT,
        "baseline": TOP + plot_height,
        "bars": bars,
        "lines": lines,
        "total": sum(counts),
    }
