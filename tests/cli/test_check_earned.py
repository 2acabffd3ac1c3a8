"""`jobhook check` earns its verdicts: a wrong --path stops it, --probe checks redelivery,
--header reaches a receiver behind a gateway (and `jobhook replay --header` too)."""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from _receivers import CREATED, BackgroundReceiver

from jobhook_testkit.cli import main
from jobhook_testkit.server import serve_wsgi

ROOT = Path(__file__).resolve().parents[2]
TESTS = Path(__file__).resolve().parents[1]
FLASK_APP = "examples/flask_receiver/app.py:create_app"
AUTH = "Bearer s3cret"
GATEWAY_KEY = "gw-Kq7-Secret"
_MODULES = itertools.count()
WRONG_PATH = ["check", "--app", FLASK_APP, "--path", "/hooks/wrong", "--auth", AUTH]


@pytest.fixture(autouse=True)
def _from_the_repo_root(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Run from the repository root (as README does); undo --app's sys.path change; stop
    the workers of the receivers a test made."""
    monkeypatch.chdir(ROOT)
    monkeypatch.setattr(sys, "path", list(sys.path))
    yield
    while CREATED:
        CREATED.pop().close()


def _app_file(tmp_path: Path, **options: object) -> str:
    """A module with a create_app() factory making a BackgroundReceiver(**options).

    Each call writes a module of its own name: --app refuses to load a second module
    under a name already imported.
    """
    source = (
        "import sys\n"
        f"sys.path.insert(0, {str(TESTS)!r})\n"
        "from _receivers import BackgroundReceiver\n"
        "def create_app():\n"
        f"    return BackgroundReceiver(**{options!r})\n"
    )
    path = tmp_path / f"hook_app_{os.getpid()}_{next(_MODULES)}.py"
    path.write_text(source, encoding="utf-8")
    return f"{path}:create_app"


def test_a_wrong_path_exits_2_with_one_message_and_no_pass(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code = main(WRONG_PATH)

    out, err = capsys.readouterr()
    assert code == 2
    assert out == ""  # no table, so no PASS
    lines = err.splitlines()
    assert lines[0] == ("jobhook check: no endpoint at /hooks/wrong: check --path "
                        "(nothing was checked)")
    assert lines[1].startswith("  sent:      POST http://127.0.0.1:")
    assert "/hooks/wrong  (" in lines[1] and "Authorization: Bearer [redacted]" in lines[1]
    assert any(line.startswith("  received:  404 NOT FOUND after ") for line in lines)
    assert "s3cret" not in err


@pytest.mark.slow
def test_a_wrong_path_in_a_real_process() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "jobhook_testkit", *WRONG_PATH], cwd=ROOT,
        capture_output=True, text=True, timeout=60,
        env={k: v for k, v in os.environ.items() if k != "JOBHOOK_BREAK"},
    )
    assert done.returncode == 2
    assert done.stdout == ""
    assert "no endpoint at /hooks/wrong: check --path" in done.stderr
    assert "Traceback" not in done.stderr and "PASS" not in done.stderr


@pytest.mark.parametrize(("dedupe", "code", "line"), [
    (True, 0, "PASS  processes-redelivery-once"),
    (False, 1, "FAIL  processes-redelivery-once"),
])
def test_probe_checks_redelivery_from_the_cli(
    dedupe: bool, code: int, line: str, tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    app = _app_file(tmp_path, work=0.05, dedupe=dedupe)

    got = main(["check", "--app", app, "--path", "/hooks/jobs", "--timeout", "2",
                "--only", "processes-redelivery-once", "--probe", "/processed/{id}"])

    out = capsys.readouterr().out
    assert got == code, out
    assert line in out
    if not dedupe:
        assert "processed 2 times within " in out


def test_a_probe_that_answers_no_count_fails_saying_what_it_answered(
    tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    app = _app_file(tmp_path, work=0.0, dedupe=True)

    got = main(["check", "--app", app, "--path", "/hooks/jobs", "--timeout", "2",
                "--only", "processes-redelivery-once", "--probe", "/counts?id={id}"])

    out = capsys.readouterr().out
    assert got == 1
    assert "the side-effect probe GET http://127.0.0.1:" in out
    assert "/counts?id=" in out
    assert "answered 404 '{\"error\": \"no such page\"}'; expected 200 with a JSON integer" \
        in out


@pytest.mark.parametrize(("template", "says"), [
    ("/processed", "has no {id} for the report id"),
    ("processed/{id}", "must start with / (relative to the receiver) or http://"),
    # a password in the probe URL: refused before anything is sent, and never printed
    ("http://u:pw0rdSecret99@127.0.0.1:9/{id}", "holds user:password@, which is not sent"),
    ("ftp://u:pw0rdSecret99@h/{id}", "holds user:password@, which is not sent"),
    ("http://u:pw0rdSecret99@h/processed", "holds user:password@, which is not sent"),
])
def test_a_bad_probe_template_is_a_usage_error(
    template: str, says: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["check", "http://127.0.0.1:9/", "--probe", template]) == 2
    err = capsys.readouterr().err
    assert err.startswith("jobhook check: --probe: the probe URL")
    assert says in err
    assert "pw0rdsecret99" not in err.lower()


def test_header_reaches_a_receiver_behind_a_gateway_and_is_never_printed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    def base() -> list[str]:
        app = _app_file(tmp_path, work=0.0, dedupe=True,
                        required=("X-Gateway-Key", GATEWAY_KEY))
        return ["check", "--app", app, "--path", "/hooks/jobs", "--timeout", "2",
                "--only", "acknowledges-success-report", "processes-redelivery-once",
                "--probe", "/processed/{id}"]

    assert main(base()) == 1  # the gateway refuses the deliveries without its header
    assert "FAIL  acknowledges-success-report" in capsys.readouterr().out
    for fmt in ("text", "json", "junit"):
        code = main([*base(), "--header", f"X-Gateway-Key: {GATEWAY_KEY}", "--format", fmt])
        out, err = capsys.readouterr()
        assert code == 0, out + err
        assert GATEWAY_KEY.lower() not in (out + err).lower()


@pytest.mark.parametrize(("value", "says"), [
    ("X-Gateway-Key gw-Kq7-Secret", 'expected "Name: value"'),
    (": gw-Kq7-Secret", 'expected "Name: value"'),
    ("Authorization: Bearer gw-Kq7-Secret", "give the Authorization value with --auth"),
])
def test_a_malformed_header_is_a_usage_error_that_does_not_echo_it(
    value: str, says: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["check", "http://127.0.0.1:9/", "--header", value]) == 2
    err = capsys.readouterr().err
    assert says in err
    assert GATEWAY_KEY.lower() not in err.lower()


def test_help_lists_probe_and_header(capsys: pytest.CaptureFixture[str]) -> None:
    for command in ("check", "replay"):
        assert main([command, "--help"]) == 0
        out = capsys.readouterr().out
        assert "--header" in out
        assert ("--probe URL_TEMPLATE" in out) is (command == "check")


def test_replay_sends_the_headers(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from jobhook_testkit import JobReportFactory

    reports = tmp_path / "reports.ndjson"
    factory = JobReportFactory(seed=1)
    reports.write_text("".join(json.dumps(factory.build()) + "\n" for _ in range(2)))
    receiver = BackgroundReceiver(0.0, dedupe=True, required=("X-Gateway-Key", GATEWAY_KEY))
    with serve_wsgi(receiver) as server:
        url = server.url + "/hooks/jobs"
        refused = main(["replay", str(reports), url])
        capsys.readouterr()
        code = main(["replay", str(reports), url, "--header", f"x-gateway-key: {GATEWAY_KEY}"])
    out, err = capsys.readouterr()
    assert refused == 1
    assert code == 0, out + err
    assert "2 acknowledged" in out
    assert GATEWAY_KEY.lower() not in (out + err).lower()


@pytest.mark.parametrize("auth", [["--auth", "Bearer not-the-configured-one"], []])
def test_a_refused_first_report_says_to_fix_auth_once(
    auth: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["check", "--app", FLASK_APP, "--path", "/hooks/jobs", "--only",
                 "acknowledges-success-report", *auth])
    err = capsys.readouterr().err
    assert code == 1  # the verdicts stand: a receiver refusing the platform's value fails
    given = "the Authorization given with --auth" if auth else "no --auth"
    assert err.count("jobhook check: the receiver answered 401") == 1
    assert f"to the run's first ordinary report, with {given}: " in err
    assert "not-the-configured-one" not in err


def test_no_auth_hint_when_the_first_report_is_acknowledged(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code = main(["check", "--app", FLASK_APP, "--path", "/hooks/jobs", "--auth", AUTH,
                 "--only", "acknowledges-success-report"])
    assert code == 0
    assert "fix --auth" not in capsys.readouterr().err
