"""`pcsync ingest`'s gunicorn command line."""

from __future__ import annotations

from dataclasses import replace

from pcsync.cli import gunicorn_command


def control_socket(command: list[str]) -> str:
    return command[command.index("--control-socket") + 1]


def test_the_two_sides_of_a_split_ingest_do_not_share_a_control_socket(make_settings):
    settings = make_settings()
    sockets = {
        serves: control_socket(gunicorn_command(replace(settings, ingest_serves=serves), 2))
        for serves in ("all", "webhooks", "management")
    }
    assert sockets["all"] == str(settings.data_dir / "gunicorn.ctl")
    assert len(set(sockets.values())) == 3
    assert all(socket.startswith(str(settings.data_dir)) for socket in sockets.values())


def test_the_command_runs_gthread_with_the_configured_workers_and_threads(make_settings):
    command = gunicorn_command(make_settings(ingest_threads=5), 3)
    assert command[command.index("--workers") + 1] == "3"
    assert command[command.index("--worker-class") + 1] == "gthread"
    assert command[command.index("--threads") + 1] == "5"
