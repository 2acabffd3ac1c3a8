"""Progress on stderr for long `jobhook validate` / `jobhook replay` runs: on a terminal
only (a real pseudo-terminal in one test), never in pipes, CI logs or with -q."""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from jobhook_testkit import JobReportFactory, _progress
from jobhook_testkit.cli import main
from jobhook_testkit.recorder import serve_recorder

ERASE = "\r\x1b[K"


class Terminal(io.StringIO):
    """A captured stderr that says it is a terminal."""

    def isatty(self) -> bool:
        return True


def as_terminal(monkeypatch: pytest.MonkeyPatch) -> Terminal:
    """From now on stderr is a terminal, no CI, and progress shows from the first update.

    Called in the test itself: pytest puts its own stderr back between setup and call."""
    stream = Terminal()
    monkeypatch.setattr(sys, "stderr", stream)
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.setenv("TERM", "xterm")
    monkeypatch.setattr(_progress, "DELAY", 0.0)
    monkeypatch.setattr(_progress, "INTERVAL", 0.0)
    return stream


@pytest.fixture
def capture(tmp_path: Path) -> Path:
    path = tmp_path / "capture.ndjson"
    factory = JobReportFactory(seed=3)
    path.write_text("".join(json.dumps(factory.build()) + "\n" for _ in range(600)))
    return path


def test_the_status_line_says_lines_bytes_rate_and_eta() -> None:
    stream, now = Terminal(), [100.0]
    progress = _progress.Progress(stream, total_bytes=100_000_000, clock=lambda: now[0])
    now[0] = 100.5
    progress.update(400, 20_000_000)
    assert stream.getvalue() == ""  # not within the first second
    now[0] = 102.0
    progress.update(1000, 50_000_000)
    assert stream.getvalue() == ERASE + "1,000 lines  50.0/100.0 MB  500 lines/s  ETA 0:02"
    progress.close()
    assert stream.getvalue().endswith("ETA 0:02" + ERASE)
    progress.update(2000, 60_000_000)
    assert stream.getvalue().endswith(ERASE)  # closed: never drawn again


def test_a_known_count_gives_the_eta_by_items() -> None:
    stream = Terminal()
    progress = _progress.Progress(stream, unit="reports", total_items=40, clock=lambda: 0.0)
    assert progress.describe(10, None, 5.0) == "10/40 reports  2 reports/s  ETA 0:15"


@pytest.mark.parametrize(
    ("quiet", "tty", "environ", "shown"),
    [(False, True, {}, True), (True, True, {}, False), (False, False, {}, False),
     (False, True, {"CI": "true"}, False), (False, True, {"TERM": "dumb"}, False)],
    ids=["terminal", "quiet", "pipe", "ci", "dumb-terminal"],
)
def test_only_on_a_terminal(
    monkeypatch: pytest.MonkeyPatch, quiet: bool, tty: bool, environ: dict[str, str],
    shown: bool,
) -> None:
    monkeypatch.setattr(sys, "stderr", Terminal() if tty else io.StringIO())
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.setenv("TERM", "xterm")
    for key, value in environ.items():
        monkeypatch.setenv(key, value)
    assert (_progress.for_terminal(quiet=quiet) is not None) is shown


def test_validate_shows_progress_then_erases_it(
    monkeypatch: pytest.MonkeyPatch, capture: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    terminal = as_terminal(monkeypatch)
    assert main(["validate", str(capture)]) == 0
    err = terminal.getvalue()
    assert f"{ERASE}512 lines  " in err
    assert f"/{capture.stat().st_size / 1e6:,.1f} MB" in err
    assert err.endswith(ERASE + "1 file, 600 documents: 600 valid, 0 invalid, 0 warnings\n")
    assert capsys.readouterr().out == ""


def test_validate_counts_the_bytes_of_every_file_read(
    monkeypatch: pytest.MonkeyPatch, capture: Path, tmp_path: Path
) -> None:
    second = tmp_path / "second.ndjson"
    second.write_bytes(capture.read_bytes())
    size = capture.stat().st_size
    terminal = as_terminal(monkeypatch)
    assert main(["validate", str(capture), str(second)]) == 0
    shown = re.findall(r"([\d,]+) lines  ([\d.,]+)/([\d.,]+) MB", terminal.getvalue())
    total = f"{2 * size / 1e6:,.1f}"
    # 768 lines in: the whole first file and part of the second, out of both files' bytes
    assert ("768", total) in {(lines, of) for lines, _, of in shown}
    (done,) = {done for lines, done, _ in shown if lines == "768"}
    assert float(done) > size / 1e6


def test_validate_quiet_shows_no_progress(
    monkeypatch: pytest.MonkeyPatch, capture: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    terminal = as_terminal(monkeypatch)
    assert main(["validate", "-q", str(capture)]) == 0
    assert terminal.getvalue() == ""


def test_replay_shows_progress_then_erases_it(
    monkeypatch: pytest.MonkeyPatch, capture: Path
) -> None:
    terminal = as_terminal(monkeypatch)
    lines = capture.read_text().splitlines()[:3]
    capture.write_text("\n".join(lines) + "\n")
    with serve_recorder() as recorder:
        assert main(["replay", str(capture), recorder.url]) == 0
    err = terminal.getvalue()
    assert f"{ERASE}2/3 reports  " in err
    assert err.endswith(ERASE)


@pytest.mark.slow
@pytest.mark.skipif(sys.platform == "win32", reason="needs a pseudo-terminal")
def test_a_real_terminal_sees_progress_and_a_pipe_does_not(tmp_path: Path) -> None:
    import pty

    line = json.dumps(JobReportFactory(seed=1).build()).encode() + b"\n"
    environ = {k: v for k, v in os.environ.items() if k != "CI"} | {"TERM": "xterm"}

    def run(stderr_is_terminal: bool) -> bytes:
        primary, secondary = pty.openpty() if stderr_is_terminal else os.pipe()
        child = subprocess.Popen(
            [sys.executable, "-m", "jobhook_testkit", "validate", "-"],
            stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=secondary, env=environ,
        )
        os.close(secondary)
        assert child.stdin is not None
        child.stdin.write(line * 300)  # a run that lasts over a second: a slow producer
        child.stdin.flush()
        time.sleep(1.3)
        child.stdin.write(line * 600)
        child.stdin.close()
        assert child.wait(30) == 0
        seen = b""
        while True:
            try:
                chunk = os.read(primary, 65536)
            except OSError:  # EIO: the terminal's other side is closed
                break
            if not chunk:
                break
            seen += chunk
        os.close(primary)
        return seen

    on_terminal, in_pipe = run(True), run(False)
    assert b"\x1b[K" in on_terminal and b" lines/s" in on_terminal
    assert on_terminal.rstrip().endswith(b"900 documents: 900 valid, 0 invalid, 0 warnings")
    assert in_pipe == b"1 file, 900 documents: 900 valid, 0 invalid, 0 warnings\n"
