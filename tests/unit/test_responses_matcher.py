"""job_report_matcher(): responses accepts a relayed request only if it carries a job report."""

from __future__ import annotations

import io
from typing import Any

import pytest
import requests
import responses

from jobhook_testkit.responses import job_report_matcher
from jobhook_testkit.schema import load_schema

URL = "https://ops.example.com/jobs"


@pytest.fixture
def report() -> dict[str, Any]:
    sample: dict[str, Any] = load_schema()["examples"][0]
    return sample


def _prepared(body: Any) -> requests.PreparedRequest:
    request = requests.Request("POST", URL, data=body).prepare()
    request.body = body  # as the caller's code produced it, whatever its type
    return request


@responses.activate
def test_a_relayed_valid_report_matches(report: dict[str, Any]) -> None:
    responses.post(URL, status=202, match=[job_report_matcher()])

    assert requests.post(URL, json=report, timeout=5).status_code == 202


@responses.activate
def test_an_invalid_report_does_not_match_and_the_reason_lists_the_violations(
    report: dict[str, Any],
) -> None:
    responses.post(URL, status=202, match=[job_report_matcher()])
    broken = {**report, "total_failed": -1, "status": "DONE"}
    del broken["id"]

    with pytest.raises(requests.ConnectionError) as caught:
        requests.post(URL, json=broken, timeout=5)

    message = str(caught.value)
    assert "not a valid job report (3 violation(s))" in message
    for pointer in ("/id:", "/total_failed:", "/status:"):
        assert pointer in message


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (None, "the body is empty"),
        (b"", "the body is empty"),
        (b'{"id": ', "invalid JSON"),
        (b"\xff\xfe{}", "not valid UTF-8"),
        (io.BytesIO(b"{}"), "BytesIO (a stream or file)"),
        (b"[]", "expected a JSON object (a job report), got array"),
    ],
    ids=["none", "empty", "truncated-json", "bad-utf8", "stream", "array"],
)
def test_bodies_that_are_not_reports_say_why(body: Any, expected: str) -> None:
    matched, reason = job_report_matcher()(_prepared(body))

    assert not matched
    assert expected in reason


def test_text_and_bytes_bodies_both_match(report: dict[str, Any]) -> None:
    import json

    match = job_report_matcher()
    text = json.dumps(report)

    assert match(_prepared(text)) == (True, "")
    assert match(_prepared(text.encode())) == (True, "")


def test_strict_refuses_semantic_warnings(report: dict[str, Any]) -> None:
    import json

    odd = json.dumps({**report, "total_operations": report["total_operations"] + 1})

    assert job_report_matcher()(_prepared(odd))[0] is True
    matched, reason = job_report_matcher(strict=True)(_prepared(odd))
    assert not matched
    assert "/total_operations:" in reason


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (b"[" * 100_000 + b"]" * 100_000, "JSON nested too deeply to parse"),
        (b'{"id": "A1", "id": "B2"}', "the key 'id' appears twice in one object"),
        (b'{"total_failed": NaN}', "NaN is not valid JSON"),
        (b'\xef\xbb\xbf{"id": "A1"}', "starts with a UTF-8 byte order mark"),
    ],
    ids=["deeply-nested", "repeated-key", "nan", "bom"],
)
def test_hostile_bodies_are_a_mismatch_with_a_reason_never_an_exception(
    body: bytes, expected: str
) -> None:
    matched, reason = job_report_matcher()(_prepared(body))

    assert not matched
    assert expected in reason


@responses.activate
def test_a_compressed_report_is_judged_by_what_it_inflates_to(report: dict[str, Any]) -> None:
    import gzip
    import json
    import zlib

    responses.post(URL, status=202, match=[job_report_matcher()])
    raw = json.dumps(report).encode()
    for encoding, body in (("gzip", gzip.compress(raw)), ("deflate", zlib.compress(raw))):
        sent = requests.post(URL, data=body, timeout=5,
                             headers={"Content-Encoding": encoding,
                                      "Content-Type": "application/json"})
        assert sent.status_code == 202, encoding

    match = job_report_matcher()
    broken = gzip.compress(json.dumps({**report, "total_failed": -1}).encode())
    request = requests.Request("POST", URL, data=broken,
                               headers={"Content-Encoding": "gzip"}).prepare()
    matched, reason = match(request)
    assert not matched
    assert "/total_failed:" in reason
    request.headers["Content-Encoding"] = "br"
    assert "'br'-encoded (Content-Encoding), which this matcher cannot decode" in match(
        request)[1]


def test_a_report_encoded_twice_is_named_as_such(report: dict[str, Any]) -> None:
    import json

    request = requests.Request("POST", URL, json=json.dumps(report)).prepare()

    matched, reason = job_report_matcher()(request)
    assert not matched
    assert "a JSON string holding JSON (encoded twice?" in reason


def test_a_memoryview_body_is_read_like_bytes(report: dict[str, Any]) -> None:
    import json

    assert job_report_matcher()(_prepared(memoryview(json.dumps(report).encode()))) == (
        True, "")
