"""The settings `pcsync run` publishes for commands beside it, and the demo
reset that refuses to touch what is not demo data."""

from __future__ import annotations

import json
import stat
import subprocess
import sys

import pytest

from pcsync import demo, runinfo
from pcsync.config import load_settings


def test_published_settings_are_private_and_adopted_only_where_unset(tmp_path):
    target = runinfo.publish(tmp_path, {"HUBSPOT_ACCESS_TOKEN": "sim", "PC_CATALOG": "Sandbox"})
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    environ = {"PCSYNC_DATA_DIR": str(tmp_path), "PC_CATALOG": "AWS"}

    assert runinfo.adopt(environ) is True

    assert environ == {
        "PCSYNC_DATA_DIR": str(tmp_path),
        "PC_CATALOG": "AWS",
        "HUBSPOT_ACCESS_TOKEN": "sim",
    }
    runinfo.withdraw(tmp_path)
    assert runinfo.running(tmp_path) is None


def test_a_file_left_by_a_killed_run_is_ignored(tmp_path):
    finished = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    )
    dead_pid = int(finished.stdout)
    runinfo.path(tmp_path).write_text(json.dumps({"pid": dead_pid, "environment": {"X": "1"}}))
    environ = {"PCSYNC_DATA_DIR": str(tmp_path)}

    assert runinfo.adopt(environ) is False
    assert environ == {"PCSYNC_DATA_DIR": str(tmp_path)}


def test_shell_lines_are_quoted():
    assert runinfo.as_shell({"A": "x y", "B": "it's"}) == "export A='x y'\nexport B='it'\"'\"'s'"


def test_reset_removes_the_demo_state_and_migrates_a_fresh_database(tmp_path):
    settings = load_settings({"PCSYNC_DATA_DIR": str(tmp_path)})
    demo.reset(settings)
    queued = tmp_path / "broker" / "queue"
    queued.mkdir(parents=True)
    (queued / "task.msg").write_text("{}")
    (tmp_path / "celerybeat-schedule.dat").write_text("")
    (tmp_path / "keep.txt").write_text("not demo state")

    removed = demo.reset(settings)

    assert tmp_path / "pcsync.sqlite3" in removed
    assert not queued.exists() and not (tmp_path / "celerybeat-schedule.dat").exists()
    assert (tmp_path / "keep.txt").exists()
    assert (tmp_path / "pcsync.sqlite3").exists()  # fresh, at the latest schema


def test_reset_refuses_a_database_that_is_not_the_demo_file(tmp_path):
    settings = load_settings(
        {"PCSYNC_DATA_DIR": str(tmp_path), "DATABASE_URL": "postgresql://pcsync@db/pcsync"}
    )
    with pytest.raises(demo.ResetRefused, match="only the embedded SQLite demo database"):
        demo.reset(settings)


def test_reset_refuses_beside_a_live_run(tmp_path):
    settings = load_settings({"PCSYNC_DATA_DIR": str(tmp_path)})
    demo.reset(settings)
    runinfo.publish(tmp_path, {})  # this test process plays the live `pcsync run`
    with pytest.raises(demo.ResetRefused, match="stop it"):
        demo.reset(settings)
    assert (tmp_path / "pcsync.sqlite3").exists()
