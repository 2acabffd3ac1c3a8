"""`jobhook check`: the suite from a terminal; output formats, exit codes, bad input."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from _receivers import free_port

from jobhook_testkit.cli import main
from jobhook_testkit.contract import Level, check_names, get_check

ROOT = Path(__file__).resolve().parents[2]
FLASK_APP = "examples/flask_receiver/app.py:create_app"
BROKEN_APP = "examples/broken_receiver/app.py:create_app"
AUTH = "Bearer s3cret"


@pytest.fixture(autouse=True)
def _from_the_repo_root(monkeypatch: pytest.MonkeyPatch) -> None:
    """Run from the repository root (as README does); undo --app's sys.path change."""
    monkeypatch.chdir(ROOT)
    monkeypatch.setattr(sys, "path", list(sys.path))
    monkeypatch.delenv("JOBHOOK_BREAK", raising=False)


def test_the_flask_example_passes(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["check", "--app", FLASK_APP, "--path", "/hooks/jobs", "--auth", AUTH,
                 "--seed", "3"])

    out, err = capsys.readouterr()
    assert code == 0, out + err
    assert out.startswith("jobhook check http://127.0.0.1:")
    assert "(timeout 5 s, Authorization: Bearer [redacted], seed 3)" in out
    assert "FAIL" not in out
    assert "SKIP  processes-redelivery-once" in out  # no probe from a terminal
    assert out.splitlines()[-1].startswith(f"{len(check_names()) - 1} passed, 1 skipped in ")
    assert "--seed 3" in out.splitlines()[-1]
    assert "s3cret" not in out + err


# processes-redelivery-once needs a side-effect probe, which only the Python API and
# ReceiverContract take (tests/wire and tests/plugin cover it).
@pytest.mark.parametrize("name", [n for n in check_names() if get_check(n).needs != "probe"])
def test_each_check_fails_through_the_cli_on_the_receiver_built_to_break_it(
    name: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JOBHOOK_BREAK", name)

    code = main(["check", "--app", BROKEN_APP, "--path", "/hooks/jobs", "--auth", AUTH,
                 "--timeout", "0.6", "--only", name])

    out = capsys.readouterr().out
    if get_check(name).level is Level.MUST:
        assert code == 1
        assert f"FAIL  {name}" in out
        assert out.splitlines()[-1].startswith("0 passed, 1 failed (MUST)")
    else:
        assert code == 0  # SHOULD failures warn, they do not fail the run
        assert f"WARN  {name}" in out
        assert out.splitlines()[-1].startswith("0 passed, 1 warning (SHOULD)")
    assert "  expected:  " in out


def test_an_unreachable_url_exits_2_before_checking_anything(
    capsys: pytest.CaptureFixture[str],
) -> None:
    port = free_port()

    code = main(["check", f"http://127.0.0.1:{port}/hooks/jobs", "--timeout", "1"])

    out, err = capsys.readouterr()
    assert code == 2
    assert out == ""
    assert f"receiver unreachable at http://127.0.0.1:{port}/hooks/jobs" in err
    assert "nothing was checked" in err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        ([], "give the receiver's URL or --app MODULE:ATTR (exactly one)"),
        (["http://127.0.0.1:9/", "--app", FLASK_APP], "exactly one"),
        (["--app", FLASK_APP, "--only", "acknowledges-everything"],
         "unknown check name(s): acknowledges-everything; known checks: "),
        (["--app", "examples/flask_receiver/nope.py:app"],
         "--app: no such file: examples/flask_receiver/nope.py"),
        (["--app", "no_such_module_here:app"], "no module named 'no_such_module_here'"),
        (["--app", "examples/flask_receiver/app.py:missing"], "has no attribute 'missing'"),
        (["--app", "examples/flask_receiver/app.py:HOOK_PATH"],
         "'examples/flask_receiver/app.py:HOOK_PATH' is a str, not a WSGI or ASGI application"),
        (["ftp://example.com/"], "target must be an http:// or https:// URL"),
        (["--app", FLASK_APP, "--auth", "Bearer a\nb"], "Authorization"),
        (["--app", FLASK_APP, "--path", "/hooks\r\nX-Injected: 1"],
         "path must not contain control characters"),
    ],
    ids=["no-target", "both-targets", "unknown-check", "no-file", "no-module", "no-attr",
         "not-an-app", "bad-scheme", "bad-auth-value", "path-with-line-break"],
)
def test_usage_errors_exit_2_with_one_clear_line(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["check", *argv])

    out, err = capsys.readouterr()
    assert code == 2
    assert out == ""
    assert message in err
    assert "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


@pytest.mark.parametrize("value", ["0", "-1", "nan", "soon"])
def test_a_bad_timeout_is_a_usage_error(value: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "http://127.0.0.1:9/", "--timeout", value]) == 2
    assert "--timeout" in capsys.readouterr().err


def test_json_format(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JOBHOOK_BREAK", "rejects-empty-body")
    code = main(["check", "--app", BROKEN_APP, "--path", "/hooks/jobs", "--format", "json",
                 "--auth", AUTH, "--only", "rejects-empty-body", "acknowledges-success-report"])

    data = json.loads(capsys.readouterr().out)
    assert code == 1
    assert data["passed"] is False
    assert [c["name"] for c in data["checks"]] == [
        "acknowledges-success-report", "rejects-empty-body"]
    assert data["checks"][1]["status"] == "fail"
    assert data["checks"][1]["deliveries"][0]["status_code"] == 500


def test_junit_format_to_a_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JOBHOOK_BREAK", "rejects-get")
    target = tmp_path / "jobhook.xml"
    code = main(["check", "--app", BROKEN_APP, "--path", "/hooks/jobs", "--format", "junit",
                 "--only", "rejects-get", "refuses-empty-authorization", "-o", str(target)])

    out, err = capsys.readouterr()
    assert code == 0
    assert out == ""
    assert f"report written to {target}" in err
    suite = ET.parse(target).getroot().find("testsuite")
    assert suite is not None
    assert (suite.get("failures"), suite.get("skipped")) == ("0", "1")


def test_the_apps_own_output_goes_to_stderr_never_into_the_report(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "noisy_receiver_app.py").write_text(
        "import sys\n"
        "print('noise at import')\n"
        "def app(environ, start_response):\n"
        "    print('noise per request')\n"
        "    environ['wsgi.input'].read(int(environ.get('CONTENT_LENGTH') or 0))\n"
        "    start_response('204 No Content', [])\n"
        "    return [b'']\n",
        encoding="utf-8",
    )

    code = main(["check", "--app", f"{tmp_path / 'noisy_receiver_app.py'}:app", "--format",
                 "json", "--only", "acknowledges-success-report"])

    out, err = capsys.readouterr()
    assert code == 0
    assert json.loads(out)["passed"] is True
    assert "noise at import" in err
    assert "noise per request" in err


def test_list_names_every_check_with_its_level(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "--list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[1] for line in lines] == check_names()
    assert lines[0].startswith("MUST    acknowledges-success-report")


@pytest.mark.slow
def test_the_readme_command_in_a_real_process() -> None:
    env = {k: v for k, v in os.environ.items() if k != "JOBHOOK_BREAK"}
    done = subprocess.run(
        [sys.executable, "-m", "jobhook_testkit", "check", "--app", FLASK_APP,
         "--path", "/hooks/jobs", "--auth", AUTH],
        cwd=ROOT, capture_output=True, text=True, timeout=60, env=env,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert " passed, 1 skipped in " in done.stdout
    assert "s3cret" not in done.stdout + done.stderr


def test_forgetting_auth_gets_a_hint(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["check", "--app", FLASK_APP, "--path", "/hooks/jobs",
                 "--only", "acknowledges-success-report"])

    out = capsys.readouterr().out
    assert code == 1
    assert "hint: the receiver answered 401/403 to requests without Authorization" in out


def test_exceptions_raised_by_the_app_are_named_after_the_table(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "crashing_receiver_app.py").write_text(
        "def app(environ, start_response):\n"
        "    report = {}\n"
        "    return report['status']\n",
        encoding="utf-8",
    )

    code = main(["check", "--app", f"{tmp_path / 'crashing_receiver_app.py'}:app",
                 "--only", "acknowledges-success-report", "rejects-empty-body"])

    out = capsys.readouterr().out
    assert code == 1
    assert "the app raised (its 5xx answers above):\n  KeyError: 'status' at " in out
    assert out.count("KeyError") == 1  # the same error twice is listed once


@pytest.mark.parametrize(
    "spec",
    [
        "examples/flask_receiver/app.py",  # no ATTR: app, application, create_app, make_app
        "examples/flask_receiver/app.py:create_app()",
        "examples.flask_receiver.app:create_app",  # dotted, from the current directory
    ],
)
def test_app_specs_are_read_like_flask_and_uvicorn_read_them(
    spec: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["check", "--app", spec, "--path", "/hooks/jobs", "--auth", AUTH,
                 "--only", "acknowledges-success-report"])

    assert code == 0, capsys.readouterr()


def test_a_factory_that_raises_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "failing_factory_app.py").write_text(
        "def create_app():\n    raise RuntimeError('DATABASE_URL is not set')\n", encoding="utf-8"
    )

    code = main(["check", "--app", str(tmp_path / "failing_factory_app.py")])

    err = capsys.readouterr().err
    assert code == 2
    assert "--app: create_app() raised RuntimeError: DATABASE_URL is not set" in err


@pytest.mark.parametrize(
    ("source", "spec", "message"),
    [
        ("import sys\nsys.exit('no config')\n", "app",
         "--app: importing 'exiting_app_{n}' called sys.exit('no config')"),
        ("def create_app():\n    raise SystemExit(3)\n", "create_app",
         "--app: create_app() called sys.exit(3)"),
        ("def create_app():\n    return 1 + 'a'\n", "create_app",
         "--app: create_app() raised TypeError: unsupported operand"),
    ],
    ids=["exit-at-import", "exit-in-factory", "typeerror-in-factory"],
)
def test_an_app_that_exits_or_fails_while_loading_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], source: str, spec: str, message: str,
    request: pytest.FixtureRequest,
) -> None:
    n = request.node.callspec.id.replace("-", "_")
    (tmp_path / f"exiting_app_{n}.py").write_text(source, encoding="utf-8")

    code = main(["check", "--app", f"{tmp_path / f'exiting_app_{n}.py'}:{spec}"])

    out, err = capsys.readouterr()
    assert code == 2
    assert out == ""
    assert message.format(n=n) in err


def test_a_receiver_refusing_the_configured_authorization_gets_a_hint(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code = main(["check", "--app", FLASK_APP, "--path", "/hooks/jobs",
                 "--auth", "Bearer not-what-it-expects", "--only", "acknowledges-success-report"])

    out = capsys.readouterr().out
    assert code == 1
    assert ("hint: the receiver answered 401/403 to requests carrying the configured "
            "Authorization (Bearer [redacted]): is it the value the receiver expects") in out
    assert "not-what-it-expects" not in out


def test_a_file_named_like_a_module_already_imported_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "json.py").write_text("def app(environ, start_response): ...\n",
                                      encoding="utf-8")

    code = main(["check", "--app", f"{tmp_path / 'json.py'}:app"])

    out, err = capsys.readouterr()
    assert code == 2
    assert out == ""
    assert "importing it as 'json' gave " in err
    assert "(a module of that name was already imported); rename json.py" in err


@pytest.mark.slow
def test_files_next_to_the_app_cannot_shadow_what_the_run_imports(tmp_path: Path) -> None:
    # The app's directory goes first on sys.path, as flask --app does. A werkzeug.py or
    # faker.py there must not replace the libraries the run itself imports afterwards.
    # (A real process: in this one, both are imported already.)
    shadow = "raise ImportError('the shadow was imported')\n"
    (tmp_path / "werkzeug.py").write_text(shadow, encoding="utf-8")
    (tmp_path / "faker.py").write_text(shadow, encoding="utf-8")
    (tmp_path / "plain_receiver_app.py").write_text(
        "def app(environ, start_response):\n"
        "    start_response('204 No Content', [])\n"
        "    return [b'']\n",
        encoding="utf-8",
    )
    env = {k: v for k, v in os.environ.items() if k != "JOBHOOK_BREAK"}
    env["PYTHONPATH"] = str(ROOT)
    done = subprocess.run(
        [sys.executable, "-m", "jobhook_testkit", "check", "--app",
         f"{tmp_path / 'plain_receiver_app.py'}:app", "--only",
         "acknowledges-success-report", "acknowledges-edge-cases"],
        cwd=ROOT, capture_output=True, text=True, timeout=60, env=env,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "2 passed in " in done.stdout


@pytest.mark.parametrize("fmt", ["text", "json", "junit"])
def test_an_exception_message_that_is_not_encodable_is_still_reported(
    fmt: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    module = f"surrogate_receiver_app_{fmt}"  # one module per run: imported ones stay
    (tmp_path / f"{module}.py").write_text(
        "def app(environ, start_response):\n"
        "    raise RuntimeError('bad byte \\udcff in the body')\n",
        encoding="utf-8",
    )
    target = tmp_path / "report.out"

    code = main(["check", "--app", f"{tmp_path / module}.py:app",
                 "--only", "acknowledges-success-report", "--format", fmt, "-o", str(target)])

    assert code == 1, capsys.readouterr().err
    written = target.read_text(encoding="utf-8")
    if fmt == "json":
        assert json.loads(written)["app_errors"][0].startswith(
            "RuntimeError: bad byte \udcff in the body")
    elif fmt == "text":
        assert "RuntimeError: bad byte \\udcff in the body" in written
    else:
        ET.fromstring(written)


def test_an_output_file_that_cannot_be_written_is_refused_before_anything_is_sent(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "counting_receiver_app.py").write_text(
        "CALLS = []\n"
        "def app(environ, start_response):\n"
        "    CALLS.append(environ['REQUEST_METHOD'])\n"
        "    start_response('204 No Content', [])\n"
        "    return [b'']\n",
        encoding="utf-8",
    )
    missing = tmp_path / "no-such-dir" / "jobhook.xml"

    for output, problem in ((missing, f"no such directory {missing.parent}"),
                            (tmp_path, "Is a directory")):
        code = main(["check", "--app", f"{tmp_path / 'counting_receiver_app.py'}:app",
                     "--format", "junit", "-o", str(output)])

        out, err = capsys.readouterr()
        assert code == 2
        assert out == ""
        assert err.strip() == f"jobhook check: cannot write {output}: {problem}"
    assert "counting_receiver_app" not in sys.modules  # not even loaded
