"""Only whole requests are recorded: a sender that hangs up mid-headers (or mid-body) is
counted apart, over real sockets; a whole request that is not a JSON object is recorded."""

from __future__ import annotations

import socket
import time
from pathlib import Path

import pytest

from jobhook_testkit import FakeSender, load_schema
from jobhook_testkit.recorder import LiveRecorder, serve_recorder


def _address(recorder: LiveRecorder) -> tuple[str, int]:
    host, port = recorder.url.removeprefix("http://").rsplit(":", 1)
    return host, int(port)


def _hang_up_after(recorder: LiveRecorder, data: bytes) -> None:
    with socket.create_connection(_address(recorder), timeout=5) as sock:
        sock.sendall(data)
        sock.shutdown(socket.SHUT_WR)  # the sender is done: EOF in the middle of the request
        sock.settimeout(5)
        while sock.recv(4096):  # whatever the server does with it, until it closes
            pass


def _wait_for_count(recorder: LiveRecorder, kind: str, count: int) -> None:
    deadline = time.monotonic() + 5
    while recorder.receiver.counts.get(kind, 0) < count:
        assert time.monotonic() < deadline, recorder.receiver.counts
        time.sleep(0.01)


@pytest.mark.parametrize(
    "partial",
    [
        b"POST / HTTP/1.1\r\n",
        b"POST / HTTP/1.1\r\nHost: x\r\n",
        b"POST /hooks HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Le",
        b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n",  # no blank line, then EOF
    ],
    ids=["request-line-only", "one-header", "half-a-header", "no-blank-line"],
)
def test_a_hang_up_mid_headers_is_not_recorded(partial: bytes, tmp_path: Path) -> None:
    record = tmp_path / "r.ndjson"
    with serve_recorder(record=record) as recorder:
        _hang_up_after(recorder, partial)
        _wait_for_count(recorder, "incomplete", 1)
        assert recorder.deliveries == ()
        (refusal,) = recorder.refusals
    assert recorder.receiver.counts == {"incomplete": 1}
    assert refusal.reason == "the sender hung up before the headers ended"
    assert not record.exists() or record.read_bytes() == b""


@pytest.mark.parametrize(
    ("request_bytes", "reason"),
    [
        (b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n", "empty body"),
        (b"POST / HTTP/1.1\r\nHost: x\r\n\r\n", "empty body"),  # no length: no body
        (b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n[]", "got array"),
        (b"POST / HTTP/1.0\n\n", "empty body"),  # bare line feeds end headers too
    ],
    ids=["empty-with-length", "empty-without-length", "array", "http-1.0-bare-lf"],
)
def test_a_whole_request_that_is_not_a_json_object_is_still_recorded(
    request_bytes: bytes, reason: str
) -> None:
    with serve_recorder() as recorder:
        _hang_up_after(recorder, request_bytes)  # the request is whole before the EOF
        (delivery,) = recorder.wait_for(1)
    assert delivery.malformed
    assert reason in delivery.violations[0].message
    assert recorder.receiver.counts.get("incomplete") is None


def test_a_whole_delivery_is_recorded_as_ever() -> None:
    report = dict(load_schema()["examples"][0])
    with serve_recorder() as recorder:
        assert FakeSender(recorder.url).deliver(report).acknowledged
    assert [d.report for d in recorder.deliveries] == [report]
