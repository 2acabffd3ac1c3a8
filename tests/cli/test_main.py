"""The `jobhook` front end: help, version, usage errors, a closed pipe."""

from __future__ import annotations

import subprocess
import sys

import pytest

from jobhook_testkit import __version__
from jobhook_testkit.cli import COMMANDS, main


def test_help_lists_every_command(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    for name in COMMANDS:
        assert name in out
    assert "Exit codes: 0 all good, 1 the check found problems, 2 usage or I/O error" in out


@pytest.mark.parametrize("name", COMMANDS)
def test_every_command_has_help(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([name, "--help"]) == 0
    assert f"usage: jobhook {name}" in capsys.readouterr().out


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"jobhook {__version__}"


@pytest.mark.parametrize("argv", [[], ["frobnicate"], ["validate", "--nope"]])
def test_usage_errors_exit_2_without_a_traceback(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("usage: jobhook")
    assert "Traceback" not in err


def test_a_reader_that_leaves_early_is_not_an_error() -> None:
    # `jobhook generate --count N | head -1`: the pipe closes under us.
    producer = subprocess.Popen(
        [sys.executable, "-m", "jobhook_testkit", "generate", "--count", "20000", "--seed", "1"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )
    assert producer.stdout is not None and producer.stderr is not None
    first = producer.stdout.readline()
    producer.stdout.close()
    err = producer.stderr.read()
    producer.stderr.close()
    assert producer.wait(timeout=60) == 0
    assert first.startswith(b'{"id":')
    assert b"Traceback" not in err and b"BrokenPipe" not in err


@pytest.mark.parametrize("argv", [["schema"], ["schema", "--openapi"], ["schema", "--path"]])
def test_schema_read_by_a_reader_that_left_is_not_an_error(argv: list[str]) -> None:
    # `jobhook schema | head -1`: like generate, a command that only prints data.
    producer = subprocess.Popen(
        [sys.executable, "-m", "jobhook_testkit", *argv],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )
    assert producer.stdout is not None and producer.stderr is not None
    producer.stdout.close()  # gone before the interpreter has even started: EPIPE for sure
    err = producer.stderr.read()
    producer.stderr.close()
    assert producer.wait(timeout=60) == 0
    assert err == b""


class _FailingStdout:
    """A stdout whose every write fails like a full disk or a closed pipe."""

    def __init__(self, error: OSError) -> None:
        self.error = error

    def write(self, text: str) -> int:
        raise self.error

    def flush(self) -> None:
        pass

    def fileno(self) -> int:
        raise OSError("no descriptor")  # like a captured stream: nothing to silence


def test_a_full_disk_is_an_io_error_not_a_traceback(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import errno

    with monkeypatch.context() as patch:  # restored before capsys restores its own
        patch.setattr(sys, "stdout", _FailingStdout(OSError(errno.ENOSPC, "No space left")))
        assert main(["generate", "--count", "3", "--seed", "1"]) == 2
    assert capsys.readouterr().err.endswith("jobhook generate: No space left\n")


def test_a_reader_that_leaves_is_not_success_for_commands_that_report_a_verdict(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # Only `generate` may treat it as the normal end: for the others 0 would claim that
    # checks passed whose results nobody saw (`jobhook check ... | head -1` exited 0 with
    # a failed MUST check).
    with monkeypatch.context() as patch:  # restored before capsys restores its own
        patch.setattr(sys, "stdout", _FailingStdout(BrokenPipeError(32, "Broken pipe")))
        assert main(["check", "--app", "examples/broken_receiver/app.py:create_app",
                     "--only", "rejects-get"]) == 2
        # listings and data have no verdict to hide: `jobhook check --list | head -3`
        assert main(["check", "--list"]) == 0
        assert main(["schema"]) == 0
        assert main(["generate", "--count", "3", "--seed", "1"]) == 0
    err = capsys.readouterr().err
    assert err.count("jobhook check: output closed before the result was written") == 1


def test_a_closed_stdout_is_an_io_error(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with monkeypatch.context() as patch:  # what Python sets for `jobhook generate >&-`
        patch.setattr(sys, "stdout", None)
        assert main(["generate", "--count", "1", "--seed", "1"]) == 2
    assert "jobhook: standard output is closed" in capsys.readouterr().err


def test_a_closed_stderr_keeps_diagnostics_out_of_stdout(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # print(file=None) writes to stdout: the random seed note would corrupt the NDJSON.
    with monkeypatch.context() as patch:
        patch.setattr(sys, "stderr", None)
        assert main(["generate", "--count", "1"]) == 0
        sys.stderr.close()  # the /dev/null stand-in main() opened
    out = capsys.readouterr().out
    assert out.startswith('{"id":') and out.count("\n") == 1
