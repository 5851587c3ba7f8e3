"""Browser tests of the operator console: Debian's headless Chromium driven by
Playwright for Python, against the whole stack on the simulators.

Playwright never downloads a browser here: it launches /usr/bin/chromium
(`.ci/run` installs Debian's `chromium` when missing). Under CI=true a missing
browser fails the tests; elsewhere it skips them.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tests.conftest import IN_CI, TEST_API_TOKEN
from tests.integration.conftest import stack, stack_with  # noqa: F401 - the same running stack

CHROMIUM = os.environ.get("PCSYNC_TEST_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# axe-core 4.14.1, vendored from the npm registry (`npm pack axe-core`,
# dist file axe.min.js; MPL-2.0, licence beside it).
AXE = Path(__file__).parent / "vendor" / "axe.min.js"
# Screenshots of every page, kept as test artifacts (git-ignored).
ARTIFACTS = Path(__file__).parent / "artifacts"
WIDTHS = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}
# axe impacts that fail a test.
BLOCKING_IMPACTS = ("serious", "critical")


@pytest.fixture(scope="session")
def browser():
    if not shutil.which(CHROMIUM):
        message = f"headless Chromium not found at {CHROMIUM} (apt-get install chromium)"
        if IN_CI:
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield launched
        launched.close()


class Console:
    """One browser tab on the console of a running stack."""

    def __init__(self, page, base_url: str):
        self.page = page
        self.base_url = base_url

    def url(self, path: str) -> str:
        return self.base_url + path

    def visit(self, path: str):
        return self.page.goto(self.url(path))

    def sign_in(self, token: str = TEST_API_TOKEN):
        self.visit("/console/login")
        self.page.get_by_label("API token").fill(token)
        self.page.get_by_role("button", name="Sign in").click()
        # The click returns once the next page starts; wait for its stylesheet.
        self.page.wait_for_load_state("load")

    def check(self, name: str) -> None:
        """At desktop and phone widths: no serious accessibility violation
        (axe-core), and a screenshot saved as an artifact."""
        ARTIFACTS.mkdir(exist_ok=True)
        for width, size in WIDTHS.items():
            self.page.set_viewport_size(size)
            self.page.add_script_tag(path=str(AXE))
            results = self.page.evaluate("axe.run(document)")
            blocking = [
                (v["id"], v["help"], [n["target"] for n in v["nodes"]])
                for v in results["violations"]
                if v["impact"] in BLOCKING_IMPACTS
            ]
            assert blocking == [], f"{name} at {width} width: {blocking}"
            self.page.screenshot(path=str(ARTIFACTS / f"{name}-{width}.png"), full_page=True)
        self.page.set_viewport_size(WIDTHS["desktop"])


@pytest.fixture
def console_for(browser):
    """Open a console tab on a given stack (each in its own browser context)."""
    contexts = []

    def open_console(running) -> Console:
        contexts.append(browser.new_context(viewport=WIDTHS["desktop"]))
        settings = running.app.extensions["pcsync.settings"]
        return Console(contexts[-1].new_page(), settings.public_url)

    yield open_console
    for context in contexts:
        context.close()


@pytest.fixture
def console(console_for, stack):  # noqa: F811 - the imported fixture
    return console_for(stack)
