"""Tests for what mutation testing found loose in the conformance suite's own modules.

The suite's data types (``_suite_types``), its run loop (``_contract_run``), the registry,
the preflight and the HTTP side-effect probe, exercised the way a user meets them: through
``check_receiver``, ``jobhook check`` and ``ReceiverContract`` against real receivers on
127.0.0.1.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import pytest
from _receivers import answering, free_port

from jobhook_testkit.cli import main
from jobhook_testkit.contract import (
    CheckResult,
    ContractReport,
    EndpointNotFoundError,
    Level,
    ReceiverUnreachableError,
    Status,
    check_names,
    check_receiver,
    get_check,
    select_checks,
)
from jobhook_testkit.delivery import Delivery, Outcome, SentRequest
from jobhook_testkit.server import serve_wsgi

AUTH = "Bearer s3cret-Judge"
SUCCESS = ["acknowledges-success-report"]

# -- _registry: unknown names are refused with every known one listed -------------------


def test_an_unknown_check_name_lists_every_known_check_comma_separated() -> None:
    known = ", ".join(check_names())
    assert known.startswith("acknowledges-success-report, acknowledges-failure-report, ")

    with pytest.raises(KeyError) as caught:
        get_check("acknowledge-everything")
    assert caught.value.args == (
        f"unknown check 'acknowledge-everything'; known checks: {known}",)

    with pytest.raises(ValueError, match="unknown check name") as refused:
        select_checks(["rejects-get", "nope", "nada"])
    assert str(refused.value) == f"unknown check name(s): nope, nada; known checks: {known}"


def test_check_only_with_an_unknown_name_is_a_usage_error_listing_the_known_ones(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["check", "http://127.0.0.1:9/", "--only", "rejects-gets"]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err == (f"jobhook check: unknown check name(s): rejects-gets; known checks: "
                   f"{', '.join(check_names())}\n")


# -- _http_probe: what the probe URL must answer, and what a failure quotes --------------

ONCE = ["processes-redelivery-once"]
EXPECTED_COUNT = 'expected 200 with a JSON integer or {"processed": <integer>}'


class ProbedReceiver:
    """Acknowledges reports at /hooks/jobs; GET /p/<id> answers ``probe_status`` with
    ``probe_body`` (``{id}`` replaced by the id asked), after ``probe_delay`` seconds."""

    def __init__(self, probe_status: str, probe_body: bytes, probe_delay: float = 0.0,
                 probe_headers: Iterable[tuple[str, str]] = ()) -> None:
        self.probe_status = probe_status
        self.probe_body = probe_body
        self.probe_delay = probe_delay
        self.probe_headers = list(probe_headers)
        self.asked: list[str] = []
        self.sent: list[tuple[bytes, str | None]] = []  # what each probe sent: body, type

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        got = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        path = environ.get("PATH_INFO", "")
        if environ["REQUEST_METHOD"] == "GET" and path.startswith("/p/"):
            self.asked.append(environ.get("RAW_URI") or environ.get("REQUEST_URI") or path)
            self.sent.append((got, environ.get("CONTENT_TYPE") or None))
            time.sleep(self.probe_delay)
            body = self.probe_body.replace(b"{id}", path[3:].encode())
            start_response(self.probe_status, [*self.probe_headers,
                                               ("Content-Length", str(len(body)))])
            return [body]
        start_response("204 No Content", [("Content-Length", "0")])
        return [b""]


def _probed(receiver: ProbedReceiver, **options: Any) -> tuple[CheckResult, str]:
    """Run the redelivery check with ``probe_url="/p/{id}"``: its result and the URL
    the probe asked (the receiver's origin + /p/ + the report id)."""
    options.setdefault("timeout", 1.0)
    report = check_receiver(receiver, path="/hooks/jobs", only=ONCE, probe_url="/p/{id}",
                            **options)
    origin = report.target.removesuffix("/hooks/jobs")
    assert receiver.asked, "the probe was never asked"
    return report["processes-redelivery-once"], origin + receiver.asked[0]


@pytest.mark.parametrize(("status", "body", "said"), [
    # a count, but not with a 200
    ("201 Created", b"1", "answered 201 '1'"),
    # not a count: a boolean, a negative number, a float, the wrong field, not JSON
    ("200 OK", b"true", "answered 200 'true'"),
    ("200 OK", b"-1", "answered 200 '-1'"),
    ("200 OK", b'{"processed": 1.0}', "answered 200 '{\"processed\": 1.0}'"),
    ("200 OK", b'{"count": 1}', "answered 200 '{\"count\": 1}'"),
    ("200 OK", b"one", "answered 200 'one'"),
    # bytes that are not UTF-8 are shown replaced, not as a crash
    ("500 Internal Server Error", b"\xff\xfeoops", "answered 500 '\ufffd\ufffdoops'"),
])
def test_a_probe_answer_that_is_not_a_count_is_quoted_in_the_failure(
    status: str, body: bytes, said: str
) -> None:
    result, asked = _probed(ProbedReceiver(status, body))
    assert result.status is Status.FAIL
    assert result.reason == f"the side-effect probe GET {asked} {said}; {EXPECTED_COUNT}"


@pytest.mark.parametrize(("size", "shown"), [
    (120, "x" * 120),  # exactly _SHOWN characters: quoted whole
    (121, "x" * 117 + "..."),  # one more: cut to _SHOWN with the ellipsis
])
def test_a_long_probe_answer_is_cut_to_120_characters(size: int, shown: str) -> None:
    result, asked = _probed(ProbedReceiver("404 Not Found", b"x" * size))
    assert result.reason == f"the side-effect probe GET {asked} answered 404 {shown!r}; " \
        f"{EXPECTED_COUNT}"


def test_a_probe_answer_echoing_the_credentials_is_redacted_before_it_is_cut() -> None:
    body = b"auth=Bearer s3cret-Judge key=k3y-Probe-77 " + b"y" * 200
    result, asked = _probed(ProbedReceiver("403 Forbidden", body), auth=AUTH,
                            headers={"X-Api-Key": "k3y-Probe-77"})
    shown = "auth=Bearer [redacted] key=[redacted] " + "y" * 200
    assert result.reason == (f"the side-effect probe GET {asked} answered 403 "
                             f"{shown[:117] + '...'!r}; {EXPECTED_COUNT}")


def test_a_probe_slower_than_the_timeout_gave_no_answer() -> None:
    """The probe is asked with the run's timeout (0.4 s here), not the sender's default."""
    result, asked = _probed(ProbedReceiver("200 OK", b"1", probe_delay=1.0), timeout=0.4)
    assert result.status is Status.FAIL
    assert result.reason == (
        f"the side-effect probe GET {asked} gave no answer (no answer within 0.4 s (the "
        f"whole request was sent)); {EXPECTED_COUNT}")


@pytest.mark.parametrize(("body", "status", "says"), [
    (b"1", Status.PASS, ""),
    (b'{"processed": 1}', Status.PASS, ""),
    (b"0", Status.FAIL, "the same report delivered twice was processed 0 times after "),
    (b'{"processed": 2}', Status.FAIL, "the same report delivered twice was processed 2 "
                                       "times within "),
])
def test_a_probe_answering_a_count_is_believed(body: bytes, status: Status, says: str) -> None:
    result, _ = _probed(ProbedReceiver("200 OK", body), timeout=0.3)
    assert result.status is status, result.reason
    assert result.reason.startswith(says)


def test_a_probe_is_a_bare_get() -> None:
    receiver = ProbedReceiver("200 OK", b"1")
    result, _ = _probed(receiver, timeout=0.3)
    assert result.status is Status.PASS
    assert set(receiver.sent) == {(b"", None)}


def test_a_credential_in_an_absolute_probe_url_is_redacted_in_the_failure() -> None:
    receiver = ProbedReceiver("404 Not Found", b"")
    with serve_wsgi(receiver) as server:
        report = check_receiver(server.url + "/hooks/jobs", timeout=1.0, only=ONCE,
                                probe_url=server.url + "/p/{id}?code=Zx81-probe-code")
    [asked] = receiver.asked
    result = report["processes-redelivery-once"]
    assert "Zx81" not in result.reason + result.details
    shown = server.url + asked.replace("Zx81-probe-code", "[redacted]")
    assert result.reason == f"the side-effect probe GET {shown} answered 404 ''; {EXPECTED_COUNT}"


@pytest.fixture
def tls(tmp_path: Any) -> tuple[Any, str]:
    """A server TLS context for 127.0.0.1 and the file of the CA that signed it."""
    import ssl

    import trustme

    ca = trustme.CA()
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ca.issue_cert("127.0.0.1").configure_cert(context)
    ca_file = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    return context, str(ca_file)


def test_an_https_probe_is_asked_with_the_runs_ca(tls: tuple[Any, str]) -> None:
    context, ca_file = tls
    receiver = ProbedReceiver("200 OK", b"1")
    with serve_wsgi(receiver, ssl_context=context) as server:
        assert server.url.startswith("https://")
        report = check_receiver(server.url + "/hooks/jobs", timeout=1.0, only=ONCE,
                                probe_url=server.url + "/p/{id}", verify=ca_file)
    assert report["processes-redelivery-once"].status is Status.PASS


@pytest.mark.parametrize(("template", "problem"), [
    (None, "the probe URL must be a non-empty string such as '/jobs/{id}/processed'"),
    ("", "the probe URL must be a non-empty string such as '/jobs/{id}/processed'"),
    ("/p", "the probe URL '/p' has no {id} for the report id"),
    ("p/{id}", "the probe URL 'p/{id}' must start with / (relative to the receiver) or "
               "http:// or https://"),
    ("http://u:pw0rd-Secret@h/{id}", "the probe URL 'http://[credentials]@h/{id}' holds "
     "user:password@, which is not sent: the probe is asked with the deliveries' "
     "Authorization"),
    ("/p/{id}", None),
    ("/p/{id}?note=[credentials]@", None),  # that text itself, not a password redacted
    ("http://h/{id}", None),
    ("https://h/{id}", None),
])
def test_probe_url_problems_are_said_in_full(template: Any, problem: str | None) -> None:
    from jobhook_testkit._http_probe import probe_url_problem

    assert probe_url_problem(template) == problem


def test_a_probe_url_that_is_not_text_is_refused_before_anything_is_sent() -> None:
    with pytest.raises(ValueError, match="probe URL") as caught:
        check_receiver(answering("204 No Content"), timeout=1.0, probe_url=5)  # type: ignore[arg-type]
    assert str(caught.value) == (
        "the probe URL must be a non-empty string such as '/jobs/{id}/processed'")


def test_a_probe_shows_its_template_in_a_traceback() -> None:
    from jobhook_testkit._http_probe import HttpProbe

    probe = HttpProbe("/p/{id}", "http://127.0.0.1:9/hooks", auth=AUTH, headers=None,
                      timeout=1.0, verify=True)
    assert repr(probe) == "HttpProbe('/p/{id}')"


# -- _preflight: is something there, and is it the webhook's endpoint? --------------------


@pytest.fixture
def silent_url() -> Iterator[str]:
    """A URL where connections are accepted (the listen backlog) and never answered."""
    import socket

    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        yield f"http://127.0.0.1:{listener.getsockname()[1]}/hooks"


def test_preflight_names_a_refused_port_and_keeps_the_attempt() -> None:
    from jobhook_testkit.contract import preflight

    url = f"http://127.0.0.1:{free_port()}/hooks"
    with pytest.raises(ReceiverUnreachableError) as caught:
        preflight(url, auth=AUTH, timeout=1.0)
    assert str(caught.value) == f"receiver unreachable at {url}: Connection refused (connecting)"
    delivery = caught.value.delivery
    assert delivery is not None and str(delivery.outcome) == "connection_failed"
    assert delivery.request.method == "GET"


def test_preflight_takes_silence_for_unreachable(silent_url: str) -> None:
    from jobhook_testkit.contract import preflight

    with pytest.raises(ReceiverUnreachableError) as caught:
        preflight(silent_url, auth=None, timeout=0.3)
    assert str(caught.value).startswith(
        f"receiver unreachable at {silent_url}: no answer within 0.3 s")
    assert caught.value.delivery is not None
    assert str(caught.value.delivery.outcome) == "timed_out"


def test_preflight_is_one_bare_get_with_the_credentials_whatever_it_answers() -> None:
    from jobhook_testkit.contract import preflight

    seen: list[dict[str, Any]] = []

    def app(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        seen.append(dict(environ, body=environ["wsgi.input"].read(
            int(environ.get("CONTENT_LENGTH") or 0))))
        start_response("404 Not Found", [("Content-Length", "0")])
        return [b""]

    with serve_wsgi(app) as server:
        delivery = preflight(server.url + "/hooks", auth=AUTH, timeout=1.0,
                             headers={"X-Gateway": "gw-1"})
    assert delivery.status_code == 404  # an answer: not this function's business
    [got] = seen
    assert (got["REQUEST_METHOD"], got["PATH_INFO"], got["body"]) == ("GET", "/hooks", b"")
    assert "CONTENT_TYPE" not in got or not got["CONTENT_TYPE"]
    assert (got["HTTP_AUTHORIZATION"], got["HTTP_X_GATEWAY"]) == (AUTH, "gw-1")


def test_preflight_trusts_the_ca_it_is_given(tls: tuple[Any, str]) -> None:
    from jobhook_testkit.contract import preflight

    context, ca_file = tls
    with serve_wsgi(answering("405 Method Not Allowed"), ssl_context=context) as server:
        delivery = preflight(server.url, auth=None, timeout=1.0, verify=ca_file)
        assert delivery.status_code == 405
        with pytest.raises(ReceiverUnreachableError, match="certificate"):
            preflight(server.url, auth=None, timeout=1.0)


class FirstReports:
    """Answers ``status`` to every POST (after ``first_delay`` s for the first one) and
    keeps the bodies."""

    def __init__(self, status: str = "204 No Content", first_delay: float = 0.0) -> None:
        self.status = status
        self.first_delay = first_delay
        self.bodies: list[bytes] = []

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        if environ["REQUEST_METHOD"] == "POST":
            self.bodies.append(body)
            if len(self.bodies) == 1:
                time.sleep(self.first_delay)
        start_response(self.status, [("Content-Length", "0")])
        return [b""]


def test_the_first_report_is_an_ordinary_success_export_reproduced_by_the_seed() -> None:
    for seed in range(4):  # whatever the seed
        app = FirstReports()
        check_receiver(app, timeout=1.0, seed=seed, only=SUCCESS)
        first_report = json.loads(app.bodies[0])
        assert (first_report["status"], first_report["type"]) == ("SUCCESS", "export"), seed
    runs = [FirstReports(), FirstReports()]
    reports = [check_receiver(app, timeout=1.0, seed=11, only=SUCCESS) for app in runs]
    first = [json.loads(app.bodies[0]) for app in runs]
    assert first[0] == first[1]  # the same seed, the same first report
    assert reports[0].first_delivery is not None
    assert json.loads(reports[0].first_delivery.request.body) == first[0]
    # ... and not one of the reports the checks send
    assert first[0]["id"] not in {json.loads(body)["id"] for body in runs[0].bodies[1:]}


def test_a_served_app_slow_to_answer_the_first_report_is_still_checked() -> None:
    """An app served for the run is there by construction: its silence is a result (the
    checks judge it), not an unreachable receiver."""
    app = FirstReports(first_delay=0.6)
    report = check_receiver(app, timeout=0.3, only=SUCCESS)
    assert report.first_delivery is not None
    assert str(report.first_delivery.outcome) == "timed_out"
    assert report["acknowledges-success-report"].status is Status.PASS


def test_a_404_cut_short_by_the_timeout_is_not_taken_for_a_missing_endpoint() -> None:
    """Only a whole answer says nothing takes reports there: a 404 whose body was still
    arriving at the timeout is an unanswered delivery (judged by the checks)."""
    posts: list[int] = []

    def slow_404_first(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        posts.append(1)
        if len(posts) > 1:
            start_response("204 No Content", [("Content-Length", "0")])
            return
        start_response("404 Not Found", [("Content-Length", "20")])
        yield b"x" * 5
        time.sleep(0.5)
        yield b"y" * 15

    report = check_receiver(slow_404_first, timeout=0.25, only=SUCCESS)
    first = report.first_delivery
    assert first is not None
    assert (str(first.outcome), first.status_code) == ("timed_out", 404)
    assert report["acknowledges-success-report"].status is Status.PASS


def test_a_silent_url_is_unreachable_with_its_credentials_scrubbed(silent_url: str) -> None:
    url = silent_url + "/s3cret-Judge/k3y-Gate-42"
    with pytest.raises(ReceiverUnreachableError) as caught:
        check_receiver(url, auth=AUTH, timeout=0.3, headers={"X-Api-Key": "k3y-Gate-42"})
    assert str(caught.value).startswith(
        f"receiver unreachable at {silent_url}/[redacted]/[redacted]: no answer within 0.3 s")


def test_a_404_echoing_the_credentials_stops_the_run_without_showing_them() -> None:
    def echo(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        body = f"{environ.get('HTTP_AUTHORIZATION')} {environ.get('HTTP_X_API_KEY')}".encode()
        start_response("404 Not Found", [("Content-Length", str(len(body)))])
        return [body]

    with pytest.raises(EndpointNotFoundError) as caught:
        check_receiver(echo, path="/hooks", auth=AUTH, timeout=1.0,
                       headers={"X-Api-Key": "k3y-Gate-42"})
    message = str(caught.value)
    lines = message.splitlines()
    assert lines[0] == "no endpoint at /hooks: check path= (nothing was checked)"
    assert lines[-1] == (
        "  expected:  a 2xx answer to an ordinary job report (the suite starts with one)")
    assert "s3cret" not in message.lower() and "k3y-gate-42" not in message.lower()
    assert "Bearer [redacted] [redacted]" in message


def test_a_redirect_echoing_the_credentials_stops_the_run_without_showing_them() -> None:
    def to_login(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        credential = environ.get("HTTP_AUTHORIZATION", "").split()[-1]
        key = environ.get("HTTP_X_API_KEY")
        start_response("302 Found", [("Location", f"/login/{credential}/{key}?token=t0k-Seen-8"),
                                     ("Content-Length", "0")])
        return [b""]

    with pytest.raises(EndpointNotFoundError) as caught:
        check_receiver(to_login, path="/hooks", auth=AUTH, timeout=1.0,
                       headers={"X-Api-Key": "k3y-Gate-42"})
    assert str(caught.value).splitlines()[0] == (
        "/hooks redirects (302 to /login/[redacted]/[redacted]?token=[redacted]) and the "
        "platform does not follow redirects: check path= and the URL's scheme (nothing was "
        "checked)")


def test_a_url_without_a_path_is_reported_at_the_root() -> None:
    with serve_wsgi(answering("404 Not Found")) as server:
        origin = server.url.rstrip("/")
        assert origin.count("/") == 2  # http://127.0.0.1:PORT, no path at all
        with pytest.raises(EndpointNotFoundError) as caught:
            check_receiver(origin, timeout=1.0)
    assert str(caught.value).splitlines()[0] == (
        "no endpoint at /: check path= (nothing was checked)")


@pytest.mark.parametrize(("status", "headers", "cause"), [
    ("300 Multiple Choices", [], "/hooks redirects (300) and the platform does not follow "
                                 "redirects: check path= and the URL's scheme"),
    ("399 Odd Redirect", [("location", "/elsewhere")],
     "/hooks redirects (399 to /elsewhere) and the platform does not follow redirects: "
     "check path= and the URL's scheme"),
])
def test_every_3xx_is_a_redirect_that_stops_the_run(
    status: str, headers: list[tuple[str, str]], cause: str
) -> None:
    with pytest.raises(EndpointNotFoundError) as caught:
        check_receiver(answering(status, headers), path="/hooks", timeout=1.0)
    assert str(caught.value).splitlines()[0] == f"{cause} (nothing was checked)"


def test_a_400_to_the_first_report_is_judged_not_taken_for_a_missing_endpoint() -> None:
    report = check_receiver(answering("400 Bad Request"), path="/hooks", timeout=1.0,
                            only=SUCCESS)
    assert report["acknowledges-success-report"].status is Status.FAIL
    assert report.first_delivery is not None and report.first_delivery.status_code == 400


# -- _suite_types: results and reports as data (what --format json is made of) ------------


def _delivery(status_code: int | None, outcome: str, elapsed: float, *,
              auth: str | None = AUTH, reason: str = "") -> Delivery:
    headers = {"Content-Type": "application/json"}
    if auth is not None:
        headers["Authorization"] = auth
    return Delivery(
        outcome=Outcome(outcome),
        status_code=status_code,
        elapsed=elapsed,
        request=SentRequest("POST", "http://u:pw-Judge@127.0.0.1:8000/hooks?token=t0k-Judge",
                            headers, b'{"id": "A"}'),
        reason=reason,
    )


def _checked(name: str, status: Status, *deliveries: Delivery, level: Level = Level.MUST,
             elapsed: float = 0.0) -> CheckResult:
    return CheckResult(name=name, level=level, status=status, protects="Protects it.",
                       reason=f"{name} said", details=f"{name} story", deliveries=deliveries,
                       elapsed=elapsed)


def test_a_result_as_a_dict_holds_every_field_with_its_deliveries_redacted() -> None:
    answered = _delivery(204, "acknowledged", 0.00412345678)
    refused = _delivery(None, "connection_failed", 0.5, auth=None, reason="refused")
    result = _checked("rejects-get", Status.WARN, answered, refused, level=Level.SHOULD,
                      elapsed=1.23456789)
    assert result.as_dict() == {
        "name": "rejects-get",
        "level": "SHOULD",
        "status": "warn",
        "protects": "Protects it.",
        "reason": "rejects-get said",
        "details": "rejects-get story",
        "elapsed": 1.234568,
        "deliveries": [
            {"outcome": "acknowledged", "status_code": 204, "elapsed": 0.004123,
             "method": "POST", "url": "http://[credentials]@127.0.0.1:8000/hooks?token=[redacted]",
             "sent_bytes": 11, "authorization": "Bearer [redacted]", "reason": ""},
            {"outcome": "connection_failed", "status_code": None, "elapsed": 0.5,
             "method": "POST", "url": "http://[credentials]@127.0.0.1:8000/hooks?token=[redacted]",
             "sent_bytes": 11, "authorization": None, "reason": "refused"},
        ],
    }


@pytest.mark.parametrize(("deliveries", "summary"), [
    ((), ""),
    ((_delivery(204, "acknowledged", 0.0041),), "204 in 0.004 s"),
    ((_delivery(None, "connection_failed", 0.0102),), "connection failed after 0.010 s"),
    ((_delivery(204, "acknowledged", 0.1), _delivery(400, "rejected", 0.3),
      _delivery(204, "acknowledged", 0.2)), "3 deliveries, slowest 0.300 s"),
])
def test_a_result_sums_up_its_deliveries(deliveries: tuple[Delivery, ...], summary: str) -> None:
    assert _checked("rejects-get", Status.PASS, *deliveries).summary == summary


@pytest.mark.parametrize(("status", "ok"), [
    (Status.PASS, True), (Status.WARN, True), (Status.SKIP, True), (Status.FAIL, False),
])
def test_only_a_failed_result_is_not_ok(status: Status, ok: bool) -> None:
    assert _checked("rejects-get", status).ok is ok


def _report(*results: CheckResult, **fields: Any) -> ContractReport:
    return ContractReport(target="http://127.0.0.1:8000/hooks", seed=42, timeout=2.5,
                          auth="Bearer [redacted]", results=results, **fields)


def test_a_report_is_a_sequence_of_results_found_by_name() -> None:
    one = _delivery(204, "acknowledged", 0.1)
    two = _delivery(400, "rejected", 0.2)
    three = _delivery(204, "acknowledged", 0.3)
    results = (_checked("a-pass", Status.PASS, one), _checked("a-fail", Status.FAIL, two, three),
               _checked("a-skip", Status.SKIP), _checked("a-warn", Status.WARN))
    report = _report(*results)
    assert len(report) == 4
    assert list(report) == list(results)
    assert report["a-fail"] is results[1]
    with pytest.raises(KeyError) as caught:
        report["a-nothing"]
    assert caught.value.args == ("a-nothing",)
    assert report.failures == [results[1]]
    assert report.warnings == [results[3]]
    assert report.skipped == [results[2]]
    assert report.with_status(Status.PASS) == [results[0]]
    assert report.deliveries == [one, two, three]
    assert (report.passed, report.exit_code) == (False, 1)
    assert report.summary() == "1 passed, 1 failed (MUST), 1 warning (SHOULD), 1 skipped"


@pytest.mark.parametrize(("statuses", "summary", "exit_code"), [
    ((), "0 passed", 0),
    ((Status.PASS, Status.PASS), "2 passed", 0),
    ((Status.WARN,), "0 passed, 1 warning (SHOULD)", 0),
    ((Status.WARN, Status.WARN, Status.SKIP, Status.SKIP), "0 passed, 2 warnings (SHOULD), "
                                                           "2 skipped", 0),
    ((Status.FAIL, Status.FAIL, Status.PASS), "1 passed, 2 failed (MUST)", 1),
])
def test_a_report_sums_up_its_results(statuses: tuple[Status, ...], summary: str,
                                      exit_code: int) -> None:
    report = _report(*(_checked(f"check-{i}", s) for i, s in enumerate(statuses)))
    assert report.summary() == summary
    assert report.exit_code == exit_code
    assert report.passed is (exit_code == 0)


def test_a_report_as_a_dict_holds_every_field() -> None:
    result = _checked("a-fail", Status.FAIL)
    report = _report(result, _checked("a-skip", Status.SKIP), elapsed=0.12345678,
                     app_errors=("KeyError: 'id' at app.py:3",))
    assert report.as_dict() == {
        "target": "http://127.0.0.1:8000/hooks",
        "seed": 42,
        "timeout": 2.5,
        "auth": "Bearer [redacted]",
        "passed": False,
        "summary": "0 passed, 1 failed (MUST), 1 skipped",
        "elapsed": 0.123457,
        "counts": {"pass": 0, "fail": 1, "warn": 0, "skip": 1},
        "app_errors": ["KeyError: 'id' at app.py:3"],
        "checks": [result.as_dict(), _checked("a-skip", Status.SKIP).as_dict()],
    }
    bare = _report()
    assert (bare.elapsed, bare.app_errors, bare.first_delivery) == (0.0, (), None)
    assert str(bare).startswith("jobhook check http://127.0.0.1:8000/hooks")


def test_an_unreachable_error_made_by_hand_has_no_delivery() -> None:
    error = ReceiverUnreachableError("receiver unreachable at http://x/: refused")
    assert (str(error), error.delivery) == ("receiver unreachable at http://x/: refused", None)
    assert EndpointNotFoundError("no endpoint").delivery is None


def test_the_default_timeout_is_five_seconds() -> None:
    report = check_receiver(answering("204 No Content"), only=SUCCESS)
    assert report.timeout == 5.0
    assert report.first_delivery is not None and report.first_delivery.timeout == 5.0


@pytest.mark.parametrize(("path", "problem"), [
    (3, "path must be a string such as '/hooks/jobs', got int"),
    (None, "path must be a string such as '/hooks/jobs', got NoneType"),
    ("/a\nb", "path must not contain control characters (line breaks...), got '/a\\nb'"),
    ("/a\x00", "path must not contain control characters (line breaks...), got '/a\\x00'"),
    ("/a\x1f", "path must not contain control characters (line breaks...), got '/a\\x1f'"),
    ("/a\x7f", "path must not contain control characters (line breaks...), got '/a\\x7f'"),
])
def test_a_path_that_cannot_be_sent_is_refused_before_anything_is(
    path: Any, problem: str
) -> None:
    with pytest.raises(ValueError, match=r"^path must") as caught:
        check_receiver(f"http://127.0.0.1:{free_port()}/", path=path, timeout=1.0)
    assert str(caught.value) == problem


@pytest.mark.parametrize(("url", "path", "joined"), [
    ("http://h:1/base/", "/", "http://h:1/base/"),  # "/" and "" leave the URL as given
    ("http://h:1/base/", "", "http://h:1/base/"),
    ("http://h:1//", "//hooks/jobs", "http://h:1/hooks/jobs"),
    ("http://h:1", "hooks", "http://h:1/hooks"),
    ("http://h:1/", "/a b~", "http://h:1/a b~"),  # a space and ~ are no control characters
    ("https://h/api?code=c0de", "/hooks", "https://h/api/hooks?code=c0de"),
    ("http://h:1/x/#part", "y", "http://h:1/x/y#part"),
    ("http://h:1/boX/", "/XboX", "http://h:1/boX/XboX"),  # only slashes are trimmed
    ("http://[::1X/ ", "/Xhooks", "http://[::1X/ /Xhooks"),  # malformed: joined as text
    ("http://[::1X/", "/Xhooks", "http://[::1X/Xhooks"),
])
def test_the_path_is_joined_to_the_url_with_one_slash(url: str, path: str, joined: str) -> None:
    from jobhook_testkit._suite_types import join_url

    assert join_url(url, path) == joined



def test_a_malformed_url_with_a_path_is_named_by_the_sender(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from jobhook_testkit.cli import main

    assert main(["check", "http://[::1", "--path", "/hooks"]) == 2
    assert capsys.readouterr().err == (
        "jobhook check: invalid URL 'http://[::1/hooks': Invalid IPv6 URL\n")

# -- _contract_run: how a run goes -------------------------------------------------------


class Timeline:
    """Check functions that note when they start and end, and how many run at once."""

    def __init__(self, pause: float = 0.05) -> None:
        self.pause = pause
        self.events: list[tuple[str, str]] = []
        self.running = 0
        self.most = 0
        self._lock = threading.Lock()

    def check(self, name: str, *, deliveries: tuple[Delivery, ...] = (),
              **options: Any) -> Any:
        from jobhook_testkit.contract import Check, Verdict

        def function(ctx: Any) -> Verdict:
            with self._lock:
                self.events.append(("start", name))
                self.running += 1
                self.most = max(self.most, self.running)
            time.sleep(self.pause)
            with self._lock:
                self.running -= 1
                self.events.append(("end", name))
            return Verdict(Status.PASS, deliveries=deliveries)

        return Check(name, Level.MUST, "Protects it.", function, **options)

    def started(self) -> list[str]:
        return [name for event, name in self.events if event == "start"]


def _context(check: Any) -> Any:
    from jobhook_testkit.contract import CheckContext

    return CheckContext("http://127.0.0.1:9/", "Bearer x-Judge", 1.5, 1, check.name)


def _run_checks(selected: list[Any], concurrency: int) -> tuple[CheckResult, ...]:
    from jobhook_testkit._contract_run import run_checks

    return run_checks(selected, _context, concurrency=concurrency, liveness=None)


def test_checks_that_wait_start_first_and_exclusive_ones_run_last_lightest_first() -> None:
    line = Timeline(pause=0.0)
    selected = [line.check("plain-a"), line.check("loads-x", exclusive=True, loads=True),
                line.check("needs-auth", needs="auth"), line.check("waits-w", waits=True),
                line.check("alone-y", exclusive=True), line.check("plain-b")]
    results = _run_checks(selected, concurrency=1)
    assert line.started() == ["waits-w", "plain-a", "needs-auth", "plain-b",
                              "alone-y", "loads-x"]
    assert [r.name for r in results] == [c.name for c in selected]  # registry order kept


def test_one_ordinary_check_runs_alone_before_the_others_run_at_once() -> None:
    line = Timeline()
    selected = [line.check("waits-w", waits=True), line.check("needs-auth", needs="auth"),
                line.check("plain-a"), line.check("plain-b"), line.check("plain-c")]
    _run_checks(selected, concurrency=2)
    # the first check that neither waits nor needs anything, alone
    assert line.events[:2] == [("start", "plain-a"), ("end", "plain-a")]
    assert sorted(line.started()[1:]) == ["needs-auth", "plain-b", "plain-c", "waits-w"]
    assert line.most == 2  # the pool holds `concurrency` checks at once, no more


def test_two_shared_checks_run_one_after_the_other() -> None:
    line = Timeline()
    _run_checks([line.check("plain-a"), line.check("plain-b")], concurrency=4)
    assert line.events == [("start", "plain-a"), ("end", "plain-a"),
                           ("start", "plain-b"), ("end", "plain-b")]


def test_the_two_checks_left_after_the_first_run_at_once() -> None:
    line = Timeline()
    _run_checks([line.check("plain-a"), line.check("plain-b"), line.check("plain-c")],
                concurrency=4)
    assert line.events[:2] == [("start", "plain-a"), ("end", "plain-a")]
    assert line.most == 2


def test_a_first_check_left_unanswered_makes_the_others_run_one_at_a_time() -> None:
    line = Timeline()
    unanswered = _delivery(None, "timed_out", 1.5)
    selected = [line.check("plain-a", deliveries=(unanswered,)),
                *(line.check(f"plain-{c}") for c in "bcd")]
    _run_checks(selected, concurrency=4)
    assert line.most == 1


@pytest.mark.parametrize(("outcomes", "elapsed", "timeout", "most", "fits"), [
    ((), 0.0, 1.0, 4, 4),  # nothing sent: no evidence, the most
    (("acknowledged", "timed_out"), 0.1, 1.0, 4, 1),  # one went unanswered: one at a time
    (("connection_failed",), 0.1, 1.0, 4, 1),
    # (binary fractions, so that the thirds are exact)
    (("acknowledged", "rejected"), 0.125, 1.875, 4, 4),  # 5 would fit: capped at the most
    (("acknowledged", "rejected"), 0.125, 1.875, 8, 5),  # a third of 1.875 s is 5 × 0.125 s
    (("acknowledged",), 0.125, 1.5, 8, 4),
    (("acknowledged",), 0.25, 1.5, 8, 2),
    (("acknowledged",), 0.5, 1.0, 8, 1),  # not even one fits in a third: still one
    (("acknowledged",), 0.0, 1.0, 1000, 333),  # an instant answer counts as 1 ms
])
def test_how_many_deliveries_fit_in_the_timeout_at_once(
    outcomes: tuple[str, ...], elapsed: float, timeout: float, most: int, fits: int
) -> None:
    from jobhook_testkit._contract_run import fits_in_timeout

    codes = {"acknowledged": 204, "rejected": 400}
    deliveries = [_delivery(codes.get(outcome), outcome, elapsed) for outcome in outcomes]
    assert fits_in_timeout(_checked("plain-a", Status.PASS, *deliveries), timeout, most) == fits


@pytest.mark.parametrize(("timeout", "said"), [(0, "0"), (-1.5, "-1.5"), (float("nan"), "nan")])
def test_a_timeout_that_is_not_positive_is_refused(timeout: float, said: str) -> None:
    with pytest.raises(ValueError, match=r"^timeout must") as caught:
        check_receiver(f"http://127.0.0.1:{free_port()}/", timeout=timeout)
    assert str(caught.value) == f"timeout must be a positive number of seconds, got {said}"


def test_a_zero_timeout_is_refused_before_the_app_is_made() -> None:
    made: list[int] = []

    def create_app() -> Any:
        made.append(1)
        return answering("204 No Content")

    with pytest.raises(ValueError, match=r"^timeout must be a positive number of seconds"):
        check_receiver(create_app, timeout=0)
    assert made == []


@pytest.mark.parametrize(("name", "problem"), [
    (" authorization ", "headers= cannot set Authorization: give the Authorization value as "
                        "auth="),
    (" Content-Length ", "headers= cannot set Content-Length: the sender frames each body "
                         "itself"),
    ("TRANSFER-ENCODING", "headers= cannot set TRANSFER-ENCODING: the sender frames each "
                          "body itself"),
])
def test_headers_the_checks_set_themselves_are_refused_word_for_word(
    name: str, problem: str
) -> None:
    with pytest.raises(ValueError, match=r"^headers= cannot set") as caught:
        check_receiver(f"http://127.0.0.1:{free_port()}/", timeout=1.0, headers={name: "5"})
    assert str(caught.value) == problem


def test_a_silent_receiver_is_given_up_on_counting_the_first_report_too() -> None:
    """The run's first report, unanswered, is the first of the six in a row after which
    nothing more is sent (an app served for the run is not unreachable when silent)."""

    def silent(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        time.sleep(0.25)
        start_response("204 No Content", [("Content-Length", "0")])
        return [b""]

    only = ["acknowledges-success-report", "acknowledges-failure-report",
            "acknowledges-export-report", "acknowledges-import-report",
            "acknowledges-redelivery", "tolerates-odd-content-type"]
    report = check_receiver(silent, timeout=0.1, only=only, concurrency=1)
    assert [len(result.deliveries) for result in report] == [1, 1, 1, 1, 1, 0]
    stopped = ("not run to the end: the receiver stopped answering (6 deliveries in a row "
               "got no answer within 0.1 s)")
    assert [r.reason for r in report][-2:] == [stopped, stopped]


def test_the_first_report_credits_the_refusals_without_another_delivery() -> None:
    posts: list[str | None] = []

    def guarded(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        posts.append(environ.get("HTTP_AUTHORIZATION"))
        status = "204 No Content" if posts[-1] == AUTH else "401 Unauthorized"
        start_response(status, [("Content-Length", "0")])
        return [b""]

    report = check_receiver(guarded, auth=AUTH, timeout=1.0,
                            only=["refuses-missing-authorization"])
    assert report.passed
    assert posts == [AUTH, None]  # the first report, then the one without Authorization


def test_the_report_says_what_was_checked_without_its_secrets() -> None:
    """A URL with a query (an Azure Function's ?code=...): the path goes before it."""
    asked: list[tuple[str, str]] = []

    def app(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        asked.append((environ["PATH_INFO"], environ["QUERY_STRING"]))
        start_response("204 No Content", [("Content-Length", "0")])
        return [b""]

    with serve_wsgi(app) as server:
        url = server.url.rstrip("/") + "/?token=t0k-Judge-99"
        report = check_receiver(url, path="/hooks", auth=AUTH, timeout=1.0, seed=5,
                                only=SUCCESS)
    assert set(asked) == {("/hooks", "token=t0k-Judge-99")}
    assert report.target == server.url.rstrip("/") + "/hooks?token=[redacted]"
    assert (report.auth, report.seed, report.timeout) == ("Bearer [redacted]", 5, 1.0)
    took = sum(r.elapsed for r in report)
    assert took < report.elapsed < took + 10


def test_a_run_picks_a_seed_when_none_is_given() -> None:
    seeds = {check_receiver(FirstReports(), timeout=1.0, only=SUCCESS).seed for _ in range(2)}
    assert len(seeds) == 2 and all(isinstance(seed, int) for seed in seeds)


def test_the_app_served_for_the_run_is_stopped_when_it_ends() -> None:
    import socket
    from urllib.parse import urlsplit

    report = check_receiver(FirstReports(), timeout=1.0, only=SUCCESS)
    port = urlsplit(report.target).port
    assert port is not None
    with socket.socket() as client, pytest.raises(ConnectionRefusedError):
        client.connect(("127.0.0.1", port))


def test_the_app_errors_name_each_exception_once_without_the_credentials_sent() -> None:
    def leaky(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        raise RuntimeError(f"no {environ.get('HTTP_AUTHORIZATION')} "
                           f"{environ.get('HTTP_X_API_KEY')} {environ.get('HTTP_X_TRACE')}")

    report = check_receiver(leaky, auth=AUTH, timeout=1.0,
                            headers={"X-Api-Key": "k3y-Leak-77", "X-Trace": "trace-shown-5"},
                            only=["refuses-wrong-authorization", "refuses-wrong-credential"])
    sent = {d.request.authorization for d in report.deliveries}
    assert len(sent) == 2 and AUTH not in sent  # two wrong values, besides the right one
    where = r" at .*test_survivors_judge\.py:\d+"
    # the first report's error and the near miss's are the same line, once redacted
    assert len(report.app_errors) == 2
    assert re.fullmatch(r"RuntimeError: no Bearer \[redacted\] \[redacted\] trace-shown-5"
                        + where, report.app_errors[0]), report.app_errors
    assert re.fullmatch(r"RuntimeError: no Basic \[redacted\] \[redacted\] trace-shown-5"
                        + where, report.app_errors[1]), report.app_errors


def _throw(exc: BaseException) -> None:
    raise exc


def _relay(exc: BaseException) -> None:
    _throw(exc)


def _raised(exc: BaseException) -> BaseException:
    """``exc`` raised three frames deep: its place is where it was raised, the last frame."""
    try:
        _relay(exc)
    except BaseException as caught:
        return caught
    raise AssertionError("not raised")


def test_describe_errors_lists_five_distinct_lines_then_counts_the_rest() -> None:
    from jobhook_testkit._contract_run import describe_errors

    errors = [_raised(ValueError(f"bad {i}")) for i in range(7)]
    here = f"{__file__}:{_throw.__code__.co_firstlineno + 1}"
    lines = describe_errors([errors[0], errors[0], *errors[1:]])
    assert lines == (*(f"ValueError: bad {i} at {here}" for i in range(5)), "... and 2 more")
    assert describe_errors(errors[:5]) == tuple(f"ValueError: bad {i} at {here}"
                                                for i in range(5))
    assert describe_errors(errors, limit=6)[-1] == "... and 1 more"


def test_describe_errors_of_an_exception_never_raised_names_no_place() -> None:
    from jobhook_testkit._contract_run import describe_errors

    assert describe_errors([KeyError("id")], secrets=[None, "Bearer s3cret-Judge"]) == (
        "KeyError: 'id'",)


def test_secrets_sent_are_scrubbed_longest_first() -> None:
    from jobhook_testkit._contract_run import sent_secrets

    near = _delivery(401, "rejected", 0.1, auth="Bearer s3cret-Judge-longer")
    short = _delivery(401, "rejected", 0.1, auth="Bearer zz-short")  # last in ABC order
    bare = _delivery(401, "rejected", 0.1, auth=None)
    results = [_checked("a", Status.PASS, near, bare, short), _checked("b", Status.PASS, near)]
    assert sent_secrets(AUTH, results) == ["Bearer s3cret-Judge-longer", AUTH,
                                           "Bearer zz-short"]
    assert sent_secrets(None, []) == []


def test_ctrl_c_ends_a_run_at_once_without_waiting_for_the_running_checks() -> None:
    from jobhook_testkit._contract_run import Liveness, run_checks
    from jobhook_testkit.contract import Check, CheckContext, Verdict

    release = threading.Event()
    started: list[str] = []

    def blocks(ctx: CheckContext) -> Verdict:
        if ctx.check_name != "check-0":  # check-0 runs alone first
            started.append(ctx.check_name)
            release.wait(3)
        return Verdict(Status.PASS)

    selected = [Check(f"check-{i}", Level.MUST, "Protects.", blocks) for i in range(4)]

    def make_context(check: Check) -> CheckContext:
        if check.name == "check-3":  # Ctrl-C while two checks are running
            deadline = time.monotonic() + 2  # bounded: a broken pool must fail, not hang
            while len(started) < 2 and time.monotonic() < deadline:
                time.sleep(0.01)
            raise KeyboardInterrupt
        return CheckContext("http://127.0.0.1:9/", None, 1.0, 1, check.name)

    began = time.monotonic()
    try:
        with pytest.raises(KeyboardInterrupt):
            run_checks(selected, make_context, concurrency=2, liveness=Liveness())
        assert time.monotonic() - began < 1.0
    finally:
        release.set()


def test_the_checks_run_at_once_are_on_threads_named_after_jobhook() -> None:
    """What a hung run's thread dump (pytest-timeout, py-spy) shows."""
    names: list[str] = []

    def probe(report: Mapping[str, Any]) -> int:
        names.append(threading.current_thread().name)
        return 1

    report = check_receiver(answering("204 No Content"), timeout=0.3, probe=probe,
                            only=[*SUCCESS, "acknowledges-failure-report", *ONCE])
    assert report.passed
    assert names and all(name.startswith("jobhook-check_") for name in names), names


def test_run_checks_sends_four_checks_at_once_by_default() -> None:
    from jobhook_testkit._contract_run import run_checks

    line = Timeline()
    run_checks([line.check(f"plain-{i}") for i in range(6)], _context)
    assert line.events[:2] == [("start", "plain-0"), ("end", "plain-0")]
    assert line.most == 4  # the five left, four at a time


def test_probe_and_probe_url_together_are_refused_word_for_word() -> None:
    with pytest.raises(ValueError, match="probe= or probe_url=") as caught:
        check_receiver(answering("204 No Content"), timeout=1.0, probe=lambda r: 1,
                       probe_url="/p/{id}")
    assert str(caught.value) == "give probe= or probe_url=, not both"


def test_each_check_sends_reports_of_its_own() -> None:
    """Two checks sending the same report id would look like a redelivery to a receiver
    that deduplicates (each check's factory is seeded with its own name)."""
    receiver = FirstReports()
    only = ["acknowledges-success-report", "acknowledges-failure-report",
            "acknowledges-export-report", "acknowledges-import-report"]
    check_receiver(receiver, timeout=1.0, seed=3, only=only)
    ids = [json.loads(body)["id"] for body in receiver.bodies]
    assert len(ids) == 5 and len(set(ids)) == 5  # the first report and one per check


@pytest.mark.parametrize(("only", "concurrency"), [
    (ONCE, 4),  # a single check
    ([*SUCCESS, *ONCE], 4),  # the one left after the first check ran alone
    ([*SUCCESS, "acknowledges-failure-report", *ONCE], 1),  # one at a time, as asked
])
def test_checks_run_one_at_a_time_run_on_the_callers_thread(
    only: list[str], concurrency: int
) -> None:
    """A probe may then use what belongs to the test's thread: a Django test database
    connection, a sqlite3 connection (which refuses to serve another thread)."""
    import sqlite3

    db = sqlite3.connect(":memory:")
    try:
        db.execute("create table processed (id text)")

        def app(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
            environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
            start_response("204 No Content", [("Content-Length", "0")])
            return [b""]

        def probe(report: Mapping[str, Any]) -> int:
            count: int = db.execute("select count(*) + 1 from processed where id = ?",
                                    (report["id"],)).fetchone()[0]
            return count

        report = check_receiver(app, timeout=0.3, probe=probe, only=only,
                                concurrency=concurrency)
    finally:
        db.close()
    result = report["processes-redelivery-once"]
    assert result.status is Status.PASS, result.reason


def test_ctrl_c_in_a_run_stops_the_checks_still_sending() -> None:
    """Ctrl-C (here: raised by the probe) ends check_receiver, and the checks running
    beside it send nothing more: they do not go on in the background."""
    posts: list[float] = []

    def slow(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        posts.append(time.monotonic())
        time.sleep(0.02)
        start_response("204 No Content", [("Content-Length", "0")])
        return [b""]

    def interrupted(report: Mapping[str, Any]) -> int:
        raise KeyboardInterrupt

    with serve_wsgi(slow) as server:
        with pytest.raises(KeyboardInterrupt):
            check_receiver(server.url, timeout=1.0, probe=interrupted,
                           only=[*SUCCESS, *ONCE, "acknowledges-edge-cases"])
        sent = len(posts)
        time.sleep(0.3)  # the edge cases (29 reports) would take 0.6 s more
        assert len(posts) - sent <= 1  # at most the one already on its way


# -- _check_context: what a check gets, and how its result is told ------------------------


def _lookup(ctx: Any) -> Any:
    return {}["boom"]


def _crashing(ctx: Any) -> Any:
    return _lookup(ctx)


def test_a_check_that_crashes_names_the_line_that_raised() -> None:
    from jobhook_testkit.contract import Check, CheckContext

    check = Check("demo-crash", Level.MUST, "Protects it.", _crashing)
    result = check.run(CheckContext("http://127.0.0.1:9/", None, 1.0, 1, "demo-crash"))
    line = _lookup.__code__.co_firstlineno + 1
    assert result.status is Status.FAIL
    assert result.reason == ("the check itself crashed (a jobhook-testkit bug, please report): "
                             f"KeyError: 'boom' at {__file__}:{line}")


def test_a_check_cut_short_after_its_own_answered_deliveries_says_how_many() -> None:
    from jobhook_testkit._check_context import Liveness
    from jobhook_testkit.contract import Check, CheckContext, Verdict

    answered = _delivery(204, "acknowledged", 0.01)
    unanswered = _delivery(None, "timed_out", 1.0)
    liveness = Liveness(limit=2)

    def goes_on(ctx: CheckContext) -> Verdict:
        ctx.record([answered, answered])
        liveness.record([unanswered, unanswered])  # another check's, meanwhile
        ctx.ensure_answering()
        return Verdict(Status.PASS)

    ctx = CheckContext("http://127.0.0.1:9/", None, 1.5, 1, "demo", liveness=liveness)
    result = Check("demo", Level.MUST, "Protects it.", goes_on).run(ctx)
    assert result.status is Status.FAIL
    assert result.reason == ("not run to the end: the receiver stopped answering (2 "
                             "deliveries in a row got no answer within 1.5 s)")
    assert result.details == "\n".join([
        "The receiver stopped answering after this check's first 2 deliveries.",
        "  sent:      nothing more: 2 deliveries in a row had just gone unanswered",
        "  received:  no answer within 1.5 s to any of them",
        "  expected:  an answer to every delivery within 1.5 s (the configured timeout)",
    ])
    assert result.deliveries == (answered, answered)


def test_only_unanswered_deliveries_in_a_row_make_a_receiver_silent() -> None:
    from jobhook_testkit._check_context import STOP_AFTER_UNANSWERED, Liveness

    unanswered = _delivery(None, "timed_out", 1.0)
    refused = _delivery(None, "connection_failed", 0.0)
    assert Liveness().limit == STOP_AFTER_UNANSWERED == 6
    liveness = Liveness(limit=3)
    liveness.record([unanswered, refused, unanswered])  # a refused connection: no answer,
    assert not liveness.silent  # but no timeout spent either: neither counted nor a reset
    liveness.record([unanswered])
    assert liveness.silent
    liveness.record([_delivery(400, "rejected", 0.0)])  # any answer starts the count again
    assert not liveness.silent
    liveness.record([unanswered, unanswered, _delivery(204, "acknowledged", 0.0), unanswered])
    assert not liveness.silent  # 1 since the acknowledgement
    liveness.record([unanswered])
    assert not liveness.silent
    liveness.interrupt()
    assert liveness.silent


def test_a_refusal_after_an_unanswered_first_report_is_not_credited() -> None:
    def guarded(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        if environ.get("HTTP_AUTHORIZATION") == AUTH:
            time.sleep(0.5)  # the ordinary reports get no answer in time
        start_response("401 Unauthorized", [("Content-Length", "0")])
        return [b""]

    report = check_receiver(guarded, auth=AUTH, timeout=0.25,
                            only=["refuses-missing-authorization"])
    result = report["refuses-missing-authorization"]
    assert result.status is Status.FAIL
    assert result.reason == (
        "not credited: this endpoint did not acknowledge an ordinary report in this run (it "
        "got no answer), so its answers here prove nothing")
    assert "  expected:  a 2xx answer to an ordinary report within 0.25 s, so that a refusal " \
        "means the receiver judged the request" in result.details


def test_a_check_raising_stopped_answering_without_a_run_still_gets_a_result() -> None:
    """A check run by hand (no run, so no liveness) that raises ReceiverStoppedAnswering
    itself: Check.run never raises."""
    from jobhook_testkit.contract import Check, CheckContext, ReceiverStoppedAnswering

    def gives_up(ctx: CheckContext) -> Any:
        raise ReceiverStoppedAnswering("gave up")

    ctx = CheckContext("http://127.0.0.1:9/", None, 2.0, 1, "demo")
    result = Check("demo", Level.MUST, "Protects it.", gives_up).run(ctx)
    assert (result.status, result.reason) == (Status.FAIL, "gave up")
    assert result.details == "\n".join([
        "The receiver stopped answering before this check could run.",
        "  sent:      nothing more: 0 deliveries in a row had just gone unanswered",
        "  received:  no answer within 2 s to any of them",
        "  expected:  an answer to every delivery within 2 s (the configured timeout)",
    ])


def _twins(seed: int) -> tuple[Any, Any]:
    """Two contexts of the same check and seed: the second's factory says which fresh id
    the first one draws next."""
    from jobhook_testkit.contract import CheckContext

    return tuple(CheckContext("http://127.0.0.1:9/", None, 1.0, seed, "demo")  # type: ignore[return-value]
                 for _ in range(2))


@pytest.mark.parametrize("original", ["", None, 42])
def test_a_fresh_id_like_nothing_usable_is_a_whole_fresh_id(original: Any) -> None:
    ctx, twin = _twins(1)
    assert ctx.fresh_id_like(original) == twin.factory.build()["id"]


def test_a_fresh_id_keeps_the_shape_and_takes_the_fresh_ids_characters() -> None:
    ctx, twin = _twins(2)
    originals = ["A" * 20, "b" * 7, "-x_y", "Z", "9-9"]
    firsts = set()
    for _ in range(12):
        for original in originals:
            fresh = str(twin.factory.build()["id"])
            pool = "".join(ch for ch in fresh if ch.isalnum())
            got = ctx.fresh_id_like(original)
            assert got == "".join(pool[i % len(pool)] if ch.isalnum() else ch
                                  for i, ch in enumerate(original)), (original, fresh)
            firsts.add(got[0])
    assert firsts - {"A", "-"}  # not only ids whose first letter is A
    assert ctx.fresh_id_like("-x_y")[0::2] == "-_"


@pytest.mark.parametrize("seed", range(4))
def test_an_ordinary_report_is_a_success_export_unless_told_otherwise(seed: int) -> None:
    from jobhook_testkit.schema import load_schema, validate

    ctx, _ = _twins(seed)
    report = ctx.report()
    assert (report["status"], report["type"]) == ("SUCCESS", "export")
    validate(report)
    assert set(report) <= set(load_schema()["properties"])  # no stray field beside them
    failed = ctx.report(status="FAILURE", type="import")
    assert (failed["status"], failed["type"]) == ("FAILURE", "import")


def test_the_checks_own_reports_are_reproduced_by_the_seed() -> None:
    runs = [FirstReports("401 Unauthorized"), FirstReports("401 Unauthorized")]
    for receiver in runs:
        check_receiver(receiver, auth=AUTH, timeout=1.0, seed=7,
                       only=["refuses-missing-authorization"])
    assert len(runs[0].bodies) == 2  # the first report, then the one without Authorization
    assert runs[0].bodies == runs[1].bodies


def test_a_check_reason_quoting_a_credential_header_is_redacted() -> None:
    from jobhook_testkit.contract import Check, CheckContext, Verdict

    def quotes(ctx: CheckContext) -> Verdict:
        return Verdict(Status.FAIL, f"saw {ctx.headers['X-Api-Key']}",
                       f"story with {ctx.headers['X-Api-Key']}")

    ctx = CheckContext("http://127.0.0.1:9/", None, 1.0, 1, "demo",
                       headers={"X-Api-Key": "k3y-Quoted-31"})
    result = Check("demo", Level.MUST, "Protects it.", quotes).run(ctx)
    assert (result.reason, result.details) == ("saw [redacted]", "story with [redacted]")


def test_a_malformed_answer_echoing_a_wrong_authorization_is_redacted_in_the_json() -> None:
    """The sender's reason quotes the bad header line, which echoes the (wrong)
    Authorization the check sent: not the configured value, redacted all the same."""
    import socket

    def serve(listener: socket.socket) -> None:
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            with conn:
                data = b""
                while b"\r\n\r\n" not in data:
                    chunk = conn.recv(65536)
                    if not chunk:
                        break
                    data += chunk
                head, _, body = data.partition(b"\r\n\r\n")
                fields = dict(line.split(b": ", 1) for line in head.split(b"\r\n")[1:]
                              if b": " in line)
                size = int(fields.get(b"Content-Length", b"0"))
                while len(body) < size:
                    chunk = conn.recv(65536)
                    if not chunk:
                        break
                    body += chunk
                auth = fields.get(b"Authorization", b"")
                if auth == AUTH.encode():
                    conn.sendall(b"HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n"
                                 b"Connection: close\r\n\r\n")
                else:
                    conn.sendall(b"HTTP/1.1 401 Unauthorized\r\nSeen " + auth + b"\r\n\r\n")

    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        worker = threading.Thread(target=serve, args=(listener,), daemon=True)
        worker.start()
        url = f"http://127.0.0.1:{listener.getsockname()[1]}/"
        report = check_receiver(url, auth=AUTH, timeout=1.0,
                                only=["refuses-wrong-credential"])  # a near miss of AUTH
        listener.shutdown(socket.SHUT_RDWR)
    worker.join(5)
    said = "the answer is not valid HTTP/1.1: header line b'Seen Bearer [redacted]'"
    [delivery] = report.as_dict()["checks"][0]["deliveries"]
    assert delivery["reason"] == said
    assert report["refuses-wrong-credential"].reason == (
        f"a report with the right scheme and a wrong credential: connection failed ({said}); "
        "expected 401 or 403 (the Authorization value is not the configured one)")
    assert "s3cret" not in json.dumps(report.as_dict())
