"""The sender with a WSGI app as target: in-process through Werkzeug, no socket."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

import pytest
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Request, Response

from jobhook_testkit.delivery import Outcome
from jobhook_testkit.schema import load_schema
from jobhook_testkit.sender import FakeSender

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment

REPORT: dict[str, Any] = dict(load_schema()["examples"][0])
TIMEOUT = 0.2
MARGIN = 0.5  # a stuck app would hold a waiting caller forever, not this long


class Echo:
    """Answers 200 with what it saw; records requests and the errors reading them."""

    def __init__(self) -> None:
        self.seen: list[Request] = []
        self.bodies: list[bytes] = []
        self.errors: list[int] = []

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        request = Request(environ)
        self.seen.append(request)
        try:
            self.bodies.append(request.get_data())
        except HTTPException as exc:
            self.errors.append(exc.code or 0)
            return exc(environ, start_response)
        return Response("thanks", status=202)(environ, start_response)


@pytest.fixture
def release() -> Iterator[threading.Event]:
    """Set at teardown so apps still running after a timed-out delivery end."""
    event = threading.Event()
    yield event
    event.set()


def test_in_process_delivery_is_acknowledged_with_platform_headers() -> None:
    app = Echo()
    sender = FakeSender(app, path="/hooks/jobs?tenant=a", auth="Bearer s3cret")
    delivery = sender.deliver(REPORT)
    assert delivery.outcome is Outcome.ACKNOWLEDGED
    assert delivery.status_code == 202
    assert delivery.status_text == "ACCEPTED"
    assert delivery.body_excerpt == b"thanks"
    [request] = app.seen
    assert request.method == "POST"
    assert request.path == "/hooks/jobs"
    assert request.args["tenant"] == "a"
    assert request.headers["Authorization"] == "Bearer s3cret"
    assert request.headers["Content-Type"] == "application/json"
    assert json.loads(app.bodies[0]) == REPORT
    assert delivery.request.url == "http://localhost/hooks/jobs?tenant=a"


def test_app_exception_becomes_a_500_rejection_with_the_traceback() -> None:
    def broken(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        raise KeyError("total_failed")

    delivery = FakeSender(broken).deliver(REPORT)
    assert delivery.outcome is Outcome.REJECTED
    assert delivery.status_code == 500
    assert "KeyError" in delivery.reason
    assert b"total_failed" in delivery.body_excerpt


def test_app_that_never_answers_times_out_and_runs_on(release: threading.Event) -> None:
    finished = threading.Event()

    def stuck(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        release.wait(10)
        finished.set()
        start_response("200 OK", [])
        return [b""]

    delivery = FakeSender(stuck, timeout=TIMEOUT).deliver(REPORT)
    assert delivery.outcome is Outcome.TIMED_OUT
    assert delivery.status_code is None
    assert "runs on" in delivery.reason
    assert TIMEOUT <= delivery.elapsed < TIMEOUT + MARGIN
    assert not finished.is_set()  # the app's thread is still running, as documented
    release.set()
    assert finished.wait(2)


def test_app_streaming_its_body_past_the_deadline_times_out(release: threading.Event) -> None:
    def trickle(environ: WSGIEnvironment, start_response: StartResponse) -> Iterator[bytes]:
        start_response("200 OK", [("Content-Type", "text/plain")])
        while not release.wait(0.03):
            yield b"."

    delivery = FakeSender(trickle, timeout=TIMEOUT).deliver(REPORT)
    assert delivery.outcome is Outcome.TIMED_OUT
    assert delivery.status_code == 200
    assert delivery.body_excerpt.startswith(b".")
    assert delivery.elapsed < TIMEOUT + MARGIN


def test_huge_body_is_capped_and_acknowledged() -> None:
    closed = threading.Event()

    class Endless:
        def __iter__(self) -> Iterator[bytes]:
            while True:
                yield b"z" * 1000

        def close(self) -> None:
            closed.set()

    def endless(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        start_response("200 OK", [])
        return Endless()

    delivery = FakeSender(endless, max_body=2500).deliver(REPORT)
    assert delivery.acknowledged
    assert delivery.body_excerpt == b"z" * 2500
    assert closed.is_set()  # the app's iterable is closed, as WSGI requires


def test_redirect_is_rejected() -> None:
    def redirect(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        start_response("301 Moved Permanently", [("Location", "https://elsewhere/")])
        return [b""]

    delivery = FakeSender(redirect).deliver(REPORT)
    assert delivery.outcome is Outcome.REJECTED
    assert "https://elsewhere/" in delivery.reason


def test_hang_up_gives_the_app_a_short_body() -> None:
    app = Echo()
    delivery = FakeSender(app).deliver(REPORT, hang_up_after=7)
    assert delivery.outcome is Outcome.CONNECTION_FAILED
    assert app.errors == [400]  # Werkzeug's ClientDisconnected


def test_slow_body_is_read_whole_within_the_timeout() -> None:
    app = Echo()
    body = json.dumps(REPORT).encode()
    delivery = FakeSender(app).deliver(body=body, send_rate=(50, 0.005))
    assert delivery.acknowledged
    assert app.bodies == [body]


def test_slow_body_past_the_deadline_reaches_the_app_cut_short() -> None:
    app = Echo()
    delivery = FakeSender(app, timeout=TIMEOUT).deliver(REPORT, send_rate=(10, 0.05))
    waited = time.monotonic() + 2
    while not app.errors and time.monotonic() < waited:  # the app runs on past the deadline
        time.sleep(0.005)
    assert app.errors == [400]  # it saw the body end at the deadline
    assert delivery.outcome is Outcome.TIMED_OUT
    assert "still being sent slowly" in delivery.reason
    assert delivery.elapsed < TIMEOUT + MARGIN


def test_path_must_be_absolute() -> None:
    with pytest.raises(ValueError, match="must start with '/'"):
        FakeSender(Echo(), path="hooks")


def test_app_that_exits_is_a_500_not_a_crash() -> None:
    def exits(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        raise SystemExit(3)

    delivery = FakeSender(exits).deliver(REPORT)
    assert delivery.status_code == 500
    assert "SystemExit" in delivery.reason


def test_app_that_never_starts_the_response_is_a_500() -> None:
    def silent(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        return []

    delivery = FakeSender(silent).deliver(REPORT)
    assert delivery.outcome is Outcome.REJECTED
    assert delivery.status_code == 500


def test_app_raising_in_the_middle_of_its_body_is_a_dropped_connection() -> None:
    def broken_stream(environ: WSGIEnvironment, start_response: StartResponse) -> Iterator[bytes]:
        start_response("200 OK", [("Content-Type", "text/plain")])
        yield b"partial"
        raise RuntimeError(f"lost the database for {environ['HTTP_AUTHORIZATION']}")

    delivery = FakeSender(broken_stream, auth="Bearer s3cret").deliver(REPORT)
    assert delivery.outcome is Outcome.CONNECTION_FAILED
    assert delivery.status_code == 200
    assert delivery.body_excerpt == b"partial"
    assert "RuntimeError: lost the database" in delivery.reason
    assert "s3cret" not in str(delivery) + repr(delivery)
