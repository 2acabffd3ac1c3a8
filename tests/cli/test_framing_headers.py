"""``--header`` cannot set the body's framing: the receiver would read another body and be
blamed for the 400 (or the wait) that follows. A usage error, on every command that sends."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from jobhook_testkit import JobReportFactory
from jobhook_testkit.cli import main
from jobhook_testkit.recorder import serve_recorder


@pytest.mark.parametrize("header", ["Content-Length: 5", "transfer-encoding: chunked"])
@pytest.mark.parametrize("command", ["send", "check", "replay"])
def test_a_framing_header_is_a_usage_error_and_nothing_is_sent(
    command: str, header: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    report = tmp_path / "report.json"
    report.write_text(json.dumps(JobReportFactory(seed=1).build()))
    with serve_recorder() as receiver:
        argv = {"send": ["send", receiver.url],
                "check": ["check", receiver.url, "--only", "acknowledges-success-report"],
                "replay": ["replay", str(report), receiver.url]}[command]
        assert main([*argv, "--header", header]) == 2
        assert receiver.deliveries == ()
    err = capsys.readouterr().err
    name = header.partition(":")[0]
    assert f"argument --header: {name.title()} is set by jobhook from the body it sends" in err
