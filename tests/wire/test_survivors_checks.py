"""The conformance suite's verdicts and wording that mutation testing found unpinned.

Small receivers written for each case (WSGI apps served by check_receiver on 127.0.0.1).
The wording pinned here is what people read in CI logs: a failure's one-line reason and
the headline of its "sent / received / expected" block.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Iterable, Mapping
from typing import Any

import pytest

from jobhook_testkit.contract import Status, check_receiver
from jobhook_testkit.factory import edge_cases

AUTH = "Bearer s3cret"


def _answer(start_response: Any, status: str) -> Iterable[bytes]:
    start_response(status, [("Content-Length", "0")])
    return [b""]


class BackgroundReceiver:
    """Acknowledges at once and processes each report id once, later, on another thread
    (like a receiver that queues the work)."""

    def __init__(self, lag: float) -> None:
        self.lag = lag
        self.processed: dict[str, int] = {}
        self.seen: set[str] = set()
        self.lock = threading.Lock()
        self.workers: list[threading.Thread] = []

    def __call__(self, environ: Mapping[str, Any], start_response: Any) -> Iterable[bytes]:
        body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        try:
            report = json.loads(body)
            report_id = report["id"]
        except (ValueError, TypeError, KeyError):
            return _answer(start_response, "400 Bad Request")
        with self.lock:
            first = report_id not in self.seen
            self.seen.add(report_id)
        if first:
            worker = threading.Timer(self.lag, self._process, args=(report_id,))
            self.workers.append(worker)
            worker.start()
        return _answer(start_response, "202 Accepted")

    def _process(self, report_id: str) -> None:
        with self.lock:
            self.processed[report_id] = self.processed.get(report_id, 0) + 1

    def times_processed(self, report: Mapping[str, Any]) -> int:
        with self.lock:
            return self.processed.get(report["id"], 0)

    def join(self) -> None:
        for worker in self.workers:
            worker.join(5)


def test_processed_once_waits_for_a_receiver_that_processes_in_the_background() -> None:
    receiver = BackgroundReceiver(lag=0.4)
    try:
        report = check_receiver(receiver, timeout=3.0, probe=receiver.times_processed,
                                only=["processes-redelivery-once"])
    finally:
        receiver.join()
    result = report["processes-redelivery-once"]
    assert result.status is Status.PASS, (result.reason, result.details)
    assert len(result.deliveries) == 2


def test_processed_once_fails_a_receiver_that_processes_each_delivery() -> None:
    counts: dict[str, int] = {}

    def app(environ: Mapping[str, Any], start_response: Any) -> Iterable[bytes]:
        body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        report_id = json.loads(body)["id"]
        counts[report_id] = counts.get(report_id, 0) + 1
        return _answer(start_response, "204 No Content")

    report = check_receiver(app, timeout=2.0, probe=lambda r: counts.get(r["id"], 0),
                            only=["processes-redelivery-once"])
    result = report["processes-redelivery-once"]
    assert result.status is Status.FAIL
    assert re.fullmatch(
        r"the same report delivered twice was processed 2 times within \d+\.\d\d s of the "
        r"first delivery; expected once",
        result.reason,
    ), result.reason
    assert 0 <= _count_within(result.reason) < 2.0  # seconds since the first delivery
    assert result.details.startswith("The same report, delivered twice, was processed 2 times ")
    assert "  expected:  the side effect exactly once (deduplicate on the report id)" in (
        result.details
    )


def test_a_probe_that_cannot_tell_skips_the_check_saying_so() -> None:
    report = check_receiver(_accepts_anything, timeout=2.0, probe=lambda r: None,
                            only=["processes-redelivery-once"])
    result = report["processes-redelivery-once"]
    assert result.status is Status.SKIP
    assert result.reason == "the probe could not tell how often it processed the report"
    assert report.passed


def _always(status: str, *, delay: float = 0.0) -> Any:
    """A receiver answering every request with ``status`` after ``delay`` seconds."""

    def app(environ: Mapping[str, Any], start_response: Any) -> Iterable[bytes]:
        environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        time.sleep(delay)
        return _answer(start_response, status)

    return app


_accepts_anything = _always("204 No Content")


_REFUSE = "401 or 403 (the Authorization value is not the configured one)"


def test_a_receiver_ignoring_authorization_gets_headlines_that_say_what_it_did() -> None:
    report = check_receiver(_accepts_anything, auth=AUTH, timeout=2.0,
                            only=["refuses-missing-authorization", "refuses-wrong-authorization"])
    missing = report["refuses-missing-authorization"]
    assert missing.status is Status.FAIL
    assert missing.reason == (
        f"a report without Authorization: accepted it with 204; expected {_REFUSE}"
    )
    assert missing.details.startswith("Receiver answered 204 to a report without Authorization.")
    assert f"  expected:  {_REFUSE}" in missing.details
    wrong = report["refuses-wrong-authorization"]
    assert wrong.reason == (
        f"a report with a wrong Authorization value: accepted it with 204; expected {_REFUSE}"
    )
    assert wrong.details.startswith(
        "Receiver answered 204 to a report with a wrong Authorization value."
    )
    for result in (missing, wrong):
        assert "more like it" not in result.reason
        assert "None" not in result.details.partition("\n")[0]


def test_several_bad_answers_are_counted_once_in_the_reason() -> None:
    # Accepts every body, so each of the four non-object bodies is "accepted".
    report = check_receiver(_accepts_anything, timeout=2.0, only=["rejects-non-object-json"])
    result = report["rejects-non-object-json"]
    assert result.status is Status.FAIL
    assert result.reason == (
        "a JSON array holding a report: accepted it with 204; expected a 4xx answer (the body "
        "is not a job report), never a 5xx; 3 more like it"
    )
    headlines = [line for line in result.details.split("\n") if line.startswith("Receiver ")]
    assert headlines == [
        "Receiver answered 204 to a JSON array holding a report.",
        "Receiver answered 204 to a JSON string.",
        "Receiver answered 204 to a JSON number.",
    ]
    assert result.details.endswith("... and 1 more like these.")


def test_a_crash_is_called_a_crash() -> None:
    crashes = _always("500 Internal Server Error")
    report = check_receiver(crashes, timeout=2.0, only=["rejects-empty-body"])
    result = report["rejects-empty-body"]
    assert result.status is Status.FAIL
    assert result.reason == (
        "an empty body: crashed with 500; expected a 4xx answer (the body is not a job "
        "report), never a 5xx"
    )


def test_a_slow_receiver_is_told_how_slow_against_half_the_timeout() -> None:
    slow = _always("204 No Content", delay=0.6)
    report = check_receiver(slow, timeout=1.0, only=["answers-well-within-timeout"])
    result = report["answers-well-within-timeout"]
    assert result.status is Status.WARN
    assert result.reason.startswith("an answer took 0.6")
    assert result.reason.endswith("s; expected an answer under 0.5 s (half the 1 s timeout)")
    assert result.details.startswith("Receiver answered too close to the timeout.")
    assert len(result.deliveries) == 1  # one slow answer settles it


# -- what each check sends, and how its failure reads ----------------------------------------
# A receiver with one bug at a time: it crashes (500) or wrongly accepts (204) on one kind
# of request and is right about the rest, so the reason names exactly that request.

_MALFORMED = "a 4xx answer (the body is not a job report), never a 5xx"
_NO_5XX = "any answer but a 5xx (2xx, or a 4xx such as 415)"
_SCHEMA = "a 4xx answer (the report breaks the schema), not a 2xx"


def _with_one_bug(bug: Any, answer: str = "500 Internal Server Error") -> Any:
    """A sound receiver (2xx to a report, 400 to anything else) except that it gives
    ``answer`` to the requests ``bug(environ, body)`` picks."""

    def app(environ: Mapping[str, Any], start_response: Any) -> Iterable[bytes]:
        body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        if bug(environ, body):
            return _answer(start_response, answer)
        try:
            report = json.loads(body)
        except ValueError:
            return _answer(start_response, "400 Bad Request")
        if not isinstance(report, dict) or not isinstance(report.get("id"), str):
            return _answer(start_response, "400 Bad Request")
        if report.get("total_failed") == -1 or isinstance(report.get("total_operations"), str):
            return _answer(start_response, "400 Bad Request")
        return _answer(start_response, "204 No Content")

    return app


def _is_json(body: bytes) -> bool:
    try:
        json.loads(body)
    except ValueError:
        return False
    return True


def _parsed(body: bytes) -> Any:
    try:
        return json.loads(body)
    except ValueError:
        return None


@pytest.mark.parametrize(("content_type", "words"), [
    ("text/plain", "as text/plain"),
    (None, "without a Content-Type"),
    ("application/json; charset=utf-8", "as application/json; charset=utf-8"),
])
def test_an_odd_content_type_that_crashes_the_receiver_is_named(
    content_type: str | None, words: str
) -> None:
    app = _with_one_bug(lambda environ, body: environ.get("CONTENT_TYPE") == content_type)
    result = check_receiver(app, timeout=2.0, only=["tolerates-odd-content-type"])[
        "tolerates-odd-content-type"]
    assert result.status is Status.FAIL
    assert result.reason == f"a valid report sent {words}: crashed with 500; expected {_NO_5XX}"
    assert result.details.startswith(f"Receiver answered 500 to a valid report sent {words}.")


def test_a_415_for_an_odd_content_type_passes() -> None:
    app = _with_one_bug(lambda environ, body: environ.get("CONTENT_TYPE") == "text/plain",
                        "415 Unsupported Media Type")
    result = check_receiver(app, timeout=2.0, only=["tolerates-odd-content-type"])[
        "tolerates-odd-content-type"]
    assert result.status is Status.PASS, result.reason
    assert len(result.deliveries) == 3


@pytest.mark.parametrize(("crashes_on", "label"), [
    (lambda value: isinstance(value, list) and len(value) == 1
     and isinstance(value[0], dict) and value[0].get("status") == "SUCCESS",
     "a JSON array holding a report"),
    (lambda value: value == "SUCCESS", "a JSON string"),
    (lambda value: value == 42 and not isinstance(value, bool), "a JSON number"),
    (lambda value: value is None, "JSON null"),
])
def test_the_non_object_body_that_crashes_the_receiver_is_named(
    crashes_on: Any, label: str
) -> None:
    app = _with_one_bug(lambda environ, body: _is_json(body) and crashes_on(json.loads(body)))
    result = check_receiver(app, timeout=2.0, only=["rejects-non-object-json"])[
        "rejects-non-object-json"]
    assert result.status is Status.FAIL
    assert result.reason == f"{label}: crashed with 500; expected {_MALFORMED}"


def test_a_receiver_that_decodes_without_care_crashes_on_invalid_utf8() -> None:
    def careless(environ: Mapping[str, Any], body: bytes) -> bool:
        try:
            body.decode("utf-8")
        except UnicodeDecodeError:
            return True
        return False

    result = check_receiver(_with_one_bug(careless), timeout=2.0,
                            only=["rejects-invalid-utf8", "rejects-invalid-json"])
    utf8 = result["rejects-invalid-utf8"]
    assert utf8.reason == (
        f"a body that is not valid UTF-8: crashed with 500; expected {_MALFORMED}"
    )
    assert result["rejects-invalid-json"].status is Status.PASS  # cut JSON is still UTF-8


def test_a_receiver_that_parses_without_care_crashes_on_a_cut_body() -> None:
    cut = _with_one_bug(lambda environ, body: body.startswith(b"{") and _parsed(body) is None)
    result = check_receiver(cut, timeout=2.0, only=["rejects-invalid-json"])[
        "rejects-invalid-json"]
    assert result.reason == (
        f"a body cut in the middle of its JSON: crashed with 500; expected {_MALFORMED}"
    )


@pytest.mark.parametrize(("accepts", "label"), [
    (lambda report: "id" not in report and "status" in report, "a report without an id"),
    (lambda report: report.get("total_failed") == -1, "a report with total_failed = -1"),
    (lambda report: report.get("total_operations") == "many",
     "a report with a count as a string"),
])
def test_the_schema_breach_a_receiver_lets_through_is_named(accepts: Any, label: str) -> None:
    app = _with_one_bug(
        lambda environ, body: isinstance(_parsed(body), dict) and accepts(_parsed(body)),
        "204 No Content",
    )
    result = check_receiver(app, timeout=2.0, only=["rejects-schema-invalid-report"])[
        "rejects-schema-invalid-report"]
    assert result.status is Status.WARN
    assert result.reason == f"{label}: accepted it with 204; expected {_SCHEMA}"


def test_a_receiver_failing_the_second_delivery_of_a_report_is_told_which() -> None:
    seen: set[str] = set()

    def second_time(environ: Mapping[str, Any], body: bytes) -> bool:
        report_id = (_parsed(body) or {}).get("id")
        again = report_id in seen
        seen.add(report_id)
        return again

    result = check_receiver(_with_one_bug(second_time), timeout=2.0,
                            only=["acknowledges-redelivery"])["acknowledges-redelivery"]
    assert result.reason == (
        "1 of 2 deliveries of one report not acknowledged (the same report delivered "
        "again: 500); expected 2xx within 2 s"
    )
    assert result.details.startswith(
        "Receiver did not acknowledge the same report delivered again."
    )


def test_every_byte_variant_carries_the_non_ascii_name() -> None:
    def non_ascii_name(environ: Mapping[str, Any], body: bytes) -> bool:
        return "Zürich (東京) ✓" in json.dumps(_parsed(body), ensure_ascii=False)

    result = check_receiver(_with_one_bug(non_ascii_name), timeout=2.0,
                            only=["acknowledges-byte-variants"])["acknowledges-byte-variants"]
    assert result.reason == (
        "3 of 3 byte variants not acknowledged (the report as pretty-printed JSON: 500, "
        "the report as \\u-escaped non-ASCII JSON: 500, the report as keys in another order "
        "JSON: 500); expected 2xx within 2 s"
    )


@pytest.mark.parametrize(("crashes_on", "label"), [
    (lambda body: b"\n  " in body, "the report as pretty-printed JSON"),
    (lambda body: b"\\u00fc" in body, "the report as \\u-escaped non-ASCII JSON"),
])
def test_the_byte_variant_that_crashes_the_receiver_is_named(crashes_on: Any, label: str) -> None:
    result = check_receiver(_with_one_bug(lambda environ, body: crashes_on(body)), timeout=2.0,
                            only=["acknowledges-byte-variants"])["acknowledges-byte-variants"]
    assert result.reason == (
        f"1 of 3 byte variants not acknowledged ({label}: 500); expected 2xx within 2 s"
    )


@pytest.mark.parametrize(("auth", "wrong_value", "wrong_credential"), [
    ("Bearer s3cret", "Basic am9iaG9vazp3cm9uZw==", "Bearer s3crex"),
    ("basic dXNlcjpwYXNz", "Bearer jobhook-testkit-wrong-token", "basic dXNlcjpwYXNx"),
    ("Bearer tokenx", "Basic am9iaG9vazp3cm9uZw==", "Bearer tokeny"),
    ("s3cret", "Basic am9iaG9vazp3cm9uZw==", "s3crex"),
])
def test_the_wrong_authorization_values_sent_are_near_misses_of_the_right_one(
    auth: str, wrong_value: str, wrong_credential: str
) -> None:
    received: list[str | None] = []

    def app(environ: Mapping[str, Any], start_response: Any) -> Iterable[bytes]:
        environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        received.append(environ.get("HTTP_AUTHORIZATION"))
        if environ.get("HTTP_AUTHORIZATION") != auth:
            return _answer(start_response, "401 Unauthorized")
        return _answer(start_response, "204 No Content")

    checks = ["refuses-wrong-authorization", "refuses-wrong-credential",
              "refuses-empty-authorization", "refuses-missing-authorization"]
    report = check_receiver(app, auth=auth, timeout=2.0, only=checks)
    assert all(report[name].status is Status.PASS for name in checks)
    assert {value for value in received if value != auth} == {
        wrong_value, wrong_credential, "", None}


_EDGE_NAMES = [case.name for case in edge_cases()]


def test_the_edge_case_a_receiver_crashes_on_is_named_with_the_count() -> None:
    running = _with_one_bug(lambda environ, body: (_parsed(body) or {}).get("status") == "RUNNING")
    result = check_receiver(running, timeout=2.0, only=["acknowledges-edge-cases"])[
        "acknowledges-edge-cases"]
    assert result.reason == (
        f"1 of {len(_EDGE_NAMES)} edge cases not acknowledged (running-status); expected 2xx "
        "within 2 s"
    )
    assert len(result.deliveries) == len(_EDGE_NAMES)


def test_many_failed_edge_cases_show_the_first_five() -> None:
    crashes = _always("500 Internal Server Error")
    result = check_receiver(crashes, timeout=2.0, only=["acknowledges-edge-cases"])[
        "acknowledges-edge-cases"]
    shown = ", ".join(_EDGE_NAMES[:5])
    assert result.reason == (
        f"{len(_EDGE_NAMES)} of {len(_EDGE_NAMES)} edge cases not acknowledged ({shown}, ...); "
        "expected 2xx within 2 s"
    )


def test_edge_cases_stop_after_three_unanswered_in_a_row() -> None:
    # Each unanswered delivery costs a whole timeout: three make the point.
    silent = _always("204 No Content", delay=0.5)
    result = check_receiver(silent, timeout=0.3, only=["acknowledges-edge-cases"])[
        "acknowledges-edge-cases"]
    assert result.reason == (
        f"3 of 3 edge cases not acknowledged ({', '.join(_EDGE_NAMES[:3])}); expected 2xx "
        f"within 0.3 s; stopped after 3 unanswered in a row, {len(_EDGE_NAMES) - 3} not sent"
    )
    assert len(result.deliveries) == 3


def test_a_receiver_broken_by_a_malformed_body_is_called_unhealthy() -> None:
    broken: list[bool] = []

    def breaks_after_garbage(environ: Mapping[str, Any], body: bytes) -> bool:
        if broken:
            return True
        if body.startswith(b"{") and _parsed(body) is None:
            broken.append(True)
        return False

    result = check_receiver(_with_one_bug(breaks_after_garbage), timeout=2.0,
                            only=["rejects-invalid-json"])["rejects-invalid-json"]
    assert result.status is Status.FAIL
    assert result.reason == (
        "after a body cut in the middle of its JSON, an ordinary report got 500 (receiver "
        "unhealthy); expected 2xx"
    )
    assert result.details.startswith(
        "After a body cut in the middle of its JSON, the receiver no longer acknowledged an "
        "ordinary report."
    )
    assert len(result.deliveries) == 1


@pytest.mark.parametrize(("check", "crashes_on", "headline"), [
    ("acknowledges-success-report", lambda r: r.get("status") == "SUCCESS",
     "Receiver did not acknowledge the job report."),
    ("acknowledges-failure-report", lambda r: r.get("status") == "FAILURE",
     "Receiver did not acknowledge a FAILURE report."),
    ("acknowledges-export-report", lambda r: r.get("type") == "export",
     "Receiver did not acknowledge an export report."),
    ("acknowledges-import-report", lambda r: r.get("type") == "import",
     "Receiver did not acknowledge an import report."),
])
def test_a_receiver_crashing_on_one_kind_of_report_fails_the_check_about_it(
    check: str, crashes_on: Any, headline: str
) -> None:
    app = _with_one_bug(lambda environ, body: crashes_on(_parsed(body) or {}))
    kinds = ["acknowledges-success-report", "acknowledges-failure-report",
             "acknowledges-export-report", "acknowledges-import-report"]
    report = check_receiver(app, timeout=2.0, only=kinds)
    result = report[check]
    assert result.status is Status.FAIL
    assert result.reason == "expected 2xx within 2 s"
    assert result.details.startswith(headline)
    if check in ("acknowledges-failure-report", "acknowledges-import-report"):
        # One report: only the check about that kind fails.
        assert [name for name in kinds if report[name].status is Status.FAIL] == [check]


def test_concurrent_deliveries_not_acknowledged_are_counted_and_the_first_four_listed() -> None:
    crashes = _always("500 Internal Server Error")
    result = check_receiver(crashes, timeout=2.0, only=["acknowledges-concurrent-deliveries"])[
        "acknowledges-concurrent-deliveries"]
    listed = ", ".join(f"delivery {i} of 8: 500" for i in range(1, 5))
    assert result.reason == (
        f"8 of 8 concurrent deliveries not acknowledged ({listed}, ...); expected 2xx within 2 s"
    )
    assert result.details.startswith("Receiver did not acknowledge delivery 1 of 8.")
    assert "  expected:  a 2xx answer within 2 s (the configured timeout)" in result.details
    assert len(result.deliveries) == 8


def test_the_get_check_sends_a_bare_get_and_names_a_wrong_answer() -> None:
    seen: list[tuple[str, str | None, str | None]] = []

    def app(environ: Mapping[str, Any], start_response: Any) -> Iterable[bytes]:
        environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        seen.append((environ["REQUEST_METHOD"], environ.get("CONTENT_TYPE") or None,
                     environ.get("CONTENT_LENGTH") or None))
        return _answer(start_response, "200 OK")

    result = check_receiver(app, timeout=2.0, only=["rejects-get"])["rejects-get"]
    assert result.status is Status.WARN
    assert result.reason == "a GET: accepted it with 200; expected 405 Method Not Allowed"
    assert result.details.startswith("Receiver answered 200 to a GET.")
    assert ("GET", None, None) in seen or ("GET", None, "0") in seen
    assert [method for method, _, _ in seen].count("GET") == 1


def test_unknown_fields_come_as_an_object_a_count_an_object_and_a_list() -> None:
    bodies: list[dict[str, Any]] = []

    def strict(environ: Mapping[str, Any], body: bytes) -> bool:
        report = _parsed(body)
        if isinstance(report, dict):
            bodies.append(report)
        return isinstance(report, dict) and "tags" in report

    result = check_receiver(_with_one_bug(strict, "400 Bad Request"), timeout=2.0,
                            only=["tolerates-unknown-fields"])["tolerates-unknown-fields"]
    assert result.status is Status.FAIL
    assert result.details.startswith(
        "Receiver did not acknowledge a report with fields it does not know.")
    sent = bodies[-1]
    assert isinstance(sent["definition"], dict) and sent["definition"]["name"]
    assert sent["total_skipped"] == 0
    assert isinstance(sent["progress"], dict) and sent["progress"]
    assert sent["tags"] and all(isinstance(tag, str) for tag in sent["tags"])
    assert isinstance(sent["id"], str) and sent["status"] == "SUCCESS"


@pytest.mark.parametrize(("status", "got"), [
    ("200 OK", "accepted it with 200"),
    ("299 Whatever", "accepted it with 299"),
    ("300 Multiple Choices", "300"),
    ("500 Internal Server Error", "crashed with 500"),
])
def test_a_wrong_answer_to_an_empty_body_is_described_by_its_class(status: str, got: str) -> None:
    app = _with_one_bug(lambda environ, body: body == b"", status)
    result = check_receiver(app, timeout=2.0, only=["rejects-empty-body"])["rejects-empty-body"]
    assert result.reason == f"an empty body: {got}; expected {_MALFORMED}"


def test_a_5xx_where_only_a_4xx_was_wanted_is_not_called_a_crash_by_should_checks() -> None:
    # rejects-schema-invalid-report asks for a 4xx; a 5xx there is wrong, not a crash.
    app = _with_one_bug(lambda environ, body: "id" not in (_parsed(body) or {})
                        or (_parsed(body) or {}).get("total_failed") == -1)
    result = check_receiver(app, timeout=2.0, only=["rejects-schema-invalid-report"])[
        "rejects-schema-invalid-report"]
    assert result.reason == f"a report without an id: 500; expected {_SCHEMA}; 1 more like it"


def test_three_bad_answers_show_three_blocks_and_no_remainder_line() -> None:
    result = check_receiver(_accepts_anything, timeout=2.0,
                            only=["rejects-schema-invalid-report"])[
        "rejects-schema-invalid-report"]
    headlines = [line for line in result.details.split("\n") if line.startswith("Receiver ")]
    assert len(headlines) == 3
    assert "more like these" not in result.details


def test_an_empty_authorization_accepted_is_named() -> None:
    result = check_receiver(_accepts_anything, auth=AUTH, timeout=2.0,
                            only=["refuses-empty-authorization"])["refuses-empty-authorization"]
    assert result.reason == (
        f"a report with an empty Authorization header: accepted it with 204; expected {_REFUSE}"
    )


def test_passing_checks_keep_every_delivery_they_made() -> None:
    sound = _with_one_bug(lambda environ, body: False)
    counts = {"rejects-invalid-json": 2, "rejects-empty-body": 2, "survives-hang-up": 2,
              "tolerates-odd-content-type": 3, "answers-well-within-timeout": 3}
    report = check_receiver(sound, timeout=2.0, only=list(counts))
    for name, count in counts.items():
        assert report[name].status is Status.PASS, (name, report[name].reason)
        assert len(report[name].deliveries) == count, name


def test_a_receiver_broken_by_a_sender_hanging_up_is_called_unhealthy() -> None:
    broken: list[bool] = []

    def app(environ: Mapping[str, Any], start_response: Any) -> Iterable[bytes]:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        try:
            body = environ["wsgi.input"].read(length)
        except Exception:
            body = b""
        if len(body) < length:
            broken.append(True)
        return _answer(start_response, "500 Internal Server Error" if broken else "204 No Content")

    result = check_receiver(app, timeout=2.0, only=["survives-hang-up"])["survives-hang-up"]
    assert result.status is Status.FAIL
    assert result.reason == (
        "after the sender hung up in the middle of a body, an ordinary report got 500 "
        "(receiver unhealthy); expected 2xx"
    )
    assert "  expected:  a 2xx answer within 2 s (the configured timeout)" in result.details


def test_a_receiver_that_stops_answering_fails_the_timing_check_on_that_delivery() -> None:
    answered: list[bool] = []

    def app(environ: Mapping[str, Any], start_response: Any) -> Iterable[bytes]:
        environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        answered.append(True)
        if len(answered) == 3:  # the run's first delivery and the check's first are fast
            time.sleep(0.8)
        return _answer(start_response, "204 No Content")

    result = check_receiver(app, timeout=0.5, only=["answers-well-within-timeout"])[
        "answers-well-within-timeout"]
    assert result.status is Status.WARN
    assert len(result.deliveries) >= 2  # a fast answer first: the silent one still counts
    assert result.reason == (
        "no answer within 0.5 s; expected an answer under 0.25 s (half the 0.5 s timeout)"
    )
    assert ("  expected:  an answer within 0.25 s, half the configured timeout, so a slow day "
            "does not lose reports") in result.details


@pytest.mark.parametrize("crashed", [5, 6])
def test_up_to_five_failed_edge_cases_are_all_named(crashed: int) -> None:
    names = ["accented-name", "non-latin-name", "emoji-name", "quotes-in-name",
             "markup-in-name", "control-characters-in-name"][:crashed]
    titles = {case.payload["definition_name"] for case in edge_cases() if case.name in names}
    app = _with_one_bug(
        lambda environ, body: (_parsed(body) or {}).get("definition_name") in titles)
    result = check_receiver(app, timeout=2.0, only=["acknowledges-edge-cases"])[
        "acknowledges-edge-cases"]
    shown = ", ".join(names[:5]) + (", ..." if crashed > 5 else "")
    assert result.reason == (
        f"{crashed} of {len(_EDGE_NAMES)} edge cases not acknowledged ({shown}); expected 2xx "
        "within 2 s"
    )


def test_a_wrong_credential_accepted_is_named() -> None:
    result = check_receiver(_accepts_anything, auth=AUTH, timeout=2.0,
                            only=["refuses-wrong-credential"])["refuses-wrong-credential"]
    assert result.reason == (
        "a report with the right scheme and a wrong credential: accepted it with 204; "
        f"expected {_REFUSE}"
    )


def test_403_refuses_as_well_as_401_and_200_tolerates_an_odd_content_type() -> None:
    def app(environ: Mapping[str, Any], start_response: Any) -> Iterable[bytes]:
        environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        if environ.get("HTTP_AUTHORIZATION") != AUTH:
            return _answer(start_response, "403 Forbidden")
        return _answer(start_response, "200 OK")

    checks = ["refuses-missing-authorization", "refuses-wrong-authorization",
              "tolerates-odd-content-type"]
    report = check_receiver(app, auth=AUTH, timeout=2.0, only=checks)
    for name in checks:
        assert report[name].status is Status.PASS, (name, report[name].reason)


# -- processes-redelivery-once: a probe that fails, or stops knowing ------------------------


def _count_within(reason: str) -> float:
    found = re.search(r"within (\d+\.\d\d) s of the first delivery", reason)
    assert found, reason
    return float(found.group(1))


def test_a_second_processing_seen_while_settling_is_timed_from_the_first_delivery() -> None:
    receiver = BackgroundReceiver(lag=0.2)
    processed_again = threading.Timer(0.5, lambda: None)

    def probe(report: Mapping[str, Any]) -> int:
        seen = receiver.times_processed(report)
        return seen + 1 if seen and not processed_again.is_alive() else seen

    processed_again.start()
    try:
        result = check_receiver(receiver, timeout=3.0, probe=probe,
                                only=["processes-redelivery-once"])["processes-redelivery-once"]
    finally:
        processed_again.cancel()
        receiver.join()
    assert result.status is Status.FAIL, result.reason
    assert "processed 2 times" in result.reason
    assert 0 <= _count_within(result.reason) < 3.0  # seconds since the first delivery


def test_a_probe_that_stops_knowing_after_counting_once_passes() -> None:
    asked: list[int] = []

    def probe(report: Mapping[str, Any]) -> int | None:
        asked.append(1)
        return 1 if len(asked) == 1 else None

    result = check_receiver(_accepts_anything, timeout=2.0, probe=probe,
                            only=["processes-redelivery-once"])["processes-redelivery-once"]
    assert result.status is Status.PASS, result.reason
    assert len(asked) == 2


def test_a_probe_that_raises_fails_the_check_saying_what_a_probe_must_do() -> None:
    def probe(report: Mapping[str, Any]) -> int:
        raise LookupError("no such table")

    result = check_receiver(_accepts_anything, timeout=2.0, probe=probe,
                            only=["processes-redelivery-once"])["processes-redelivery-once"]
    assert result.status is Status.FAIL
    assert result.reason == "the side-effect probe raised LookupError: no such table"
    assert result.details.startswith("The side-effect probe raised LookupError: no such table")
    assert ("  expected:  probe(report) returns how many times the report was processed "
            "(or None when it cannot tell)") in result.details
    assert "\n  sent:      POST http://127.0.0.1:" in result.details  # the redelivery's story
    assert "\n  received:  204 No Content after " in result.details
    assert len(result.deliveries) == 2


def test_a_probe_url_that_fails_says_what_the_url_must_answer() -> None:
    def app(environ: Mapping[str, Any], start_response: Any) -> Iterable[bytes]:
        environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        if environ["REQUEST_METHOD"] == "GET":
            return _answer(start_response, "500 Internal Server Error")
        return _answer(start_response, "204 No Content")

    result = check_receiver(app, timeout=2.0, probe_url="/processed/{id}",
                            only=["processes-redelivery-once"])["processes-redelivery-once"]
    assert result.status is Status.FAIL
    assert result.reason.startswith("the side-effect probe ")
    assert "raised" not in result.reason  # its own words, not an exception's name
    assert ("  expected:  the probe URL answers 200 with how many times the report was "
            "processed") in result.details


def test_without_a_path_reports_go_to_the_root() -> None:
    paths: list[str] = []

    def app(environ: Mapping[str, Any], start_response: Any) -> Iterable[bytes]:
        environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        paths.append(environ["PATH_INFO"])
        return _answer(start_response, "204 No Content")

    report = check_receiver(app, timeout=2.0, only=["acknowledges-success-report"])
    assert report.passed
    assert set(paths) == {"/"}


def test_checks_cut_short_by_a_silent_receiver_say_so() -> None:
    answered: list[bool] = []

    def goes_silent(environ: Mapping[str, Any], start_response: Any) -> Iterable[bytes]:
        environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        answered.append(True)
        if len(answered) > 1:  # the run's first delivery only
            time.sleep(0.4)
        return _answer(start_response, "204 No Content")

    names = ["acknowledges-success-report", "acknowledges-failure-report",
             "acknowledges-export-report", "acknowledges-import-report",
             "acknowledges-byte-variants", "acknowledges-redelivery", "rejects-empty-body"]
    report = check_receiver(goes_silent, timeout=0.2, only=names)
    expected = "  expected:  an answer to every delivery within 0.2 s (the configured timeout)"
    stopped = [r for r in report.results if r.reason.startswith("not run to the end")]
    assert stopped, [r.reason for r in report.results]
    for result in stopped:
        assert result.status is Status.FAIL
        assert result.reason == (
            "not run to the end: the receiver stopped answering (6 deliveries in a row got no "
            "answer within 0.2 s)"
        )
        assert expected in result.details
        if result.deliveries:
            assert result.details.startswith(
                "The receiver stopped answering; the check stopped too.\n")
        else:
            assert result.details == "\n".join([
                "The receiver stopped answering before this check could run.",
                "  sent:      nothing more: 6 deliveries in a row had just gone unanswered",
                "  received:  no answer within 0.2 s to any of them",
                expected,
            ])


def test_fresh_edge_case_ids_keep_the_shape_of_the_original() -> None:
    bodies: list[dict[str, Any]] = []

    def app(environ: Mapping[str, Any], start_response: Any) -> Iterable[bytes]:
        body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        bodies.append(json.loads(body))
        return _answer(start_response, "204 No Content")

    check_receiver(app, timeout=2.0, only=["acknowledges-edge-cases"])
    cases = list(edge_cases())
    sent = bodies[-len(cases):]  # the edge cases, in order, after the run's first delivery
    for case, body in zip(cases, sent, strict=True):
        original = case.payload.get("id")
        fresh = body["id"]
        assert isinstance(fresh, str) and fresh != original, case.name
        if not isinstance(original, str) or not original:
            continue
        assert len(fresh) == len(original), case.name
        for mine, theirs in zip(fresh, original, strict=True):
            assert mine == theirs if not theirs.isalnum() else mine.isalnum(), case.name
        if original[0].isalnum():
            assert fresh[0].isalpha(), case.name
    assert len({body["id"] for body in sent}) == len(cases)


def test_a_refusal_from_an_endpoint_that_refuses_everything_is_not_credited() -> None:
    refuses_all = _always("401 Unauthorized")
    result = check_receiver(refuses_all, auth=AUTH, timeout=2.0,
                            only=["refuses-missing-authorization"])[
        "refuses-missing-authorization"]
    assert result.status is Status.FAIL
    assert result.reason == (
        "not credited: this endpoint did not acknowledge an ordinary report in this run (it "
        "got 401), so its answers here prove nothing"
    )
    assert result.details.startswith(
        "Not credited: an ordinary report was not acknowledged either.\n")
    assert ("  expected:  a 2xx answer to an ordinary report within 2 s, so that a refusal "
            "means the receiver judged the request") in result.details
    assert len(result.deliveries) == 2  # the refused delivery, then the ordinary one


def test_checks_without_their_precondition_are_skipped_saying_what_to_configure() -> None:
    report = check_receiver(_accepts_anything, timeout=2.0,
                            only=["refuses-missing-authorization", "processes-redelivery-once"])
    auth = report["refuses-missing-authorization"]
    assert auth.status is Status.SKIP
    assert auth.reason == "no Authorization value configured: give the one the platform sends"
    probe = report["processes-redelivery-once"]
    assert probe.status is Status.SKIP
    assert probe.reason == (
        "no side-effect probe configured: pass probe= to check_receiver, --probe to jobhook "
        "check, or set ReceiverContract.probe_url or probe()"
    )


def test_results_carry_what_the_check_protects_and_how_long_it_took() -> None:
    from jobhook_testkit.contract import get_check

    report = check_receiver(_accepts_anything, timeout=2.0, only=["acknowledges-export-report"])
    result = report["acknowledges-export-report"]
    assert result.protects == get_check("acknowledges-export-report").protects
    assert 0 < result.elapsed < 2.0


def test_a_credential_header_echoed_by_the_receiver_is_redacted_in_the_details() -> None:
    def echoes(environ: Mapping[str, Any], start_response: Any) -> Iterable[bytes]:
        environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        body = f"bad key {environ.get('HTTP_X_API_KEY')}".encode()
        start_response("500 Internal Server Error", [("Content-Length", str(len(body)))])
        return [body]

    result = check_receiver(echoes, timeout=2.0, headers={"X-Api-Key": "k3y-value-123456"},
                            only=["acknowledges-export-report"])["acknowledges-export-report"]
    assert result.status is Status.FAIL
    assert "bad key" in result.details
    assert "k3y-value-123456" not in result.details


def _failing_requests(numbers: set[int], *, hang: float = 0.0) -> Any:
    """A receiver acknowledging every request but those whose arrival number (1 is the
    run's first, ordinary report) is in ``numbers``: 500 to those, or silence for ``hang``
    seconds when given."""
    arrived = [0]
    lock = threading.Lock()

    def app(environ: Mapping[str, Any], start_response: Any) -> Iterable[bytes]:
        environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        with lock:
            arrived[0] += 1
            number = arrived[0]
        if number in numbers:
            if hang:
                time.sleep(hang)
                return _answer(start_response, "204 No Content")
            return _answer(start_response, "500 Internal Server Error")
        return _answer(start_response, "204 No Content")

    return app


@pytest.mark.parametrize(("bad", "more"), [(4, ""), (5, ", ...")])
def test_four_bad_deliveries_are_all_listed_and_a_fifth_is_an_ellipsis(
    bad: int, more: str
) -> None:
    app = _failing_requests(set(range(2, 2 + bad)))
    result = check_receiver(app, timeout=2.0, only=["acknowledges-concurrent-deliveries"])[
        "acknowledges-concurrent-deliveries"]
    listed = ", ".join([r"delivery \d of 8: 500"] * 4)
    assert re.fullmatch(
        rf"{bad} of 8 concurrent deliveries not acknowledged \({listed}{re.escape(more)}\); "
        r"expected 2xx within 2 s",
        result.reason,
    ), result.reason


def test_an_answer_between_unanswered_edge_cases_starts_the_count_again() -> None:
    # Edge cases 2 and 3 go unanswered (requests 3 and 4), the others are acknowledged:
    # two in a row never reach the three that stop the check.
    app = _failing_requests({3, 4}, hang=0.5)
    result = check_receiver(app, timeout=0.3, only=["acknowledges-edge-cases"])[
        "acknowledges-edge-cases"]
    assert result.reason == (
        f"2 of {len(_EDGE_NAMES)} edge cases not acknowledged ({', '.join(_EDGE_NAMES[1:3])}); "
        "expected 2xx within 0.3 s"
    )
    assert len(result.deliveries) == len(_EDGE_NAMES)


def test_a_receiver_failing_the_first_delivery_of_a_report_is_told_which() -> None:
    result = check_receiver(_failing_requests({2}), timeout=2.0,
                            only=["acknowledges-redelivery"])["acknowledges-redelivery"]
    assert result.reason == (
        "1 of 2 deliveries of one report not acknowledged (the first delivery: 500); "
        "expected 2xx within 2 s"
    )


def test_a_count_of_one_is_watched_for_the_settle_period_not_the_whole_timeout() -> None:
    """An immediate count of 1 is confirmed within about 0.1 s of questions (see
    settle_period), not for the whole 10 s timeout."""
    from jobhook_testkit._check_redelivery import PROBE_INTERVAL, settle_period

    asked: list[float] = []

    def probe(report: Mapping[str, Any]) -> int:
        asked.append(time.monotonic())
        return 1

    result = check_receiver(_accepts_anything, timeout=10.0, probe=probe,
                            only=["processes-redelivery-once"])["processes-redelivery-once"]
    assert result.status is Status.PASS, result.reason
    # Even had the first count taken a whole second, the watch would end within 1.6 s.
    assert asked[-1] - asked[0] <= settle_period(1.0, 10.0)
    assert len(asked) <= settle_period(1.0, 10.0) / PROBE_INTERVAL + 1


def test_watching_stops_as_soon_as_the_count_passes_one() -> None:
    asked: list[int] = []

    def probe(report: Mapping[str, Any]) -> int:
        asked.append(1)
        return len(asked)  # 1, then 2: processed twice

    result = check_receiver(_accepts_anything, timeout=10.0, probe=probe,
                            only=["processes-redelivery-once"])["processes-redelivery-once"]
    assert result.status is Status.FAIL
    assert result.reason.startswith("the same report delivered twice was processed 2 times ")
    assert len(asked) == 2  # no question after the second processing was seen
