"""Deliver to an ASGI application in-process: an HTTP scope, ``receive`` and ``send`` (private).

The app runs on a dedicated event loop thread of the sender (never the caller's loop),
started on the first delivery, after the app's lifespan startup; ``close()`` cancels what
still runs, runs the lifespan shutdown and ends the thread. The sender waits for an answer
only until the deadline, whatever the app does -- awaits forever, or blocks its loop with
``time.sleep``; then the app's ``receive()`` says ``http.disconnect``, as a server's does
when the client hung up, and its later ``send()`` calls go nowhere. The request's task
runs on, as WSGI apps' threads do (see :mod:`jobhook_testkit._inprocess`).

Sender-side faults: ``hang_up_after`` gives the app the first bytes with ``more_body``
then ``http.disconnect``; ``send_rate`` hands the body over in chunks with pauses.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import traceback
import weakref
from http import HTTPStatus
from typing import Any
from urllib.parse import unquote

from jobhook_testkit._asgi_loop import SHUTDOWN_TIMEOUT, STARTUP_TIMEOUT, Lifespan, LoopThread
from jobhook_testkit._inprocess import _Run, conclude
from jobhook_testkit._transport import Exchange, Request, remaining
from jobhook_testkit.delivery import Outcome

_CLOSE_WAIT = 1.0  # seconds close() waits for a loop still blocked by the app
_SCOPE_ASGI = {"version": "3.0", "spec_version": "2.3"}


def _phrase(code: int) -> str:
    try:
        return HTTPStatus(code).phrase
    except ValueError:
        return ""


class _Call:
    """One request on the app's loop: its ``receive``/``send``, and what was seen.

    Touched by the loop thread only, except ``run`` (under its lock) and ``hang_up``,
    which the sender's thread schedules on the loop at the deadline.
    """

    def __init__(self, request: Request, run: _Run, deadline: float, max_body: int) -> None:
        self.request = request
        self.run = run
        self.deadline = deadline
        self.max_body = max_body
        self.gone = asyncio.Event()  # the connection is over: receive() says disconnect
        self.started = False  # the app's coroutine ran at all
        self.response_started = False
        self.response_complete = False
        self.expired = False  # the deadline cut a slowly sent body
        self.finished = request.send_rate is None  # the whole body was handed over
        self._offset = 0
        self._calls = 0

    def hang_up(self) -> None:
        self.gone.set()

    async def receive(self) -> dict[str, Any]:
        request = self.request
        if self.gone.is_set():
            return {"type": "http.disconnect"}
        self._calls += 1
        if request.hang_up_after is not None:
            if self._calls == 1:
                cut = max(0, min(request.hang_up_after, len(request.body)))
                return {"type": "http.request", "body": request.body[:cut], "more_body": True}
            self.gone.set()
            return {"type": "http.disconnect"}
        if request.send_rate is not None and not self.finished:
            return await self._slow_chunk(*request.send_rate)
        if self._calls == 1:
            return {"type": "http.request", "body": request.body, "more_body": False}
        await self.gone.wait()  # the body is all read: nothing more until the end
        return {"type": "http.disconnect"}

    async def _slow_chunk(self, size: int, pause: float) -> dict[str, Any]:
        if self._offset:
            left = remaining(self.deadline)
            if left <= pause:
                await asyncio.sleep(max(0.0, left))
                self.expired = True
                self.gone.set()
                return {"type": "http.disconnect"}
            await asyncio.sleep(pause)
        chunk = self.request.body[self._offset: self._offset + max(1, size)]
        self._offset += len(chunk)
        self.finished = self._offset >= len(self.request.body)
        return {"type": "http.request", "body": chunk, "more_body": not self.finished}

    async def send(self, message: dict[str, Any]) -> None:
        kind = message.get("type")
        if kind == "http.response.start":
            if self.response_started:
                raise RuntimeError("http.response.start sent twice")
            self.response_started = True
            if self.gone.is_set():
                return
            code = int(message["status"])
            headers = {
                bytes(k).decode("latin-1"): bytes(v).decode("latin-1")
                for k, v in message.get("headers", ())
            }
            with self.run.lock:
                self.run.status = f"{code} {_phrase(code)}".rstrip()
                self.run.headers = headers
        elif kind == "http.response.body":
            if not self.response_started:
                raise RuntimeError("http.response.body sent before http.response.start")
            if self.response_complete:
                raise RuntimeError("http.response.body sent after the response was complete")
            self.response_complete = not message.get("more_body", False)
            if self.gone.is_set():
                return
            run = self.run
            with run.lock:
                run.body += bytes(message.get("body", b""))[: max(0, self.max_body - len(run.body))]
                full = len(run.body) >= self.max_body
            if self.response_complete or full:  # the sender has what it reads
                self.gone.set()
                run.done.set()


class AsgiTransport:
    """Calls an ASGI 3 application directly, on its own loop thread; no socket."""

    def __init__(self, app: Any, *, timeout: float) -> None:
        self.app = app
        self.timeout_text = f"{timeout:g} s"
        self._lock = threading.Lock()
        self._loop: LoopThread | None = None
        self._lifespan: Lifespan | None = None
        self._tasks: dict[asyncio.Task[None], _Call] = {}
        self._closed = False
        self._finalizer: weakref.finalize[Any, Any] | None = None

    def _running_loop(self) -> LoopThread:
        """The app's loop, started (lifespan startup included) on first use."""
        with self._lock:
            if self._closed:
                raise RuntimeError("this sender is closed (its ASGI app was shut down)")
            if self._loop is None:
                loop = LoopThread("jobhook-asgi-app")
                lifespan = Lifespan(self.app, {})
                try:
                    loop.run(lifespan.startup(), timeout=STARTUP_TIMEOUT + 1)
                except BaseException:
                    loop.stop(0.0)
                    raise
                self._loop, self._lifespan = loop, lifespan
                self._finalizer = weakref.finalize(self, _abandon, loop, lifespan, self._tasks)
            return self._loop

    def exchange(self, request: Request, *, deadline: float, max_body: int) -> Exchange:
        loop = self._running_loop()
        run = _Run()
        call = _Call(request, run, deadline, max_body)
        loop.call(self._spawn, call)
        finished = run.done.wait(max(0.0, remaining(deadline)))
        if not finished:
            loop.call(call.hang_up)
            if not call.started and request.hang_up_after is None:
                return Exchange(
                    Outcome.TIMED_OUT,
                    f"the app did not answer within {self.timeout_text}: its event loop "
                    "never got to the request (blocked by a handler still running? a "
                    "blocking call such as time.sleep in an async def blocks every request)",
                )
        slow = call if request.send_rate is not None else None
        return conclude(request, run, finished, slow, self.timeout_text, "ASGI")

    def _spawn(self, call: _Call) -> None:
        task = asyncio.get_running_loop().create_task(self._serve(call))
        self._tasks[task] = call
        task.add_done_callback(self._forget)

    def _forget(self, task: asyncio.Task[None]) -> None:
        self._tasks.pop(task, None)

    async def _serve(self, call: _Call) -> None:
        call.started = True
        request, run = call.request, call.run
        path, _, query = request.target.partition("?")
        scope = {
            "type": "http",
            "asgi": _SCOPE_ASGI,
            "http_version": "1.1",
            "method": request.method,
            "scheme": "http",
            "path": unquote(path),
            "raw_path": path.encode("latin-1"),
            "query_string": query.encode("latin-1"),
            "root_path": "",
            "headers": [(k.lower().encode("latin-1"), v.encode("latin-1"))
                        for k, v in request.headers],
            "client": ("127.0.0.1", 0),
            "server": ("localhost", 80),
            "state": dict(self._lifespan.state if self._lifespan is not None else {}),
        }
        try:
            await self.app(scope, call.receive, call.send)
        except asyncio.CancelledError:
            raise
        except BaseException as exc:
            with run.lock:
                run.error = exc
                run.trace = traceback.format_exc()
        else:
            if not call.response_started:
                with run.lock:
                    run.error = RuntimeError("the app returned without starting a response")
            elif not call.response_complete:
                with run.lock:
                    run.error = RuntimeError("the app returned before its body was complete")
        finally:
            call.gone.set()
            run.done.set()

    def close(self) -> None:
        """Cancel requests still running, run the lifespan shutdown, end the loop thread.

        Raises :class:`~jobhook_testkit._asgi_loop.LifespanError` if the shutdown failed.
        A loop still blocked by the app after a second is left to end on its own.
        """
        with self._lock:
            loop, lifespan = self._loop, self._lifespan
            self._loop, self._closed = None, True
        if loop is None or lifespan is None:
            return
        if self._finalizer is not None:
            self._finalizer.detach()
        try:
            loop.run(_shut_down(lifespan, self._tasks), timeout=_CLOSE_WAIT + SHUTDOWN_TIMEOUT)
        except TimeoutError:
            pass  # the loop is blocked by the app: it ends (and is closed) when it is free
        finally:
            loop.stop(_CLOSE_WAIT)


async def _shut_down(lifespan: Lifespan, tasks: dict[asyncio.Task[None], _Call]) -> None:
    """What a server does at shutdown: requests that answered get a moment to finish
    (closing their files...), those still owing an answer are cancelled; then the
    lifespan shutdown runs."""
    answered = [task for task, call in tasks.items() if call.response_complete]
    if answered:
        await asyncio.wait(answered, timeout=_CLOSE_WAIT)
    pending = [task for task in list(tasks) if not task.done()]
    for task in pending:
        task.cancel()
    if pending:
        await asyncio.wait(pending, timeout=_CLOSE_WAIT)
    await lifespan.shutdown()


def _abandon(
    loop: LoopThread, lifespan: Lifespan, tasks: dict[asyncio.Task[None], _Call]
) -> None:
    """A sender collected unclosed: shut its app down in the background, without waiting."""

    async def shut_down_and_stop() -> None:
        try:
            await _shut_down(lifespan, tasks)
        except Exception:
            pass
        finally:
            loop.loop.stop()

    with contextlib.suppress(RuntimeError):  # the loop is already closed
        asyncio.run_coroutine_threadsafe(shut_down_and_stop(), loop.loop)
