"""pytest wiring for the sender fixtures (registered by jobhook_testkit.plugin).

``jobhook_sender``: a factory of fake senders for one test; their deliveries are kept and
the last few are shown in the report of a failing test. ``live_receiver``: serves WSGI and
ASGI apps on ephemeral ports, one server per app for the whole session.

Nothing heavy is imported here: the library is imported by the fixtures that use it.
"""

from __future__ import annotations

import math
import types
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

import pytest

from jobhook_testkit.plugin import add_failure_section

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIApplication

    from jobhook_testkit.sender import SenderFactory
    from jobhook_testkit.server import LiveServer

DEFAULT_TIMEOUT = 5.0
MAX_TIMEOUT = 7 * 24 * 3600.0  # FakeSender's (not imported here: the sender loads ssl)
SHOWN_DELIVERIES = 3
_TIMEOUT_KEY = pytest.StashKey[float]()


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addini(
        "jobhook_timeout",
        help="default timeout in seconds of the jobhook_sender fixture's senders (default: 5)",
        default=str(DEFAULT_TIMEOUT),
    )


def _parse_timeout(text: str) -> float:
    try:
        value = float(str(text).strip())
    except ValueError:
        value = math.nan
    if not (value > 0 and math.isfinite(value)):
        raise pytest.UsageError(
            f"ini option jobhook_timeout: expected a positive number of seconds, got {text!r}"
        )
    if value > MAX_TIMEOUT:
        raise pytest.UsageError(
            f"ini option jobhook_timeout: at most {MAX_TIMEOUT:g} seconds (a week), got {text!r}"
        )
    return value


def pytest_configure(config: pytest.Config) -> None:
    config.stash[_TIMEOUT_KEY] = _parse_timeout(config.getini("jobhook_timeout"))


@pytest.fixture
def jobhook_sender(request: pytest.FixtureRequest) -> Iterator[SenderFactory]:
    """A factory of FakeSenders for this test: ``jobhook_sender(target, **options)``.

    ``target`` is a URL or a WSGI or ASGI app (or a zero-argument factory of one; ASGI
    apps get their lifespan, shut down at the end of the test); options are FakeSender's,
    and ``timeout`` defaults to ini ``jobhook_timeout`` (5 s). Every delivery of the test
    is kept in ``jobhook_sender.deliveries`` (``.last`` is the latest); when the test
    fails, the last few, redacted, are added to its report.
    """
    from jobhook_testkit.sender import SenderFactory

    factory = SenderFactory(timeout=request.config.stash.get(_TIMEOUT_KEY, DEFAULT_TIMEOUT))
    # On failure the last deliveries, redacted, go into the test's report.
    add_failure_section(
        request.node, "jobhook deliveries", lambda: factory.summary(SHOWN_DELIVERIES)
    )
    yield factory
    factory.close()


def _identity(app: WSGIApplication) -> tuple[int, ...]:
    """What makes two apps the same app. ``flask_app.wsgi_app`` is a new bound-method
    object at each access: the same object and function make the same app."""
    if isinstance(app, types.MethodType):
        return (id(app.__self__), id(app.__func__))
    return (id(app),)


class _ServerPool:
    """One running server per app, started on first use and stopped by ``close()``."""

    def __init__(self) -> None:
        self._servers: dict[tuple[int, ...], tuple[WSGIApplication, LiveServer]] = {}

    def get(self, app: WSGIApplication) -> tuple[LiveServer, bool]:
        """The app's server, and whether it was started just now."""
        from jobhook_testkit._app_loader import start_server

        key = _identity(app)
        entry = self._servers.get(key)
        if entry is not None:
            return entry[1], False
        server = start_server(app)  # WSGI, ASGI (under uvicorn) or a factory of either
        self._servers[key] = (app, server)  # the app is kept, so its ids stay unique
        return server, True

    def close(self) -> None:
        for _app, server in self._servers.values():
            server.stop()
        self._servers.clear()


@pytest.fixture(scope="session")
def _jobhook_live_servers() -> Iterator[_ServerPool]:
    """The session's live servers, one per app (use live_receiver)."""
    pool = _ServerPool()
    yield pool
    pool.close()


@pytest.fixture
def live_receiver(
    _jobhook_live_servers: _ServerPool,
) -> Iterator[Callable[[WSGIApplication], LiveServer]]:
    """A factory serving apps over real sockets: ``live_receiver(app)`` -> server.

    ``app`` is a WSGI app (Werkzeug serves it), an ASGI app (uvicorn, lifespan included)
    or a zero-argument factory of either.
    The server's ``.url`` is ``http://127.0.0.1:PORT`` (no trailing slash). Each app gets
    one server for the whole session (started on first use, stopped at session end), so
    asking again, in this test or a later one, is free. An exception the app raises during
    this test fails the test at teardown (clear ``server.errors`` if it was on purpose).
    """
    used: dict[int, LiveServer] = {}

    def serve(app: WSGIApplication) -> LiveServer:
        server, _started = _jobhook_live_servers.get(app)
        if id(server) not in used:
            server.errors.clear()  # left over from requests of an earlier test
            used[id(server)] = server
        return server

    yield serve
    for server in used.values():
        server.raise_errors()
