"""pytest wiring for the recorder fixtures (registered by jobhook_testkit.plugin).

One recording receiver is served per test session (per xdist worker) and cleared before
each test, so a test pays nothing for the server and sees only its own deliveries.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from jobhook_testkit.recorder import LiveRecorder, RecordingReceiver
    from jobhook_testkit.server import LiveServer


@pytest.fixture(scope="session")
def _jobhook_recorder_server() -> Iterator[tuple[RecordingReceiver, LiveServer]]:
    """The session's recording receiver and the server it runs on (use jobhook_recorder)."""
    from jobhook_testkit.recorder import RecordingReceiver
    from jobhook_testkit.server import serve_wsgi

    with RecordingReceiver() as receiver, serve_wsgi(receiver) as server:
        yield receiver, server
        receiver.clear()  # ends a scripted delay still running, so the server stops at once


@pytest.fixture
def jobhook_recorder(
    _jobhook_recorder_server: tuple[RecordingReceiver, LiveServer],
) -> Iterator[LiveRecorder]:
    """A live recording receiver at ``.url`` for this test; starts empty, answers 204.

    Point the code under test at ``jobhook_recorder.url`` (any path), then inspect
    ``.deliveries`` (each with redacted ``headers``, ``body``, parsed ``report`` or None,
    ``violations``, ``received_at``, ``path``) or block with ``.wait_for(n)``. Script the
    answer with ``.respond_with(status=503, delay=2.0)`` (also ``body=`` and ``headers=``).
    The server lives for the whole session; what it received and the scripted answer are
    cleared before every test, so a delivery still on its way when a test ends lands in the
    next one: wait for what your code sends (``.wait_for(n)``) before the test ends.
    """
    from jobhook_testkit.recorder import LiveRecorder

    receiver, server = _jobhook_recorder_server
    receiver.clear()
    server.errors.clear()
    yield LiveRecorder(receiver, server)
    receiver.clear()
    server.raise_errors()
