"""Faults against real processes: private Redis and PostgreSQL servers on free
ports (stopped and started by the tests; the machine's shared servers are
never touched), real `pcsync worker` and `pcsync beat` processes, and the
simulators and ingest of the integration stack."""

from __future__ import annotations

import glob
import itertools
import os
import shutil
import signal
import subprocess
import tempfile
import uuid
from pathlib import Path

import pytest
import redis
import sqlalchemy as sa

from models.migrate import upgrade
from tests.conftest import service_missing
from tests.integration.stack import Stack, build_stack, free_port, wait_for

# Short bounds so a fault heals within a test: a lost task is re-queued
# 3 s past its due time, by a sweep every 1.5 s.
PENDING_MARGIN_SECONDS = 3.0


class PrivateRedis:
    """A redis-server of our own; `persistent` = AOF with fsync on every write."""

    def __init__(self, folder: Path, persistent: bool) -> None:
        self.folder, self.persistent, self.port = folder, persistent, free_port()
        self.process: subprocess.Popen | None = None
        folder.mkdir(parents=True, exist_ok=True)

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        if shutil.which("redis-server") is None:
            service_missing("redis-server", FileNotFoundError("redis-server not installed"))
        persistence = ["--appendonly", "yes", "--appendfsync", "always"]
        if not self.persistent:
            persistence = ["--appendonly", "no"]
        command = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1"]
        command += ["--save", "", "--dir", str(self.folder), *persistence]
        log = open(self.folder / "redis.log", "ab")  # noqa: SIM115
        self.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        log.close()
        client = redis.Redis.from_url(self.url, socket_connect_timeout=0.5)
        wait_for(lambda: _pings(client), timeout=20)
        client.close()

    def stop(self) -> None:
        """Kill it (no shutdown save): what a crash or an OOM kill does."""
        if self.process is not None:
            self.process.kill()
            self.process.wait(timeout=10)
            self.process = None


def _pings(client: redis.Redis) -> bool:
    try:
        return bool(client.ping())
    except redis.exceptions.ConnectionError:
        return False


class PrivatePostgres:
    """A PostgreSQL cluster of our own (initdb, pg_ctl), trust auth on loopback."""

    def __init__(self, folder: Path) -> None:
        self.folder, self.port = folder, free_port()
        candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin"))
        if not candidates:
            service_missing("PostgreSQL server binaries", FileNotFoundError("no initdb"))
        self.bin = Path(candidates[-1])

    def _run(self, *command: str) -> None:
        # PostgreSQL refuses to run as root: use its own account when we are.
        prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        subprocess.run([*prefix, *command], check=True, capture_output=True, timeout=120)

    def init(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            shutil.chown(self.folder, "postgres", "postgres")
        self._run(
            str(self.bin / "initdb"),
            "-D",
            str(self.folder / "data"),
            "-A",
            "trust",
            "-U",
            "postgres",
        )

    def start(self) -> None:
        options = f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.folder}"
        self._run(
            str(self.bin / "pg_ctl"),
            "-D",
            str(self.folder / "data"),
            "-o",
            options,
            "-l",
            str(self.folder / "postgres.log"),
            "-w",
            "start",
        )

    def stop(self) -> None:
        self._run(
            str(self.bin / "pg_ctl"), "-D", str(self.folder / "data"), "-m", "fast", "-w", "stop"
        )

    def admin_url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"


@pytest.fixture(scope="session")
def private_postgres():
    # Not under pytest's basetemp: that folder is private to the user running
    # the tests, and the server may run as `postgres`.
    folder = Path(tempfile.mkdtemp(prefix="pcsync-chaos-pg-"))
    os.chmod(folder, 0o755)
    server = PrivatePostgres(folder / "cluster")
    server.init()
    server.start()
    yield server
    server.stop()
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def private_database(private_postgres):
    """A fresh database in the private cluster, migrated to head."""
    name = f"chaos_{uuid.uuid4().hex[:10]}"
    # No pool: the server restarts under some tests.
    admin = sa.create_engine(
        private_postgres.admin_url(), isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool
    )
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = private_postgres.admin_url(name)
    upgrade(url)
    yield url
    with admin.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


class ChaosStack:
    """The integration stack on private servers, with real worker and beat processes."""

    def __init__(self, stack: Stack, redis_server: PrivateRedis) -> None:
        self.stack, self.redis = stack, redis_server
        self.processes: dict[str, subprocess.Popen] = {}
        self._started = itertools.count(1)  # each process its own log

    def start(self, kind: str, name: str, *args: str) -> subprocess.Popen:
        """`pcsync worker` or `pcsync beat`, remembered under `name`."""
        process = self.stack.start_process(kind, f"{name}-{next(self._started)}", *args)
        self.processes[name] = process
        return process

    def start_worker(self, name: str = "worker") -> subprocess.Popen:
        return self.start("worker", name, "--concurrency", "2", "--hostname", f"{name}@%h")

    def kill(self, name: str, sig: int = signal.SIGKILL) -> None:
        process = self.processes.pop(name)
        os.killpg(process.pid, sig)
        process.wait(timeout=60)

    def stop(self) -> None:
        for name in list(self.processes):
            self.kill(name, signal.SIGTERM)
        self.stack.stop()


@pytest.fixture
def make_chaos_stack(make_settings, monkeypatch, tmp_path):
    built: list[ChaosStack] = []

    def build(database_url: str, persistent_redis: bool = False, **overrides) -> ChaosStack:
        redis_server = PrivateRedis(tmp_path / "redis", persistent_redis)
        redis_server.start()
        stack = build_stack(
            make_settings,
            database_url,
            redis_server.url,
            monkeypatch,
            pending_margin_seconds=PENDING_MARGIN_SECONDS,
            **overrides,
        )
        # HubSpot retries for 24 h; the simulator's default gives up after 8 s,
        # shorter than the outages here.
        stack.hubspot.set_delivery(retry_delays=[1, 2, 4, 8, 8, 8, 8, 8, 8, 8])
        chaos = ChaosStack(stack, redis_server)
        built.append(chaos)
        return chaos

    yield build
    for chaos in built:
        chaos.stop()
        chaos.redis.stop()
