"""`jobhook check --app` with ASGI receivers (FastAPI, Starlette): no server code needed."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from jobhook_testkit.cli import main

ROOT = Path(__file__).resolve().parents[2]
AUTH = "Bearer s3cret"

STARLETTE_RECEIVER = '''
import hmac
import json

from starlette.applications import Starlette
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

AUTH = "Bearer s3cret"
BUG = {bug!r}
seen = set()


def problem(report):
    if BUG != "trusts-the-shape" and not isinstance(report, dict):
        return "not an object"
    if not isinstance(report.get("id"), str):  # a list or a string: AttributeError, a 500
        return "id must be a string"
    for name in ("total_operations", "total_succeeded", "total_failed"):
        if type(report.get(name)) is not int or report[name] < 0:
            return f"{{name}} must be an integer >= 0"
    return None


async def hook(request: Request) -> Response:
    given = request.headers.get("authorization", "")
    if BUG == "scheme-only":
        ok = given.startswith("Bearer ") and len(given) > 7
    else:
        ok = bool(given) and hmac.compare_digest(given.encode(), AUTH.encode())
    if not ok:
        return JSONResponse({{"error": "unauthorized"}}, 401)
    try:
        raw = await request.body()
    except ClientDisconnect:
        return JSONResponse({{"error": "incomplete"}}, 400)
    try:
        report = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return JSONResponse({{"error": "not JSON"}}, 400)
    reason = problem(report)
    if reason:
        return JSONResponse({{"error": reason}}, 422)
    seen.add(report["id"])
    return Response(status_code=204)


app = Starlette(routes=[Route("/hooks/jobs", hook, methods=["POST"])])
'''

FASTAPI_CRASHING_ON_BAD_JSON = '''
import json

from fastapi import FastAPI, Request, Response

app = FastAPI()


@app.post("/hooks/jobs")
async def hook(request: Request) -> Response:
    if request.headers.get("authorization") != "Bearer s3cret":
        return Response(status_code=401)
    report = json.loads(await request.body())  # the bug: garbage raises, a 500
    if not isinstance(report, dict) or not isinstance(report.get("id"), str):
        return Response(status_code=422)
    return Response(status_code=204)
'''


@pytest.fixture(autouse=True)
def _isolated(monkeypatch: pytest.MonkeyPatch) -> None:
    """Undo --app's sys.path change; run from the repository root, as README does."""
    monkeypatch.chdir(ROOT)
    monkeypatch.setattr(sys, "path", list(sys.path))


def _write(tmp_path: Path, name: str, source: str) -> str:
    # Unique module names: the same name imported twice in one process is refused.
    path = tmp_path / f"{name}_{tmp_path.name.replace('-', '_')}.py"
    path.write_text(source, encoding="utf-8")
    return f"{path}:app"


def _check(capsys: pytest.CaptureFixture[str], app: str, *extra: str) -> tuple[int, dict]:
    code = main(["check", "--app", app, "--path", "/hooks/jobs", "--auth", AUTH,
                 "--format", "json", "--timeout", "2", *extra])
    out, err = capsys.readouterr()
    assert "s3cret" not in out + err
    return code, json.loads(out)


def _failed(report: dict) -> set[str]:
    return {r["name"] for r in report["checks"] if r["status"] == "fail"}


def test_a_correct_fastapi_receiver_passes(capsys: pytest.CaptureFixture[str]) -> None:
    code, report = _check(capsys, "examples/asgi_receiver/app.py:app")
    assert code == 0, report
    assert _failed(report) == set()
    assert report["target"].startswith("http://127.0.0.1:")  # served over a real socket


def test_a_correct_starlette_receiver_passes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, report = _check(capsys, _write(tmp_path, "starlette_ok",
                                         STARLETTE_RECEIVER.format(bug="")))
    assert code == 0, report
    assert _failed(report) == set()


@pytest.mark.parametrize(
    ("bug", "failing"),
    [
        ("scheme-only", {"refuses-wrong-credential"}),
        ("trusts-the-shape", {"rejects-non-object-json"}),
    ],
)
def test_a_buggy_starlette_receiver_fails_on_the_right_check(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], bug: str, failing: set[str]
) -> None:
    code, report = _check(capsys, _write(tmp_path, "starlette_bug",
                                         STARLETTE_RECEIVER.format(bug=bug)))
    assert code == 1
    assert _failed(report) == failing


def test_a_fastapi_receiver_crashing_on_garbage_fails_those_checks_with_its_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, report = _check(capsys, _write(tmp_path, "fastapi_bug", FASTAPI_CRASHING_ON_BAD_JSON))
    assert code == 1
    assert _failed(report) == {"rejects-invalid-json", "rejects-empty-body",
                               "rejects-invalid-utf8"}
    assert any("JSONDecodeError" in line for line in report["app_errors"])


def test_a_lifespan_that_fails_is_a_usage_error_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = (
        "from contextlib import asynccontextmanager\n"
        "from fastapi import FastAPI\n\n"
        "@asynccontextmanager\n"
        "async def lifespan(app):\n"
        "    raise RuntimeError('DATABASE_URL is not set')\n"
        "    yield\n\n"
        "app = FastAPI(lifespan=lifespan)\n"
    )
    code = main(["check", "--app", _write(tmp_path, "fastapi_lifespan", source)])
    out, err = capsys.readouterr()
    assert code == 2
    assert out == ""
    assert err.strip().splitlines() == [
        "jobhook check: the app's lifespan startup failed: RuntimeError: "
        "DATABASE_URL is not set"
    ]


def test_an_asgi2_app_is_a_usage_error_saying_how_to_wrap_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = "class app:\n    def __init__(self, scope):\n        pass\n\n" \
             "    async def __call__(self, receive, send):\n        pass\n"
    code = main(["check", "--app", _write(tmp_path, "asgi2", source)])
    _out, err = capsys.readouterr()
    assert code == 2
    assert "is an ASGI 2 (double-callable) app" in err
    assert "guarantee_single_callable" in err


def test_the_fastapi_example_through_a_real_process() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "jobhook_testkit", "check", "--app",
         "examples/asgi_receiver/app.py:create_app", "--path", "/hooks/jobs", "--auth", AUTH,
         "--only", "acknowledges-success-report", "--only", "survives-hang-up"],
        cwd=ROOT, capture_output=True, text=True, timeout=60, check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "PASS  survives-hang-up" in result.stdout
    assert result.stderr == ""


@pytest.mark.parametrize("entry", ["wsgi", "asgi"])
def test_the_django_example_passes_as_wsgi_and_as_asgi(
    capsys: pytest.CaptureFixture[str], entry: str
) -> None:
    code, report = _check(capsys, f"examples/django_receiver/{entry}.py:application")
    assert code == 0, report
    assert _failed(report) == set()
    assert [r["name"] for r in report["checks"] if r["status"] == "skip"] == [
        "processes-redelivery-once"  # no probe from a terminal
    ]


def test_without_uvicorn_an_asgi_app_is_a_usage_error_saying_what_to_install(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "uvicorn", None)
    code = main(["check", "--app", "examples/asgi_receiver/app.py:create_app"])
    out, err = capsys.readouterr()
    assert (code, out) == (2, "")
    assert err.strip().splitlines() == [
        "jobhook check: serving an ASGI app needs uvicorn: pip install "
        "'jobhook-testkit[asgi]' (or uvicorn)"
    ]
