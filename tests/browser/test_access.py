"""Who gets in: sign-in with an API token (a bad one refused), the session
cookie's attributes, no page without a session, CSRF refusal, sign-out."""

from __future__ import annotations

import pytest

from ingest.api import operator_actor_for
from tests.conftest import TEST_API_TOKEN

pytestmark = [pytest.mark.browser, pytest.mark.integration]

PAGES = (
    "/console",
    "/console/conflicts",
    "/console/failures",
    "/console/referrals",
    "/console/opportunities?q=acme",
    "/console/opportunities/5000001",
)
FORMS = (
    "/console/conflicts/1/resolve",
    "/console/failures/1/replay",
    "/console/failures/replay-all",
    "/console/referrals/some-invitation/accept",
    "/console/referrals/some-invitation/reject",
    "/console/opportunities/5000001/sync",
    "/console/logout",
)


def audit_count(stack) -> int:
    return stack.rows("SELECT count(*) AS n FROM audit_entries")[0]["n"]


def test_no_page_or_form_without_a_session(console, stack):
    for path in PAGES:
        console.visit(path)
        assert console.page.url.startswith(console.url("/console/login")), path
        assert console.page.get_by_role("heading", name="Sign in").is_visible()
    before = audit_count(stack)
    for path in FORMS:
        # A post without a session (and so without a valid CSRF token) is refused.
        answer = console.page.request.post(console.url(path), form={"csrf_token": "x"})
        assert answer.status == 400, path
    assert audit_count(stack) == before
    console.check("login")


def test_a_bad_token_is_refused_and_a_good_one_signs_in(console):
    console.sign_in("not-a-configured-token-at-all")
    assert console.page.url == console.url("/console/login")
    assert console.page.get_by_role("alert").inner_text() == (
        "That token is not one of the configured API tokens."
    )
    console.visit("/console")
    assert console.page.url.startswith(console.url("/console/login"))

    console.visit("/console/referrals")  # the login page remembers where you were going
    console.page.get_by_label("API token").fill(TEST_API_TOKEN)
    console.page.get_by_role("button", name="Sign in").click()
    assert console.page.url == console.url("/console/referrals")
    operator = operator_actor_for(TEST_API_TOKEN)
    assert console.page.get_by_text(f"Signed in as {operator}").is_visible()
    (cookie,) = console.page.context.cookies()
    assert cookie["httpOnly"] is True
    assert cookie["sameSite"] == "Lax"
    assert cookie["secure"] is False  # the stack's public URL is plain http
    assert cookie["path"] == "/console"
    assert TEST_API_TOKEN not in cookie["value"]

    console.page.get_by_role("button", name="Sign out").click()
    console.visit("/console")
    assert console.page.url.startswith(console.url("/console/login"))


def test_a_forged_form_post_is_refused(console, stack):
    console.sign_in()
    deal = "5000001"
    before = audit_count(stack)
    # A page on another site cannot read our CSRF token: its form carries a
    # made-up one, or none at all.
    for forged in ({"csrf_token": "forged"}, {}):
        answer = console.page.request.post(
            console.url(f"/console/opportunities/{deal}/sync"), form=forged
        )
        assert answer.status == 400
        assert "This form was refused" in answer.text()
    assert audit_count(stack) == before


def test_keyboard_reaches_everything_with_visible_focus(console):
    console.sign_in()
    page = console.page

    def focused() -> dict:
        return page.evaluate(
            "() => { const e = document.activeElement;"
            " return {text: e.innerText, outline: getComputedStyle(e).outlineStyle}; }"
        )

    page.keyboard.press("Tab")
    assert focused() == {"text": "Skip to content", "outline": "solid"}
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    page.keyboard.press("Tab")  # past the header, into the page's own links
    assert focused()["text"] == "0\nfailures"
    # From the top, the tab order walks the header: brand, pages, sign-out.
    console.visit("/console")
    order = []
    for _ in range(8):
        page.keyboard.press("Tab")
        order.append(focused())
    assert [f["text"] for f in order[:6]] == [
        "Skip to content",
        "pcsync console",
        "Overview",
        "Conflicts",
        "Failures",
        "Referrals",
    ]
    assert all(f["outline"] == "solid" for f in order)
