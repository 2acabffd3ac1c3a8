"""The sender against receivers that misbehave on purpose, over real sockets on 127.0.0.1.

Each hostile receiver is a few lines of raw socket code on an ephemeral port, run in a
thread that stops when the test ends. The elapsed-time checks are not benchmarks: each
receiver would hold a naive client for far longer (seconds to forever) than the margin.
"""

from __future__ import annotations

import re
import socket
import struct
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager
from typing import Any

import pytest
from _receivers import Behaviour, RawListener, raw_listener, read_request

from jobhook_testkit.delivery import Outcome
from jobhook_testkit.sender import FakeSender

TIMEOUT = 0.3
# A receiver that defeats the deadline would hold the sender for seconds, not this long.
MARGIN = 0.5


def hostile(behaviour: Behaviour) -> AbstractContextManager[RawListener]:
    """A raw TCP receiver: ``behaviour(conn, stop)`` runs for each connection."""
    return raw_listener(behaviour)


def answer(status: bytes, body: bytes = b"", extra: bytes = b"") -> Behaviour:
    def behaviour(conn: socket.socket, stop: threading.Event) -> None:
        read_request(conn)
        conn.sendall(
            b"HTTP/1.1 " + status + b"\r\nContent-Length: " + str(len(body)).encode()
            + b"\r\n" + extra + b"Connection: close\r\n\r\n" + body
        )

    return behaviour


def silent(conn: socket.socket, stop: threading.Event) -> None:
    read_request(conn)
    stop.wait(10)


def status_then_stall(conn: socket.socket, stop: threading.Event) -> None:
    read_request(conn)
    conn.sendall(b"HTTP/1.1 200 OK\r\n")
    stop.wait(10)


def trickle_body(conn: socket.socket, stop: threading.Event) -> None:
    read_request(conn)
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n")
    while not stop.wait(0.05):
        conn.sendall(b"x")


def trickle_headers(conn: socket.socket, stop: threading.Event) -> None:
    read_request(conn)
    conn.sendall(b"HTTP/1.1 200 OK\r\n")
    for byte in b"X-Slow: " + b"y" * 1000:
        if stop.wait(0.02):
            return
        conn.sendall(bytes([byte]))


def trickle_status_line(conn: socket.socket, stop: threading.Event) -> None:
    read_request(conn)
    for byte in b"HTTP/1.1 200 OK\r\n":
        if stop.wait(0.1):
            return
        conn.sendall(bytes([byte]))


def half_a_status_line_then_close(conn: socket.socket, stop: threading.Event) -> None:
    read_request(conn)
    conn.sendall(b"HTTP/1.1 2")


def reset(conn: socket.socket, stop: threading.Event) -> None:
    read_request(conn)
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))


def close_without_answer(conn: socket.socket, stop: threading.Event) -> None:
    read_request(conn)


def garbage(conn: socket.socket, stop: threading.Event) -> None:
    read_request(conn)
    conn.sendall(b"SSH-2.0-OpenSSH_9.6\r\n\r\n")


def huge_body(status: bytes, *, chunked: bool) -> Behaviour:
    def behaviour(conn: socket.socket, stop: threading.Event) -> None:
        read_request(conn)
        size = 10 * 1024 * 1024
        framing = b"Transfer-Encoding: chunked" if chunked else b"Content-Length: %d" % size
        conn.sendall(b"HTTP/1.1 " + status + b"\r\n" + framing + b"\r\n\r\n")
        block = b"z" * 65536
        if chunked:
            block = b"%x\r\n" % len(block) + block + b"\r\n"
        for _ in range(size // 65536):  # stops with an OSError once the sender hangs up
            if stop.is_set():
                return
            conn.sendall(block)

    return behaviour


def sender(url: str, **options: Any) -> FakeSender:
    return FakeSender(url + "/hooks/jobs", auth="Bearer s3cret", timeout=TIMEOUT, **options)


@pytest.mark.parametrize(
    ("behaviour", "phase_words"),
    [
        pytest.param(silent, "no answer within", id="never-answers"),
        pytest.param(status_then_stall, "headers did not finish", id="status-line-then-stall"),
        pytest.param(trickle_headers, "headers did not finish", id="trickles-headers"),
        pytest.param(trickle_status_line, "only part of the status line arrived (",
                     id="trickles-the-status-line"),
    ],
)
def test_receiver_that_stalls_before_the_headers_is_timed_out_on_time(
    behaviour: Behaviour, phase_words: str
) -> None:
    with hostile(behaviour) as server:
        delivery = sender(server.url).deliver()
    assert delivery.outcome is Outcome.TIMED_OUT
    assert phase_words in delivery.reason
    assert TIMEOUT <= delivery.elapsed < TIMEOUT + MARGIN
    assert "hung up" in str(delivery)


def test_a_half_status_line_then_a_close_says_what_arrived() -> None:
    with hostile(half_a_status_line_then_close) as server:
        delivery = sender(server.url).deliver()
    assert delivery.outcome is Outcome.CONNECTION_FAILED
    assert delivery.reason == (
        "the receiver closed the connection before its answer was complete: only part of "
        "the status line arrived (10 bytes: 'HTTP/1.1 2')"
    )


def _answer_then_close(data: bytes) -> Behaviour:
    def behaviour(conn: socket.socket, stop: threading.Event) -> None:
        read_request(conn)
        conn.sendall(data)

    return behaviour


@pytest.mark.parametrize(
    ("sent", "told"),
    [
        (b"HTTP/1.1 200 " + b"O" * 27, "40 bytes: 'HTTP/1.1 200 " + "O" * 27 + "')"),
        (b"HTTP/1.1 200 " + b"O" * 28, "41 bytes: 'HTTP/1.1 200 " + "O" * 27 + "'...)"),
        (b"HTTP/1.1 200 OK\r\nContent-Type: text/pl",
         "the status line arrived but the headers did not finish"),
    ],
    ids=["forty-bytes-whole", "forty-one-cut", "headers-cut"],
)
def test_an_answer_cut_short_by_a_close_shows_at_most_forty_bytes(sent: bytes, told: str) -> None:
    with hostile(_answer_then_close(sent)) as server:
        delivery = sender(server.url).deliver()
    assert delivery.outcome is Outcome.CONNECTION_FAILED
    prefix = "the receiver closed the connection before its answer was complete: "
    if told.startswith("the status line"):
        assert delivery.reason == prefix + told
    else:
        assert delivery.reason == prefix + "only part of the status line arrived (" + told


def test_a_name_lookup_that_never_ends_does_not_keep_the_process_alive() -> None:
    """The lookup runs on a thread of its own (getaddrinfo has no timeout): once the
    deadline has passed, the sender gives up and the process can still exit."""
    script = (
        "import socket, time\n"
        "socket.getaddrinfo = lambda *a, **k: time.sleep(30)\n"
        "from jobhook_testkit import FakeSender\n"
        "d = FakeSender('http://hooks.invalid/', timeout=0.2).deliver()\n"
        "print(d.outcome.value)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=10)
    assert (done.returncode, done.stdout.strip()) == (0, "timed_out"), done.stderr


def test_a_lookup_left_running_at_the_deadline_is_on_a_daemon_thread(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """In-process twin of the test above (mutation testing selects tests by what they run
    in-process): the unfinished lookup is left to a daemon thread."""
    release = threading.Event()

    def never(*args: object, **kwargs: object) -> list[Any]:
        release.wait(10)
        raise socket.gaierror("released by the test")

    monkeypatch.setattr(socket, "getaddrinfo", never)
    before = set(threading.enumerate())
    try:
        delivery = FakeSender("http://hooks.invalid/", timeout=0.1).deliver()
        assert delivery.outcome is Outcome.TIMED_OUT
        (lookup,) = [t for t in set(threading.enumerate()) - before
                     if t.name == "jobhook-resolve"]
        assert lookup.daemon
    finally:
        release.set()
    lookup.join(5)


def test_trickling_body_cannot_extend_the_deadline() -> None:
    with hostile(trickle_body) as server:
        delivery = sender(server.url).deliver()
    assert delivery.outcome is Outcome.TIMED_OUT
    assert delivery.status_code == 200  # it started answering, and never finished
    assert "body was still arriving" in delivery.reason
    assert 0 < len(delivery.body_excerpt) < 1000
    assert TIMEOUT <= delivery.elapsed < TIMEOUT + MARGIN


def test_reset_connection_is_a_connection_failure() -> None:
    with hostile(reset) as server:
        delivery = sender(server.url).deliver()
    assert delivery.outcome is Outcome.CONNECTION_FAILED
    assert delivery.status_code is None
    assert "reset" in delivery.reason


def test_closed_without_answer_is_a_connection_failure() -> None:
    with hostile(close_without_answer) as server:
        delivery = sender(server.url).deliver()
    assert delivery.outcome is Outcome.CONNECTION_FAILED
    assert "closed the connection without answering" in delivery.reason


def test_an_answer_that_is_not_http_is_a_connection_failure() -> None:
    with hostile(garbage) as server:
        delivery = sender(server.url).deliver()
    assert delivery.outcome is Outcome.CONNECTION_FAILED
    assert "not valid HTTP" in delivery.reason
    assert "SSH-2.0" in delivery.reason


def test_redirect_is_rejected_and_not_followed() -> None:
    behaviour = answer(b"302 Found", extra=b"Location: /elsewhere\r\n")
    with hostile(behaviour) as server:
        delivery = sender(server.url).deliver()
    assert delivery.outcome is Outcome.REJECTED
    assert delivery.status_code == 302
    assert "/elsewhere" in delivery.reason
    assert "not followed" in delivery.reason
    assert server.connections == 1


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_huge_2xx_body_is_read_up_to_the_cap_and_still_acknowledged(chunked: bool) -> None:
    with hostile(huge_body(b"200 OK", chunked=chunked)) as server:
        delivery = sender(server.url, max_body=4096).deliver()
    assert delivery.outcome is Outcome.ACKNOWLEDGED
    assert delivery.body_excerpt == b"z" * 4096
    assert delivery.elapsed < TIMEOUT


def test_huge_error_body_is_rejected_with_a_capped_excerpt() -> None:
    with hostile(huge_body(b"503 Service Unavailable", chunked=False)) as server:
        delivery = sender(server.url, max_body=100).deliver()
    assert delivery.outcome is Outcome.REJECTED
    assert delivery.status_code == 503
    assert len(delivery.body_excerpt) == 100


def test_closed_port_is_a_connection_failure() -> None:
    with socket.create_server(("127.0.0.1", 0)) as probe:
        port = probe.getsockname()[1]
    delivery = sender(f"http://127.0.0.1:{port}").deliver()
    assert delivery.outcome is Outcome.CONNECTION_FAILED
    assert "refused" in delivery.reason.lower()
    assert "Bearer [redacted]" in str(delivery)
    assert "s3cret" not in str(delivery)


def test_interim_100_continue_is_skipped() -> None:
    def behaviour(conn: socket.socket, stop: threading.Event) -> None:
        read_request(conn)
        conn.sendall(b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n")

    with hostile(behaviour) as server:
        delivery = sender(server.url).deliver()
    assert delivery.outcome is Outcome.ACKNOWLEDGED
    assert delivery.status_code == 204
    assert delivery.status_text == "No Content"


def test_body_cut_short_by_the_receiver_is_a_connection_failure() -> None:
    def behaviour(conn: socket.socket, stop: threading.Event) -> None:
        read_request(conn)
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\nonly this")

    with hostile(behaviour) as server:
        delivery = sender(server.url).deliver()
    assert delivery.outcome is Outcome.CONNECTION_FAILED
    assert delivery.status_code == 200
    assert delivery.body_excerpt == b"only this"
    assert "middle of the body" in delivery.reason


def test_body_until_close_is_read_when_there_is_no_length() -> None:
    def behaviour(conn: socket.socket, stop: threading.Event) -> None:
        read_request(conn)
        conn.sendall(b"HTTP/1.0 202 Accepted\r\n\r\nqueued")

    with hostile(behaviour) as server:
        delivery = sender(server.url).deliver()
    assert delivery.acknowledged
    assert delivery.body_excerpt == b"queued"


def test_receiver_that_never_reads_the_body_cannot_hold_the_sender() -> None:
    def behaviour(conn: socket.socket, stop: threading.Event) -> None:
        conn.recv(100)  # then stops reading: the sender's writes block once buffers fill
        stop.wait(10)

    with hostile(behaviour) as server:
        delivery = sender(server.url).deliver(body=b"{" + b" " * (16 * 1024 * 1024) + b"}")
    assert delivery.outcome is Outcome.TIMED_OUT
    assert "did not take the whole request" in delivery.reason
    assert TIMEOUT <= delivery.elapsed < TIMEOUT + MARGIN
    # The count is what the socket took (its buffers hold some), not 0 until all is sent.
    sent = re.search(r"\((\d+) of (\d+) body bytes sent\)", delivery.reason)
    assert sent is not None, delivery.reason
    assert 0 < int(sent[1]) < int(sent[2])


def test_https_receiver_that_never_completes_the_handshake_is_timed_out() -> None:
    def mute(conn: socket.socket, stop: threading.Event) -> None:
        stop.wait(10)  # takes the TCP connection, never says a TLS word

    with hostile(mute) as server:
        url = server.url.replace("http://", "https://")
        delivery = FakeSender(url, timeout=TIMEOUT, verify=False).deliver()
    assert delivery.outcome is Outcome.TIMED_OUT
    assert "TLS handshake did not finish" in delivery.reason
    assert TIMEOUT <= delivery.elapsed < TIMEOUT + MARGIN


def test_repeated_and_folded_headers_are_read() -> None:
    behaviour = answer(
        b"200 OK", extra=b"X-Seen: a\r\nX-Seen: b\r\nX-Long: first\r\n  second\r\n"
    )
    with hostile(behaviour) as server:
        delivery = sender(server.url).deliver()
    assert delivery.acknowledged, delivery
    assert delivery.response_headers["X-Seen"] == "a, b"
    assert delivery.response_headers["X-Long"] == "first second"


def test_headers_that_never_end_are_refused() -> None:
    def endless(conn: socket.socket, stop: threading.Event) -> None:
        read_request(conn)
        conn.sendall(b"HTTP/1.1 200 OK\r\n")
        for n in range(10_000):
            if stop.is_set():
                return
            conn.sendall(b"X-Filler-%d: %s\r\n" % (n, b"f" * 100))

    with hostile(endless) as server:
        delivery = sender(server.url).deliver()
    assert delivery.outcome is Outcome.CONNECTION_FAILED
    assert "no end of headers" in delivery.reason


def test_endless_interim_answers_are_timed_out_on_time() -> None:
    def continues(conn: socket.socket, stop: threading.Event) -> None:
        read_request(conn)
        while not stop.wait(0.02):
            conn.sendall(b"HTTP/1.1 100 Continue\r\n\r\n")

    with hostile(continues) as server:
        delivery = sender(server.url).deliver()
    assert delivery.outcome is Outcome.TIMED_OUT
    assert delivery.status_code is None
    assert "only interim 1xx answers" in delivery.reason
    assert TIMEOUT <= delivery.elapsed < TIMEOUT + MARGIN


@pytest.fixture
def slow_resolver(monkeypatch: pytest.MonkeyPatch) -> Iterator[threading.Event]:
    """getaddrinfo for names under .test blocks (like a DNS server that never answers)
    until the returned event is set (at teardown at the latest)."""
    release = threading.Event()
    real = socket.getaddrinfo

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        if isinstance(host, str) and host.endswith(".test"):
            release.wait(10)
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    yield release
    release.set()


def test_name_resolution_is_bounded_by_the_deadline(slow_resolver: threading.Event) -> None:
    delivery = sender("http://receiver.test:8080").deliver()
    assert delivery.outcome is Outcome.TIMED_OUT
    assert "host name was not resolved within 0.3 s" in delivery.reason
    assert TIMEOUT <= delivery.elapsed < TIMEOUT + MARGIN


def test_unknown_host_is_a_connection_failure_naming_it(slow_resolver: threading.Event) -> None:
    slow_resolver.set()
    delivery = sender("http://receiver.test:8080").deliver()
    assert delivery.outcome is Outcome.CONNECTION_FAILED
    assert delivery.reason == "cannot resolve 'receiver.test': Name or service not known"


def test_a_name_the_resolver_cannot_encode_is_a_connection_failure(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        raise UnicodeError("encoding with 'idna' codec failed (UnicodeError: label too long)")

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    delivery = sender("http://receiver.test:8080").deliver()  # deliver() never raises
    assert delivery.outcome is Outcome.CONNECTION_FAILED
    assert delivery.reason.startswith("cannot resolve 'receiver.test': encoding with 'idna'")


def test_an_ip_literal_that_cannot_be_used_is_told_the_same_way() -> None:
    delivery = sender("http://[fe80::1%25no-such-interface]:8080").deliver()
    assert delivery.outcome is Outcome.CONNECTION_FAILED
    assert delivery.reason.startswith("cannot resolve 'fe80::1%25no-such-interface': ")


def test_answer_before_the_body_is_read_is_what_counts() -> None:
    def early_401(conn: socket.socket, stop: threading.Event) -> None:
        head = b""
        while b"\r\n\r\n" not in head:
            head += conn.recv(1)
        conn.sendall(b"HTTP/1.1 401 Unauthorized\r\nContent-Length: 4\r\n\r\nnope")
        # closing with the body unread resets the connection under the sender's writes

    with hostile(early_401) as server:
        delivery = sender(server.url).deliver(body=b"{" + b" " * (8 * 1024 * 1024) + b"}")
    assert delivery.outcome is Outcome.REJECTED, delivery
    assert delivery.status_code == 401
    assert delivery.body_excerpt == b"nope"


@pytest.mark.parametrize(
    ("reason", "reached"),
    [
        ("Connection refused (connecting)", False),
        ("cannot resolve 'receiver.test': Name or service not known", False),
        ("the host name was not resolved within 0.3 s", False),
        ("no connection within 0.3 s", False),
        ("TLS certificate verification failed: certificate has expired", False),
        ("TLS failed during the handshake: wrong version number", False),
        ("the TLS handshake did not finish within 0.3 s", False),
        ("the receiver closed the connection without answering", True),
        ("no answer within 0.3 s (the whole request was sent)", True),
        ("TLS failed during status: bad record mac", True),
        ("Connection reset by peer (send)", True),
    ],
)
def test_never_reached_tells_unreachable_from_unanswered(reason: str, reached: bool) -> None:
    from jobhook_testkit._wire import never_reached

    assert never_reached(reason) is not reached
