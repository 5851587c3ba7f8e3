"""The limiter fixtures (fake clock, fakeredis and memory storage) of the
limiter's own tests, for the chart that reads the limiter."""

from tests.unit.workers.conftest import (  # noqa: F401 - fixtures
    fake_clock,
    fake_pool,
    fake_server,
    make_limiter,
)
