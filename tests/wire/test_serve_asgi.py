"""serve_asgi: uvicorn on an ephemeral port, lifespan included, the app's errors reported."""

from __future__ import annotations

import asyncio
import socket
import sys
import threading
from typing import Any

import pytest

from jobhook_testkit import LifespanError, serve_asgi
from jobhook_testkit.sender import FakeSender

Scope = dict[str, Any]


class App:
    """204 for POST /hooks, a KeyError for /broken, a lifespan that logs what it does."""

    def __init__(self, fail_startup: bool = False) -> None:
        self.events: list[str] = []
        self.fail_startup = fail_startup

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup" and self.fail_startup:
                    await send({"type": "lifespan.startup.failed",
                                "message": "Traceback...\nRuntimeError: DATABASE_URL is not set"})
                    return
                self.events.append(message["type"])
                scope["state"]["pool"] = "open"
                await send({"type": message["type"] + ".complete"})
                if message["type"] == "lifespan.shutdown":
                    return
        while (await receive()).get("more_body"):
            pass
        self.events.append(f"{scope['path']} pool={scope['state'].get('pool')}")
        if scope["path"] == "/broken":
            raise KeyError("definition_name")
        if scope["path"] == "/forever":
            await asyncio.Event().wait()
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})


def refused(port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(1)
        return probe.connect_ex(("127.0.0.1", port)) != 0


def test_serves_over_a_socket_between_lifespan_startup_and_shutdown() -> None:
    app = App()
    with serve_asgi(app) as server:
        assert server.url == f"http://127.0.0.1:{server.port}"
        assert app.events == ["lifespan.startup"]
        delivery = FakeSender(server.url + "/hooks").deliver()
        assert delivery.status_code == 204, delivery
        assert "date" in delivery.response_headers  # uvicorn's own headers
        port = server.port
    assert app.events == ["lifespan.startup", "/hooks pool=open", "lifespan.shutdown"]
    assert refused(port)
    assert not server.running
    assert not [t for t in threading.enumerate() if t.name.endswith(f"-{port}")]


def test_an_exception_of_the_app_is_a_500_then_raised_at_the_end() -> None:
    served = serve_asgi(App())
    server = served.__enter__()
    delivery = FakeSender(server.url + "/broken").deliver()
    assert delivery.status_code == 500
    assert [type(e) for e in server.errors] == [KeyError]
    with pytest.raises(KeyError, match="definition_name"):
        served.__exit__(None, None, None)


def test_a_failing_lifespan_startup_is_one_clear_error_and_frees_the_port() -> None:
    with pytest.raises(LifespanError) as info, serve_asgi(App(fail_startup=True)):
        pytest.fail("the block must not run")  # pragma: no cover
    assert str(info.value) == (
        "the app's lifespan startup failed: RuntimeError: DATABASE_URL is not set"
    )
    assert not [t for t in threading.enumerate() if t.name.startswith("jobhook-asgi-server")]


def test_a_request_still_running_at_stop_is_cancelled_and_shutdown_still_runs() -> None:
    app = App()
    with serve_asgi(app) as server:
        delivery = FakeSender(server.url + "/forever", timeout=0.2).deliver()
        assert delivery.outcome.value == "timed_out"
    assert app.events[-1] == "lifespan.shutdown"


def test_without_uvicorn_one_line_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "uvicorn", None)
    with pytest.raises(ModuleNotFoundError) as info, serve_asgi(App()):
        pass  # pragma: no cover
    assert str(info.value) == (
        "serving an ASGI app needs uvicorn: pip install 'jobhook-testkit[asgi]' (or uvicorn)"
    )


def test_a_busy_port_is_an_os_error_saying_which() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(OSError, match=f"cannot listen on 127.0.0.1:{port}"), \
                serve_asgi(App(), port=port):
            pass  # pragma: no cover


def test_uvicorn_logs_nothing_of_ours(capfd: pytest.CaptureFixture[str]) -> None:
    with serve_asgi(App()) as server:
        FakeSender(server.url + "/broken").deliver()
        FakeSender(server.url + "/hooks").deliver()
        server.errors.clear()
    out, err = capfd.readouterr()
    assert (out, err) == ("", "")


async def _answers_then_raises(scope: Scope, receive: Any, send: Any) -> None:
    """Like Starlette's error middleware: the 500 goes out, then the exception is raised."""
    if scope["type"] == "lifespan":
        while (await receive())["type"] != "lifespan.shutdown":
            await send({"type": "lifespan.startup.complete"})
        await send({"type": "lifespan.shutdown.complete"})
        return
    while (await receive()).get("more_body"):
        pass
    await send({"type": "http.response.start", "status": 500, "headers": []})
    await send({"type": "http.response.body", "body": b"Internal Server Error"})
    await asyncio.sleep(0.2)  # the client is long done by now
    raise KeyError("definition_name")


def test_an_exception_raised_after_the_answer_is_still_raised_for_that_test() -> None:
    with serve_asgi(_answers_then_raises) as server:
        delivery = FakeSender(server.url + "/hook").deliver()
        assert delivery.status_code == 500
        # what live_receiver does at the end of a test: the error is this test's
        with pytest.raises(KeyError, match="definition_name"):
            server.raise_errors()
        assert server.errors == []
