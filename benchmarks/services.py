"""Redis and PostgreSQL for one benchmark run, and nothing shared left behind.

Benchmarks run on machines where others' tests and services use the shared
Redis and PostgreSQL. A run therefore starts its own `redis-server` on a free
port (no persistence; stopped at the end) and creates its own uniquely named
database on the PostgreSQL server (`PCSYNC_BENCH_POSTGRES`, an admin URL;
dropped at the end). Either missing: `backends` falls back to SQLite and the
embedded broker and says so.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass

import redis
import sqlalchemy as sa

POSTGRES_ADMIN_URL = os.environ.get(
    "PCSYNC_BENCH_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
START_TIMEOUT_SECONDS = 10.0


@dataclass(frozen=True)
class Backends:
    env: dict[str, str]  # DATABASE_URL and CELERY_BROKER_URL for pcsync
    label: str


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def private_redis() -> Iterator[str]:
    """A redis-server of this run's own, on a free port; its URL."""
    binary = shutil.which("redis-server")
    if binary is None:
        raise RuntimeError("redis-server is not installed")
    port = free_port()
    server = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/0"
    try:
        _wait_for_redis(url)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=30)


def _wait_for_redis(url: str) -> None:
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while True:
        try:
            redis.Redis.from_url(url, socket_connect_timeout=0.5).ping()
            return
        except redis.ConnectionError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


@contextmanager
def private_database(admin_url: str = POSTGRES_ADMIN_URL) -> Iterator[str]:
    """A PostgreSQL database of this run's own; its URL. Dropped afterwards."""
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    name = f"pcsync_bench_{uuid.uuid4().hex[:12]}"
    try:
        with admin.connect() as connection:
            connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
        yield admin.url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@contextmanager
def backends(workdir: str) -> Iterator[Backends]:
    """PostgreSQL + a private Redis broker when both can be had, else SQLite
    and the embedded broker."""
    with ExitStack() as stack:
        try:
            broker = stack.enter_context(private_redis())
            database = stack.enter_context(private_database())
        except (RuntimeError, OSError, redis.RedisError, sa.exc.OperationalError):
            stack.close()
            yield Backends(
                {"DATABASE_URL": f"sqlite:///{workdir}/bench.sqlite3"}, "SQLite + embedded broker"
            )
            return
        yield Backends(
            {"DATABASE_URL": database, "CELERY_BROKER_URL": broker},
            "PostgreSQL (own database) + Redis broker (own server)",
        )
