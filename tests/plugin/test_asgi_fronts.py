"""Every front takes ASGI apps and their factories, as a user's own suite would use them."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# A FastAPI receiver whose lifespan writes what happens to a log file the outer test reads.
RECEIVER = '''
import json
import os
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request, Response

LOG = os.environ["HOOK_LOG"]


def log(line):
    with open(LOG, "a", encoding="utf-8") as handle:
        handle.write(line + "\\n")


def create_app():
    @asynccontextmanager
    async def lifespan(app):
        log("startup")
        yield {"processed": {}}
        log("shutdown")

    app = FastAPI(lifespan=lifespan)

    @app.post("/hooks/jobs")
    async def hook(request: Request) -> Response:
        if request.headers.get("authorization") != "Bearer s3cret":
            return Response(status_code=401)
        try:
            report = json.loads(await request.body())
        except ValueError:
            return Response(status_code=400)
        if not isinstance(report, dict) or not isinstance(report.get("id"), str):
            return Response(status_code=422)
        counts = [report.get(k) for k in ("total_operations", "total_succeeded", "total_failed")]
        if any(type(count) is not int or count < 0 for count in counts):
            return Response(status_code=422)
        processed = request.state.processed
        processed[report["id"]] = processed.get(report["id"], 0) + 1
        log("delivery")
        return Response(status_code=204)

    return app
'''


def _run(pytester: pytest.Pytester) -> pytest.RunResult:
    # Hypothesis' plugin costs ~0.7 s per in-process run and plays no part here.
    return pytester.runpytest("-q", "-p", "no:randomly", "-p", "no:hypothesispytest",
                              "-p", "no:cacheprovider")


@pytest.fixture
def log(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> Path:
    pytester.makepyfile(receiver=RECEIVER)
    path = pytester.path / "hook.log"
    monkeypatch.setenv("HOOK_LOG", str(path))
    return path


def test_receiver_contract_app_takes_a_fastapi_factory(
    pytester: pytest.Pytester, log: Path
) -> None:
    pytester.makepyfile(test_hook='''
        from jobhook_testkit import ReceiverContract
        from receiver import create_app

        class TestHook(ReceiverContract):
            app = create_app
            path = "/hooks/jobs"
            auth = "Bearer s3cret"
            timeout = 2
    ''')
    result = _run(pytester)
    result.assert_outcomes(passed=22, skipped=1)  # no probe: processes-redelivery-once
    lines = log.read_text().splitlines()
    assert lines[0] == "startup" and lines[-1] == "shutdown"  # once for the class
    assert lines.count("startup") == 1 and "delivery" in lines


def test_jobhook_sender_delivers_in_process_and_shuts_the_app_down_after_the_test(
    pytester: pytest.Pytester, log: Path
) -> None:
    pytester.makepyfile(test_hook='''
        from pathlib import Path
        from receiver import LOG, create_app

        def test_in_process(jobhook_sender):
            sender = jobhook_sender(create_app, path="/hooks/jobs", auth="Bearer s3cret")
            assert sender.deliver().status_code == 204
            assert jobhook_sender.last.acknowledged
            assert Path(LOG).read_text().splitlines() == ["startup", "delivery"]

        def test_after(jobhook_sender):
            assert Path(LOG).read_text().splitlines()[-1] == "shutdown"
    ''')
    result = _run(pytester)
    result.assert_outcomes(passed=2)


def test_live_receiver_serves_an_asgi_app_under_uvicorn_for_the_session(
    pytester: pytest.Pytester, log: Path
) -> None:
    pytester.makepyfile(test_hook='''
        from jobhook_testkit import FakeSender
        from receiver import create_app

        def test_one(live_receiver):
            server = live_receiver(create_app)
            delivery = FakeSender(server.url + "/hooks/jobs", auth="Bearer s3cret").deliver()
            assert delivery.status_code == 204, delivery
            assert live_receiver(create_app) is server

        def test_two(live_receiver):
            server = live_receiver(create_app)
            sender = FakeSender(server.url + "/hooks/jobs", auth="Bearer s3cret")
            assert sender.deliver().status_code == 204
    ''')
    result = _run(pytester)
    result.assert_outcomes(passed=2)
    assert log.read_text().splitlines() == ["startup", "delivery", "delivery", "shutdown"]


def test_check_receiver_and_assert_conforms_take_the_app_and_its_factory(
    pytester: pytest.Pytester, log: Path
) -> None:
    pytester.makepyfile(test_hook='''
        import pytest
        from jobhook_testkit import assert_conforms, check_receiver
        from jobhook_testkit import EndpointNotFoundError
        from receiver import create_app

        def test_check_receiver_with_the_app():
            report = check_receiver(create_app(), path="/hooks/jobs", auth="Bearer s3cret",
                                    timeout=2, only=["acknowledges-success-report",
                                                     "refuses-wrong-authorization"])
            assert report.passed, report

        def test_assert_conforms_with_the_factory_fails_on_a_wrong_path():
            with pytest.raises(EndpointNotFoundError, match="no endpoint at /nowhere"):
                assert_conforms(create_app, path="/nowhere", auth="Bearer s3cret", timeout=2,
                                only=["acknowledges-success-report"])
    ''')
    result = _run(pytester)
    result.assert_outcomes(passed=2)
    lines = log.read_text().splitlines()
    assert lines.count("startup") == lines.count("shutdown") == 2


def test_a_lifespan_failure_fails_one_contract_test_with_the_reason(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(test_hook='''
        from contextlib import asynccontextmanager
        from fastapi import FastAPI
        from jobhook_testkit import ReceiverContract

        @asynccontextmanager
        async def lifespan(app):
            raise ConnectionError("database unreachable")
            yield

        class TestHook(ReceiverContract):
            app = FastAPI(lifespan=lifespan)
            only = ["acknowledges-success-report", "rejects-invalid-json"]
    ''')
    result = _run(pytester)
    result.assert_outcomes(failed=1, skipped=1)
    result.stdout.fnmatch_lines([
        "*TestHook.app could not be served: the app's lifespan startup failed: "
        "ConnectionError: database unreachable*"
    ])
