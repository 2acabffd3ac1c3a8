"""Verdicts the suite must earn: no PASS without an endpoint, redelivery judged after the
background work settled, probes asked over HTTP, gateway headers (check_receiver)."""

from __future__ import annotations

import contextlib
import json
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from _receivers import BackgroundReceiver, answering

from jobhook_testkit._check_redelivery import SETTLE_FLOOR, settle_period
from jobhook_testkit._report_render import render
from jobhook_testkit.contract import (
    EndpointNotFoundError,
    ReceiverUnreachableError,
    Status,
    check_receiver,
    get_check,
)
from jobhook_testkit.server import serve_wsgi

AUTH = "Bearer s3cret"
ONCE = ["processes-redelivery-once"]
REJECTIONS = [c.name for c in map(get_check, [
    "refuses-missing-authorization", "refuses-wrong-authorization",
    "refuses-wrong-credential", "refuses-empty-authorization", "rejects-invalid-json",
    "rejects-empty-body", "rejects-non-object-json", "rejects-invalid-utf8",
    "tolerates-odd-content-type", "rejects-get", "rejects-schema-invalid-report",
    "answers-well-within-timeout",
])]


EXAMPLES = str(Path(__file__).resolve().parents[2] / "examples")


@pytest.fixture
def flask_app() -> Any:
    sys.path.insert(0, EXAMPLES)
    try:
        from flask_receiver.app import create_app
    finally:
        sys.path.remove(EXAMPLES)
    return create_app(auth=AUTH)


# -- 1. a wrong path never produces a PASS ------------------------------------------------


def test_a_wrong_path_stops_the_run_with_what_was_sent_what_came_back_and_why(
    flask_app: Any,
) -> None:
    with pytest.raises(EndpointNotFoundError) as caught:
        check_receiver(flask_app, path="/hooks/wrong", auth=AUTH, timeout=2.0)

    message = str(caught.value)
    assert message.splitlines()[0] == (
        "no endpoint at /hooks/wrong: check path= (nothing was checked)")
    assert "  sent:      POST http://127.0.0.1:" in message
    assert "/hooks/wrong  (" in message and "Authorization: Bearer [redacted]" in message
    assert "  received:  404 NOT FOUND after " in message
    assert "s3cret" not in message
    assert caught.value.delivery is not None and caught.value.delivery.status_code == 404
    assert isinstance(caught.value, ReceiverUnreachableError)  # old except clauses hold


def test_the_same_wrong_path_on_a_running_receiver_is_the_same_error(flask_app: Any) -> None:
    with serve_wsgi(flask_app) as server, pytest.raises(EndpointNotFoundError,
                                                        match="no endpoint at /hooks/wrong"):
        check_receiver(server.url + "/hooks/wrong", auth=AUTH, timeout=2.0)


@pytest.mark.parametrize(("status", "headers", "cause"), [
    ("405 Method Not Allowed", [], "no endpoint takes POST at /: check path="),
    ("308 Permanent Redirect", [("Location", "https://example.test/hooks")],
     "/ redirects (308 to https://example.test/hooks) and the platform does not follow "
     "redirects: check path= and the URL's scheme"),
    ("301 Moved Permanently", [], "/ redirects (301) and the platform"),
])
def test_405_and_redirects_stop_the_run_too(
    status: str, headers: list[tuple[str, str]], cause: str
) -> None:
    with pytest.raises(EndpointNotFoundError) as caught:
        check_receiver(answering(status, headers), timeout=2.0)
    assert str(caught.value).startswith(cause)


def test_a_refusal_is_not_credited_when_ordinary_reports_are_refused_too() -> None:
    # A receiver that refuses everything: wrong Authorization configured, a CSRF guard...
    report = check_receiver(answering("401 Unauthorized"), auth=AUTH, timeout=2.0)

    assert report.with_status(Status.PASS) == []
    # Those a 401 would have passed (the others fail anyway: a 401 is not a 405, and
    # after a malformed body an ordinary report is not acknowledged).
    uncredited = {r.name for r in report if r.reason.startswith(
        "not credited: this endpoint did not acknowledge an ordinary report in this run "
        "(it got 401)")}
    assert uncredited == {
        "refuses-missing-authorization", "refuses-wrong-authorization",
        "refuses-wrong-credential", "refuses-empty-authorization",
        "tolerates-odd-content-type", "rejects-schema-invalid-report",
        "answers-well-within-timeout",
    }
    story = report["refuses-missing-authorization"].details
    assert story.startswith("Not credited: an ordinary report was not acknowledged either.")
    assert "  received:  401 Unauthorized after " in story


def test_refusals_are_credited_once_an_ordinary_report_was_acknowledged(
    flask_app: Any,
) -> None:
    report = check_receiver(flask_app, path="/hooks/jobs", auth=AUTH, timeout=2.0,
                            only=REJECTIONS)
    assert [r.name for r in report if r.status is not Status.PASS] == []


def test_a_check_run_by_hand_delivers_its_own_ordinary_report_first() -> None:
    from jobhook_testkit.contract import CheckContext

    with serve_wsgi(answering("400 Bad Request")) as server:
        ctx = CheckContext(server.url, None, 2.0, 1, "rejects-schema-invalid-report")
        result = get_check("rejects-schema-invalid-report").run(ctx)
    assert result.status is Status.WARN  # a SHOULD check
    assert result.reason.startswith("not credited: ")
    assert ctx.baseline is not None and ctx.baseline.status_code == 400


# -- 2. processes-redelivery-once sees background double processing -----------------------


@pytest.fixture(params=[0.0, 0.05, 0.15, 0.5], ids=lambda w: f"{int(w * 1000)}ms")
def work(request: pytest.FixtureRequest) -> float:
    value: float = request.param
    return value


@contextlib.contextmanager
def _background(work: float, *, dedupe: bool, **options: Any) -> Iterator[BackgroundReceiver]:
    receiver = BackgroundReceiver(work, dedupe=dedupe, **options)
    try:
        yield receiver
    finally:
        receiver.close()


@pytest.mark.parametrize("dedupe", [True, False], ids=["processes-once", "processes-twice"])
def test_background_processing_is_judged_once_it_settled(work: float, dedupe: bool) -> None:
    with _background(work, dedupe=dedupe) as receiver:
        report = check_receiver(
            receiver, path="/hooks/jobs", timeout=2.0, only=ONCE, seed=3,
            probe=lambda r: receiver.times_processed(r["id"]),
        )
        result = report["processes-redelivery-once"]
        if dedupe:
            assert result.status is Status.PASS, result
        else:
            assert result.status is Status.FAIL, result
            assert result.reason.startswith(
                "the same report delivered twice was processed 2 times within ")
            assert "also when the processing happens in the background" in result.details


def test_the_settle_period_follows_the_first_count_and_the_timeout() -> None:
    assert settle_period(0.0, 5.0) == SETTLE_FLOOR
    assert settle_period(0.4, 5.0) == pytest.approx(SETTLE_FLOOR + 0.6)
    assert settle_period(4.0, 5.0) == 5.0  # never past the timeout
    assert settle_period(0.4, 0.3) == 0.3


def test_a_report_never_processed_says_so() -> None:
    report = check_receiver(answering("204 No Content"), timeout=0.3, only=ONCE,
                            probe=lambda r: 0)
    result = report["processes-redelivery-once"]
    assert result.status is Status.FAIL
    assert "processed 0 times after " in result.reason and "never processed" in result.reason


# -- 3. probe_url and headers -------------------------------------------------------------


@pytest.mark.parametrize("bare", [False, True], ids=["object", "integer"])
def test_probe_url_asks_the_receiver_relative_to_its_origin(bare: bool) -> None:
    with _background(0.05, dedupe=False, bare=bare) as receiver:
        report = check_receiver(receiver, path="/hooks/jobs", timeout=2.0, only=ONCE,
                                probe_url="/processed/{id}", auth=AUTH)
        result = report["processes-redelivery-once"]
        assert result.status is Status.FAIL, result
        assert "processed 2 times" in result.reason
        # The probe carries the deliveries' Authorization.
        assert receiver.probe_headers[-1]["HTTP_AUTHORIZATION"] == AUTH


def test_probe_url_can_be_absolute() -> None:
    with _background(0.0, dedupe=True) as receiver:
        with serve_wsgi(receiver) as server:
            report = check_receiver(server.url + "/hooks/jobs", timeout=2.0, only=ONCE,
                                    probe_url=server.url + "/processed/{id}")
        assert report["processes-redelivery-once"].status is Status.PASS


@pytest.mark.parametrize(("template", "said"), [
    ("/nowhere/{id}", "answered 404 '{\"error\": \"no such page\"}'"),
    ("/hooks/jobs?{id}", "answered 405 ''"),
])
def test_a_probe_that_does_not_answer_a_count_fails_saying_what_it_answered(
    template: str, said: str
) -> None:
    with _background(0.0, dedupe=True) as receiver:
        report = check_receiver(receiver, path="/hooks/jobs", timeout=2.0, only=ONCE,
                                probe_url=template)
    result = report["processes-redelivery-once"]
    assert result.status is Status.FAIL
    assert result.reason.startswith("the side-effect probe GET http://127.0.0.1:")
    assert said in result.reason
    assert 'expected 200 with a JSON integer or {"processed": <integer>}' in result.reason
    assert "jobhook-testkit bug" not in result.reason


def test_probe_url_quotes_the_id() -> None:
    from jobhook_testkit._http_probe import resolve

    assert resolve("/p/{id}", "http://127.0.0.1:9/hooks", "a/b c?") == \
        "http://127.0.0.1:9/p/a%2Fb%20c%3F"
    assert resolve("https://x.test/{id}", "http://127.0.0.1:9/", "A1") == "https://x.test/A1"


@pytest.mark.parametrize("template", ["", "/no-placeholder", "ftp://x/{id}"])
def test_a_bad_probe_url_is_a_value_error(template: str) -> None:
    with pytest.raises(ValueError, match="probe URL"):
        check_receiver(answering("204 No Content"), timeout=1.0, probe_url=template)


def test_both_probe_and_probe_url_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="probe= or probe_url="):
        check_receiver(answering("204 No Content"), timeout=1.0, probe=lambda r: 1,
                       probe_url="/p/{id}")


GATEWAY = ("X-Gateway-Key", "gw-Zq81-secret")


def test_headers_reach_a_receiver_behind_a_gateway_and_never_show() -> None:
    with _background(0.0, dedupe=True, required=GATEWAY) as receiver:
        without = check_receiver(receiver, path="/hooks/jobs", timeout=2.0,
                                 only=["acknowledges-success-report"])
        with_header = check_receiver(receiver, path="/hooks/jobs", timeout=2.0,
                                     headers=dict([GATEWAY]), probe_url="/processed/{id}",
                                     only=["acknowledges-success-report", *ONCE])
    assert without["acknowledges-success-report"].status is Status.FAIL
    assert with_header.passed and not with_header.skipped
    assert receiver.probe_headers[-1]["HTTP_X_GATEWAY_KEY"] == GATEWAY[1]
    for fmt in ("text", "json", "junit"):
        assert GATEWAY[1].lower() not in render(with_header, fmt).lower()


def test_a_header_value_echoed_by_the_receiver_is_redacted() -> None:
    def echo(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        if environ["REQUEST_METHOD"] == "POST" and environ.get("CONTENT_TYPE") is None:
            body = json.dumps({"got": environ.get("HTTP_X_API_KEY")}).encode()
            start_response("500 Oops", [("Content-Length", str(len(body)))])
            return [body]
        start_response("204 No Content", [])
        return [b""]

    report = check_receiver(echo, timeout=2.0, headers={"X-Api-Key": "k3y-Echoed-9"},
                            only=["tolerates-odd-content-type"])
    assert report["tolerates-odd-content-type"].status is Status.FAIL
    for fmt in ("text", "json", "junit"):
        rendered = render(report, fmt)
        assert "k3y-echoed-9" not in rendered.lower()
        assert "[redacted]" in rendered


def test_assert_conforms_takes_probe_url_and_headers() -> None:
    from jobhook_testkit import ContractFailedError, assert_conforms

    with _background(0.05, dedupe=False, required=GATEWAY) as receiver, \
            pytest.raises(ContractFailedError) as caught:
        assert_conforms(receiver, path="/hooks/jobs", timeout=2.0, only=ONCE,
                        headers=dict([GATEWAY]), probe_url="/processed/{id}")
    assert "FAIL processes-redelivery-once (MUST): the same report delivered twice was " \
        "processed 2 times" in str(caught.value)
    assert GATEWAY[1] not in str(caught.value)


@pytest.mark.parametrize(("headers", "says"), [
    # With the valid value fixed in headers=, the refusal checks' own (missing, wrong)
    # Authorization would be overridden: a correct receiver would fail 4 checks.
    ({"Authorization": AUTH}, "headers= cannot set Authorization: give the Authorization "
                              "value as auth="),
    # A hand-made length makes the receiver read another body: 400s blamed on it.
    ({"content-length": "5"}, "headers= cannot set content-length: the sender frames"),
    ({"Transfer-Encoding": "chunked"}, "headers= cannot set Transfer-Encoding"),
])
def test_headers_cannot_set_what_the_checks_set_themselves(
    flask_app: Any, headers: dict[str, str], says: str
) -> None:
    with pytest.raises(ValueError, match=re.escape(says)):
        check_receiver(flask_app, path="/hooks/jobs", auth=AUTH, headers=headers,
                       only=["acknowledges-success-report", "refuses-wrong-authorization"])
