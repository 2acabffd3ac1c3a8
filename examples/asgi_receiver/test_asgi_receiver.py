"""The FastAPI example, served by uvicorn on an ephemeral port and checked over a socket.

The conformance suite does not care what the receiver is written in: it only needs a URL.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator, Mapping
from typing import Any

import pytest
import uvicorn

from jobhook_testkit import assert_conforms

from .app import HOOK_PATH, create_app

AUTH = "Bearer s3cret"


@pytest.fixture(scope="module")
def asgi_receiver() -> Iterator[tuple[str, Any]]:
    """(URL, app) of the example app under uvicorn on 127.0.0.1 (ephemeral port), per module."""
    app = create_app(auth=AUTH)
    config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="uvicorn-example", daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            pytest.fail("uvicorn did not start")
        time.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}{HOOK_PATH}", app
    finally:
        server.should_exit = True
        thread.join(10)


def test_fastapi_receiver_passes_the_whole_suite(asgi_receiver: tuple[str, Any]) -> None:
    url, app = asgi_receiver

    def processed(report: Mapping[str, Any]) -> int:
        count: int = app.state.processed.get(report["id"], 0)
        return count

    report = assert_conforms(url, auth=AUTH, timeout=2.0, probe=processed, strict=True)

    assert not report.skipped, report  # every check ran, the side-effect probe included


def test_hostile_bodies_get_a_4xx_not_a_crash(asgi_receiver: tuple[str, Any]) -> None:
    from jobhook_testkit import FakeSender, assert_rejected

    sender = FakeSender(asgi_receiver[0], auth=AUTH, timeout=5.0)

    assert_rejected(sender.deliver(body=b"[" * 100_000), statuses={400})  # too deep to parse
    assert_rejected(sender.deliver(body=b" " * (2 * 1024 * 1024)), statuses={413})
