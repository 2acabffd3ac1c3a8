"""The inspector as a person sees it in Chromium: live rows, the detail, the actions."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from _serve_harness import Serving, forwarded_all, serving

from jobhook_testkit import FakeSender, JobReportFactory
from jobhook_testkit.recorder import LiveRecorder, serve_recorder

if TYPE_CHECKING:
    from playwright.sync_api import Page


def expect(locator: Any) -> Any:
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(locator)

AUTH = "Bearer page-s3cret-value"


@pytest.fixture
def local() -> Iterator[LiveRecorder]:
    with serve_recorder() as recorder:
        yield recorder


@pytest.fixture
def serve(tmp_path: Path, local: LiveRecorder) -> Iterator[Serving]:
    with serving(tmp_path, "--ui", "--auth", AUTH, "--forward-to", local.url) as running:
        yield running


def invalid_report() -> dict[str, Any]:
    return {**JobReportFactory(seed=3).build(type="import", status="FAILURE"),
            "total_failed": -1, "region": "eu"}


def test_rows_appear_live_newest_first_with_verdict_and_forward(
    page: tuple[Page, list[str]], serve: Serving
) -> None:
    tab, _ = page
    tab.goto(serve.inspector_url)
    tab.wait_for_selector("#connection.online")
    assert tab.inner_text("#empty") .startswith("Waiting for deliveries")
    sender = FakeSender(serve.url + "/hooks", auth=AUTH)
    sender.deliver(JobReportFactory(seed=4).build(type="export", status="SUCCESS"))
    sender.deliver(invalid_report())
    forwarded_all(serve)
    rows = tab.locator("#deliveries tbody tr")
    rows.nth(1).wait_for()  # no reload: they came over the event stream
    # (waits by selector: the page's CSP rightly forbids the eval wait_for_function needs)
    tab.wait_for_selector("td.forward:empty", state="detached")
    newest = rows.nth(0).inner_text()
    assert newest.startswith("2\t")
    assert "import\tFAILURE" in newest
    assert "invalid" in newest and "/total_failed: -1 is less than the minimum of 0" in newest
    assert "region" in newest  # the field the schema does not know
    assert "204 in " in rows.nth(0).locator("td.forward").inner_text()
    assert rows.nth(1).inner_text().startswith("1\t")
    assert tab.inner_text("#count") == "2 deliveries"
    assert tab.is_hidden("#empty")


def test_the_detail_marks_the_violation_and_shows_no_credential(
    page: tuple[Page, list[str]], serve: Serving
) -> None:
    tab, _ = page
    FakeSender(serve.url + "/hooks", auth=AUTH).deliver(invalid_report())
    tab.goto(serve.inspector_url)
    tab.locator("#deliveries tbody tr").first.click()
    marked = tab.locator("#body .marked")
    marked.first.wait_for()
    assert marked.count() == 1
    assert marked.get_attribute("data-pointer") == "/total_failed"
    assert marked.inner_text() == '  "total_failed": -1,← -1 is less than the minimum of 0'
    assert tab.inner_text("#detail-title") == "#1 POST /hooks: invalid"
    headers = tab.inner_text("#headers")
    assert "Authorization\nBearer [redacted]" in headers
    assert "s3cret" not in tab.content()


def test_replay_curl_and_download_from_the_page(
    page: tuple[Page, list[str]], serve: Serving, tmp_path: Path
) -> None:
    tab, _ = page
    report = JobReportFactory(seed=6).build()
    FakeSender(serve.url, auth=AUTH).deliver(report)
    tab.goto(serve.inspector_url)
    tab.locator("#deliveries tbody tr").first.click()
    # prefilled with where forwards go (--forward-to)
    expect(tab.locator("#replay input[name=url]")).to_have_value(serve.live.forwarder.url)
    with serve_recorder(auth=AUTH) as other:
        tab.fill("#replay input[name=url]", other.url + "/again")
        tab.click("#replay button[type=submit]")
        expect(tab.locator("#replay-outcome")).to_have_text(re.compile("^acknowledged: "))
        (again,) = other.deliveries
        assert again.report == report and again.path == "/again"
        tab.click("#curl")
        tab.wait_for_selector("#curl-text:not([hidden])")
        curl = tab.inner_text("#curl-text")
    assert curl.startswith(f"curl -sS -X POST {other.url}/again ")
    assert '"Authorization: $JOBHOOK_AUTH"' in curl
    with tab.expect_download() as waiting:
        tab.click("#download")
    saved = tmp_path / "saved.ndjson"
    waiting.value.save_as(saved)
    assert report["id"] in saved.read_text()
    assert "s3cret" not in tab.content() + saved.read_text()


def test_filters_hide_the_rows_that_do_not_match(
    page: tuple[Page, list[str]], serve: Serving
) -> None:
    tab, _ = page
    sender = FakeSender(serve.url, auth=AUTH)
    sender.deliver(JobReportFactory(seed=7).build(type="export", status="SUCCESS"))
    sender.deliver(invalid_report())
    sender.deliver(body=b"[]")
    FakeSender(serve.url, auth="Bearer nope").deliver()
    tab.goto(serve.inspector_url)
    rows = tab.locator("#deliveries tbody tr")
    rows.nth(3).wait_for()

    def shown() -> list[str]:
        return [row.inner_text().split("\t")[0] for row in rows.all() if row.is_visible()]

    assert shown() == ["4", "3", "2", "1"]
    tab.select_option("#filters select[name=verdict]", "invalid")
    assert shown() == ["2"]
    tab.select_option("#filters select[name=verdict]", "refused")
    assert shown() == ["4"]
    tab.select_option("#filters select[name=verdict]", "")
    tab.select_option("#filters select[name=type]", "export")
    assert shown() == ["1"]
    tab.select_option("#filters select[name=type]", "")
    tab.select_option("#filters select[name=status]", "FAILURE")
    assert shown() == ["2"]


def test_without_the_token_the_page_shows_nothing(
    page: tuple[Page, list[str]], serve: Serving
) -> None:
    tab, problems = page
    FakeSender(serve.url, auth=AUTH).deliver()
    answer = tab.goto(serve.inspector_url.split("?")[0])
    assert answer is not None and answer.status == 403
    assert "open the URL jobhook serve printed" in tab.content()
    problems.clear()  # the browser logs the 403 itself


def test_malformed_and_refused_deliveries_explain_themselves(
    page: tuple[Page, list[str]], serve: Serving
) -> None:
    tab, _ = page
    FakeSender(serve.url, auth=AUTH).deliver(body=b'{"id": "A1", "status": ')
    FakeSender(serve.url, auth="Bearer wrong-s3cret").deliver()
    tab.goto(serve.inspector_url)
    tab.locator("tr[data-verdict=malformed]").click()
    expect(tab.locator("#detail-title")).to_have_text("#1 POST /: malformed")
    assert tab.inner_text("#body") == '{"id": "A1", "status": '
    assert "malformed JSON at line 1" in tab.inner_text("#detail-meta")
    assert tab.is_visible("#replay")
    tab.locator("tr[data-verdict=refused]").click()
    expect(tab.locator("#detail-title")).to_have_text("#2 POST /: refused")
    assert "Authorization does not match" in tab.inner_text("#detail-meta")
    assert tab.is_hidden("#replay")  # nothing to send again
    assert "Authorization\nBearer [redacted]" in tab.inner_text("#headers")
    assert "s3cret" not in tab.content()



def test_a_sender_that_hung_up_is_incomplete_with_nothing_to_replay(
    page: tuple[Page, list[str]], serve: Serving
) -> None:
    import socket
    from urllib.parse import urlsplit

    tab, _ = page
    address = urlsplit(serve.url)
    with socket.create_connection((address.hostname, address.port), timeout=5) as sock:
        sock.sendall(f"POST / HTTP/1.1\r\nHost: x\r\nAuthorization: {AUTH}\r\n"
                     'Content-Length: 100\r\n\r\n{"id"'.encode())
        sock.shutdown(socket.SHUT_WR)
        while sock.recv(4096):
            pass
    tab.goto(serve.inspector_url)
    tab.locator("tr[data-verdict=incomplete]").click()
    expect(tab.locator("#detail-title")).to_have_text("#1 POST /: incomplete")
    assert "the sender hung up before the whole body arrived" in tab.inner_text("#detail-meta")
    assert tab.is_hidden("#replay")
    tab.select_option("#filters select[name=verdict]", "incomplete")
    assert tab.locator("tr[data-verdict=incomplete]").is_visible()
