"""Deliver to a WSGI application in-process, through Werkzeug's test environ (private).

The application runs on a worker thread (daemon threads, reused; an idle one ends after
a second) and the sender waits for it only until the deadline. At the deadline the
sender reports ``timed_out`` and moves on, but **the app's thread keeps running** to its
end, just as a real receiver's request handler would go on after the platform hung up.
(Python cannot stop a thread from outside.)

Sender-side faults are emulated on ``wsgi.input``: ``hang_up_after`` gives the app only
the first bytes of a body whose ``Content-Length`` promises more, ``send_rate`` hands the
body over in chunks with pauses.
"""

from __future__ import annotations

import io
import queue
import threading
import time
import traceback
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

from jobhook_testkit._transport import Exchange, Request, answered, remaining
from jobhook_testkit.delivery import Outcome

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIApplication, WSGIEnvironment


class _ShortInput(io.RawIOBase):
    """A request body cut short: ``data`` then end of stream (the sender hung up)."""

    def __init__(self, data: bytes) -> None:
        self._data = io.BytesIO(data)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        return self._data.readinto(buffer)


class _SlowInput(io.RawIOBase):
    """A request body arriving ``size`` bytes at a time, ``pause`` seconds apart.

    At the deadline the stream ends, as the connection would when the sender hangs up.
    """

    def __init__(self, data: bytes, size: int, pause: float, deadline: float) -> None:
        self._data = io.BytesIO(data)
        self._total = len(data)
        self._size = max(1, size)
        self._pause = pause
        self._deadline = deadline
        self._started = False
        self.expired = False

    def readable(self) -> bool:
        return True

    @property
    def finished(self) -> bool:
        """True once the whole body has been handed to the app."""
        return self._data.tell() >= self._total

    def readinto(self, buffer: Any) -> int:
        if self._started:
            left = remaining(self._deadline)
            if left <= self._pause:
                time.sleep(max(0.0, left))
                self.expired = True
                return 0
            time.sleep(self._pause)
        self._started = True
        view = memoryview(buffer)[: self._size]
        return self._data.readinto(view)


class _Run:
    """What the worker thread has seen so far; read by the waiting sender under the lock."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.done = threading.Event()
        self.status: str | None = None
        self.headers: dict[str, str] = {}
        self.body = bytearray()
        self.error: BaseException | None = None
        self.trace = ""


IDLE_SECONDS = 1.0  # an idle worker thread ends after this long without work


class _Worker(threading.Thread):
    """A reusable daemon thread: starting a thread per delivery costs more than the app."""

    def __init__(self, pool: _WorkerPool) -> None:
        super().__init__(name="jobhook-inprocess-receiver", daemon=True)
        self.pool = pool
        self.jobs: queue.SimpleQueue[Callable[[], None]] = queue.SimpleQueue()

    def run(self) -> None:
        while True:
            try:
                job = self.jobs.get(timeout=IDLE_SECONDS)
            except queue.Empty:
                if self.pool.retire(self):
                    return
                continue  # taken from the idle list just now: a job is on its way
            job()
            del job
            self.pool.rest(self)


class _WorkerPool:
    """Idle workers, reused; one still busy past its deadline is simply not idle."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._idle: list[_Worker] = []

    def submit(self, job: Callable[[], None]) -> None:
        with self._lock:
            worker = self._idle.pop() if self._idle else None
        if worker is None:
            worker = _Worker(self)
            worker.jobs.put(job)
            worker.start()
        else:
            worker.jobs.put(job)

    def rest(self, worker: _Worker) -> None:
        with self._lock:
            self._idle.append(worker)

    def retire(self, worker: _Worker) -> bool:
        with self._lock:
            if worker in self._idle:
                self._idle.remove(worker)
                return True
            return False


_POOL = _WorkerPool()


def _status(status: str) -> tuple[int, str]:
    code, _, text = status.partition(" ")
    try:
        return int(code), text.strip()
    except ValueError:
        return 500, f"(invalid WSGI status {status[:40]!r})"


def _work(app: WSGIApplication, environ: WSGIEnvironment, run: _Run, max_body: int) -> None:
    from werkzeug.test import run_wsgi_app

    try:
        app_iter, status, headers = run_wsgi_app(app, environ)
        with run.lock:
            run.status = status
            run.headers = dict(headers.items())
        try:
            for chunk in app_iter:
                with run.lock:
                    run.body += chunk[: max(0, max_body - len(run.body))]
                    if len(run.body) >= max_body:
                        break
        finally:
            close = getattr(app_iter, "close", None)
            if close is not None:
                close()
    except BaseException as exc:  # whatever the app raises is the receiver's answer
        with run.lock:
            run.error = exc
            run.trace = traceback.format_exc()
    finally:
        run.done.set()


class InProcessTransport:
    """Calls a WSGI application directly; the request never touches a socket."""

    def __init__(self, app: WSGIApplication, *, timeout: float) -> None:
        self.app = app
        self.timeout_text = f"{timeout:g} s"

    def environ(
        self, request: Request, deadline: float
    ) -> tuple[WSGIEnvironment, _SlowInput | None]:
        from werkzeug.test import EnvironBuilder

        # Host and a true Content-Length are what the builder sets anyway: skipping them
        # here saves a good part of the builder's time.
        implied = {("host", "localhost"), ("content-length", str(len(request.body)))}
        builder = EnvironBuilder(
            path=request.target,
            base_url="http://localhost/",
            method=request.method,
            headers=[(k, v) for k, v in request.headers if (k.lower(), v) not in implied],
            data=request.body,
        )
        try:
            environ = builder.get_environ()
        finally:
            builder.close()
        slow = None
        # The builder drops a Content-Length it did not compute (an empty body's "0", or
        # one overridden on purpose): the app sees what was sent.
        length = next((v for k, v in request.headers if k.lower() == "content-length"), None)
        if length is not None:
            environ["CONTENT_LENGTH"] = length
        if request.hang_up_after is not None:
            cut = max(0, min(request.hang_up_after, len(request.body)))
            environ["wsgi.input"] = io.BufferedReader(_ShortInput(request.body[:cut]))
            environ["CONTENT_LENGTH"] = str(len(request.body))
        elif request.send_rate is not None:
            size, pause = request.send_rate
            slow = _SlowInput(request.body, size, pause, deadline)
            environ["wsgi.input"] = io.BufferedReader(slow, buffer_size=max(1, size))
        return environ, slow

    def exchange(self, request: Request, *, deadline: float, max_body: int) -> Exchange:
        run = _Run()
        environ, slow = self.environ(request, deadline)
        app = self.app
        _POOL.submit(lambda: _work(app, environ, run, max_body))
        finished = run.done.wait(max(0.0, remaining(deadline)))
        return conclude(request, run, finished, slow, self.timeout_text, "WSGI")


class _BodyPace(Protocol):
    """How far a slowly sent body got: ``expired`` (the deadline cut it), ``finished``."""

    @property
    def expired(self) -> bool: ...

    @property
    def finished(self) -> bool: ...


_SERVER_500 = {"WSGI": "INTERNAL SERVER ERROR", "ASGI": "Internal Server Error"}
_ARTICLE = {"WSGI": "a", "ASGI": "an"}


def conclude(
    request: Request,
    run: _Run,
    finished: bool,
    slow: _BodyPace | None,
    timeout_text: str,
    kind: str,
) -> Exchange:
    """The exchange an in-process run amounts to, once it finished or the deadline came.

    Shared by the WSGI and the ASGI (``kind``) transports, so both tell the same story.
    """
    if request.hang_up_after is not None:
        # The sender hung up, so the app's answer (if any) is never read; it was
        # still waited for (up to the deadline) so a test sees its reaction at once.
        cut = max(0, min(request.hang_up_after, len(request.body)))
        return Exchange(
            Outcome.CONNECTION_FAILED,
            f"the sender hung up after {cut} of {len(request.body)} body bytes, as asked "
            f"(hang_up_after={request.hang_up_after})",
        )
    if slow is not None and (slow.expired or not (finished or slow.finished)):
        return Exchange(
            Outcome.TIMED_OUT,
            f"the deadline passed while the body was still being sent slowly "
            f"(send_rate={request.send_rate})",
        )
    with run.lock:
        return _result(run, finished, timeout_text, kind)


def _result(run: _Run, finished: bool, timeout_text: str, kind: str) -> Exchange:
    code, text = _status(run.status) if run.status is not None else (None, "")
    body = bytes(run.body)
    if not finished:
        if code is None:
            reason = f"the app did not answer within {timeout_text} (it runs on)"
        else:
            reason = (
                f"the app started answering but its body was still being produced after "
                f"{timeout_text} ({len(body)} bytes so far; it runs on)"
            )
        return Exchange(Outcome.TIMED_OUT, reason, code, text, dict(run.headers), body)
    if run.error is not None:
        error = f"{type(run.error).__name__}: {run.error}".strip().rstrip(":")
        if code is None:
            server_text = _SERVER_500[kind]
            return Exchange(
                Outcome.REJECTED,
                f"the app raised {error}; {_ARTICLE[kind]} {kind} server answers 500 "
                f"{server_text}",
                500,
                server_text,
                {},
                run.trace.encode("utf-8", errors="replace"),
            )
        return Exchange(
            Outcome.CONNECTION_FAILED,
            f"the app raised {error} in the middle of the body; a server would drop "
            "the connection",
            code,
            text,
            dict(run.headers),
            body,
        )
    assert code is not None
    return answered(code, text, dict(run.headers), body)


def is_wsgi_app(target: object) -> bool:
    """True for a callable that is not a URL string (checked loosely: WSGI has no marker)."""
    return callable(target) and not isinstance(target, str | bytes)

