"""Bytes that are not UTF-8 in a URL or --path on the command line: a clear usage error."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from jobhook_testkit import JobReportFactory
from jobhook_testkit.cli import main

# What Python makes of the byte 0xFF in an argument (surrogateescape): '\udcff'.
BAD = os.fsdecode(b"\xff")


@pytest.mark.parametrize("argv", [
    ["send", f"http://127.0.0.1:9/hook{BAD}"],
    ["check", "http://127.0.0.1:9", "--path", f"/hook{BAD}"],
    ["replay", "REPORT", f"http://127.0.0.1:9/?q={BAD}"],
])
def test_a_non_utf8_url_says_what_is_wrong(
    argv: list[str], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    report = tmp_path / "report.json"
    report.write_text(json.dumps(JobReportFactory(seed=1).build()))
    assert main([str(report) if arg == "REPORT" else arg for arg in argv]) == 2
    err = capsys.readouterr().err
    assert "holds bytes that are not UTF-8 text (percent-encode them: %FF)" in err, err
    assert "codec" not in err


def test_in_a_real_process() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "jobhook_testkit", "send", b"http://127.0.0.1:9/\xff"],
        capture_output=True, timeout=60, check=False,
    )
    assert done.returncode == 2
    assert b"not UTF-8 text" in done.stderr and b"Traceback" not in done.stderr
