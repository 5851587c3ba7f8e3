"""The settings a running `pcsync run` computed, published for commands beside it.

`pcsync run` invents what a fresh machine lacks (simulator URLs, credentials,
the demo API token, webhook secrets) and hands them to its children through
the environment. A CLI command started from another shell would not see them,
so the launcher also writes them to `run.json` in the data dir (readable by
its owner only: it holds secrets) and removes the file when it stops. A
command that finds the file of a live `pcsync run` takes every value its own
environment does not set; `pcsync env` prints them for curl users.
"""

from __future__ import annotations

import json
import os
import shlex
from collections.abc import Mapping, MutableMapping
from pathlib import Path

RUN_FILE = "run.json"


def path(data_dir: Path) -> Path:
    return data_dir / RUN_FILE


def publish(data_dir: Path, environment: Mapping[str, str]) -> Path:
    """Write the running service's environment, readable by this user only."""
    target = path(data_dir)
    target.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        json.dump({"pid": os.getpid(), "environment": dict(environment)}, handle, indent=2)
    return target


def withdraw(data_dir: Path) -> None:
    path(data_dir).unlink(missing_ok=True)


def _alive(pid: object) -> bool:
    if not isinstance(pid, int) or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, owned by someone else
        return True
    return True


def running(data_dir: Path) -> dict[str, str] | None:
    """The environment of the live `pcsync run` using `data_dir`, else None
    (no file, a file left by a run that was killed, or an unreadable one)."""
    try:
        published = json.loads(path(data_dir).read_text())
    except (OSError, ValueError):
        return None
    if not isinstance(published, dict) or not _alive(published.get("pid")):
        return None
    environment = published.get("environment")
    return (
        {str(k): str(v) for k, v in environment.items()} if isinstance(environment, dict) else None
    )


def adopt(environ: MutableMapping[str, str]) -> bool:
    """Fill `environ` with the live run's values it does not set itself.
    Values go into the process environment (not only into Settings) because
    botocore reads its credentials from there."""
    data_dir = Path(environ.get("PCSYNC_DATA_DIR", "var")).resolve()
    published = running(data_dir)
    if published is None:
        return False
    for name, value in published.items():
        environ.setdefault(name, value)
    return True


def as_shell(environment: Mapping[str, str]) -> str:
    """`export NAME=value` lines, quoted for POSIX shells (`eval "$(pcsync env)"`)."""
    return "\n".join(f"export {name}={shlex.quote(value)}" for name, value in environment.items())
