"""The local resource store: files under a directory, download links signed
with the store's key that expire (clock injected, no sleeping)."""

from __future__ import annotations

import io
from urllib.parse import parse_qs, urlsplit

import pytest

from pcsync.config import ConfigError, load_settings
from pcsync.resource_store import LocalStore, S3Store, open_store


class Clock:
    def __init__(self, now: float):
        self.now = now

    def __call__(self) -> float:
        return self.now


def link_parts(url: str) -> tuple[str, dict]:
    parts = urlsplit(url)
    return parts.path.rsplit("/", 1)[-1], {k: v[0] for k, v in parse_qs(parts.query).items()}


def test_a_link_is_good_until_it_expires_and_only_as_signed(tmp_path):
    clock = Clock(1_000_000.0)
    store = LocalStore(tmp_path, "https://pcsync.example.com", clock=clock)
    store.put("abc", io.BytesIO(b"case study"), "text/plain")
    assert store.path("abc").read_bytes() == b"case study"
    url = store.download_url("abc", "case study.txt", expires_in=300)
    assert url.startswith("https://pcsync.example.com/files/abc?")
    key, query = link_parts(url)
    assert store.verify(key, query["expires"], query["signature"])
    assert not store.verify("other", query["expires"], query["signature"])
    assert not store.verify(key, str(int(query["expires"]) + 1), query["signature"])
    clock.now += 301
    assert not store.verify(key, query["expires"], query["signature"])
    store.delete("abc")
    assert not store.path("abc").exists()


def test_keys_never_leave_the_store_directory(tmp_path):
    store = LocalStore(tmp_path / "files", "https://pcsync.example.com")
    assert store.path("../../etc/passwd") == tmp_path / "files" / "passwd"


def test_the_store_is_chosen_by_configuration(tmp_path):
    base = {"PCSYNC_DATA_DIR": str(tmp_path)}
    assert isinstance(open_store(load_settings(base)), LocalStore)
    s3 = load_settings(
        {**base, "PCSYNC_RESOURCE_STORE": "s3", "PCSYNC_RESOURCE_BUCKET": "partner-docs"}
    )
    assert isinstance(open_store(s3), S3Store)
    with pytest.raises(ConfigError, match="PCSYNC_RESOURCE_BUCKET"):
        load_settings({**base, "PCSYNC_RESOURCE_STORE": "s3"})
    with pytest.raises(ConfigError, match="PCSYNC_RESOURCE_CONTENT_TYPES"):
        load_settings({**base, "PCSYNC_RESOURCE_CONTENT_TYPES": "pdf"})
