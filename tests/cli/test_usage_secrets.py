"""Usage errors name the offending option and never echo a value that may be a credential."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from jobhook_testkit.cli import main

SECRET = "Bearer SuperSecret123"


def _leaks(text: str) -> bool:
    return "supersecret123" in text.lower()


@pytest.mark.parametrize(
    ("argv", "said"),
    [
        (["validate", "r.ndjson", "--auth", SECRET],
         "unrecognized option --auth; jobhook validate sends nothing"),
        (["generate", "--auth", SECRET], "unrecognized option --auth; jobhook generate"),
        (["send", "http://127.0.0.1:9/", "--authorization", SECRET],
         "unrecognized option --authorization; did you mean --auth?"),
        (["send", "http://127.0.0.1:9/", SECRET],
         "1 unexpected argument (not shown: it may be a credential)"),
        (["validate", "r.ndjson", f"--auth={SECRET}"],
         "unrecognized option --auth (its value is not shown)"),
        ([f"--auth={SECRET}", "validate"],
         "unrecognized option --auth (its value is not shown); a command's options go after"),
        (["--auth", SECRET, "send", "http://127.0.0.1:9/"],
         "unrecognized option --auth; a command's options go after the command"),
        (["send", "http://127.0.0.1:9/", "--timeout", SECRET],
         "argument --timeout: not a number of seconds: '(value not shown)'"),
        (["send", "http://127.0.0.1:9/", "--status", SECRET.lower()],
         "argument --status: invalid choice: '(value not shown)'"),
        (["check", "--seed", SECRET], "argument --seed: not a whole number: '(value not shown)'"),
    ],
)
def test_a_usage_error_names_the_option_never_the_value(
    argv: list[str], said: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == 2
    out, err = capsys.readouterr()
    assert said in err
    assert not _leaks(out + err), err
    if not argv[0].startswith("-"):
        assert err.startswith(f"usage: jobhook {argv[0]} "), err  # the subcommand's usage


def test_a_short_value_is_still_shown_to_explain_the_mistake(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["send", "http://127.0.0.1:9/", "--timeout", "abc"]) == 2
    assert "not a number of seconds: 'abc'" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("argv", "suggestion"),
    [
        (["validate", "--stict"], "unrecognized option --stict; did you mean --strict?"),
        (["check", "--formt", "json"], "unrecognized option --formt; did you mean --format?"),
        (["replay", "f", "http://x", "--timout", "3"],
         "unrecognized option --timout; did you mean --timeout?"),
    ],
)
def test_an_option_typo_prints_the_subcommands_usage_and_the_closest_option(
    argv: list[str], suggestion: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"usage: jobhook {argv[0]} ")
    assert f"jobhook {argv[0]}: error: {suggestion}" in err


def test_an_unknown_option_far_from_any_is_named_without_a_guess(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["validate", "--zzzzzz"]) == 2
    err = capsys.readouterr().err
    assert "error: unrecognized option --zzzzzz\n" in err
    assert "did you mean" not in err


def test_a_command_typo_suggests_the_command_without_echoing_it(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["valdate", "x"]) == 2
    err = capsys.readouterr().err
    assert "jobhook: error: unknown command; did you mean validate?" in err
    assert main([SECRET, "validate"]) == 2
    err = capsys.readouterr().err
    assert "unknown command" in err and not _leaks(err)


def test_a_password_in_the_url_is_refused_naming_the_cli_option(
    capsys: pytest.CaptureFixture[str],
) -> None:
    for command in (["check"], ["send"], ["replay", "deliveries.ndjson"]):
        assert main([*command, "http://user:SuperSecret123@127.0.0.1:9/hook"]) == 2
        err = capsys.readouterr().err
        assert "give the Authorization value with --auth" in err, err
        assert "auth=" not in err
        assert not _leaks(err)


@pytest.mark.parametrize("command", ["serve", "send", "check", "replay"])
def test_auth_with_a_line_break_is_refused_by_every_command(
    command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    positional = {"send": ["http://127.0.0.1:9/"], "check": ["http://127.0.0.1:9/"],
                  "replay": ["f.ndjson", "http://127.0.0.1:9/"]}.get(command, [])
    assert main([command, *positional, "--auth", "Bearer SuperSecret123\r\nX-Evil: 1"]) == 2
    err = capsys.readouterr().err
    assert "line break" in err
    assert not _leaks(err)
    assert len(err.strip().splitlines()) == 1


def test_a_real_run_never_prints_the_value_in_any_case() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "jobhook_testkit", "send", "http://127.0.0.1:9/",
         "--authorisation", SECRET.upper()],
        capture_output=True, timeout=60, check=False,
    )
    assert done.returncode == 2
    assert b"unrecognized option --authorisation" in done.stderr
    assert b"SUPERSECRET123" not in (done.stdout + done.stderr).upper()


def _echo_in_upper_case(environ: dict[str, object], start_response: Any) -> list[bytes]:
    given = str(environ.get("HTTP_AUTHORIZATION", ""))
    start_response("401 Unauthorized", [("Content-Type", "text/plain")])
    return [f"refused {given.upper()} and {given.lower()}".encode()]


def test_an_echo_in_another_case_is_never_printed_by_send_replay_or_check(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from jobhook_testkit import load_schema
    from jobhook_testkit.server import serve_wsgi

    reports = tmp_path / "reports.ndjson"
    reports.write_text(json.dumps(load_schema()["examples"][0]) + "\n", encoding="utf-8")
    with serve_wsgi(_echo_in_upper_case) as server:
        assert main(["send", server.url, "--auth", SECRET, "--seed", "1"]) == 1
        assert main(["replay", str(reports), server.url, "--auth", SECRET]) == 1
        assert main(["check", server.url, "--auth", SECRET, "--format", "json",
                     "--only", "acknowledges-success-report"]) == 1
    out, err = capsys.readouterr()
    assert "refused Bearer [redacted] and Bearer [redacted]" in out
    assert not _leaks(out + err)
