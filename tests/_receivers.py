"""Receivers for the tests of earned verdicts: background work, gateways, wrong paths;
and a raw TCP listener for the sender's tests of receivers that break HTTP.

Plain WSGI (no framework): each is small enough to read next to the test using it.
"""

from __future__ import annotations

import json
import queue
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, suppress
from typing import Any
from urllib.parse import unquote

StartResponse = Callable[..., Any]
PROBE_PREFIX = "/processed/"
CREATED: list[BackgroundReceiver] = []  # every receiver made, for tests to close


def _answer(start_response: StartResponse, status: str, body: bytes = b"") -> list[bytes]:
    start_response(status, [("Content-Type", "application/json"),
                            ("Content-Length", str(len(body)))])
    return [body]


class BackgroundReceiver:
    """Answers 204 at once and processes reports one after the other in a worker thread.

    ``work``: seconds each processing takes. ``dedupe``: skip a report id already queued
    (processed once), or not (a redelivered report is processed twice). The count is
    answered at ``/processed/<id>`` (GET), as ``{"processed": n}``, or a bare integer
    with ``bare=True``. Call :meth:`close` to stop the worker.
    """

    def __init__(self, work: float, *, dedupe: bool, bare: bool = False,
                 required: tuple[str, str] | None = None) -> None:
        self.work = work
        self.dedupe = dedupe
        self.bare = bare
        self.required = required  # a header the "gateway" wants on every request
        self.counts: dict[str, int] = {}
        self.probe_headers: list[dict[str, str]] = []
        self._seen: set[str] = set()
        self._lock = threading.Lock()
        self._jobs: queue.Queue[str | None] = queue.Queue()
        # A daemon, in case a test dies before close(); CREATED lets tests close them all.
        self._worker = threading.Thread(target=self._process, name="background-receiver",
                                        daemon=True)
        self._worker.start()
        CREATED.append(self)

    def times_processed(self, report_id: str) -> int:
        with self._lock:
            return self.counts.get(report_id, 0)

    def close(self) -> None:
        self._jobs.put(None)
        self._worker.join(10)

    def _process(self) -> None:
        while (report_id := self._jobs.get()) is not None:
            time.sleep(self.work)
            with self._lock:
                self.counts[report_id] = self.counts.get(report_id, 0) + 1

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        if self.required is not None:
            name, value = self.required
            if environ.get("HTTP_" + name.upper().replace("-", "_")) != value:
                return _answer(start_response, "403 Forbidden", b'{"error": "gateway"}')
        path, method = environ.get("PATH_INFO", ""), environ["REQUEST_METHOD"]
        if method == "GET" and path.startswith(PROBE_PREFIX):
            self.probe_headers.append(
                {k: v for k, v in environ.items() if k.startswith("HTTP_")}
            )
            count = self.times_processed(unquote(path[len(PROBE_PREFIX):]))
            shown = count if self.bare else {"processed": count}
            return _answer(start_response, "200 OK", json.dumps(shown).encode())
        if path != "/hooks/jobs":
            return _answer(start_response, "404 Not Found", b'{"error": "no such page"}')
        if method != "POST":
            return _answer(start_response, "405 Method Not Allowed")
        try:
            report = json.loads(body)
            report_id = report["id"]
        except (ValueError, TypeError, KeyError):
            return _answer(start_response, "400 Bad Request")
        if not isinstance(report_id, str):
            return _answer(start_response, "400 Bad Request")
        with self._lock:
            duplicate = report_id in self._seen
            self._seen.add(report_id)
        if not (duplicate and self.dedupe):
            self._jobs.put(report_id)
        return _answer(start_response, "204 No Content")


def answering(status: str, headers: Iterable[tuple[str, str]] = ()) -> Callable[..., Any]:
    """A WSGI app answering every request with ``status``."""

    def app(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        start_response(status, [*headers, ("Content-Length", "0")])
        return [b""]

    return app


def free_port() -> int:
    """A port on 127.0.0.1 that nothing listens on now (bound, then released): one to
    listen on, or one where a connection is refused."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def read_request(conn: socket.socket) -> bytes:
    """Read one whole HTTP request, head and Content-Length body, as it came (what arrived
    when the sender hangs up first): closing a connection with unread bytes sends a reset
    that can overtake the answer."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            return data
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = next((int(line.split(b":", 1)[1]) for line in head.split(b"\r\n")[1:]
                   if line.lower().startswith(b"content-length:")), 0)
    while len(body) < length:
        chunk = conn.recv(65536)
        if not chunk:
            break
        body += chunk
    return head + b"\r\n\r\n" + body


Behaviour = Callable[[socket.socket, threading.Event], None]


class RawListener:
    """A raw TCP (or TLS) listener on 127.0.0.1: ``behaviour(conn, stop)`` runs for each
    connection, one at a time; ``stop`` is set when the test is done with it."""

    def __init__(self, behaviour: Behaviour, *, tls: ssl.SSLContext | None = None,
                 conn_timeout: float = 2.0) -> None:
        self.behaviour, self.tls, self.conn_timeout = behaviour, tls, conn_timeout
        self.connections = 0
        self.stop = threading.Event()
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.sock.settimeout(0.02)
        self.port: int = self.sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self._serve, daemon=True)

    def _serve(self) -> None:
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.connections += 1
            with conn:
                conn.settimeout(self.conn_timeout)
                with suppress(OSError):
                    if self.tls is None:
                        self.behaviour(conn, self.stop)
                        continue
                    with self.tls.wrap_socket(conn, server_side=True) as tls_conn:
                        self.behaviour(tls_conn, self.stop)


@contextmanager
def raw_listener(behaviour: Behaviour, *, tls: ssl.SSLContext | None = None,
                 conn_timeout: float = 2.0) -> Iterator[RawListener]:
    """A started :class:`RawListener`, stopped (and its thread joined) on exit."""
    listener = RawListener(behaviour, tls=tls, conn_timeout=conn_timeout)
    listener.thread.start()
    try:
        yield listener
    finally:
        listener.stop.set()
        listener.thread.join(5)
        listener.sock.close()
        assert not listener.thread.is_alive()
