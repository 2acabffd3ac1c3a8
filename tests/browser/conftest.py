"""A real Chromium for the browser tests: one per test session (per xdist worker).

Debian's ``chromium`` package, driven by Playwright (browser downloads do not work here;
apt does, and ``.ci/run`` installs it). Without any Chromium the tests skip, saying so.
Every page records JavaScript errors and console errors; a test fails if there are any.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

CANDIDATES = ("chromium", "chromium-browser", "google-chrome")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]


def find_chromium() -> str | None:
    """$JOBHOOK_CHROMIUM, or the first Chromium on PATH."""
    chosen = os.environ.get("JOBHOOK_CHROMIUM")
    if chosen:
        return chosen
    return next((found for name in CANDIDATES if (found := shutil.which(name))), None)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/browser/" in item.nodeid:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """A headless Chromium shared by the session's browser tests."""
    executable = find_chromium()
    if executable is None:
        pytest.skip("no Chromium found: install Debian's chromium (apt-get install chromium; "
                    ".ci/run does) or set JOBHOOK_CHROMIUM to a Chromium binary")
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=ARGS)
        yield launched
        launched.close()


class Problems(list[str]):
    """JavaScript errors and console errors a page produced."""


@pytest.fixture
def page(browser: Browser) -> Iterator[tuple[Page, Problems]]:
    """A fresh page (own context) and the list of JS/console errors it collects; the test
    fails at teardown if any were collected."""
    context = browser.new_context(viewport={"width": 1200, "height": 800})
    opened = context.new_page()
    problems = Problems()
    opened.on("pageerror", lambda error: problems.append(f"pageerror: {error}"))

    def on_console(message: Any) -> None:
        if message.type == "error":
            problems.append(f"console: {message.text}")

    opened.on("console", on_console)
    opened.set_default_timeout(10_000)
    try:
        yield opened, problems
    finally:
        context.close()
    assert problems == [], problems
