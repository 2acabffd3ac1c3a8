"""jobhook_recorder.respond_with(body=..., headers=...) as a user's test meets it."""

from __future__ import annotations

import pytest

SCRIPTED = """
    from jobhook_testkit import load_schema
    from jobhook_testkit.sender import FakeSender

    REPORT = load_schema()["examples"][0]

    def test_scripts_body_and_headers(jobhook_recorder):
        jobhook_recorder.respond_with(
            status=202, body={"queued": True}, headers={"X-Request-Id": "req-7"}
        )
        delivery = FakeSender(jobhook_recorder.url + "/hooks", timeout=2).deliver(REPORT)
        assert delivery.acknowledged
        assert delivery.status_code == 202
        assert delivery.body_excerpt == b'{"queued": true}'
        headers = {k.lower(): v for k, v in delivery.response_headers.items()}
        assert headers["x-request-id"] == "req-7"
        assert headers["content-type"] == "application/json"

    def test_next_test_gets_the_default_answer_again(jobhook_recorder):
        delivery = FakeSender(jobhook_recorder.url, timeout=2).deliver(REPORT)
        assert delivery.status_code == 204
        assert delivery.body_excerpt == b""
        assert "x-request-id" not in {k.lower() for k in delivery.response_headers}

    def test_misuse_says_what_to_do(jobhook_recorder):
        jobhook_recorder.respond_with(body="queued")
"""


def test_body_and_headers_are_scripted_per_test(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(SCRIPTED)
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider", "-p", "no:randomly")
    result.assert_outcomes(passed=2, failed=1)
    result.stdout.fnmatch_lines(
        ["*ValueError: a 204 answer carries no body; script a status that does, "
         "e.g. respond_with(status=200, body=...)*"]
    )
