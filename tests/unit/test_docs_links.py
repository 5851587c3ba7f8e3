"""The repository stands alone: every link in the README and docs/ resolves
inside it, and nothing points at a file or folder outside it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCUMENTS = sorted([ROOT / "README.md", *(ROOT / "docs").rglob("*.md")])

MARKDOWN_LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")
AUTOLINK = re.compile(r"<((?:https?|mailto):[^>]+)>")
MARKDOWN_FILE = re.compile(r"(?<![\w/.-])([\w./-]+\.md)\b")
# Absolute paths of some machine: home folders, work trees, mounts.
MACHINE_PATH = re.compile(r"(?<![\w.:/])/(?:work|home|Users|root|mnt|srv|opt)/[\w.-]+")
WEB = ("http://", "https://", "mailto:")


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to dashes."""
    text = re.sub(r"[`*_]", "", heading.strip().lower())
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def anchors(text: str) -> set[str]:
    headings = re.findall(r"^#{1,6}\s+(.+)$", text, flags=re.MULTILINE)
    return {slug(h) for h in headings}


def inside_repository(target: Path) -> bool:
    return target.resolve().is_relative_to(ROOT)


def problems_of(document: Path, text: str) -> list[str]:
    """What is wrong with the links of `text`, read as if it were `document`."""
    found = []
    for target in MARKDOWN_LINK.findall(text) + AUTOLINK.findall(text):
        if target.startswith(WEB):
            continue
        path_part, _, anchor = target.partition("#")
        resolved = document.parent / path_part
        if not path_part:
            if anchor not in anchors(text):
                found.append(f"{target}: no heading #{anchor}")
        elif not inside_repository(resolved):
            found.append(f"{target}: points outside the repository")
        elif not resolved.exists():
            found.append(f"{target}: no such file")
        elif anchor and resolved.suffix == ".md" and anchor not in anchors(resolved.read_text()):
            found.append(f"{target}: no heading #{anchor}")
    # Documents named in prose or code spans (links were checked above).
    for mentioned in MARKDOWN_FILE.findall(MARKDOWN_LINK.sub("", text)):
        if mentioned.startswith(WEB):
            continue
        candidates = [document.parent / mentioned, ROOT / mentioned]
        if not any(inside_repository(c) and c.exists() for c in candidates):
            found.append(f"{mentioned}: names a document that is not in the repository")
    found += [f"{path}: a path on some machine" for path in MACHINE_PATH.findall(text)]
    return found


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_link_resolves_inside_the_repository(document):
    assert problems_of(document, document.read_text()) == []


def test_the_checker_finds_what_the_issue_reported():
    sample = (
        "Design: `../shared/DESIGN.md`; see [the design](../../shared/DESIGN.md),\n"
        "[missing](docs/nowhere.md), [anchor](#no-such-heading) and the rules in\n"
        "`/work/shared/reference/hubspot-api.md`.\n\n# A heading\n[ok](#a-heading)\n"
        "[fine](simulators/hubspot.md) [also fine](../README.md#pcsync)\n"
    )
    problems = problems_of(ROOT / "docs" / "sample.md", sample)
    assert "../../shared/DESIGN.md: points outside the repository" in problems
    assert "docs/nowhere.md: no such file" in problems
    assert "#no-such-heading: no heading #no-such-heading" in problems
    assert "../shared/DESIGN.md: names a document that is not in the repository" in problems
    assert "/work/shared: a path on some machine" in problems
    assert (
        "/work/shared/reference/hubspot-api.md: names a document that is not in the repository"
        in problems
    )
    assert len(problems) == 6, problems
