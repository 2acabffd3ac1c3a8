"""Serve an ASGI application under uvicorn on an ephemeral port, for tests (private).

Used by :func:`jobhook_testkit.server.serve_asgi`, ``live_receiver``, ``ReceiverContract``
and ``jobhook check --app``. It behaves like the WSGI :class:`~jobhook_testkit.server.LiveServer`
(it is one): ``url``, ``errors``, ``start()``/``stop()``, ``raise_errors()``.

Starting and stopping are fast because the server owns its socket and its loop rather
than calling ``uvicorn.Server.run()``: the socket is bound here (so the port is known at
once), the loop runs on a thread of its own (:class:`~jobhook_testkit._asgi_loop.LoopThread`),
and ``stop()`` is the same sequence as uvicorn's shutdown (close the listener, ask
connections to close, let running requests finish, lifespan shutdown) with waits of a few
milliseconds instead of uvicorn's 0.1 s polls of its exit flag. The lifespan is the app's
own (the same driver as in-process), so its failure is one
:class:`~jobhook_testkit._asgi_loop.LifespanError`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import threading
from typing import Any

from jobhook_testkit._asgi_loop import SHUTDOWN_TIMEOUT, STARTUP_TIMEOUT, Lifespan, LoopThread
from jobhook_testkit.server import LiveServer

INSTALL_HINT = (
    "serving an ASGI app needs uvicorn: pip install 'jobhook-testkit[asgi]' (or uvicorn)"
)
THREAD_PREFIX = "jobhook-asgi-server"
GRACE = 0.5  # seconds requests still running at stop() get to finish before cancellation
_POLL = 0.005  # seconds between looks at connections still open during stop()
_TICK = 1.0  # seconds between refreshes of the Date header (uvicorn's on_tick)
SETTLE = 2.0  # seconds raise_errors() waits for answered requests' app calls to return


class _OwnThreadsOnly(logging.Filter):
    """Drops uvicorn's log records emitted by our servers' threads: errors the app raises
    are collected in ``server.errors``; access and start-up lines are noise in a test."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not record.threadName or not record.threadName.startswith(THREAD_PREFIX)


_FILTER = _OwnThreadsOnly()


def _quiet_uvicorn() -> None:
    for name in ("uvicorn.error", "uvicorn.access", "uvicorn.asgi"):
        logger = logging.getLogger(name)
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)


class _Capture:
    """Wraps an ASGI app so exceptions it raises while handling a request are recorded.

    An app may raise after its answer went out (Starlette's error middleware sends the 500,
    then raises): the client, and the test, can be done before the exception is recorded.
    ``answered`` counts such calls, answered but not returned; :meth:`settle` waits them out.
    """

    def __init__(self, app: Any, errors: list[BaseException]) -> None:
        self.app = app
        self.errors = errors
        self.answered = 0
        self._settled = threading.Condition()

    def settle(self, timeout: float) -> None:
        """Wait (up to ``timeout`` s) until every answered request's app call returned."""
        with self._settled:
            self._settled.wait_for(lambda: self.answered == 0, timeout)

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope.get("type") != "http":
            await self.app(scope, receive, send)
            return
        answered = False

        async def sending(message: Any) -> None:
            nonlocal answered
            if (not answered and message.get("type") == "http.response.body"
                    and not message.get("more_body", False)):
                answered = True  # counted before it goes out: the client may be quicker
                with self._settled:
                    self.answered += 1
            await send(message)

        try:
            await self.app(scope, receive, sending)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            self.errors.append(exc)
            raise  # uvicorn answers 500 (or drops the connection mid-body)
        except BaseException as exc:  # SystemExit in a task would end the loop itself
            substitute = RuntimeError(f"the app raised {type(exc).__name__}: {exc}".rstrip(": "))
            self.errors.append(substitute)
            raise substitute from exc
        finally:
            if answered:
                with self._settled:
                    self.answered -= 1
                    self._settled.notify_all()


class AsgiLiveServer(LiveServer):
    """An ASGI app served by uvicorn in a background thread (see the module doc)."""

    def __init__(self, app: Any, *, host: str = "127.0.0.1", port: int = 0) -> None:
        super().__init__(app, host=host, port=port)
        self._loop: LoopThread | None = None
        self._uvicorn: Any = None
        self._lifespan: Lifespan | None = None
        self._capture = _Capture(app, self.errors)

    def raise_errors(self) -> None:
        """As for WSGI, once the requests already answered are done: an exception raised
        after the answer went out belongs to the test that got the answer (see _Capture)."""
        self._capture.settle(SETTLE)
        super().raise_errors()

    @property
    def running(self) -> bool:
        return self._loop is not None

    def start(self) -> AsgiLiveServer:
        """Bind the port, run the app's lifespan startup, start serving; returns self.

        Raises ``ModuleNotFoundError`` (saying what to install) without uvicorn, and
        :class:`~jobhook_testkit._asgi_loop.LifespanError` if the app's startup fails.
        """
        if self._loop is not None:
            raise RuntimeError("the server is already running")
        try:
            import uvicorn
        except ImportError:
            raise ModuleNotFoundError(INSTALL_HINT, name="uvicorn") from None
        _quiet_uvicorn()
        host, port = self._requested
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind((host, port))
        except OSError as exc:
            sock.close()
            raise OSError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
        self.port = sock.getsockname()[1]
        config = uvicorn.Config(
            self._capture, host=host, port=self.port, lifespan="off",
            interface="asgi3", log_config=None, proxy_headers=False, server_header=False,
        )
        server = uvicorn.Server(config)
        loop = LoopThread(f"{THREAD_PREFIX}-{self.port}")
        try:
            self._lifespan = loop.run(_start(server, sock), timeout=STARTUP_TIMEOUT + 5)
        except BaseException:  # nothing listens yet: the socket is still only ours
            sock.close()
            loop.stop(1.0)
            raise
        self._loop, self._uvicorn = loop, server
        return self

    def stop(self) -> None:
        """Stop serving: close the port, let running requests end (up to half a second,
        then cancel them), run the lifespan shutdown. A shutdown failure is added to
        ``errors`` (raised by :meth:`raise_errors` / at the end of ``serve_asgi``)."""
        loop, server, lifespan = self._loop, self._uvicorn, self._lifespan
        self._loop = self._uvicorn = self._lifespan = None
        if loop is None or server is None or lifespan is None:
            return
        try:
            loop.run(_stop(server, lifespan, self.errors), timeout=GRACE + SHUTDOWN_TIMEOUT + 2)
        except TimeoutError:  # the app blocks the loop: close the port as it stops
            loop.call(_close_now, server)
        finally:
            loop.stop(1.0)


async def _start(server: Any, sock: socket.socket) -> Lifespan:
    """On the server's loop: load the config, run the lifespan startup, start listening."""
    config = server.config
    config.load()
    server.lifespan = config.lifespan_class(config)  # "off": ours drives the app's
    lifespan = Lifespan(server.config.app, server.lifespan.state)
    await lifespan.startup()
    await server.on_tick(0)  # the Date header
    await server.startup(sockets=[sock])
    server._jobhook_ticker = asyncio.get_running_loop().create_task(_tick(server))
    return lifespan


async def _tick(server: Any) -> None:
    while True:
        await asyncio.sleep(_TICK)
        await server.on_tick(0)


async def _close_listeners(server: Any) -> None:
    for listener in getattr(server, "servers", []):
        listener.close()


def _close_now(server: Any) -> None:
    for listener in getattr(server, "servers", []):
        listener.close()
    for connection in list(server.server_state.connections):
        transport = getattr(connection, "transport", None)
        if transport is not None:
            transport.close()


async def _stop(server: Any, lifespan: Lifespan, errors: list[BaseException]) -> None:
    """uvicorn's ``Server.shutdown`` without its fixed 0.1 s sleeps."""
    loop = asyncio.get_running_loop()
    server._jobhook_ticker.cancel()
    await _close_listeners(server)
    state = server.server_state
    for connection in list(state.connections):
        connection.shutdown()  # idle keep-alive connections close now, busy ones after
    until = loop.time() + GRACE
    while (state.connections or state.tasks) and loop.time() < until:
        await asyncio.sleep(_POLL)
    for task in list(state.tasks):
        task.cancel()
    _close_now(server)
    for listener in getattr(server, "servers", []):
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(listener.wait_closed(), 1.0)
    try:
        await lifespan.shutdown()
    except Exception as exc:
        errors.append(exc)
