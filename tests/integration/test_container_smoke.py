"""The container smoke check CI runs (`.ci/smoke-image`): the image's
service, installed from the wheel `pip wheel` builds, starts as an
unprivileged user in a root-owned working directory and keeps running."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration
SCRIPT = Path(__file__).resolve().parents[2] / ".ci" / "smoke-image"


def test_beat_keeps_running_as_the_image_runs_it():
    done = subprocess.run(
        [str(SCRIPT)],
        env={**os.environ, "SMOKE_SECONDS": "6"},
        capture_output=True,
        text=True,
        timeout=280,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "beat ran 6s" in done.stdout
