"""``jobhook serve``: one clear line for a port it cannot have, an honest line count for a
record file deleted while recording, and --auth refused as the other commands refuse it."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

import pytest

from jobhook_testkit._recording_file import RecordingFile
from jobhook_testkit.cli import main


def test_a_port_in_use_is_one_line_that_says_what_to_do(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        assert main(["serve", "--port", str(port)]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err == (
        f"jobhook serve: cannot listen on 127.0.0.1:{port}: address in use "
        "(another jobhook serve? pick --port)\n"
    )


@pytest.mark.slow
def test_a_port_in_use_prints_nothing_else_in_a_real_run() -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        done = subprocess.run(
            [sys.executable, "-m", "jobhook_testkit", "serve", "--port", str(port)],
            capture_output=True, timeout=60, check=False,
        )
    assert done.returncode == 2
    assert done.stdout == b""
    assert done.stderr.decode().splitlines() == [
        f"jobhook serve: cannot listen on 127.0.0.1:{port}: address in use "
        "(another jobhook serve? pick --port)"
    ]


def test_an_address_this_machine_does_not_have_says_pick_host(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["serve", "--port", "0", "--host", "192.0.2.1"]) == 2  # TEST-NET-1
    assert capsys.readouterr().err == (
        "jobhook serve: cannot listen on 192.0.2.1:0: this machine has no such address "
        "(pick --host)\n"
    )


def test_auth_with_a_line_break_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["serve", "--port", "0", "--auth", "Bearer abcdefgh\nX-Evil: 1"]) == 2
    assert capsys.readouterr().err == (
        "jobhook serve: --auth contains a line break or NUL, which an HTTP header cannot "
        "carry\n"
    )


@pytest.mark.parametrize("auth", ["", "   "])
def test_an_empty_auth_is_refused_not_a_serve_that_refuses_everything(auth: str) -> None:
    # A real process: were it accepted, serve would run until killed (a failure, not a hang).
    done = subprocess.run(
        [sys.executable, "-m", "jobhook_testkit", "serve", "--port", "0", "--auth", auth],
        capture_output=True, text=True, timeout=30, check=False,
    )
    assert done.returncode == 2
    assert done.stderr == (
        "jobhook serve: --auth is empty: every delivery would be refused; give the value "
        "deliveries carry, or leave --auth out\n"
    )


def test_the_line_count_follows_the_file_the_path_names(tmp_path: Path) -> None:
    path = tmp_path / "r.ndjson"
    with RecordingFile(path, durable=False) as recording:
        for number in range(3):
            recording.append({"n": number})
        path.unlink()
        path.write_text('{"someone": "else"}\n')  # re-created by another hand
        recording.append({"n": 3})
        assert (recording.lines_written, recording.lines_lost) == (1, 3)
    assert path.read_text().splitlines() == ['{"someone": "else"}', '{"n":3}']


def test_a_file_deleted_after_the_last_line_counts_none_on_close(tmp_path: Path) -> None:
    path = tmp_path / "r.ndjson"
    recording = RecordingFile(path, durable=False)
    recording.append({"n": 1})
    recording.append({"n": 2})
    path.unlink()
    recording.close()
    assert (recording.lines_written, recording.lines_lost) == (0, 2)
    kept = RecordingFile(tmp_path / "kept.ndjson", durable=False)
    kept.append({"n": 1})
    kept.close()
    assert (kept.lines_written, kept.lines_lost) == (1, 0)


@pytest.mark.parametrize("name", ["", "  "])
def test_an_empty_record_file_name_is_a_usage_error(
    name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["serve", "--port", "0", "--record", name]) == 2
    err = capsys.readouterr().err
    assert "argument --record: needs a file name, got an empty one" in err
    assert "Is a directory" not in err
