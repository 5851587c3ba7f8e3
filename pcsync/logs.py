"""Structured JSON logs that never carry a secret.

Secrets are scrubbed at the handler, not at each call site, so a new log line
cannot leak a token by accident: configured secret values, bearer tokens and
HubSpot signature header values are replaced before formatting.
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from pythonjsonlogger.json import JsonFormatter

REDACTED = "[REDACTED]"

# Values that look like credentials whatever their origin.
_PATTERNS = [
    re.compile(r"(?i)(bearer\s+)[A-Za-z0-9._~+/=-]+"),
    re.compile(r"(?i)(x-hubspot-signature(?:-v3)?['\"]?\s*[:=]\s*['\"]?)[A-Za-z0-9+/=]+"),
    re.compile(r"(?i)(x-pcsync-events-secret['\"]?\s*[:=]\s*['\"]?)[^\s'\",}]+"),
    re.compile(
        r"(?i)((?:access_token|client_secret|password|api_token)['\"]?\s*[:=]\s*['\"]?)[^\s'\",}]+"
    ),
    # botocore at DEBUG prints each request's headers (a dict with bytes
    # values) and the SigV4 canonical request (`name:value` lines): the
    # Authorization header names the access key id, X-Amz-Security-Token is
    # a live session credential.
    re.compile(r"(?i)(authorization['\"]?\s*[:=]\s*b?['\"]?)[^'\"\n}]+"),
    re.compile(r"(?i)(x-amz-security-token['\"]?\s*[:=]\s*b?['\"]?)[^\s'\",}]+"),
    re.compile(
        r"(?i)((?:aws_)?(?:secret_access_key|session_token)['\"]?\s*[:=]\s*['\"]?)[^\s'\",}]+"
    ),
    re.compile(r"(Credential=)[^\s/,'\"]+"),
    # An access key id anywhere (AKIA long-term, ASIA temporary).
    re.compile(r"()\b(?:AKIA|ASIA)[A-Z0-9]{16}\b"),
]

_STANDARD_ATTRS = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message"}


class RedactingFilter(logging.Filter):
    def __init__(self, secrets: Iterable[str] = ()):
        super().__init__()
        self.secrets = sorted({s for s in secrets if s}, key=len, reverse=True)

    def redact(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, REDACTED)
        for pattern in _PATTERNS:
            text = pattern.sub(lambda m: m.group(1) + REDACTED, text)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = self.redact(record.getMessage())
        record.args = ()
        for key, value in list(vars(record).items()):
            if key not in _STANDARD_ATTRS and isinstance(value, str):
                setattr(record, key, self.redact(value))
        if record.exc_info and record.exc_info[1] is not None:
            record.exc_text = self.redact(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        return True


def configure_logging(level: str = "INFO", secrets: Iterable[str] = (), json: bool = True) -> None:
    """Install one stderr handler on the root logger (idempotent)."""
    handler = logging.StreamHandler(sys.stderr)
    if json:
        handler.setFormatter(
            JsonFormatter(
                "%(asctime)s %(levelname)s %(name)s %(message)s",
                rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
                datefmt="%Y-%m-%dT%H:%M:%S%z",
            )
        )
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    handler.addFilter(RedactingFilter(secrets))
    root = logging.getLogger()
    for existing in [h for h in root.handlers if getattr(h, "_pcsync", False)]:
        root.removeHandler(existing)
    handler._pcsync = True
    root.addHandler(handler)
    root.setLevel(level)


class _ThroughProgressBars:
    """A stream for log lines that writes through tqdm, which takes its bars
    off the terminal line first and draws them again below the log line."""

    def write(self, text: str) -> None:
        from tqdm import tqdm

        tqdm.write(text, file=sys.stderr, end="")

    def flush(self) -> None:
        sys.stderr.flush()


@contextmanager
def around_progress_bars() -> Iterator[None]:
    """While a tqdm bar is on stderr, keep each log line whole on its own line."""
    handlers = [h for h in logging.getLogger().handlers if getattr(h, "_pcsync", False)]
    previous = [handler.setStream(_ThroughProgressBars()) for handler in handlers]
    try:
        yield
    finally:
        for handler, stream in zip(handlers, previous, strict=True):
            if stream is not None:
                handler.setStream(stream)
