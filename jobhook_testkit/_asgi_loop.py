"""An event loop on its own thread, and an ASGI app's lifespan driven on it (private).

Both ways of running an ASGI app -- in-process (:mod:`jobhook_testkit._asgi_inprocess`) and
under uvicorn (:mod:`jobhook_testkit._asgi_server`) -- run it on a loop that is not the
caller's: a test (sync, or with its own loop) can wait for an answer with a deadline even
when the app blocks its loop with ``time.sleep``.

The lifespan follows what uvicorn does with ``lifespan="auto"``: an app that raises before
it answers ``lifespan.startup`` does not support lifespan (Django's ASGI handler, a bare
``async def app``), and is served without it; ``lifespan.startup.failed`` is one
:class:`LifespanError`.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

from jobhook_testkit._app_loader import LifespanError

__all__ = ["Lifespan", "LifespanError", "LoopThread"]

T = TypeVar("T")

STARTUP_TIMEOUT = 30.0  # seconds an app's lifespan startup may take (a database pool...)
SHUTDOWN_TIMEOUT = 5.0  # seconds its shutdown may take before it is left behind
_SETTLE = 1.0  # seconds cancelled tasks get to end when the loop stops


class LoopThread:
    """A new event loop running forever on a daemon thread, until :meth:`stop`.

    When the loop stops, the tasks still on it are cancelled (as a server does with
    requests still running at shutdown) and the thread closes the loop itself, so a loop
    blocked past ``stop``'s wait is still closed when it is free again.
    """

    def __init__(self, name: str) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        loop = self.loop
        asyncio.set_event_loop(loop)
        try:
            loop.run_forever()
            tasks = asyncio.all_tasks(loop)
            for task in tasks:
                task.cancel()
            if tasks:
                loop.run_until_complete(asyncio.wait(tasks, timeout=_SETTLE))
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.run_until_complete(loop.shutdown_default_executor())
        finally:
            asyncio.set_event_loop(None)
            loop.close()

    def run(self, coro: Coroutine[Any, Any, T], timeout: float | None) -> T:
        """Run ``coro`` on the loop and wait for its result (``TimeoutError`` past it)."""
        future = asyncio.run_coroutine_threadsafe(coro, self.loop)
        try:
            return future.result(timeout)
        except TimeoutError:
            future.cancel()
            raise

    def call(self, callback: Any, *args: Any) -> None:
        """Schedule ``callback(*args)`` on the loop (nothing if the loop is closed)."""
        with contextlib.suppress(RuntimeError):  # closed: nothing is listening any more
            self.loop.call_soon_threadsafe(callback, *args)

    def stop(self, wait: float) -> bool:
        """Stop the loop; wait up to ``wait`` seconds for the thread; True if it ended."""
        self.call(self.loop.stop)
        self._thread.join(wait)
        return not self._thread.is_alive()


def _headline(text: str) -> str:
    """The last non-empty line of ``text`` (a traceback's ``Error: message`` line)."""
    lines = [line.strip() for line in str(text).splitlines() if line.strip()]
    line = lines[-1] if lines else ""
    return line if len(line) <= 300 else line[:297] + "..."


def _describe(exc: BaseException | None) -> str:
    if exc is None:
        return ""
    return f"{type(exc).__name__}: {exc}".strip().rstrip(":")


class Lifespan:
    """Drives one app's lifespan protocol; ``state`` is the dict its scope shares."""

    def __init__(self, app: Any, state: dict[str, Any]) -> None:
        self.app = app
        self.state = state
        self.supported = False
        self.error: BaseException | None = None
        self._queue: asyncio.Queue[dict[str, Any]] | None = None
        self._answer: asyncio.Future[tuple[str, str]] | None = None
        self._task: asyncio.Task[None] | None = None

    async def _main(self) -> None:
        scope = {"type": "lifespan", "asgi": {"version": "3.0", "spec_version": "2.0"},
                 "state": self.state}
        try:
            await self.app(scope, self._receive, self._send)
        except asyncio.CancelledError:
            raise
        except BaseException as exc:
            self.error = exc
        finally:
            if self._answer is not None and not self._answer.done():
                self._answer.set_result(("returned", ""))

    async def _receive(self) -> dict[str, Any]:
        assert self._queue is not None
        return await self._queue.get()

    async def _send(self, message: dict[str, Any]) -> None:
        kind = str(message.get("type", ""))
        if self._answer is not None and not self._answer.done() and kind.startswith("lifespan."):
            self._answer.set_result((kind, str(message.get("message") or "")))

    async def _ask(self, event: str, timeout: float) -> tuple[str, str]:
        assert self._queue is not None
        self._answer = asyncio.get_running_loop().create_future()
        if self._task is not None and self._task.done():
            return "returned", ""
        await self._queue.put({"type": event})
        try:
            return await asyncio.wait_for(asyncio.shield(self._answer), timeout)
        except TimeoutError:
            raise LifespanError(
                f"the app's lifespan {event.rpartition('.')[2]} did not finish within "
                f"{timeout:g} s (an app without lifespan support should raise, or return, "
                "when scope['type'] is 'lifespan')"
            ) from None

    async def startup(self, timeout: float = STARTUP_TIMEOUT) -> None:
        """Send ``lifespan.startup`` and wait for the app's answer; raise if it failed."""
        self._queue = asyncio.Queue()
        self._answer = asyncio.get_running_loop().create_future()
        self._task = asyncio.get_running_loop().create_task(self._main())
        kind, message = await self._ask("lifespan.startup", timeout)
        if kind == "lifespan.startup.complete":
            self.supported = True
            return
        if kind == "returned":  # raised or returned before answering: no lifespan support
            return
        await asyncio.wait({self._task}, timeout=0.5)  # frameworks re-raise right after
        detail = _headline(message) or _describe(self.error)
        raise LifespanError(
            "the app's lifespan startup failed" + (f": {detail}" if detail else "")
        ) from self.error

    async def shutdown(self, timeout: float = SHUTDOWN_TIMEOUT) -> None:
        """Send ``lifespan.shutdown`` (if startup completed) and wait; raise if it failed."""
        if not self.supported:
            return
        self.supported = False
        kind, message = await self._ask("lifespan.shutdown", timeout)
        if kind == "lifespan.shutdown.complete":
            return
        if kind == "returned" and self.error is None:
            return  # the app just ended its lifespan: a clean shutdown
        if self._task is not None:
            await asyncio.wait({self._task}, timeout=0.5)
        detail = _headline(message) or _describe(self.error)
        raise LifespanError(
            "the app's lifespan shutdown failed" + (f": {detail}" if detail else "")
        ) from self.error
