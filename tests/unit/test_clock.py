"""One clock: business times come from the app's clock, which tests inject."""

from __future__ import annotations

from datetime import UTC, date, datetime

from models.base import utcnow
from pcsync import runtime
from pcsync.app import create_base_app
from workers.sync.context import Run
from workers.sync.deal_status import now_iso

INSTANT = 1_800_000_000.5  # 2027-01-15 08:00:00.5 UTC


def test_business_times_follow_the_injected_clock(make_settings, tmp_path):
    settings = make_settings(database_url=f"sqlite:///{tmp_path / 'pcsync.sqlite3'}")
    app = create_base_app(settings, clock=lambda: INSTANT)
    with app.app_context():
        assert runtime.utc_now() == datetime(2027, 1, 15, 8, 0, 0, 500_000, tzinfo=UTC)
        assert Run("test", None, "schedule").today == date(2027, 1, 15)
        assert now_iso() == "2027-01-15T08:00:00.500Z"
        assert utcnow() == runtime.utc_now()  # the column defaults of rows the app writes


def test_rows_written_outside_any_app_are_stamped_by_the_real_clock():
    before = datetime.now(UTC)
    assert before <= utcnow() <= datetime.now(UTC)
