from __future__ import annotations

import subprocess
import sys

import pytest

from pcsync.config import ConfigError, load_settings, uses_simulators


def test_embedded_defaults(tmp_path):
    settings = load_settings({"PCSYNC_DATA_DIR": str(tmp_path)})
    assert settings.database_url == f"sqlite:///{tmp_path / 'pcsync.sqlite3'}"
    assert settings.celery_broker_url == "filesystem://"
    assert settings.redis_url is None
    assert settings.pc_catalog == "Sandbox"
    assert settings.hubspot_api_base_url == "https://api.hubapi.com"
    assert settings.debounce_seconds == 2
    assert uses_simulators(settings, environ={})


def test_postgresql_url_gets_the_installed_driver():
    settings = load_settings({"DATABASE_URL": "postgresql://u:p@db:5432/pcsync"})
    assert settings.database_url == "postgresql+psycopg://u:p@db:5432/pcsync"


def test_every_bad_variable_is_reported_at_once():
    with pytest.raises(ConfigError) as caught:
        load_settings(
            {
                "DATABASE_URL": "mysql://x",
                "PC_CATALOG": "Production",
                "PCSYNC_PUBLIC_URL": "example.com",
                "PCSYNC_API_TOKENS": "short",
                "PCSYNC_DEBOUNCE_SECONDS": "-1",
                "PC_ROLE_ARN": "not-an-arn",
                "REDIS_URL": "http://redis",
            }
        )
    problems = caught.value.problems
    named = sorted(p.split(":")[0] for p in problems)
    assert named == sorted(
        [
            "DATABASE_URL",
            "PC_CATALOG",
            "PCSYNC_PUBLIC_URL",
            "PCSYNC_API_TOKENS",
            "PCSYNC_DEBOUNCE_SECONDS",
            "PC_ROLE_ARN",
            "REDIS_URL",
        ]
    )
    assert any("must be one of Sandbox, AWS" in p for p in problems)


def test_involvement_type_default_is_in_the_service_model(tmp_path):
    # load_settings takes the default unchecked; this holds it to the model.
    from workers.engine.model import enum_values

    settings = load_settings({"PCSYNC_DATA_DIR": str(tmp_path)})
    assert settings.involvement_type in enum_values("SalesInvolvementType")


def test_involvement_type_outside_the_service_model_is_refused():
    with pytest.raises(ConfigError) as caught:
        load_settings({"PCSYNC_INVOLVEMENT_TYPE": "Co-sell"})
    assert caught.value.problems[0].startswith("PCSYNC_INVOLVEMENT_TYPE: must be one of")


def test_credentials_switch_simulators_off():
    settings = load_settings({"HUBSPOT_ACCESS_TOKEN": "pat-na1-123"})
    assert not uses_simulators(settings, environ={})
    forced = load_settings({"HUBSPOT_ACCESS_TOKEN": "pat-na1-123", "PCSYNC_SIMULATORS": "on"})
    assert uses_simulators(forced, environ={})


def test_cli_stops_with_one_line_per_problem(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "pcsync.cli", "db", "upgrade"],
        env={"PC_CATALOG": "prod", "PCSYNC_DEBOUNCE_SECONDS": "soon", "PATH": "/usr/bin"},
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=60,
    )
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert lines == [
        "pcsync: configuration error: PC_CATALOG: must be one of Sandbox, AWS, got 'prod'",
        "pcsync: configuration error: PCSYNC_DEBOUNCE_SECONDS: "
        "could not convert string to float: 'soon'",
    ]


def test_audit_settings_default_to_seven_years_and_no_pseudonyms():
    settings = load_settings({})
    assert settings.audit_retention_days == 2557
    assert settings.audit_pseudonym_key() is None


def test_pseudonymised_audit_needs_a_secret():
    with pytest.raises(ConfigError) as caught:
        load_settings({"PCSYNC_AUDIT_PSEUDONYMISE": "true", "PCSYNC_AUDIT_RETENTION_DAYS": "0"})
    problems = " ".join(caught.value.problems)
    assert "PCSYNC_AUDIT_PSEUDONYM_SECRET" in problems
    assert "PCSYNC_AUDIT_RETENTION_DAYS" in problems
    secret = "a-long-enough-secret-123"
    settings = load_settings(
        {"PCSYNC_AUDIT_PSEUDONYMISE": "true", "PCSYNC_AUDIT_PSEUDONYM_SECRET": secret}
    )
    assert settings.audit_pseudonym_key() == secret
    assert secret in settings.secrets()
