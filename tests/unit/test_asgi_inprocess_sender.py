"""The sender with an ASGI app as target: in-process on a loop thread of its own, no socket."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from contextlib import asynccontextmanager
from typing import Any

import pytest
from fastapi import FastAPI, Request, Response

from jobhook_testkit import LifespanError
from jobhook_testkit.delivery import Outcome
from jobhook_testkit.schema import load_schema
from jobhook_testkit.sender import FakeSender

REPORT: dict[str, Any] = dict(load_schema()["examples"][0])
TIMEOUT = 0.2
MARGIN = 0.5  # a stuck app would hold a waiting caller forever, not this long

Scope = dict[str, Any]


async def read_body(receive: Any) -> tuple[bytes, bool]:
    """The request body, and whether it ended in ``http.disconnect``."""
    body = b""
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return body, True
        body += message.get("body", b"")
        if not message.get("more_body", False):
            return body, False


def http_only(app: Any) -> Any:
    """A bare app that raises on anything but HTTP: served without lifespan."""

    async def wrapped(scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            raise ValueError(f"unsupported scope {scope['type']}")
        await app(scope, receive, send)

    return wrapped


async def answer(send: Any, status: int, body: bytes = b"", **headers: str) -> None:
    await send({"type": "http.response.start", "status": status,
                "headers": [(k.encode(), v.encode()) for k, v in headers.items()]})
    await send({"type": "http.response.body", "body": body})


class Echo:
    """Answers 202 with "thanks"; records scopes, bodies and whether they were cut."""

    def __init__(self) -> None:
        self.scopes: list[Scope] = []
        self.bodies: list[tuple[bytes, bool]] = []

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        assert scope["type"] == "http"  # no lifespan support: served without it
        self.scopes.append(scope)
        self.bodies.append(await read_body(receive))
        await answer(send, 202, b"thanks", content_type="text/plain")


def test_in_process_delivery_is_acknowledged_with_platform_headers() -> None:
    app = Echo()
    with FakeSender(app, path="/hooks/jobs?tenant=a", auth="Bearer s3cret") as sender:
        delivery = sender.deliver(REPORT)
    assert delivery.outcome is Outcome.ACKNOWLEDGED
    assert (delivery.status_code, delivery.status_text) == (202, "Accepted")
    assert delivery.body_excerpt == b"thanks"
    assert delivery.response_headers == {"content_type": "text/plain"}
    [scope] = app.scopes
    assert (scope["method"], scope["path"], scope["query_string"]) == (
        "POST", "/hooks/jobs", b"tenant=a")
    assert scope["asgi"]["version"] == "3.0"
    headers = dict(scope["headers"])
    assert headers[b"authorization"] == b"Bearer s3cret"
    assert headers[b"content-type"] == b"application/json"
    assert headers[b"host"] == b"localhost"
    body, cut = app.bodies[0]
    assert json.loads(body) == REPORT and not cut
    assert delivery.request.url == "http://localhost/hooks/jobs?tenant=a"


def test_the_app_runs_on_a_loop_that_is_not_the_callers() -> None:
    loops: list[asyncio.AbstractEventLoop] = []

    @http_only
    async def app(scope: Scope, receive: Any, send: Any) -> None:
        loops.append(asyncio.get_running_loop())
        await answer(send, 204)

    async def from_a_coroutine() -> Any:  # a sync call from async code must not deadlock
        with FakeSender(app) as sender:
            return sender.deliver(REPORT), asyncio.get_running_loop()

    delivery, callers_loop = asyncio.run(from_a_coroutine())
    assert delivery.acknowledged
    assert loops and loops[0] is not callers_loop


def test_a_factory_is_called_and_an_asgi2_app_is_refused() -> None:
    def create_app() -> Echo:
        return Echo()

    with FakeSender(create_app) as sender:
        assert sender.deliver(REPORT).status_code == 202

    class Asgi2:
        def __init__(self, scope: Scope) -> None:  # pragma: no cover
            self.scope = scope

        async def __call__(self, receive: Any, send: Any) -> None:  # pragma: no cover
            pass

    with pytest.raises(TypeError, match=r"ASGI 2 \(double-callable\)"):
        FakeSender(Asgi2)


def test_app_exception_becomes_a_500_rejection_with_the_traceback() -> None:
    @http_only
    async def broken(scope: Scope, receive: Any, send: Any) -> None:
        raise KeyError("total_failed")

    with FakeSender(broken) as sender:
        delivery = sender.deliver(REPORT)
    assert delivery.outcome is Outcome.REJECTED
    assert (delivery.status_code, delivery.status_text) == (500, "Internal Server Error")
    assert "the app raised KeyError: 'total_failed'; an ASGI server answers 500" in delivery.reason
    assert b"Traceback" in delivery.body_excerpt and b"total_failed" in delivery.body_excerpt


def test_app_that_exits_is_a_500_not_a_crash() -> None:
    @http_only
    async def exits(scope: Scope, receive: Any, send: Any) -> None:
        raise SystemExit(3)

    with FakeSender(exits) as sender:
        delivery = sender.deliver(REPORT)
        assert delivery.status_code == 500 and "SystemExit" in delivery.reason
        assert sender.deliver(REPORT).status_code == 500  # the loop is still serving


def test_app_that_never_answers_times_out_and_is_told_the_sender_left() -> None:
    told: list[dict[str, Any]] = []

    @http_only
    async def stuck(scope: Scope, receive: Any, send: Any) -> None:
        await read_body(receive)
        told.append(await receive())  # waits until the sender hangs up
        await answer(send, 200)  # too late: goes nowhere

    with FakeSender(stuck, timeout=TIMEOUT) as sender:
        delivery = sender.deliver(REPORT)
        assert delivery.outcome is Outcome.TIMED_OUT
        assert delivery.status_code is None
        assert "did not answer within 0.2 s (it runs on)" in delivery.reason
        assert TIMEOUT <= delivery.elapsed < TIMEOUT + MARGIN
        deadline = time.monotonic() + 2
        while not told and time.monotonic() < deadline:
            time.sleep(0.01)
    assert told == [{"type": "http.disconnect"}]


def test_a_handler_awaiting_forever_times_out_and_is_cancelled_at_close() -> None:
    cancelled = threading.Event()

    @http_only
    async def forever(scope: Scope, receive: Any, send: Any) -> None:
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            cancelled.set()
            raise

    sender = FakeSender(forever, timeout=TIMEOUT)
    delivery = sender.deliver(REPORT)
    assert delivery.outcome is Outcome.TIMED_OUT
    assert TIMEOUT <= delivery.elapsed < TIMEOUT + MARGIN
    assert not cancelled.is_set()  # it runs on, like a real handler after a hang-up
    sender.close()
    assert cancelled.is_set()
    with pytest.raises(RuntimeError, match="this sender is closed"):
        sender.deliver(REPORT)


def test_a_handler_blocking_its_loop_still_times_out_at_the_deadline() -> None:
    @http_only
    async def blocking(scope: Scope, receive: Any, send: Any) -> None:
        time.sleep(0.4)  # the classic mistake: a blocking call in an async handler
        await answer(send, 204)

    with FakeSender(blocking, timeout=0.1) as sender:
        first = sender.deliver(REPORT)
        second = sender.deliver(REPORT)  # the loop is still blocked by the first
    assert first.outcome is Outcome.TIMED_OUT
    assert 0.1 <= first.elapsed < 0.1 + MARGIN
    assert second.outcome is Outcome.TIMED_OUT
    assert second.elapsed < 0.1 + MARGIN
    assert "its event loop never got to the request" in second.reason
    assert "time.sleep" in second.reason


def test_app_streaming_its_body_past_the_deadline_times_out() -> None:
    @http_only
    async def trickle(scope: Scope, receive: Any, send: Any) -> None:  # cancelled at close
        await send({"type": "http.response.start", "status": 200, "headers": []})
        while True:
            await send({"type": "http.response.body", "body": b".", "more_body": True})
            await asyncio.sleep(0.03)

    with FakeSender(trickle, timeout=TIMEOUT) as sender:
        delivery = sender.deliver(REPORT)
    assert delivery.outcome is Outcome.TIMED_OUT
    assert delivery.status_code == 200
    assert delivery.body_excerpt.startswith(b".")
    assert "its body was still being produced" in delivery.reason
    assert delivery.elapsed < TIMEOUT + MARGIN


def test_huge_body_is_capped_and_acknowledged() -> None:
    @http_only
    async def endless(scope: Scope, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        for _ in range(1000):
            await send({"type": "http.response.body", "body": b"x" * 1024, "more_body": True})
        await send({"type": "http.response.body", "body": b""})

    with FakeSender(endless, max_body=4096) as sender:
        delivery = sender.deliver(REPORT)
    assert delivery.outcome is Outcome.ACKNOWLEDGED
    assert delivery.body_excerpt == b"x" * 4096


def test_hang_up_gives_the_app_a_short_body_then_a_disconnect() -> None:
    app = Echo()
    with FakeSender(app) as sender:
        delivery = sender.deliver(REPORT, hang_up_after=10)
    assert delivery.outcome is Outcome.CONNECTION_FAILED
    assert "hung up after 10 of" in delivery.reason
    assert app.bodies == [(json.dumps(REPORT, separators=(",", ":")).encode()[:10], True)]
    length = dict(app.scopes[0]["headers"])[b"content-length"]
    assert int(length) > 10  # the promise the sender did not keep


def test_slow_body_is_read_whole_within_the_timeout() -> None:
    app = Echo()
    with FakeSender(app, timeout=2.0) as sender:
        delivery = sender.deliver(body=b"x" * 40, send_rate=(10, 0.02))
    assert delivery.acknowledged
    assert app.bodies == [(b"x" * 40, False)]


def test_slow_body_past_the_deadline_reaches_the_app_cut_short() -> None:
    app = Echo()
    with FakeSender(app, timeout=TIMEOUT) as sender:
        delivery = sender.deliver(body=b"x" * 100, send_rate=(10, 0.08))
        deadline = time.monotonic() + 2
        while not app.bodies and time.monotonic() < deadline:  # it runs on a little
            time.sleep(0.01)
    assert delivery.outcome is Outcome.TIMED_OUT
    assert "still being sent slowly" in delivery.reason
    assert delivery.elapsed < TIMEOUT + MARGIN
    body, cut = app.bodies[0]
    assert cut and 0 < len(body) < 100


def test_app_that_never_starts_the_response_is_a_500() -> None:
    @http_only
    async def silent(scope: Scope, receive: Any, send: Any) -> None:
        await read_body(receive)

    with FakeSender(silent) as sender:
        delivery = sender.deliver(REPORT)
    assert (delivery.outcome, delivery.status_code) == (Outcome.REJECTED, 500)
    assert "returned without starting a response" in delivery.reason


def test_app_raising_in_the_middle_of_its_body_is_a_dropped_connection() -> None:
    @http_only
    async def broken_stream(scope: Scope, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"partial", "more_body": True})
        auth = dict(scope["headers"])[b"authorization"].decode()
        raise RuntimeError(f"lost the database for {auth}")

    with FakeSender(broken_stream, auth="Bearer s3cret") as sender:
        delivery = sender.deliver(REPORT)
    assert delivery.outcome is Outcome.CONNECTION_FAILED
    assert delivery.status_code == 200
    assert delivery.body_excerpt == b"partial"
    assert "RuntimeError: lost the database" in delivery.reason
    assert "s3cret" not in str(delivery) + repr(delivery)


def test_app_returning_before_its_body_is_complete_is_a_dropped_connection() -> None:
    @http_only
    async def unfinished(scope: Scope, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"part", "more_body": True})

    with FakeSender(unfinished) as sender:
        delivery = sender.deliver(REPORT)
    assert delivery.outcome is Outcome.CONNECTION_FAILED
    assert "returned before its body was complete" in delivery.reason


def test_concurrent_deliveries_run_together_on_the_apps_loop() -> None:
    both = asyncio.Event()
    arrived: list[str] = []

    @http_only
    async def waits_for_the_other(scope: Scope, receive: Any, send: Any) -> None:
        arrived.append(scope["path"])
        if len(arrived) == 2:
            both.set()
        await asyncio.wait_for(both.wait(), 2)  # serialised, the first would time out
        await answer(send, 204)

    with FakeSender(waits_for_the_other, timeout=2.0) as sender:
        deliveries = sender.deliver_many([REPORT, REPORT], concurrency=2)
    assert [d.outcome for d in deliveries] == [Outcome.ACKNOWLEDGED] * 2


class WithLifespan:
    """An app with a lifespan: a "pool" opened at startup, closed at shutdown."""

    def __init__(self, fail: str = "") -> None:
        self.events: list[str] = []
        self.fail = fail

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                phase = message["type"].rpartition(".")[2]  # startup / shutdown
                self.events.append(phase)
                if phase == self.fail:
                    await send({"type": f"{message['type']}.failed",
                                "message": f"Traceback ...\nConnectionError: no {phase} db"})
                    return
                if phase == "startup":
                    scope["state"]["pool"] = "open"
                await send({"type": f"{message['type']}.complete"})
                if phase == "shutdown":
                    return
        self.events.append(f"request with pool {scope['state'].get('pool')}")
        await read_body(receive)
        await answer(send, 204)


def test_lifespan_startup_runs_before_the_first_delivery_and_shutdown_at_close() -> None:
    app = WithLifespan()
    sender = FakeSender(app)
    assert app.events == []  # nothing starts before it is needed
    assert sender.deliver(REPORT).acknowledged
    assert sender.deliver(REPORT).acknowledged
    assert app.events == ["startup", "request with pool open", "request with pool open"]
    sender.close()
    assert app.events[-1] == "shutdown"
    sender.close()  # twice is harmless
    assert app.events.count("shutdown") == 1


def test_a_failing_lifespan_startup_is_one_clear_error() -> None:
    sender = FakeSender(WithLifespan(fail="startup"))
    with pytest.raises(LifespanError) as info:
        sender.deliver(REPORT)
    assert str(info.value) == "the app's lifespan startup failed: ConnectionError: no startup db"
    sender.close()


def test_a_failing_lifespan_shutdown_is_raised_by_close() -> None:
    sender = FakeSender(WithLifespan(fail="shutdown"))
    assert sender.deliver(REPORT).acknowledged
    with pytest.raises(LifespanError, match="lifespan shutdown failed: ConnectionError: no "):
        sender.close()


def test_a_fastapi_factory_with_a_lifespan() -> None:
    log: list[str] = []

    def create_app() -> FastAPI:
        @asynccontextmanager
        async def lifespan(app: FastAPI) -> Any:
            log.append("startup")
            yield {"pool": "open"}
            log.append("shutdown")

        app = FastAPI(lifespan=lifespan)

        @app.post("/hooks/jobs")
        async def hook(request: Request) -> Response:
            log.append(f"{request.state.pool} {(await request.json())['id']}")
            return Response(status_code=204)

        return app

    with FakeSender(create_app, path="/hooks/jobs") as sender:
        delivery = sender.deliver(REPORT)
    assert delivery.acknowledged, delivery
    assert log == ["startup", f"open {REPORT['id']}", "shutdown"]


def test_a_sender_dropped_unclosed_still_shuts_its_app_down() -> None:
    import gc

    app = WithLifespan()
    sender = FakeSender(app)
    assert sender.deliver(REPORT).acknowledged
    del sender
    gc.collect()
    deadline = time.monotonic() + 2
    while app.events[-1] != "shutdown" and time.monotonic() < deadline:
        time.sleep(0.01)
    assert app.events[-1] == "shutdown"


def test_close_lets_a_request_that_answered_finish_its_cleanup() -> None:
    cleaned = threading.Event()

    @http_only
    async def app(scope: Scope, receive: Any, send: Any) -> None:
        await read_body(receive)
        await answer(send, 204)
        await asyncio.sleep(0.05)  # after the answer: Django closes its body file here
        cleaned.set()

    with FakeSender(app) as sender:
        assert sender.deliver(REPORT).acknowledged
    assert cleaned.is_set()
