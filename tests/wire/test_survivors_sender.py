"""The fake sender's connection behaviour that mutation testing found unpinned.

Default ports, falling back to the next resolved address, header injection through
content_type, the TLS handshake under the deadline, chunk framing, bad timeouts. Host
names are resolved through a stand-in for ``socket.getaddrinfo`` that maps a made-up name
(and only the expected port) to a real listener on 127.0.0.1.
"""

from __future__ import annotations

import re
import socket
import ssl
import struct
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

import pytest
import trustme
from _receivers import RawListener, free_port, raw_listener, read_request

from jobhook_testkit.delivery import Outcome
from jobhook_testkit.sender import FakeSender

TIMEOUT = 0.5
MARGIN = 0.5
Answer = Callable[[socket.socket], None]


def _reply(raw: bytes) -> Answer:
    def answer(conn: socket.socket) -> None:
        read_request(conn)
        conn.sendall(raw)

    return answer


OK = _reply(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")


@contextmanager
def listening(answer: Answer, *, tls: ssl.SSLContext | None = None) -> Iterator[RawListener]:
    """A raw listener giving each connection ``answer(conn)``."""
    with raw_listener(lambda conn, stop: answer(conn), tls=tls, conn_timeout=3.0) as listener:
        yield listener


@pytest.fixture
def resolve_as(monkeypatch: pytest.MonkeyPatch) -> Callable[[str, int, list[int]], list[Any]]:
    """``resolve_as(name, port, [real ports])``: ``name:port`` resolves to those 127.0.0.1
    ports, in that order; any other name or port does not resolve at all."""
    asked: list[Any] = []
    real = socket.getaddrinfo

    def install(name: str, port: int, targets: list[int]) -> list[Any]:
        def fake(host: Any, wanted: Any, *args: Any, **kwargs: Any) -> Any:
            asked.append((host, wanted))
            if host == name and wanted == port:
                return [
                    (socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "",
                     ("127.0.0.1", target))
                    for target in targets
                ]
            if host == name:
                raise socket.gaierror(socket.EAI_SERVICE, f"nothing for {host}:{wanted}")
            return real(host, wanted, *args, **kwargs)

        monkeypatch.setattr(socket, "getaddrinfo", fake)
        return asked

    return install


def test_plain_http_without_a_port_connects_to_port_80(resolve_as: Any) -> None:
    with listening(OK) as server:
        resolve_as("receiver.test", 80, [server.port])
        delivery = FakeSender("http://receiver.test/hooks", timeout=2).deliver()
    assert delivery.outcome is Outcome.ACKNOWLEDGED, delivery
    assert delivery.request.headers["Host"] == "receiver.test"


def test_https_without_a_port_connects_to_port_443(resolve_as: Any, tmp_path: Path) -> None:
    ca = trustme.CA()
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ca.issue_cert("receiver.test").configure_cert(context)
    ca_file = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    with listening(OK, tls=context) as server:
        resolve_as("receiver.test", 443, [server.port])
        sender = FakeSender("https://receiver.test/hooks", timeout=2, verify=str(ca_file))
        delivery = sender.deliver()
    assert delivery.outcome is Outcome.ACKNOWLEDGED, delivery
    assert delivery.body_excerpt == b"ok"
    assert delivery.request.headers["Host"] == "receiver.test"


def test_an_explicit_default_port_is_left_out_of_the_host_header(resolve_as: Any) -> None:
    with listening(OK) as server:
        resolve_as("receiver.test", 80, [server.port])
        delivery = FakeSender("http://receiver.test:80/hooks", timeout=2).deliver()
    assert delivery.acknowledged, delivery
    assert delivery.request.headers["Host"] == "receiver.test"


def test_the_next_resolved_address_is_tried_when_the_first_refuses(resolve_as: Any) -> None:
    # localhost -> ::1 (nobody listening) then 127.0.0.1 (the receiver): still delivered.
    with listening(OK) as server:
        resolve_as("receiver.test", 8080, [free_port(), server.port])
        delivery = FakeSender("http://receiver.test:8080/hooks", timeout=2).deliver()
    assert delivery.outcome is Outcome.ACKNOWLEDGED, delivery


def test_when_every_address_refuses_the_failure_says_so(resolve_as: Any) -> None:
    resolve_as("receiver.test", 8080, [free_port(), free_port()])
    delivery = FakeSender("http://receiver.test:8080/hooks", timeout=2).deliver()
    assert delivery.outcome is Outcome.CONNECTION_FAILED
    assert delivery.reason.endswith("(connecting)"), delivery.reason
    assert "refused" in delivery.reason.lower(), delivery.reason


def test_a_name_that_does_not_resolve_is_a_connection_failure_naming_it(
    resolve_as: Any,
) -> None:
    resolve_as("receiver.test", 8080, [])
    delivery = FakeSender("http://receiver.test:9999/hooks", timeout=2).deliver()
    assert delivery.outcome is Outcome.CONNECTION_FAILED
    assert delivery.reason.startswith("cannot resolve 'receiver.test': "), delivery.reason


@pytest.mark.parametrize("bad", ["application/json\r\nX-Injected: 1", "application/json\nX: 1",
                                 "application/json\x00"])
def test_content_type_with_a_line_break_is_refused_before_anything_is_sent(bad: str) -> None:
    with listening(OK) as server:
        sender = FakeSender(f"http://127.0.0.1:{server.port}/hooks", timeout=2)
        with pytest.raises(ValueError, match=r"Content-Type.*line break or NUL"):
            sender.deliver(content_type=bad)
        # The same sender still delivers with an ordinary Content-Type.
        assert sender.deliver(content_type="application/json; charset=utf-8").acknowledged


@pytest.mark.parametrize("timeout", ["5", None, [5]])
def test_a_timeout_that_is_not_a_number_is_a_type_error(timeout: Any) -> None:
    with pytest.raises(TypeError, match=r"timeout must be a number of seconds, got "):
        FakeSender("http://127.0.0.1:9/hooks", timeout=timeout)


def test_a_boolean_timeout_is_a_type_error_not_one_second() -> None:
    with pytest.raises(TypeError, match="timeout must be a number of seconds, got True"):
        FakeSender("http://127.0.0.1:9/hooks", timeout=True)


def test_tls_handshake_is_bounded_by_what_is_left_of_the_deadline() -> None:
    # The receiver accepts the TCP connection and never speaks TLS: the sender gives up at
    # its deadline (the listener would hold the connection for three seconds).
    def mute(conn: socket.socket) -> None:
        while conn.recv(65536):  # takes the ClientHello, answers nothing, until hung up on
            pass

    with listening(mute) as server:
        started = time.monotonic()
        delivery = FakeSender(
            f"https://127.0.0.1:{server.port}/hooks", timeout=TIMEOUT, verify=False
        ).deliver()
        took = time.monotonic() - started
    assert delivery.outcome is Outcome.TIMED_OUT, delivery
    assert delivery.reason == f"the TLS handshake did not finish within {TIMEOUT:g} s"
    assert took < TIMEOUT + MARGIN


def test_tls_to_a_plain_http_port_suggests_http() -> None:
    def plain_http(conn: socket.socket) -> None:
        conn.recv(65536)  # the ClientHello, taken for a garbled HTTP request
        conn.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")

    with listening(plain_http) as server:
        delivery = FakeSender(
            f"https://127.0.0.1:{server.port}/hooks", timeout=2, verify=False
        ).deliver()
    assert delivery.outcome is Outcome.CONNECTION_FAILED
    assert delivery.reason.startswith("TLS failed during the handshake: "), delivery.reason
    assert delivery.reason.endswith(" (the port seems to speak plain HTTP: try http://)")


# -- chunked answers ----------------------------------------------------------------------


def _chunked(body: bytes) -> Answer:
    return _reply(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + body)


def test_a_chunked_answer_is_read_whole_with_extensions_and_trailers() -> None:
    raw = b"3;ext=1\r\nabc\r\n2\r\nde\r\n0\r\nX-Trailer: t\r\n\r\n"
    with listening(_chunked(raw)) as server:
        delivery = FakeSender(f"http://127.0.0.1:{server.port}/", timeout=2).deliver()
    assert delivery.outcome is Outcome.ACKNOWLEDGED, delivery
    assert delivery.body_excerpt == b"abcde"


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        pytest.param(b"zz\r\nabc\r\n0\r\n\r\n", "chunk size b'zz'", id="size-not-hex"),
        pytest.param(b"-3\r\nabc\r\n0\r\n\r\n", "chunk size b'-3'", id="negative-size"),
        pytest.param(b"-" + b"1" * 60 + b"\r\n", "chunk size b'-" + "1" * 39 + "'",
                     id="long-negative-size"),
        pytest.param(b"3\r\nabcX\r\n0\r\n\r\n", "no line break after a chunk", id="overlong"),
        pytest.param(b"1" * (9 * 1024), "a chunk-size line longer than 8 KiB",
                     id="endless-size-line"),
    ],
)
def test_chunk_framing_errors_are_connection_failures_that_say_why(
    raw: bytes, reason: str
) -> None:
    with listening(_chunked(raw)) as server:
        delivery = FakeSender(f"http://127.0.0.1:{server.port}/", timeout=2).deliver()
    assert delivery.outcome is Outcome.CONNECTION_FAILED, delivery
    assert delivery.reason == f"the answer is not valid HTTP/1.1: {reason}"
    assert delivery.status_code == 200  # the head was read: the failure is in the body


def test_a_chunked_answer_cut_short_is_a_connection_failure_in_the_body() -> None:
    with listening(_chunked(b"10\r\nabc")) as server:
        delivery = FakeSender(f"http://127.0.0.1:{server.port}/", timeout=2).deliver()
    assert delivery.outcome is Outcome.CONNECTION_FAILED
    assert delivery.reason == (
        "the receiver closed the connection in the middle of the body (3 bytes read)"
    )


def test_a_chunked_answer_is_read_only_up_to_max_body() -> None:
    raw = b"4\r\nabcd\r\n4\r\nefgh\r\n0\r\n\r\n"
    with listening(_chunked(raw)) as server:
        delivery = FakeSender(f"http://127.0.0.1:{server.port}/", timeout=2, max_body=6).deliver()
    assert delivery.acknowledged, delivery
    assert delivery.body_excerpt == b"abcdef"


def test_chunk_sizes_are_hexadecimal() -> None:
    raw = b"a\r\n0123456789\r\n10\r\n" + b"x" * 16 + b"\r\n0\r\n\r\n"
    with listening(_chunked(raw)) as server:
        delivery = FakeSender(f"http://127.0.0.1:{server.port}/", timeout=2).deliver()
    assert delivery.acknowledged, delivery
    assert delivery.body_excerpt == b"0123456789" + b"x" * 16


def test_chunk_extensions_are_ignored_however_many() -> None:
    raw = b"3;a=1;b=2\r\nabc\r\n0\r\n\r\n"
    with listening(_chunked(raw)) as server:
        delivery = FakeSender(f"http://127.0.0.1:{server.port}/", timeout=2).deliver()
    assert delivery.acknowledged, delivery
    assert delivery.body_excerpt == b"abc"


def test_a_chunked_answer_with_bare_line_feeds_is_read() -> None:
    with listening(_chunked(b"3\nabc\n0\n\n")) as server:
        delivery = FakeSender(f"http://127.0.0.1:{server.port}/", timeout=2).deliver()
    assert delivery.acknowledged, delivery
    assert delivery.body_excerpt == b"abc"


def test_max_body_zero_reads_no_chunked_body() -> None:
    with listening(_chunked(b"3\r\nabc\r\n0\r\n\r\n")) as server:
        delivery = FakeSender(f"http://127.0.0.1:{server.port}/", timeout=2, max_body=0).deliver()
    assert delivery.acknowledged, delivery
    assert delivery.body_excerpt == b""


def _in_parts(*parts: bytes) -> Answer:
    def answer(conn: socket.socket) -> None:
        read_request(conn)
        for part in parts:
            conn.sendall(part)
            time.sleep(0.05)

    return answer


def test_a_body_arriving_in_parts_is_read_whole_and_no_further_than_its_length() -> None:
    answer = _in_parts(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nabc", b"deXYZ")
    with listening(answer) as server:
        delivery = FakeSender(f"http://127.0.0.1:{server.port}/", timeout=2).deliver()
    assert delivery.acknowledged, delivery
    assert delivery.body_excerpt == b"abcde"


def _reset_after(raw: bytes) -> Answer:
    def answer(conn: socket.socket) -> None:
        read_request(conn)
        conn.sendall(raw)
        time.sleep(0.05)
        # Closing with a zero linger time sends a reset instead of an orderly close.
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))

    return answer


@pytest.mark.parametrize(
    ("answer", "reason"),
    [
        pytest.param(_reply(b""), "the receiver closed the connection without answering",
                     id="closed-before-answering"),
        pytest.param(_reply(b"HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nabc"),
                     "the receiver closed the connection in the middle of the body "
                     "(3 bytes read)", id="closed-mid-body"),
        pytest.param(_reset_after(b""), "the receiver reset the connection before answering",
                     id="reset-before-answering"),
        pytest.param(_reset_after(b"HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nabc"),
                     "the receiver reset the connection in the middle of the body "
                     "(3 bytes read)", id="reset-mid-body"),
    ],
)
def test_a_connection_ended_early_says_how_and_when(answer: Answer, reason: str) -> None:
    with listening(answer) as server:
        delivery = FakeSender(f"http://127.0.0.1:{server.port}/", timeout=2).deliver()
    assert delivery.outcome is Outcome.CONNECTION_FAILED, delivery
    assert delivery.reason == reason


# -- reading the head of the answer ------------------------------------------------------


def _head(raw: bytes) -> Answer:
    return _reply(b"HTTP/1.1 200 OK\r\n" + raw + b"Content-Length: 0\r\n\r\n")


def test_response_headers_are_kept_as_sent_values_with_colons_included() -> None:
    raw = b"X-Url: http://a.example:8080/b\r\nX-Tab: first\r\n\tsecond\r\nX-After: yes\r\n"
    with listening(_head(raw)) as server:
        delivery = FakeSender(f"http://127.0.0.1:{server.port}/", timeout=2).deliver()
    assert delivery.acknowledged, delivery
    assert delivery.response_headers == {
        "X-Url": "http://a.example:8080/b",
        "X-Tab": "first second",  # folded with a tab: one value
        "X-After": "yes",  # the headers after a folded one are read too
        "Content-Length": "0",
    }
    assert delivery.status_text == "OK"


def test_a_status_line_without_a_reason_phrase_has_an_empty_status_text() -> None:
    answer = _reply(b"HTTP/1.1 204\r\nContent-Length: 0\r\n\r\n")
    with listening(answer) as server:
        delivery = FakeSender(f"http://127.0.0.1:{server.port}/", timeout=2).deliver()
    assert delivery.acknowledged, delivery
    assert (delivery.status_code, delivery.status_text) == (204, "")


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        pytest.param(b" folded-first: x\r\n", b" folded-first: x", id="continuation-first"),
        pytest.param(b"no colon here\r\n", b"no colon here", id="no-colon"),
        pytest.param(b": no name\r\n", b": no name", id="empty-name"),
        pytest.param(b"X-Space : x\r\n", b"X-Space : x", id="space-before-colon"),
        pytest.param(b"X-Long: " + b"v" * 200 + b"\r\n" + b"bad\r\n", b"bad", id="after-long"),
        pytest.param(b"Bad" + b"b" * 100 + b"\r\n", b"Bad" + b"b" * 77, id="cut-at-80"),
    ],
)
def test_a_header_line_that_is_not_http_is_named_in_the_failure(raw: bytes, shown: bytes) -> None:
    with listening(_head(raw)) as server:
        delivery = FakeSender(f"http://127.0.0.1:{server.port}/", timeout=2).deliver()
    assert delivery.outcome is Outcome.CONNECTION_FAILED, delivery
    assert delivery.reason == f"the answer is not valid HTTP/1.1: header line {shown!r}"


def test_a_status_line_that_is_not_http_is_shown_cut_at_80_bytes() -> None:
    answer = _reply(b"SSH-2.0-" + b"x" * 200 + b"\r\n\r\n")
    with listening(answer) as server:
        delivery = FakeSender(f"http://127.0.0.1:{server.port}/", timeout=2).deliver()
    assert delivery.outcome is Outcome.CONNECTION_FAILED
    shown = b"SSH-2.0-" + b"x" * 72
    assert delivery.reason == f"the answer is not valid HTTP/1.1: status line {shown!r}"


def test_a_chunk_size_that_is_not_hex_is_shown_cut_at_40_bytes() -> None:
    with listening(_chunked(b"z" * 60 + b"\r\n")) as server:
        delivery = FakeSender(f"http://127.0.0.1:{server.port}/", timeout=2).deliver()
    assert delivery.reason == f"the answer is not valid HTTP/1.1: chunk size {b'z' * 40!r}"


def test_interim_answers_are_counted_in_the_timeout_reason() -> None:
    def two_interims(conn: socket.socket) -> None:
        read_request(conn)
        conn.sendall(b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\n\r\n")
        while conn.recv(65536):  # then nothing, until the sender hangs up
            pass

    with listening(two_interims) as server:
        delivery = FakeSender(f"http://127.0.0.1:{server.port}/", timeout=TIMEOUT).deliver()
    assert delivery.outcome is Outcome.TIMED_OUT
    assert delivery.reason == (
        f"only interim 1xx answers (2) arrived within {TIMEOUT:g} s, never a final one"
    )


def test_a_head_of_exactly_the_size_limit_is_accepted() -> None:
    status = b"HTTP/1.1 200 OK\r\n"
    filler = b"X-Fill: " + b"f" * (64 * 1024 - len(status) - len(b"X-Fill: "))
    answer = _in_parts(status + filler, b"\r\nContent-Length: 0\r\n\r\n")
    with listening(answer) as server:
        delivery = FakeSender(f"http://127.0.0.1:{server.port}/", timeout=2).deliver()
    assert delivery.acknowledged, delivery
    assert len(delivery.response_headers["X-Fill"]) == 64 * 1024 - len(status) - 8


# -- deliver_many and URLs in messages ----------------------------------------------------


class InFlight:
    """A WSGI receiver that notes how many deliveries it is handling at once."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.now = 0
        self.most = 0
        self.authorizations: list[str | None] = []

    def __call__(self, environ: dict[str, Any], start_response: Any) -> list[bytes]:
        environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        with self.lock:
            self.now += 1
            self.most = max(self.most, self.now)
            self.authorizations.append(environ.get("HTTP_AUTHORIZATION"))
        time.sleep(0.15)
        with self.lock:
            self.now -= 1
        start_response("204 No Content", [("Content-Length", "0")])
        return [b""]


@pytest.mark.parametrize(("options", "most", "count"), [({}, 4, 8), ({"concurrency": 2}, 2, 4),
                                                        ({"concurrency": 1}, 1, 3)])
def test_deliver_many_sends_at_most_concurrency_deliveries_at_once(
    options: dict[str, Any], most: int, count: int
) -> None:
    from jobhook_testkit.server import serve_wsgi

    receiver = InFlight()
    with serve_wsgi(receiver) as server:
        sender = FakeSender(server.url + "/hooks", auth="Bearer s3cret", timeout=5)
        reports = [{"id": f"R{n}"} for n in range(count)]
        deliveries = sender.deliver_many(reports, **options)
    assert [d.acknowledged for d in deliveries] == [True] * count
    assert [json_id(d.request.body) for d in deliveries] == [f"R{n}" for n in range(count)]
    assert receiver.most == most


def json_id(body: bytes) -> str:
    import json

    return str(json.loads(body)["id"])


def test_deliver_many_passes_its_options_to_every_delivery() -> None:
    from jobhook_testkit.server import serve_wsgi

    receiver = InFlight()
    with serve_wsgi(receiver) as server:
        sender = FakeSender(server.url + "/hooks", auth="Bearer s3cret", timeout=5)
        sender.deliver_many([{"id": "a"}, {"id": "b"}], auth=None)
    assert receiver.authorizations == [None, None]


@pytest.mark.parametrize("concurrency", [0, -1])
def test_deliver_many_refuses_a_concurrency_below_one(concurrency: int) -> None:
    sender = FakeSender("http://127.0.0.1:9/hooks", timeout=1)
    with pytest.raises(ValueError, match=rf"^concurrency must be >= 1, got {concurrency}$"):
        sender.deliver_many([{"id": "a"}], concurrency=concurrency)


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        pytest.param("http://Xavier:s3cret@[::1/x", "http://[credentials]@[::1/x",
                     id="capital-user"),
        pytest.param("http://user:s3cret@[::1/a?next=http://b", None, id="url-in-query"),
        pytest.param("http://[::1/user@example/x", "http://[::1/user@example/x",
                     id="at-in-path"),
    ],
)
def test_urls_in_error_messages_never_show_credentials(url: str, shown: str | None) -> None:
    with pytest.raises(ValueError, match="invalid URL") as error:
        FakeSender(url)
    assert "s3cret" not in str(error.value)
    if shown is not None:
        assert str(error.value) == f"invalid URL {shown!r}: Invalid IPv6 URL"


@pytest.mark.parametrize(
    ("url", "message"),
    [
        pytest.param("http://a@b:s3cret@[::1/x", "invalid URL 'http://[credentials]@[::1/x': "
                     "Invalid IPv6 URL", id="at-in-password"),
        pytest.param("http://user@host/x", "credentials in the URL are not sent by the "
                     "platform; use auth=", id="user-only"),
        pytest.param("ftp://host/x", "target must be an http:// or https:// URL, got "
                     "'ftp://host/x'", id="other-scheme"),
        pytest.param("example.com/hook", "target must be an http:// or https:// URL, got "
                     "'example.com/hook' (with its scheme: http://example.com/hook)",
                     id="no-scheme"),
        pytest.param("http:///user@x/y", "target must be an http:// or https:// URL, got "
                     "'http:///user@x/y'", id="no-host"),
    ],
)
def test_a_url_that_cannot_be_a_target_is_refused_saying_why(url: str, message: str) -> None:
    with pytest.raises(ValueError) as error:  # noqa: PT011 (the whole message is compared)
        FakeSender(url)
    assert str(error.value) == message


def test_a_path_given_with_a_url_is_refused_with_the_url_it_meant() -> None:
    with pytest.raises(ValueError) as error:  # noqa: PT011 (the whole message is compared)
        FakeSender("http://h.example/base/", path="/x")
    assert str(error.value) == (
        "path='/x' is for WSGI targets; with a URL put the path in the URL "
        "(http://h.example/base/x)"
    )


# -- SenderFactory (the jobhook_sender fixture's type) -----------------------------------


def _accept(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
    start_response("204 No Content", [("Content-Length", "0")])
    return [b""]


def test_a_sender_factory_gives_its_timeout_unless_told_otherwise() -> None:
    from jobhook_testkit.sender import SenderFactory

    factory = SenderFactory(timeout=1.5)
    assert factory.timeout == 1.5
    assert factory("http://127.0.0.1:9/hooks").timeout == 1.5
    assert factory("http://127.0.0.1:9/hooks", timeout=3).timeout == 3.0
    assert SenderFactory().timeout == 5.0
    assert factory(_accept, path="/hooks", auth="Bearer s3cret").auth == "Bearer s3cret"


def test_a_sender_factory_keeps_every_delivery_of_all_its_senders_in_order() -> None:
    from jobhook_testkit.sender import SenderFactory

    factory = SenderFactory(timeout=2)
    with pytest.raises(LookupError, match=r"^no delivery yet: call deliver\(\) on a sender"):
        _ = factory.last
    assert factory.deliveries == ()
    assert factory.summary() == ""
    one, two = factory(_accept, path="/a"), factory(_accept, path="/b")
    first, second, third = one.deliver(), two.deliver(), one.deliver()
    FakeSender(_accept, path="/c").deliver()  # not from the factory: not kept
    assert factory.deliveries == (first, second, third)
    assert factory.last is third


def test_a_sender_factory_summary_shows_the_last_deliveries_oldest_first() -> None:
    from jobhook_testkit.sender import SenderFactory

    factory = SenderFactory(timeout=2)
    sender = factory(_accept, path="/hooks", auth="Bearer s3cret")
    only = sender.deliver()
    assert factory.summary() == "1 delivery in this test, oldest first:\n\n" + str(only)
    second, third = sender.deliver(), sender.deliver()
    assert factory.summary(2) == (
        "3 deliveries in this test, the last 2, oldest first:\n\n"
        + str(second) + "\n\n" + str(third)
    )
    assert factory.summary(3) == (
        "3 deliveries in this test, oldest first:\n\n"
        + "\n\n".join(str(d) for d in (only, second, third))
    )
    assert factory.summary() == factory.summary(3)
    assert factory.summary(0) == "" and factory.summary(-1) == ""
    assert "s3cret" not in factory.summary(3)


# -- more of the exchange: connect timeouts, bodies that must not be waited for ----------


def test_a_connection_never_accepted_times_out_as_no_connection() -> None:
    # A listener whose accept queue is full: the kernel drops further SYNs, so connect()
    # waits; the sender gives up at its deadline.
    with socket.socket() as full:
        full.bind(("127.0.0.1", 0))
        full.listen(0)
        port = full.getsockname()[1]
        queued = [socket.socket() for _ in range(4)]
        try:
            for sock in queued:
                sock.setblocking(False)
                with suppress(BlockingIOError):
                    sock.connect(("127.0.0.1", port))
            time.sleep(0.05)
            delivery = FakeSender(f"http://127.0.0.1:{port}/", timeout=TIMEOUT).deliver()
        finally:
            for sock in queued:
                sock.close()
    assert delivery.outcome is Outcome.TIMED_OUT, delivery
    assert delivery.reason == f"no connection within {TIMEOUT:g} s"
    assert delivery.elapsed < TIMEOUT + MARGIN  # connect() itself would wait for minutes


def test_an_interim_answer_then_a_stalled_head_is_told_as_interim_only() -> None:
    def interim_then_stall(conn: socket.socket) -> None:
        read_request(conn)
        conn.sendall(b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\n")
        while conn.recv(65536):
            pass

    with listening(interim_then_stall) as server:
        delivery = FakeSender(f"http://127.0.0.1:{server.port}/", timeout=TIMEOUT).deliver()
    assert delivery.reason == (
        f"only interim 1xx answers (1) arrived within {TIMEOUT:g} s, never a final one"
    )


def test_a_failure_after_the_head_keeps_the_status_line_and_headers() -> None:
    with listening(_chunked(b"zz\r\n")) as server:
        delivery = FakeSender(f"http://127.0.0.1:{server.port}/", timeout=2).deliver()
    assert delivery.outcome is Outcome.CONNECTION_FAILED
    assert (delivery.status_code, delivery.status_text) == (200, "OK")
    assert delivery.response_headers == {"Transfer-Encoding": "chunked"}


def _head_then_nothing(status: bytes) -> Answer:
    """Answers with ``status`` and a Content-Length of 10, then sends no body at all."""

    def answer(conn: socket.socket) -> None:
        read_request(conn)
        conn.sendall(b"HTTP/1.1 " + status + b"\r\nContent-Length: 10\r\n\r\n")
        while conn.recv(65536):  # the connection stays open until the sender leaves
            pass

    return answer


@pytest.mark.parametrize(
    ("status", "method"),
    [(b"204 No Content", "POST"), (b"304 Not Modified", "POST"), (b"200 OK", "HEAD")],
)
def test_no_body_is_awaited_after_204_304_or_an_answer_to_head(
    status: bytes, method: str
) -> None:
    with listening(_head_then_nothing(status)) as server:
        sender = FakeSender(f"http://127.0.0.1:{server.port}/", timeout=2)
        delivery = sender.deliver(method=method, body=b"", content_type=None)
    assert delivery.status_code == int(status[:3])
    assert delivery.outcome is not Outcome.TIMED_OUT, delivery
    assert delivery.elapsed < 1
    assert delivery.body_excerpt == b""


@pytest.mark.parametrize(
    ("length", "shown"),
    [("abc", "'abc'"), ("-5", "-5"), ("9" * 20 + "x" * 40, repr("9" * 20 + "x" * 20))],
)
def test_a_content_length_that_is_not_a_size_is_named(length: str, shown: str) -> None:
    answer = _reply(f"HTTP/1.1 200 OK\r\nContent-Length: {length}\r\n\r\nabc".encode())
    with listening(answer) as server:
        delivery = FakeSender(f"http://127.0.0.1:{server.port}/", timeout=2).deliver()
    assert delivery.outcome is Outcome.CONNECTION_FAILED
    assert delivery.reason == f"the answer is not valid HTTP/1.1: Content-Length {shown}"


def test_a_body_read_until_close_may_end_with_a_reset() -> None:
    with listening(_reset_after(b"HTTP/1.1 200 OK\r\n\r\nabc")) as server:
        delivery = FakeSender(f"http://127.0.0.1:{server.port}/", timeout=2).deliver()
    assert delivery.acknowledged, delivery
    assert b"abc".startswith(delivery.body_excerpt)


def test_a_large_body_is_sent_whole_and_in_order() -> None:
    import hashlib

    body = bytes(range(256)) * (16 * 1024)  # 4 MiB: the socket takes it in many sends

    def digest(conn: socket.socket) -> None:
        received = read_request(conn).partition(b"\r\n\r\n")[2]
        answer = hashlib.sha256(received).hexdigest().encode()
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 64\r\n\r\n" + answer)

    with listening(digest) as server:
        delivery = FakeSender(f"http://127.0.0.1:{server.port}/", timeout=10).deliver(body=body)
    assert delivery.acknowledged, delivery
    assert delivery.body_excerpt.decode() == hashlib.sha256(body).hexdigest()


def test_hanging_up_after_zero_bytes_sends_no_body_at_all() -> None:
    with listening(lambda conn: None) as server:
        delivery = FakeSender(f"http://127.0.0.1:{server.port}/", timeout=2).deliver(
            body=b'{"id": "x"}', hang_up_after=0
        )
    assert delivery.outcome is Outcome.CONNECTION_FAILED
    assert delivery.reason == (
        "the sender hung up after 0 of 11 body bytes, as asked (hang_up_after=0)"
    )


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        pytest.param("http://h.example", "http://h.example/", id="no-path"),
        pytest.param("http://h.example/hooks;v=1/a@b:c,d!$&'()*+=-._~",
                     "http://h.example/hooks;v=1/a@b:c,d!$&'()*+=-._~", id="kept-as-is"),
        pytest.param("http://h.example/équipe x", "http://h.example/%C3%A9quipe%20x",
                     id="percent-encoded"),
        pytest.param("http://h.example/p?a=1?b=2&c=é", "http://h.example/p?a=1?b=2&c=%C3%A9",
                     id="query"),
        pytest.param("http://[::1]:8080/x", "http://[::1]:8080/x", id="ipv6"),
        pytest.param("https://[::1]/x", "https://[::1]/x", id="ipv6-default-port"),
        pytest.param("https://h.example:443/x", "https://h.example/x", id="https-default-port"),
        pytest.param("https://h.example:80/x", "https://h.example:80/x", id="https-on-80"),
    ],
)
def test_the_url_is_sent_as_given_only_percent_encoding_what_http_cannot_carry(
    url: str, expected: str
) -> None:
    sender = FakeSender(url, verify=False)
    assert sender.url == expected


def test_an_unknown_encoding_names_the_ones_there_are() -> None:
    from jobhook_testkit.sender import encode_report

    with pytest.raises(ValueError) as error:  # noqa: PT011 (the whole message is compared)
        encode_report({"id": "x"}, "yaml")  # type: ignore[arg-type]
    assert str(error.value) == (
        "unknown encoding 'yaml'; use one of compact, pretty, ascii, reordered"
    )


# -- sending: slowly, to a receiver that stops reading, to an address that cannot be used --


def test_an_ip_address_that_cannot_be_used_says_why_not_none() -> None:
    delivery = FakeSender("http://[fe80::1%25nonexistent0]:8080/", timeout=1).deliver()
    assert delivery.outcome is Outcome.CONNECTION_FAILED
    assert delivery.reason.startswith("cannot resolve 'fe80::1%25nonexistent0': ")
    assert "None" not in delivery.reason


def test_a_refused_connection_has_no_status_text_or_headers() -> None:
    delivery = FakeSender(f"http://127.0.0.1:{free_port()}/", timeout=1).deliver()
    assert delivery.outcome is Outcome.CONNECTION_FAILED
    assert (delivery.status_code, delivery.status_text, delivery.response_headers) == (
        None, "", {})
    assert delivery.body_excerpt == b""


def _digest_answer() -> Answer:
    import hashlib

    def digest(conn: socket.socket) -> None:
        received = read_request(conn).partition(b"\r\n\r\n")[2]
        answer = hashlib.sha256(received).hexdigest().encode()
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 64\r\n\r\n" + answer)

    return digest


@pytest.mark.parametrize("size", [1, 3])
def test_a_slowly_sent_body_arrives_whole_and_in_order(size: int) -> None:
    import hashlib

    body = b'{"id": "slow", "note": "' + bytes(range(65, 91)) + b'"}'
    with listening(_digest_answer()) as server:
        delivery = FakeSender(f"http://127.0.0.1:{server.port}/", timeout=5).deliver(
            body=body, send_rate=(size, 0.0)
        )
    assert delivery.acknowledged, delivery
    assert delivery.body_excerpt.decode() == hashlib.sha256(body).hexdigest()


def test_a_slow_send_cut_by_the_deadline_counts_the_bytes_it_sent() -> None:
    with listening(_reply(b"HTTP/1.1 204 No Content\r\n\r\n")) as server:
        delivery = FakeSender(f"http://127.0.0.1:{server.port}/", timeout=TIMEOUT).deliver(
            body=b"x" * 100, send_rate=(10, 0.1)
        )
    assert delivery.outcome is Outcome.TIMED_OUT
    sent = re.search(r"\((\d+) of 100 body bytes sent\)$", delivery.reason)
    assert sent is not None, delivery.reason
    assert delivery.reason.startswith("the deadline passed while the body was still being sent")
    assert int(sent[1]) >= 20 and int(sent[1]) % 10 == 0


def test_a_receiver_that_stops_reading_a_slow_send_times_it_out_in_the_send() -> None:
    def never_reads(conn: socket.socket) -> None:
        conn.recv(1024)  # the start of the head, then nothing more
        time.sleep(2)

    with listening(never_reads) as server:
        delivery = FakeSender(f"http://127.0.0.1:{server.port}/", timeout=TIMEOUT).deliver(
            body=b"x" * (16 * 1024 * 1024), send_rate=(256 * 1024, 0.001)
        )
    assert delivery.outcome is Outcome.TIMED_OUT, delivery
    assert delivery.reason.startswith(
        f"the receiver did not take the whole request within {TIMEOUT:g} s ("
    ), delivery.reason


def test_a_receiver_closing_mid_request_without_answering_is_told_so() -> None:
    def closes_early(conn: socket.socket) -> None:
        conn.recv(1024)  # the start of the head; then close with unread data: a reset
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))

    with listening(closes_early) as server:
        delivery = FakeSender(f"http://127.0.0.1:{server.port}/", timeout=2).deliver(
            body=b"x" * (8 * 1024 * 1024)
        )
    assert delivery.outcome is Outcome.CONNECTION_FAILED, delivery
    assert delivery.reason.startswith(
        "the receiver closed the connection while the request was being sent ("
    ), delivery.reason


# -- what deliver() refuses, and how it says so ------------------------------------------


@pytest.mark.parametrize("encoding", ["compact", "pretty", "ascii", "reordered"])
@pytest.mark.parametrize("number", [float("nan"), float("inf")])
def test_nan_and_infinity_are_refused_in_every_encoding(encoding: Any, number: float) -> None:
    from jobhook_testkit.sender import encode_report

    with pytest.raises(ValueError, match=r"^the report cannot be encoded as JSON: ") as error:
        encode_report({"id": "x", "total_operations": number}, encoding)
    assert str(error.value).endswith(" (to send such bytes on purpose, use body=)")


def test_a_lone_surrogate_is_refused_with_a_note_on_what_to_do() -> None:
    from jobhook_testkit.sender import encode_report

    with pytest.raises(UnicodeEncodeError) as error:
        encode_report({"id": "\ud800"})
    assert error.value.__notes__ == [
        "the report holds text UTF-8 cannot carry (a lone surrogate); "
        "encoding='ascii' sends it as a \\u escape"
    ]
    assert encode_report({"id": "\ud800"}, "ascii") == b'{"id":"\\ud800"}'


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        pytest.param({"report": {"id": "x"}, "body": b"{}"}, ValueError,
                     "give a report or a body, not both", id="report-and-body"),
        pytest.param({"body": b"{}", "encoding": "pretty"}, ValueError,
                     "encoding applies to a report; a body is sent as given", id="body-encoding"),
        pytest.param({"report": [1, 2]}, TypeError,
                     "report must be a mapping (a JSON object), got list; use body= to send "
                     "anything else", id="report-not-mapping"),
        pytest.param({"hang_up_after": 1, "send_rate": (1, 0.0)}, ValueError,
                     "choose one sender fault: hang_up_after or send_rate", id="two-faults"),
        pytest.param({"hang_up_after": -1}, ValueError,
                     "hang_up_after must be a whole number >= 0, got -1", id="hang-up-negative"),
        pytest.param({"send_rate": (0, 0.0)}, ValueError,
                     "send_rate must be (bytes >= 1, seconds >= 0), got (0, 0.0)", id="rate-0"),
        pytest.param({"send_rate": (1, -1)}, ValueError,
                     "send_rate must be (bytes >= 1, seconds >= 0), got (1, -1)",
                     id="rate-negative-pause"),
        pytest.param({"send_rate": (1, float("inf"))}, ValueError,
                     "send_rate must be (bytes >= 1, seconds >= 0), got (1, inf)",
                     id="rate-endless-pause"),
        pytest.param({"headers": {"X-Name": "caf\u20ac"}}, ValueError,
                     "the value of header 'X-Name' has characters HTTP headers cannot carry "
                     "(only Latin-1 is allowed)", id="header-not-latin1"),
        pytest.param({"headers": {1: "x"}}, TypeError, "a header name must be a str, got int",
                     id="header-name-not-str"),
        pytest.param({"headers": {1: None}}, TypeError, "a header name must be a str, got int",
                     id="header-name-not-str-removed"),
    ],
)
def test_deliver_refuses_what_it_cannot_send_saying_why(
    call: dict[str, Any], error: type[Exception], message: str
) -> None:
    sender = FakeSender(_accept, timeout=1)
    with pytest.raises(error) as raised:
        sender.deliver(**call)
    assert str(raised.value) == message


def test_by_default_a_post_with_the_sender_timeout_is_recorded() -> None:
    delivery = FakeSender(_accept, path="/hooks", timeout=1.5).deliver()
    assert delivery.request.method == "POST"
    assert delivery.timeout == 1.5


def test_a_host_header_given_replaces_the_one_from_the_url() -> None:
    seen: list[bytes] = []

    def capture(conn: socket.socket) -> None:
        seen.append(read_request(conn))
        conn.sendall(b"HTTP/1.1 204 No Content\r\n\r\n")

    with listening(capture) as server:
        FakeSender(f"http://127.0.0.1:{server.port}/", timeout=2).deliver(
            headers={"host": "receiver.example"}
        )
    head = seen[0].partition(b"\r\n\r\n")[0].lower()
    assert [line for line in head.split(b"\r\n") if line.startswith(b"host:")] == [
        b"host: receiver.example"
    ]
    assert seen[0].startswith(b"POST / HTTP/1.1\r\n")


def test_a_sender_refuses_a_header_name_that_is_not_text() -> None:
    with pytest.raises(TypeError) as raised:
        FakeSender(_accept, headers={b"X-Name": "x"})  # type: ignore[dict-item]
    assert str(raised.value) == "a header name must be a str, got bytes"


def test_a_certificate_that_does_not_verify_says_why(tmp_path: Path) -> None:
    ca = trustme.CA()
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ca.issue_cert("127.0.0.1").configure_cert(context)
    other = tmp_path / "other-ca.pem"
    trustme.CA().cert_pem.write_to_path(str(other))
    with listening(OK, tls=context) as server:
        delivery = FakeSender(
            f"https://127.0.0.1:{server.port}/", timeout=2, verify=str(other)
        ).deliver()
    assert delivery.outcome is Outcome.CONNECTION_FAILED
    assert delivery.reason == (
        "TLS certificate verification failed: unable to get local issuer certificate"
    )


def test_tls_garbage_after_the_handshake_names_the_phase_it_broke_in(tmp_path: Path) -> None:
    import os

    ca = trustme.CA()
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ca.issue_cert("127.0.0.1").configure_cert(context)
    ca_file = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))

    def garbles(conn: socket.socket) -> None:
        read_request(conn)  # over TLS; then plain bytes where a TLS record should be
        with socket.socket(fileno=os.dup(conn.fileno())) as raw:
            raw.sendall(b"HTTP/1.1 200 OK\r\n\r\n")

    with listening(garbles, tls=context) as server:
        delivery = FakeSender(
            f"https://127.0.0.1:{server.port}/", timeout=2, verify=str(ca_file)
        ).deliver()
    assert delivery.outcome is Outcome.CONNECTION_FAILED, delivery
    assert delivery.reason.startswith("TLS failed during status: "), delivery.reason
    assert "None" not in delivery.reason
    assert "try http://" not in delivery.reason  # the hint is for the handshake only


# -- the request head, byte for byte ------------------------------------------------------


def _captured_head(**deliver: Any) -> list[bytes]:
    seen: list[bytes] = []

    def capture(conn: socket.socket) -> None:
        seen.append(read_request(conn))
        conn.sendall(b"HTTP/1.1 204 No Content\r\n\r\n")

    with listening(capture) as server:
        sender = FakeSender(f"http://127.0.0.1:{server.port}/hooks", auth="Bearer s3cret")
        sender.deliver(body=b'{"id":"x"}', **deliver)
        port = server.port
    return [f"127.0.0.1:{port}".encode(), *seen[0].partition(b"\r\n\r\n")[0].split(b"\r\n")]


def test_the_request_head_is_what_the_platform_sends() -> None:
    from jobhook_testkit.sender import USER_AGENT

    host, *head = _captured_head()
    assert head == [
        b"POST /hooks HTTP/1.1",
        b"Host: " + host,
        b"User-Agent: " + USER_AGENT.encode(),
        b"Content-Type: application/json",
        b"Content-Length: 10",
        b"Connection: close",
        b"Authorization: Bearer s3cret",
    ]


def test_headers_given_replace_the_defaults_whatever_their_case() -> None:
    overrides = {"content-type": "text/plain", "CONNECTION": "keep-alive",
                 "authorization": "Basic eDp5", "user-agent": "probe", "content-length": "10"}
    host, *head = _captured_head(headers=overrides)
    assert head == [  # one of each, in the order given
        b"POST /hooks HTTP/1.1",
        b"Host: " + host,
        b"content-type: text/plain",
        b"CONNECTION: keep-alive",
        b"authorization: Basic eDp5",
        b"user-agent: probe",
        b"content-length: 10",
    ]


def test_an_authorization_with_a_line_break_is_refused_naming_the_header() -> None:
    sender = FakeSender(_accept, timeout=1)
    with pytest.raises(ValueError) as raised:  # noqa: PT011 (the whole message is compared)
        sender.deliver(auth="Bearer a\r\nX-Injected: 1")
    assert str(raised.value) == "the value of header 'Authorization' contains a line break or NUL"


def test_an_in_process_app_is_called_as_localhost() -> None:
    seen: list[str] = []

    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        seen.append(environ.get("HTTP_HOST", ""))
        return _accept(environ, start_response)

    FakeSender(app, path="/hooks", timeout=1).deliver()
    assert seen == ["localhost"]


def test_sender_defaults_and_limits() -> None:
    from jobhook_testkit.sender import MAX_TIMEOUT

    assert FakeSender("http://127.0.0.1:9/").timeout == 5.0
    assert FakeSender("http://127.0.0.1:9/", timeout=MAX_TIMEOUT).timeout == MAX_TIMEOUT
    with pytest.raises(ValueError, match=r"^timeout must be at most 604800 seconds \(a week\)"):
        FakeSender("http://127.0.0.1:9/", timeout=MAX_TIMEOUT + 1)
    with pytest.raises(TypeError) as raised:
        FakeSender(42)  # type: ignore[arg-type]
    assert str(raised.value) == (
        "target must be an http(s) URL or a WSGI or ASGI application, got int"
    )


def test_a_sender_factory_summary_shows_three_by_default_and_one_when_asked() -> None:
    from jobhook_testkit.sender import SenderFactory

    factory = SenderFactory(timeout=2)
    sender = factory(_accept, path="/hooks")
    deliveries = [sender.deliver() for _ in range(4)]
    assert factory.summary() == (
        "4 deliveries in this test, the last 3, oldest first:\n\n"
        + "\n\n".join(str(d) for d in deliveries[1:])
    )
    assert factory.summary(1) == (
        "4 deliveries in this test, the last 1, oldest first:\n\n" + str(deliveries[-1])
    )


# -- closing, reprs and hidden frames after the ASGI and secrets features ----------------


def test_a_sender_to_a_url_can_be_closed_and_used_as_a_context_manager() -> None:
    with listening(OK) as server, FakeSender(
        f"http://127.0.0.1:{server.port}/hooks", timeout=2
    ) as sender:
        delivery = sender.deliver()
    assert delivery.outcome is Outcome.ACKNOWLEDGED, delivery
    sender.close()  # closing again (or a sender with nothing to close) is harmless


@pytest.mark.parametrize(("timeout", "shown"), [(2.5, "2.5"), (5, "5"), (0.25, "0.25")])
def test_a_senders_repr_shows_its_timeout(timeout: float, shown: str) -> None:
    sender = FakeSender("http://127.0.0.1:9/hooks", auth="Bearer s3cret", timeout=timeout)
    assert repr(sender) == (
        f"FakeSender('http://127.0.0.1:9/hooks', auth='Bearer [redacted]', timeout={shown})"
    )


def _shown_frames(excinfo: pytest.ExceptionInfo[BaseException]) -> list[str]:
    # What pytest's report would show; mutmut's trampolines (only under mutation testing)
    # are left out.
    return [entry.frame.code.name for entry in excinfo.traceback.filter(excinfo)
            if "mutmut" not in str(entry.path)]


def test_a_bad_header_given_to_deliver_is_reported_at_the_callers_line_only() -> None:
    sender = FakeSender("http://127.0.0.1:9/hooks", timeout=1)
    with pytest.raises(ValueError, match="line break") as excinfo:
        sender.deliver(body=b"{}", headers={"X-Api-Key": "s3cret-key\nX-Injected: 1"})
    assert _shown_frames(excinfo) == [
        "test_a_bad_header_given_to_deliver_is_reported_at_the_callers_line_only"
    ]


def test_a_bad_credential_given_to_a_sender_factory_is_reported_at_the_callers_line() -> None:
    from jobhook_testkit.sender import SenderFactory

    with pytest.raises(ValueError, match="line break") as excinfo:
        SenderFactory(timeout=1)("http://127.0.0.1:9/hooks", auth="Bearer s3cret\n")
    assert _shown_frames(excinfo) == [
        "test_a_bad_credential_given_to_a_sender_factory_is_reported_at_the_callers_line"
    ]


@pytest.fixture
def no_credentials_yet(monkeypatch: pytest.MonkeyPatch) -> None:
    """The credentials noted for scrubbing start empty: what a test finds there was noted by
    what it did, not by earlier tests of the same process (mutmut forks its runs from one
    that has run them all)."""
    from jobhook_testkit import _redact

    monkeypatch.setattr(_redact, "_REMEMBERED", {})


def test_credentials_in_a_url_are_scrubbed_from_reports_as_the_url_parser_reads_them(
    no_credentials_yet: None,
) -> None:
    """A tab or line break typed into a URL is dropped by URL parsing: the user name and
    password it then holds ("jobhook-user:s3cret-p@ssx") are scrubbed from pytest's
    reports as well as the text as typed (remembered() + scrub_all is what the plugin
    applies to every report)."""
    from jobhook_testkit._redact import remembered, scrub_all

    with pytest.raises(ValueError, match=r"^credentials in the URL are not sent"):
        FakeSender("http://jobhook-user:s3cret-p@ss\tx@127.0.0.1:9/hooks")
    shown = "as read: jobhook-user:s3cret-p@ssx, the password alone: s3cret-p@ssx."
    assert scrub_all(shown, remembered()) == (
        "as read: [redacted], the password alone: [redacted]."
    )


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:9/caf\udcff", "http://127.0.0.1:9/hooks?source=\udcff"]
)
def test_a_url_holding_bytes_that_are_not_utf8_is_refused_saying_what_to_do(url: str) -> None:
    """The byte 0xFF in a command-line argument reaches Python as the surrogate \\udcff."""
    with pytest.raises(ValueError) as raised:  # noqa: PT011 (the whole message is compared)
        FakeSender(url)
    assert str(raised.value) == (
        f"invalid URL {url!r}: it holds bytes that are not UTF-8 text "
        "(percent-encode them: %FF)"
    )


@pytest.mark.parametrize(
    ("url", "hint"),
    [
        ("http://127.0.0.1:9/X/", "http://127.0.0.1:9/X/jobs"),
        ("http://127.0.0.1:9", "http://127.0.0.1:9/jobs"),
    ],
)
def test_a_path_given_with_a_url_is_refused_showing_the_url_to_write(url: str, hint: str) -> None:
    with pytest.raises(ValueError) as raised:  # noqa: PT011 (the whole message is compared)
        FakeSender(url, path="/jobs")
    assert str(raised.value) == (
        f"path='/jobs' is for WSGI targets; with a URL put the path in the URL ({hint})"
    )


def test_a_credential_given_to_one_delivery_is_scrubbed_from_reports(
    no_credentials_yet: None,
) -> None:
    """remembered() + scrub_all is what the plugin applies to every report."""
    from jobhook_testkit._redact import remembered, scrub_all

    sender = FakeSender(_accept, path="/hooks", timeout=1)
    delivery = sender.deliver(auth="Bearer only-this-delivery-7f3a")
    assert delivery.request.headers["Authorization"] == "Bearer only-this-delivery-7f3a"
    shown = "printed: Bearer only-this-delivery-7f3a"
    assert scrub_all(shown, remembered()) == "printed: Bearer [redacted]"


def test_credentials_given_to_a_sender_are_scrubbed_from_reports_before_any_delivery(
    no_credentials_yet: None,
) -> None:
    """remembered() + scrub_all is what the plugin applies to every report."""
    from jobhook_testkit._redact import remembered, scrub_all

    FakeSender("http://127.0.0.1:9/hooks", auth="Bearer made-with-7c2e",
               headers={"X-Api-Key": "api-key-of-7c2e", "X-Trace": "not-a-secret-7c2e"})
    shown = "Bearer made-with-7c2e / api-key-of-7c2e / not-a-secret-7c2e"
    assert scrub_all(shown, remembered()) == (
        "Bearer [redacted] / [redacted] / not-a-secret-7c2e"
    )


def test_a_content_type_with_a_line_break_is_refused_naming_the_header() -> None:
    sender = FakeSender(_accept, timeout=1)
    with pytest.raises(ValueError) as raised:  # noqa: PT011 (the whole message is compared)
        sender.deliver(content_type="application/json\r\nX-Injected: 1")
    assert str(raised.value) == "the value of header 'Content-Type' contains a line break or NUL"
