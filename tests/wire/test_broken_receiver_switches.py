"""A switch of examples/broken_receiver breaks one behaviour: a whole run, as README shows
it (``JOBHOOK_BREAK=NAME jobhook check --app ...``), fails the check it names, and only the
checks whose deliveries meet the same bug."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from jobhook_testkit.cli import main

APP = str(Path(__file__).resolve().parents[2] / "examples" / "broken_receiver" / "app.py")


@pytest.mark.parametrize(
    ("switch", "failing"),
    [
        ("acknowledges-concurrent-deliveries", ["acknowledges-concurrent-deliveries"]),
        ("acknowledges-failure-report",
         ["acknowledges-edge-cases", "acknowledges-failure-report"]),
        ("rejects-empty-body", ["rejects-empty-body"]),
    ],
)
def test_a_whole_run_fails_what_the_switch_breaks(
    switch: str, failing: list[str], monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("JOBHOOK_BREAK", switch)
    code = main(["check", "--app", f"{APP}:create_app", "--path", "/hooks/jobs",
                 "--auth", "Bearer s3cret", "--format", "json", "--seed", "1"])
    checks = json.loads(capsys.readouterr().out)["checks"]
    assert code == 1
    assert sorted(c["name"] for c in checks if c["status"] == "fail") == failing
