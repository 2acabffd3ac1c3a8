"""Serve any WSGI or ASGI application on an ephemeral port, in a background thread, for tests.

    with serve_wsgi(app) as server:          # Flask, Django, any WSGI app
        FakeSender(server.url + "/hooks/jobs").deliver(report)
    with serve_asgi(app) as server:          # FastAPI, Starlette, Django's ASGI handler
        FakeSender(server.url + "/hooks/jobs").deliver(report)

ASGI apps are served by uvicorn (see :mod:`jobhook_testkit._asgi_server`); the rest of
this docstring is about the WSGI server.

Werkzeug's threaded development server does the serving (concurrent requests are
handled). Two things differ from using it directly:

* stopping takes milliseconds, not the half second Werkzeug's default poll interval costs;
* an exception raised inside the app is kept in ``server.errors`` and raised again when the
  ``with`` block ends (or by ``server.raise_errors()``), so it reaches the test instead of
  vanishing in the server thread. The client still gets the 500 answer a real server
  gives. A test that provokes errors on purpose clears ``server.errors`` itself.
"""

from __future__ import annotations

import ssl
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment
    from werkzeug.serving import BaseWSGIServer

from jobhook_testkit._app_loader import LifespanError

__all__ = ["LifespanError", "LiveServer", "serve_asgi", "serve_wsgi"]

POLL_INTERVAL = 0.005  # seconds; the longest a stop waits for the serving loop to notice


class _Capture:
    """Wraps an app so exceptions it raises (while called or iterated) are recorded."""

    def __init__(self, app: WSGIApplication, errors: list[BaseException]) -> None:
        self.app = app
        self.errors = errors

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        try:
            result = self.app(environ, start_response)
        except BaseException as exc:
            substitute = self._record(exc)
            if substitute is exc:
                raise
            raise substitute from exc
        return self._iterate(result)

    def _iterate(self, result: Iterable[bytes]) -> Iterator[bytes]:
        try:
            yield from result
        except GeneratorExit:
            raise  # the server closed the iterable early: not an error of the app
        except BaseException as exc:
            substitute = self._record(exc)
            if substitute is exc:
                raise
            raise substitute from exc
        finally:
            close = getattr(result, "close", None)
            if close is not None:
                close()

    def _record(self, exc: BaseException) -> BaseException:
        """Keep ``exc``; return what to raise to the server in its place."""
        if not isinstance(exc, Exception):
            # SystemExit or KeyboardInterrupt from the app would silently end the server
            # thread (and raised again in a test, end the test run): answered as a 500,
            # like any other error of the app, and kept as a RuntimeError.
            exc = RuntimeError(f"the app raised {type(exc).__name__}: {exc}".rstrip(": "))
        self.errors.append(exc)
        return exc


class LiveServer:
    """A running server: ``url`` is ``scheme://host:port`` (no trailing slash).

    ``errors`` lists the exceptions the app raised, oldest first. ``start()`` and
    ``stop()`` are for long-lived servers (the ``live_receiver`` fixture); tests normally
    use :func:`serve_wsgi`.
    """

    def __init__(
        self,
        app: WSGIApplication,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        ssl_context: ssl.SSLContext | None = None,
        idle_timeout: float | None = None,
    ) -> None:
        self.app = app
        self.errors: list[BaseException] = []
        self._requested = (host, port)
        self._ssl_context = ssl_context
        # Longest a connection may send or take nothing before it is closed (None: no
        # limit, as for a test's own server). A slow-loris client then costs one thread
        # for this long, not for ever.
        self._idle_timeout = idle_timeout
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None
        self.host = host
        self.port = port

    @property
    def url(self) -> str:
        scheme = "https" if self._ssl_context is not None else "http"
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{scheme}://{host}:{self.port}"

    @property
    def running(self) -> bool:
        return self._thread is not None

    def start(self) -> LiveServer:
        """Bind the port and start serving in a daemon thread; returns self."""
        if self._thread is not None:
            raise RuntimeError("the server is already running")
        server = _make_server(
            _Capture(self.app, self.errors), *self._requested, self._ssl_context,
            self._idle_timeout,
        )
        self._server = server
        self.port = server.server_address[1]
        self._thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": POLL_INTERVAL},
            name=f"jobhook-server-{self.port}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close the listening socket (within a few milliseconds).

        Requests still being handled finish on their own threads; errors they raise are
        still recorded in ``errors``.
        """
        server, thread = self._server, self._thread
        self._server = self._thread = None
        if server is None or thread is None:
            return
        server.shutdown()
        thread.join()
        server.server_close()

    def raise_errors(self) -> None:
        """Raise the first exception the app raised (and forget them all); else nothing."""
        if not self.errors:
            return
        errors = list(self.errors)
        self.errors.clear()
        first = errors[0]
        if len(errors) > 1:
            others = ", ".join(f"{type(e).__name__}: {e}" for e in errors[1:4])
            first.add_note(f"the app raised {len(errors) - 1} more error(s): {others}")
        raise first

    def __repr__(self) -> str:
        state = "running" if self.running else "stopped"
        return f"<LiveServer {self.url} {state}, {len(self.errors)} error(s)>"


# In the environ of every request served here: False when the client hung up before the
# blank line that ends the headers (the request only looks whole).
HEADERS_COMPLETE = "jobhook.headers_complete"


class _HeaderWatch:
    """Reads header lines for http.server, noting whether they ended before EOF did."""

    def __init__(self, rfile: Any) -> None:
        self._rfile = rfile
        self.ended = True

    def readline(self, limit: int = -1) -> bytes:
        line: bytes = self._rfile.readline(limit)
        self.ended = line.endswith(b"\n")
        return line

    def __getattr__(self, name: str) -> Any:
        return getattr(self._rfile, name)


def _make_server(
    app: WSGIApplication,
    host: str,
    port: int,
    ssl_context: ssl.SSLContext | None,
    idle_timeout: float | None = None,
) -> BaseWSGIServer:
    from werkzeug.serving import ThreadedWSGIServer, WSGIRequestHandler

    class QuietHandler(WSGIRequestHandler):
        protocol_version = "HTTP/1.1"
        timeout = idle_timeout  # applied to the connection by StreamRequestHandler.setup
        headers_ended = True

        def parse_request(self) -> bool:
            # http.server ends the headers at a blank line or at EOF alike, so a client
            # that hangs up mid-headers looks like a whole request with no body. Watch
            # the header lines go by, and tell the app (HEADERS_COMPLETE in its environ).
            rfile, self.rfile = self.rfile, _HeaderWatch(self.rfile)  # type: ignore[assignment]
            try:
                return super().parse_request()
            finally:
                watch, self.rfile = self.rfile, rfile
                self.headers_ended = getattr(watch, "ended", True)

        def make_environ(self) -> WSGIEnvironment:
            environ = super().make_environ()
            environ[HEADERS_COMPLETE] = self.headers_ended
            return environ

        def log(self, type: str, message: str, *args: Any) -> None:
            """Silent: errors are collected from the app itself, access logs are noise."""

    class QuietServer(ThreadedWSGIServer):
        daemon_threads = True

        def log(self, type: str, message: str, *args: Any) -> None:
            """Silent, as above."""

    try:
        server = QuietServer(host, port, app, QuietHandler, False, ssl_context)
    except SystemExit:  # Werkzeug exits the process when it cannot bind
        raise OSError(f"cannot listen on {host}:{port}") from None
    if isinstance(server.socket, ssl.SSLSocket) and hasattr(
        server.socket, "do_handshake_on_connect"
    ):
        # Werkzeug's listening socket does the TLS handshake inside accept(), on the one
        # serving thread: a client that connects and stays silent would block every other
        # client and stop() itself. Without it, each connection's thread does its own
        # handshake (OpenSSL runs it on the first read).
        server.socket.do_handshake_on_connect = False
    return server


@contextmanager
def serve_wsgi(
    app: WSGIApplication,
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    ssl_context: ssl.SSLContext | None = None,
    idle_timeout: float | None = None,
) -> Iterator[LiveServer]:
    """Serve ``app`` for the duration of the ``with`` block; yields a :class:`LiveServer`.

    Port 0 (the default) picks a free port. Pass an ``ssl.SSLContext`` (server side) to
    serve https; ``idle_timeout`` closes connections that send nothing for that many
    seconds (default: no limit). On exit the server stops, then the first exception the
    app raised, if any, is raised (unless the block itself is raising).
    """
    server = LiveServer(
        app, host=host, port=port, ssl_context=ssl_context, idle_timeout=idle_timeout
    ).start()
    yield from _serving(server)


def _serving(server: LiveServer) -> Iterator[LiveServer]:
    """Yield the started ``server``; stop it after, then raise what the app raised."""
    try:
        yield server
    except BaseException as exc:
        server.stop()
        if server.errors:  # often the cause of the block's failure: say so
            first = server.errors[0]
            exc.add_note(
                f"the served app raised {len(server.errors)} exception(s), the first: "
                f"{type(first).__name__}: {first} (see server.errors)"
            )
        raise
    server.stop()
    server.raise_errors()


@contextmanager
def serve_asgi(app: Any, *, host: str = "127.0.0.1", port: int = 0) -> Iterator[LiveServer]:
    """Serve an ASGI app (FastAPI, Starlette, Django's ASGI handler...) under uvicorn for
    the duration of the ``with`` block; yields a :class:`LiveServer`.

    Port 0 (the default) picks a free port. The app's lifespan startup runs before the
    block (a failure is one ``LifespanError``) and its shutdown after it. On exit the
    first exception the app raised, if any, is raised, as with :func:`serve_wsgi`.
    Needs uvicorn (``pip install 'jobhook-testkit[asgi]'``); without it, a
    ``ModuleNotFoundError`` says so.
    """
    from jobhook_testkit._asgi_server import AsgiLiveServer

    yield from _serving(AsgiLiveServer(app, host=host, port=port).start())
