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

from jobhook_testkit.contract import Status, check_receiver

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
