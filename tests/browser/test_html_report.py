"""The `jobhook check --format html` page in Chromium: opens cleanly, tells the story."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from jobhook_testkit.cli import main

if TYPE_CHECKING:
    from playwright.sync_api import Page

ROOT = Path(__file__).resolve().parents[2]
BROKEN_APP = "examples/broken_receiver/app.py:create_app"


def test_a_failing_report_opens_without_errors_and_shows_the_failure_expanded(
    page: tuple[Page, list[str]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    tab, _ = page
    monkeypatch.chdir(ROOT)
    monkeypatch.setattr(sys, "path", list(sys.path))
    monkeypatch.setenv("JOBHOOK_BREAK", "acknowledges-failure-report")
    report = tmp_path / "report.html"
    names = ["acknowledges-success-report", "acknowledges-failure-report", "rejects-get"]
    assert main(["check", "--app", BROKEN_APP, "--path", "/hooks/jobs", "--auth",
                 "Bearer s3cret", "--seed", "11", "--format", "html", "-o", str(report),
                 "--only", *names]) == 1
    requests: list[str] = []
    tab.on("request", lambda request: requests.append(request.url))
    tab.goto(report.as_uri())
    assert requests == [report.as_uri()]  # nothing else is fetched
    assert tab.title() == "jobhook check: FAILED (2 passed, 1 failed (MUST))"
    rows = tab.locator("tbody tr")
    assert [rows.nth(i).locator("td").nth(1).inner_text() for i in range(3)] == [
        "acknowledges-success-report", "acknowledges-failure-report", "rejects-get"]
    story = tab.locator("details#acknowledges-failure-report")
    assert story.is_visible()
    text = story.inner_text()
    assert "Receiver did not acknowledge a FAILURE report." in text
    assert "received:  500 INTERNAL SERVER ERROR" in text
    assert "expected:  a 2xx answer within 5 s" in text
    assert tab.locator("details").count() == 1
    tab.click("tbody tr.fail a")  # the row links to its story
    assert tab.url.endswith("#acknowledges-failure-report")
    assert "s3cret" not in tab.content()
    assert '--auth "$JOBHOOK_AUTH"' in tab.inner_text("dl.meta")
