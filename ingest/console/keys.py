"""The key that signs console sessions and CSRF tokens.

PCSYNC_SECRET_KEY when set; otherwise one generated on first start and kept
in the data dir, so sessions survive restarts and every gunicorn worker of
one deployment signs with the same key.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from pcsync.config import Settings

KEY_FILE = "console-secret-key"


def console_secret_key(settings: Settings) -> str:
    if settings.secret_key:
        return settings.secret_key
    path = settings.data_dir / KEY_FILE
    if not path.exists():
        _create_once(path, secrets.token_urlsafe(48))
    return path.read_text().strip()


def _create_once(path: Path, key: str) -> None:
    """Write the key under a temporary name, then link it into place: the
    link fails if another worker got there first, and nobody ever reads a
    half-written file. Readable by the owner only."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        handle.write(key)
    try:
        os.link(temporary, path)
    except FileExistsError:
        pass  # another process's key won; it is the one everybody reads
    finally:
        temporary.unlink()
