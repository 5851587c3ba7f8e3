"""`pcsync run` as a new user starts it (`make run`): a real subprocess with
embedded defaults and the simulators, on free ports, in a temporary data
dir, with none of pcsync's settings in its environment. CLI commands run
beside it the same way, from a shell that only knows the data dir."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import requests

from tests.integration.stack import free_port, wait_for

# Variables of a developer's or CI's shell that would change what `pcsync
# run` does (credentials turn the simulators off).
_FOREIGN_PREFIXES = ("PCSYNC_", "HUBSPOT_", "PC_", "AWS_", "PROMETHEUS_")
_FOREIGN_NAMES = ("DATABASE_URL", "CELERY_BROKER_URL", "REDIS_URL")


def clean_environment(data_dir: Path, **extra: str) -> dict[str, str]:
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(_FOREIGN_PREFIXES) and name not in _FOREIGN_NAMES
    }
    return {**env, "PCSYNC_DATA_DIR": str(data_dir), **extra}


@dataclass
class DemoRun:
    data_dir: Path
    process: subprocess.Popen
    ingest_port: int
    pc_port: int
    hubspot_port: int
    output: Path

    @property
    def public_url(self) -> str:
        return f"http://127.0.0.1:{self.ingest_port}"

    @property
    def pc(self) -> str:
        return f"http://127.0.0.1:{self.pc_port}"

    @property
    def hs(self) -> str:
        return f"http://127.0.0.1:{self.hubspot_port}"

    def banner(self) -> str:
        return self.output.read_text()

    def cli(self, *args: str, **extra_env: str) -> subprocess.CompletedProcess:
        """A CLI command from another shell: only the data dir is known."""
        return subprocess.run(
            [sys.executable, "-m", "pcsync.cli", *args],
            env=clean_environment(self.data_dir, **extra_env),
            cwd=self.data_dir.parent,
            capture_output=True,
            text=True,
            timeout=180,
        )

    def stop(self) -> int:
        """Ctrl-C, as a user stops it."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
        try:
            return self.process.wait(timeout=90)
        except subprocess.TimeoutExpired:
            self.process.kill()
            return self.process.wait()


# Free ports are picked here and bound later by `pcsync run`'s children:
# another test process may take one in between. `pcsync run` then stops
# with "already in use" and the start is tried again on other ports.
PORT_RACE_TRIES = 3


def start(data_dir: Path, **extra_env: str) -> DemoRun:
    for _ in range(PORT_RACE_TRIES - 1):
        try:
            return _start_once(data_dir, **extra_env)
        except PortTaken:
            continue
    return _start_once(data_dir, **extra_env)


class PortTaken(AssertionError):
    pass


def run_command(ingest_port: int, pc_port: int, hubspot_port: int) -> list[str]:
    ports = ["--pc-port", str(pc_port), "--hubspot-port", str(hubspot_port)]
    return [sys.executable, "-m", "pcsync.cli", "run", *ports]


def run_environment(data_dir: Path, ingest_port: int, **extra_env: str) -> dict[str, str]:
    return clean_environment(
        data_dir,
        PCSYNC_INGEST_BIND=f"127.0.0.1:{ingest_port}",
        PCSYNC_PUBLIC_URL=f"http://127.0.0.1:{ingest_port}",
        PCSYNC_DEBOUNCE_SECONDS="0.5",
        **extra_env,
    )


def _start_once(data_dir: Path, **extra_env: str) -> DemoRun:
    ingest_port, pc_port, hubspot_port = free_port(), free_port(), free_port()
    output = data_dir.parent / f"run-{time.monotonic_ns()}.out"
    errors = output.with_suffix(".err")
    with output.open("w") as sink, errors.open("w") as error_sink:
        process = subprocess.Popen(
            run_command(ingest_port, pc_port, hubspot_port),
            env=run_environment(data_dir, ingest_port, **extra_env),
            cwd=data_dir.parent,
            stdout=sink,
            stderr=error_sink,
        )
    run = DemoRun(data_dir, process, ingest_port, pc_port, hubspot_port, output)
    try:
        # The banner comes after `hubspot setup`: the demo is then ready to use.
        wait_for(lambda: "Press Ctrl-C" in run.banner() or process.poll() is not None, 120, 0.5)
    except AssertionError:
        run.stop()
        raise
    if process.poll() is not None:
        problem = f"pcsync run exited with {process.returncode}: {run.banner()}"
        if "already in use" in errors.read_text():
            raise PortTaken(problem)
        raise AssertionError(f"{problem}\n{errors.read_text()[-3000:]}")
    return run


def get_json(url: str, **kwargs):
    response = requests.get(url, timeout=10, **kwargs)
    response.raise_for_status()
    return response.json()


def post_json(url: str, body: dict):
    response = requests.post(url, json=body, timeout=10)
    response.raise_for_status()
    return response.json()
