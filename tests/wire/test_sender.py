"""The sender over real sockets against a well-behaved (recording) WSGI receiver."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import pytest
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Request, Response

from jobhook_testkit.delivery import Outcome
from jobhook_testkit.schema import load_schema
from jobhook_testkit.sender import FakeSender
from jobhook_testkit.server import serve_wsgi

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment

REPORT: dict[str, Any] = dict(load_schema()["examples"][0]) | {"definition_name": "Export é ✓"}


class Receiver:
    """Records each request it gets; answers ``status`` (default 200)."""

    def __init__(self, status: int = 200, delay: float = 0.0) -> None:
        self.status = status
        self.delay = delay
        self.seen: list[dict[str, Any]] = []
        self.lock = threading.Lock()
        self.in_flight = 0
        self.max_in_flight = 0

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        request = Request(environ)
        with self.lock:
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            try:
                body = request.get_data()
                error = None
            except HTTPException as exc:
                body, error = b"", exc.code
            if self.delay:
                time.sleep(self.delay)
            self.seen.append(
                {
                    "method": request.method,
                    "path": request.full_path.rstrip("?"),
                    "headers": dict(request.headers),
                    "body": body,
                    "error": error,
                    "port": environ.get("REMOTE_PORT"),
                }
            )
            response = Response(b'{"ok": true}', status=self.status, mimetype="application/json")
            return response(environ, start_response)
        finally:
            with self.lock:
                self.in_flight -= 1


def test_acknowledged_delivery_sends_what_the_platform_sends() -> None:
    receiver = Receiver()
    with serve_wsgi(receiver) as server:
        delivery = FakeSender(server.url + "/hooks/jobs?x=1", auth="Bearer s3cret").deliver(REPORT)
    assert delivery.outcome is Outcome.ACKNOWLEDGED
    assert delivery.acknowledged
    assert delivery.status_code == 200
    assert delivery.body_excerpt == b'{"ok": true}'
    [seen] = receiver.seen
    assert seen["method"] == "POST"
    assert seen["path"] == "/hooks/jobs?x=1"
    assert seen["headers"]["Authorization"] == "Bearer s3cret"
    assert seen["headers"]["Content-Type"] == "application/json"
    assert seen["headers"]["Connection"] == "close"
    assert json.loads(seen["body"]) == REPORT
    assert delivery.request.body == seen["body"]
    assert delivery.request.url == server.url + "/hooks/jobs?x=1"
    assert delivery.response_headers["Content-Type"] == "application/json"


def test_each_delivery_uses_a_fresh_connection() -> None:
    receiver = Receiver()
    with serve_wsgi(receiver) as server:
        sender = FakeSender(server.url)
        for _ in range(3):
            assert sender.deliver(REPORT).acknowledged
    ports = {seen["port"] for seen in receiver.seen}
    assert len(ports) == 3


def test_non_2xx_is_rejected_and_explained() -> None:
    with serve_wsgi(Receiver(status=401)) as server:
        delivery = FakeSender(server.url, auth="Basic QWxhZGRpbjpvcGVu").deliver(REPORT)
    assert delivery.outcome is Outcome.REJECTED
    assert delivery.status_code == 401
    text = str(delivery)
    assert "401 UNAUTHORIZED" in text
    assert "Basic [redacted]" in text
    assert "QWxhZGRpbjpvcGVu" not in text
    assert "QWxhZGRpbjpvcGVu" not in repr(delivery)


def test_no_authorization_header_unless_configured() -> None:
    receiver = Receiver()
    with serve_wsgi(receiver) as server:
        FakeSender(server.url).deliver(REPORT)
        FakeSender(server.url, auth="Bearer a").deliver(REPORT, auth=None)
        FakeSender(server.url).deliver(REPORT, auth="Bearer override")
    assert "Authorization" not in receiver.seen[0]["headers"]
    assert "Authorization" not in receiver.seen[1]["headers"]
    assert receiver.seen[2]["headers"]["Authorization"] == "Bearer override"


@pytest.mark.parametrize("encoding", ["compact", "pretty", "ascii", "reordered"])
def test_every_encoding_carries_the_same_report(encoding: Any) -> None:
    receiver = Receiver()
    with serve_wsgi(receiver) as server:
        assert FakeSender(server.url).deliver(REPORT, encoding=encoding).acknowledged
    body = receiver.seen[0]["body"]
    assert json.loads(body) == REPORT
    if encoding == "ascii":
        assert body.isascii() and b"\\u00e9" in body
    if encoding == "pretty":
        assert b"\n  " in body
    if encoding == "reordered":
        assert list(json.loads(body)) == list(reversed(list(REPORT)))


def test_headers_are_merged_and_none_removes_one() -> None:
    receiver = Receiver()
    with serve_wsgi(receiver) as server:
        sender = FakeSender(server.url, headers={"X-Env": "ci", "User-Agent": "platform"})
        sender.deliver(REPORT, headers={"X-Env": None, "X-Run": "7"}, content_type=None)
    headers = receiver.seen[0]["headers"]
    assert "X-Env" not in headers
    assert headers["X-Run"] == "7"
    assert headers["User-Agent"] == "platform"
    assert "Content-Type" not in headers


def test_hang_up_mid_body_reaches_the_receiver_as_a_short_body() -> None:
    receiver = Receiver()
    with serve_wsgi(receiver) as server:
        sender = FakeSender(server.url)
        cut = sender.deliver(REPORT, hang_up_after=10)
        after = sender.deliver(REPORT)
        deadline = time.monotonic() + 2
        while len(receiver.seen) < 2 and time.monotonic() < deadline:
            time.sleep(0.01)
    assert cut.outcome is Outcome.CONNECTION_FAILED
    assert "hung up after 10 of" in cut.reason
    assert after.acknowledged  # the receiver survived it
    short = next(seen for seen in receiver.seen if seen["error"] is not None)
    assert short["error"] == 400  # Werkzeug: ClientDisconnected


def test_slow_body_arrives_whole_within_the_timeout() -> None:
    receiver = Receiver()
    with serve_wsgi(receiver) as server:
        body = json.dumps(REPORT).encode()
        delivery = FakeSender(server.url).deliver(body=body, send_rate=(len(body) // 3, 0.02))
    assert delivery.acknowledged
    assert receiver.seen[0]["body"] == body


def test_slow_body_past_the_deadline_times_out_on_time() -> None:
    with serve_wsgi(Receiver()) as server:
        delivery = FakeSender(server.url, timeout=0.2).deliver(REPORT, send_rate=(5, 0.05))
        assert delivery.outcome is Outcome.TIMED_OUT
        assert "still being sent slowly" in delivery.reason
        assert delivery.elapsed < 0.2 + 0.5


def test_raw_body_and_method_are_sent_as_given() -> None:
    receiver = Receiver()
    with serve_wsgi(receiver) as server:
        FakeSender(server.url).deliver(body=b"{not json", method="PUT")
    assert receiver.seen[0]["method"] == "PUT"
    assert receiver.seen[0]["body"] == b"{not json"


def test_deliver_many_runs_concurrently_and_keeps_order() -> None:
    receiver = Receiver(delay=0.05)
    reports = [REPORT | {"id": f"job-{n}"} for n in range(6)]
    with serve_wsgi(receiver) as server:
        deliveries = FakeSender(server.url).deliver_many(reports, concurrency=3)
    assert [json.loads(d.request.body)["id"] for d in deliveries] == [r["id"] for r in reports]
    assert all(d.acknowledged for d in deliveries)
    assert receiver.max_in_flight > 1


def test_non_ascii_url_path_is_percent_encoded() -> None:
    receiver = Receiver()
    with serve_wsgi(receiver) as server:
        delivery = FakeSender(server.url + "/hooks/é?tenant=ü x").deliver(REPORT)
    assert delivery.acknowledged, delivery
    assert delivery.request.url.endswith("/hooks/%C3%A9?tenant=%C3%BC%20x")
    assert receiver.seen[0]["path"] == "/hooks/é?tenant=%C3%BC%20x"
