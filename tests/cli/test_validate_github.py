"""`jobhook validate --format github`: GitHub Actions workflow commands, so a bad fixture
is annotated on the pull request's diff."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from jobhook_testkit import load_schema
from jobhook_testkit.cli import main


@pytest.fixture
def report() -> dict[str, Any]:
    return copy.deepcopy(load_schema()["examples"][0])


def test_errors_and_warnings_become_annotations_on_their_lines(
    tmp_path: Path, report: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "captured.ndjson"
    lines = [report, dict(report, total_failed=-1), dict(report, total_operations=10)]
    path.write_text("".join(json.dumps(r) + "\n" for r in lines))
    assert main(["validate", "--format", "github", str(path)]) == 1
    out, err = capsys.readouterr()
    assert out.splitlines() == [
        f"::error file={path},line=2::/total_failed: -1 is less than the minimum of 0",
        f"::warning file={path},line=3::/total_operations: total_succeeded (2) + "
        "total_failed (1) != total_operations (10)",
    ]
    assert "1 file, 3 documents: 2 valid, 1 invalid, 1 warning" in err


def test_quiet_keeps_errors_only(
    tmp_path: Path, report: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "r.json"
    path.write_text(json.dumps(dict(report, total_operations=10, id="")))
    assert main(["validate", "--format", "github", "-q", str(path)]) == 1
    out, err = capsys.readouterr()
    assert out == f"::error file={path}::/id: '' should be non-empty\n"
    assert err == ""


def test_values_and_names_are_escaped_as_github_requires(
    tmp_path: Path, report: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    # Properties escape % \r \n : and , ; the message escapes % \r \n.
    path = tmp_path / "50%, a:b.json"
    path.write_text(json.dumps(report)[:-1]
                    + ', "a\\nb": 1, "a\\nb": 2, "c\\rd": 1, "c\\rd": 2, "status": "100%"}')
    assert main(["validate", "--format", "github", str(path)]) == 1
    out = capsys.readouterr().out.splitlines()
    name = str(path).replace("%", "%25").replace(":", "%3A").replace(",", "%2C")
    assert out == [
        f"::error file={name}::/a%0Ab: duplicate key 'a\\nb' (JSON parsers disagree on which "
        "value wins)",
        f"::error file={name}::/c%0Dd: duplicate key 'c\\rd' (JSON parsers disagree on which "
        "value wins)",
        f"::error file={name}::/status: duplicate key 'status' (JSON parsers disagree on "
        "which value wins)",
        f"::error file={name}::/status: '100%25' is not one of ['SUCCESS', 'FAILURE', "
        "'RUNNING']",
    ]


def test_a_file_that_cannot_be_read_is_an_annotation_too(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "absent.json"
    assert main(["validate", "--format", "github", str(missing)]) == 2
    out, err = capsys.readouterr()
    assert out == f"::error::{missing}: no such file\n"
    assert f"jobhook validate: {missing}: no such file" in err


def test_stdin_problems_are_annotations_without_a_file(
    monkeypatch: pytest.MonkeyPatch, report: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    import io
    import sys

    class Stdin:
        buffer = io.BytesIO((json.dumps(report) + "\n" + json.dumps(dict(report, id=1))
                             + "\n").encode())

    monkeypatch.setattr(sys, "stdin", Stdin)
    assert main(["validate", "--format", "github", "-"]) == 1
    # no file to mark, so the line stays in the message: else nothing says which one
    assert capsys.readouterr().out == "::error::<stdin>:2: /id: 1 is not of type 'string'\n"
