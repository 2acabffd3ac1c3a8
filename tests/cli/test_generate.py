"""`jobhook generate`: NDJSON on stdout, every line valid, seeds, the edge-case corpus."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from jobhook_testkit._edge_cases import edge_cases
from jobhook_testkit.cli import main
from jobhook_testkit.schema import validate


def _generate(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[list[str], str]:
    assert main(["generate", *args]) == 0
    captured = capsys.readouterr()
    assert captured.out.endswith("\n") or captured.out == ""
    return captured.out.splitlines(), captured.err


def _compact(line: str) -> dict[str, Any]:
    report: dict[str, Any] = json.loads(line)
    assert line == json.dumps(report, ensure_ascii=False, separators=(",", ":"))
    return report


def test_one_report_by_default_and_the_random_seed_on_stderr(
    capsys: pytest.CaptureFixture[str],
) -> None:
    lines, err = _generate(capsys)
    assert len(lines) == 1
    assert validate(_compact(lines[0]), strict=True) == []
    seed = int(err.split("seed ", 1)[1].split()[0])
    assert err.strip() == f"jobhook generate: seed {seed} (pass --seed {seed} to repeat)"
    again, _ = _generate(capsys, "--seed", str(seed))
    assert again == lines


def test_count_and_seed_give_reproducible_valid_distinct_reports(
    capsys: pytest.CaptureFixture[str],
) -> None:
    lines, err = _generate(capsys, "--count", "300", "--seed", "3")
    assert err == ""
    reports = [_compact(line) for line in lines]
    assert len(reports) == 300 and len({r["id"] for r in reports}) == 300
    assert all(validate(report, strict=True) == [] for report in reports)
    assert _generate(capsys, "-n", "300", "--seed", "3")[0] == lines
    assert _generate(capsys, "-n", "300", "--seed", "4")[0] != lines
    assert _generate(capsys, "--count", "0", "--seed", "3")[0] == []


def test_status_type_and_locale_are_honoured(capsys: pytest.CaptureFixture[str]) -> None:
    lines, _ = _generate(capsys, "-n", "40", "--seed", "1", "--status", "failure",
                         "--type", "Import", "--locale", "ja_JP")
    reports = [_compact(line) for line in lines]
    assert {(r["status"], r["type"]) for r in reports} == {("FAILURE", "import")}
    # ensure_ascii=False: names are printed as text, not \\u escapes.
    assert any(any(ord(c) > 0x3000 for c in r["definition_name"]) for r in reports)
    assert "\\u" not in "".join(lines)


def test_edge_cases_prints_the_corpus_one_line_each(capsys: pytest.CaptureFixture[str]) -> None:
    lines, err = _generate(capsys, "--edge-cases")
    assert err == ""
    assert [_compact(line) for line in lines] == [case.payload for case in edge_cases()]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--count", "-1"], "must be 0 or more"),
        (["--count", "many"], "not a whole number"),
        (["--seed", "x"], "not a whole number"),
        (["--status", "DONE"], "invalid choice"),
        (["--type", "sync"], "invalid choice"),
        (["--locale", "xx_YY"], "unknown Faker locale 'xx_YY'"),
        (["--edge-cases", "--count", "2"], "--edge-cases takes no --count"),
        (["--edge-cases", "--seed", "1", "--status", "SUCCESS"], "takes no --seed, --status"),
        (["--bogus"], "unrecognized option --bogus"),
    ],
)
def test_bad_options_exit_2_with_one_clear_message(
    capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    assert main(["generate", *args]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert message in captured.err
    assert "Traceback" not in captured.err


def test_real_process_output_is_utf8_and_validates(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONIOENCODING": "ascii"}  # a console that cannot print é
    generated = subprocess.run(
        [sys.executable, "-m", "jobhook_testkit", "generate", "-n", "25", "--seed", "9",
         "--locale", "fr_FR"],
        capture_output=True, timeout=60, env=env, check=False,
    )
    assert generated.returncode == 0, generated.stderr
    text = generated.stdout.decode("utf-8")
    assert len(text.splitlines()) == 25
    assert any(ord(c) > 127 for c in text)

    path = tmp_path / "reports.ndjson"
    path.write_bytes(generated.stdout)
    checked = subprocess.run(
        [sys.executable, "-m", "jobhook_testkit", "validate", "--strict", str(path)],
        capture_output=True, text=True, timeout=60, check=False,
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
