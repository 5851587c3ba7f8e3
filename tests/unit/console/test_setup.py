"""The console's keys, cookie and input checks, on a real app over SQLite
(the browser tests cover the pages on the whole stack)."""

from __future__ import annotations

import re
import stat
from dataclasses import replace

import pytest
from sqlalchemy import text

from ingest import create_app
from ingest.console.keys import KEY_FILE
from models.conflicts import record_pending_conflict
from models.migrate import upgrade
from pcsync.config import ConfigError, load_settings
from tests.conftest import TEST_API_TOKEN

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
def make_app(make_settings, tmp_path):
    url = f"sqlite:///{tmp_path / 'pcsync.sqlite3'}"
    upgrade(url)

    def build(**overrides):
        return create_app(make_settings(database_url=url, **overrides))

    return build


def csrf_token(client, path="/console/login") -> str:
    return CSRF.search(client.get(path).text).group(1)


def sign_in(client, **extra):
    form = {"token": TEST_API_TOKEN, "csrf_token": csrf_token(client), **extra}
    return client.post("/console/login", data=form)


def test_a_generated_key_is_kept_private_and_reused(make_app, make_settings):
    first = make_app()
    path = make_settings().data_dir / KEY_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(first.secret_key) >= 32
    assert make_app().secret_key == first.secret_key


def test_the_configured_key_wins_and_a_short_one_is_refused(make_app, make_settings):
    key = "k" * 40
    assert make_app(secret_key=key).secret_key == key
    assert not (make_settings().data_dir / KEY_FILE).exists()
    with pytest.raises(ConfigError, match="PCSYNC_SECRET_KEY: must be at least 32"):
        load_settings({"PCSYNC_SECRET_KEY": "short"})


def test_the_cookie_is_secure_behind_https_and_holds_no_token(make_app):
    client = make_app().test_client()  # the test settings' public URL is https
    answer = sign_in(client)
    assert answer.status_code == 302
    cookie = answer.headers["Set-Cookie"]
    assert all(part in cookie for part in ("Secure", "HttpOnly", "SameSite=Lax", "Path=/console"))
    assert TEST_API_TOKEN not in cookie


def test_sign_in_never_redirects_off_the_console(make_app):
    client = make_app().test_client()
    answer = sign_in(client, next="https://evil.example.com/console")
    assert answer.headers["Location"] == "/console"


def test_a_removed_token_ends_its_sessions(make_app):
    app = make_app()
    client = app.test_client()
    sign_in(client)
    assert client.get("/console").status_code == 200
    settings = app.extensions["pcsync.settings"]
    app.extensions["pcsync.settings"] = replace(settings, api_tokens=("another-token-0123456",))
    assert client.get("/console").headers["Location"].startswith("/console/login")


def test_a_refused_resolution_changes_nothing(make_app):
    app = make_app()
    database = app.extensions["pcsync.db"]
    with database.transaction() as session:
        record_pending_conflict(
            session,
            hubspot_deal_id="5000001",
            opportunity_id="O1000001",
            field_path="LifeCycle.NextSteps",
            fingerprint="f" * 32,
            strategy="MANUAL",
            values={"base": "a", "hubspot": "b", "partner_central": "c"},
        )
    client = app.test_client()
    sign_in(client)
    token = csrf_token(client, "/console/conflicts")
    # A typed value with nothing typed, an unknown choice, no choice.
    for choice, value in (("value", ""), ("neither", "d"), ("", "d")):
        answer = client.post(
            "/console/conflicts/1/resolve",
            data={"choice": choice, "value": value, "csrf_token": token},
            follow_redirects=True,
        )
        assert 'class="message error"' in answer.text
    with database.transaction() as session:
        assert session.execute(text("SELECT status FROM conflicts")).scalars().all() == ["pending"]
        assert session.execute(text("SELECT count(*) FROM audit_entries")).scalar() == 0


def test_a_rejection_without_a_documented_reason_is_refused(make_app):
    client = make_app().test_client()
    sign_in(client)
    token = csrf_token(client, "/console/referrals")
    for reason in ("", "Because"):
        answer = client.post(
            "/console/referrals/engi-1/reject",
            data={"reason": reason, "csrf_token": token},
            follow_redirects=True,
        )
        assert "choose a rejection reason: Customer problem unclear" in answer.text
