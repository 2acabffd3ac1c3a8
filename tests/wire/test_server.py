"""serve_wsgi: a real threaded server on an ephemeral port that reports the app's errors."""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING

import pytest

from jobhook_testkit.sender import FakeSender
from jobhook_testkit.server import LiveServer, serve_wsgi

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment


def ok(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
    environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
    start_response("204 No Content", [])
    return []


def broken(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
    raise KeyError("definition_name")


def broken_while_streaming(
    environ: WSGIEnvironment, start_response: StartResponse
) -> Iterator[bytes]:
    start_response("200 OK", [("Content-Type", "text/plain")])
    yield b"partial"
    raise RuntimeError("lost the database")


def refused(port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(1)
        return probe.connect_ex(("127.0.0.1", port)) != 0


def test_url_has_scheme_host_and_port_without_trailing_slash() -> None:
    with serve_wsgi(ok) as server:
        assert server.url == f"http://127.0.0.1:{server.port}"
        assert server.host == "127.0.0.1"
        assert server.port > 0
        assert FakeSender(server.url).deliver().status_code == 204


def test_stop_releases_the_port_and_the_thread() -> None:
    with serve_wsgi(ok) as server:
        port = server.port
        assert not refused(port)
    assert refused(port)
    assert not server.running
    assert f"jobhook-server-{port}" not in {thread.name for thread in threading.enumerate()}


def test_serves_concurrent_requests() -> None:
    arrived = threading.Barrier(2, timeout=2)

    def rendezvous(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        arrived.wait()  # only returns if both requests are being handled at once
        start_response("200 OK", [])
        return [b""]

    with serve_wsgi(rendezvous) as server:
        deliveries = FakeSender(server.url, timeout=3).deliver_many([{}, {}], concurrency=2)
    assert [d.status_code for d in deliveries] == [200, 200]


def test_app_exception_is_raised_when_the_block_ends() -> None:
    seen: list[object] = []

    def exercise() -> None:
        with serve_wsgi(broken) as server:
            seen.append(FakeSender(server.url).deliver().status_code)
            seen.append(len(server.errors))

    with pytest.raises(KeyError, match="definition_name"):
        exercise()
    assert seen == [500, 1]  # the client still saw what a server answers


def test_exception_while_streaming_is_captured() -> None:
    with pytest.raises(RuntimeError, match="lost the database"), serve_wsgi(
        broken_while_streaming
    ) as server:
        FakeSender(server.url).deliver()


def test_an_app_that_exits_does_not_vanish_in_the_server_thread() -> None:
    def exits(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        raise SystemExit(3)

    seen: list[object] = []

    def exercise() -> None:
        with serve_wsgi(exits) as server:
            seen.append(FakeSender(server.url, timeout=2).deliver().status_code)

    with pytest.raises(RuntimeError, match="the app raised SystemExit: 3") as caught:
        exercise()
    assert seen == [500]  # answered like any error of the app; the server thread lives on
    assert isinstance(caught.value.__cause__, SystemExit)


def test_raise_errors_raises_once_and_notes_the_others() -> None:
    with serve_wsgi(broken) as server:
        sender = FakeSender(server.url)
        sender.deliver()
        sender.deliver()
        with pytest.raises(KeyError) as caught:
            server.raise_errors()
        assert server.errors == []
        server.raise_errors()  # nothing left: no exception
    assert "1 more error" in "".join(caught.value.__notes__)


def test_cleared_errors_are_not_raised() -> None:
    with serve_wsgi(broken) as server:
        FakeSender(server.url).deliver()
        server.errors.clear()  # provoked on purpose


def test_an_exception_of_the_block_is_not_masked_by_app_errors() -> None:
    def exercise() -> None:
        with serve_wsgi(broken) as server:
            FakeSender(server.url).deliver()
            raise AssertionError("the test's own failure")

    with pytest.raises(AssertionError, match="the test's own"):
        exercise()


def test_port_in_use_is_an_os_error_not_an_exit() -> None:
    with serve_wsgi(ok) as server, pytest.raises(OSError, match="cannot listen"):
        LiveServer(ok, port=server.port).start()


def test_start_twice_is_refused() -> None:
    server = LiveServer(ok).start()
    try:
        with pytest.raises(RuntimeError, match="already running"):
            server.start()
    finally:
        server.stop()
    server.stop()  # stopping a stopped server is harmless


def test_a_failing_block_is_told_about_the_app_errors() -> None:
    def exercise() -> None:
        with serve_wsgi(broken) as server:
            assert FakeSender(server.url).deliver().acknowledged

    with pytest.raises(AssertionError) as caught:
        exercise()
    assert "the served app raised 1 exception(s), the first: KeyError" in "".join(
        caught.value.__notes__
    )


@pytest.mark.parametrize("stall", [b"", b"POST / HTTP/1.1\r\nHost: x\r\nContent-Le"])
def test_an_idle_timeout_closes_connections_that_send_nothing(stall: bytes) -> None:
    answered: list[bool] = []

    def app(environ: object, start_response: Callable[..., object]) -> list[bytes]:
        answered.append(True)
        start_response("204 No Content", [])
        return []

    with serve_wsgi(app, idle_timeout=0.2) as server:  # type: ignore[arg-type]
        with socket.create_connection((server.host, server.port), timeout=5) as conn:
            conn.sendall(stall)
            assert conn.recv(1024) == b""  # closed by the server, long before our 5 s
        # and the server still serves everyone else
        assert FakeSender(server.url, timeout=5).deliver({"id": "x"}).status_code == 204
    assert answered == [True]


def test_without_an_idle_timeout_a_quiet_connection_stays_open() -> None:
    def app(environ: object, start_response: Callable[..., object]) -> list[bytes]:
        start_response("204 No Content", [])
        return []

    with (
        serve_wsgi(app) as server,  # type: ignore[arg-type]
        socket.create_connection((server.host, server.port), timeout=0.5) as conn,
        pytest.raises(TimeoutError),
    ):
        conn.recv(1024)
