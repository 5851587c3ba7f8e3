"""`.env.example` lists every setting the README's configuration table
documents, so `env_file: .env` can carry each one to every container."""

from __future__ import annotations

import re
from pathlib import Path

from pcsync.config import VARIABLES, load_settings

ROOT = Path(__file__).resolve().parents[2]


def readme_settings() -> set[str]:
    section = ROOT.joinpath("README.md").read_text().split("## Configuration", 1)[1]
    table = section.split("\n## ", 1)[0]
    # First cell of each row: `NAME`, or `NAME` / `OTHER_NAME`.
    rows = re.findall(r"^\|\s*`(\w+)`(?:\s*/\s*`(\w+)`)?", table, flags=re.MULTILINE)
    return {name for row in rows for name in row if name}


def example_settings() -> set[str]:
    text = ROOT.joinpath(".env.example").read_text()
    return set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]+)=", text, flags=re.MULTILINE))


def test_every_documented_setting_is_in_env_example():
    assert readme_settings() - example_settings() == set()


def test_the_readme_table_documents_every_setting_the_code_reads():
    assert set(VARIABLES) | {"PCSYNC_DATA_DIR"} <= readme_settings()


def test_env_example_as_given_is_a_valid_configuration(tmp_path):
    """Blank values stand for "unset": the file copied as it is must load
    (a blank that failed validation would stop every container)."""
    text = ROOT.joinpath(".env.example").read_text()
    environ = dict(re.findall(r"^([A-Z][A-Z0-9_]+)=(.*)$", text, flags=re.MULTILINE))
    environ["PCSYNC_DATA_DIR"] = str(tmp_path)
    settings = load_settings(environ=environ)
    assert settings.webhook_signatures == ("v3",)
    assert settings.resource_content_types  # blank: the documented default list
