"""The jobhook_recorder fixture: used directly, and inside pytester runs."""

from __future__ import annotations

import json
from typing import Any

import pytest

from jobhook_testkit import load_schema
from jobhook_testkit.recorder import LiveRecorder
from jobhook_testkit.sender import FakeSender


def test_records_what_the_code_under_test_sends(jobhook_recorder: LiveRecorder) -> None:
    report: dict[str, Any] = load_schema()["examples"][0]
    report["definition_name"] = None
    delivery = FakeSender(jobhook_recorder.url + "/forwarded", auth="Basic QWxhZGRpbg==").deliver(
        report
    )
    assert delivery.status_code == 204
    (recorded,) = jobhook_recorder.deliveries
    assert recorded.path == "/forwarded"
    assert recorded.report == report
    assert json.loads(recorded.body) == report
    assert recorded.headers["Authorization"] == "Basic [redacted]"
    assert [str(v) for v in recorded.violations] == [
        "/definition_name: None is not of type 'string'"
    ]
    assert recorded.received_at.utcoffset() is not None


def test_deliveries_is_a_read_only_sequence(jobhook_recorder: LiveRecorder) -> None:
    FakeSender(jobhook_recorder.url).deliver(body=b"not json")
    deliveries = jobhook_recorder.deliveries
    assert len(deliveries) == 1 and deliveries[0].report is None
    with pytest.raises((TypeError, AttributeError)):
        deliveries.append(deliveries[0])  # type: ignore[attr-defined]


PER_TEST = """
    from jobhook_testkit import load_schema
    from jobhook_testkit.sender import FakeSender

    URLS = []
    REPORT = load_schema()["examples"][0]

    def test_scripts_a_slow_failing_answer(jobhook_recorder):
        URLS.append(jobhook_recorder.url)
        jobhook_recorder.respond_with(status=503, delay=0.05)
        delivery = FakeSender(jobhook_recorder.url, timeout=2).deliver(REPORT)
        assert delivery.status_code == 503
        assert delivery.elapsed >= 0.05
        assert len(jobhook_recorder.deliveries) == 1

    def test_starts_clean_with_the_default_answer(jobhook_recorder):
        URLS.append(jobhook_recorder.url)
        assert jobhook_recorder.deliveries == ()
        assert FakeSender(jobhook_recorder.url).deliver(REPORT).status_code == 204
        assert len(jobhook_recorder.wait_for(1)) == 1

    def test_one_server_for_the_session():
        assert len(URLS) == 2 and URLS[0] == URLS[1]



    def test_wait_for_failure_says_what_arrived(jobhook_recorder):
        FakeSender(jobhook_recorder.url).deliver(body=b"{}")
        jobhook_recorder.wait_for(2, timeout=0.1)
"""


def test_cleared_per_test_on_one_session_server(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(PER_TEST)
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=3, failed=1)
    result.stdout.fnmatch_lines(["*expected 2 recorded deliveries within 0.1 s, got 1*"])


def test_fixture_docstring_is_listed(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest_inprocess("--fixtures", "-p", "no:cacheprovider")
    result.stdout.fnmatch_lines(
        ["jobhook_recorder*", "*A live recording receiver at ``.url`` for this test*"]
    )
