"""`jobhook validate`: output lines, exit codes, formats, bad input."""

from __future__ import annotations

import copy
import io
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from jobhook_testkit import load_schema
from jobhook_testkit.cli import main

EXAMPLES = Path(__file__).resolve().parents[2] / "schema" / "examples"


@pytest.fixture
def report() -> dict[str, Any]:
    return copy.deepcopy(load_schema()["examples"][0])


def _write(path: Path, *docs: object) -> Path:
    path.write_text("".join(json.dumps(d) + "\n" for d in docs), encoding="utf-8")
    return path


def _stdin(monkeypatch: pytest.MonkeyPatch, data: bytes) -> None:
    class Stdin:
        buffer = io.BytesIO(data)

    monkeypatch.setattr(sys, "stdin", Stdin)


def test_valid_examples_pass(capsys: pytest.CaptureFixture[str]) -> None:
    paths = sorted(str(p) for p in (EXAMPLES / "valid").glob("*.json"))
    assert main(["validate", *paths]) == 0
    out, err = capsys.readouterr()
    assert out == ""
    assert f"{len(paths)} files, {len(paths)} documents: {len(paths)} valid, 0 invalid" in err


def test_ndjson_problem_is_reported_with_its_line(
    tmp_path: Path, report: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    bad = dict(report, total_failed=-1, total_succeeded=4)
    path = _write(tmp_path / "captured.ndjson", *([report] * 16), bad, report)
    assert main(["validate", str(path)]) == 1
    out, _ = capsys.readouterr()
    assert out == f"{path}:17: /total_failed: -1 is less than the minimum of 0\n"


def test_array_problems_point_into_the_array(
    tmp_path: Path, report: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "batch.json"
    path.write_text(json.dumps([report, {k: v for k, v in report.items() if k != "id"}]))
    assert main(["validate", str(path)]) == 1
    assert capsys.readouterr().out == f"{path}: /1/id: 'id' is a required property\n"


def test_warnings_do_not_fail_unless_strict(
    tmp_path: Path, report: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    path = _write(tmp_path / "r.json", dict(report, total_operations=10))
    assert main(["validate", str(path)]) == 0
    out, err = capsys.readouterr()
    assert out.startswith(f"{path}: /total_operations: warning: total_succeeded (2)")
    assert "1 warning" in err
    assert main(["validate", "--strict", str(path)]) == 1
    assert "warning:" not in capsys.readouterr().out


def test_quiet_prints_errors_only(
    tmp_path: Path, report: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    path = _write(tmp_path / "r.ndjson", dict(report, total_operations=10), dict(report, id=3))
    assert main(["validate", "-q", str(path)]) == 1
    out, err = capsys.readouterr()
    assert out == f"{path}:2: /id: 3 is not of type 'string'\n"
    assert err == ""


def test_json_format(
    tmp_path: Path, report: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    path = _write(tmp_path / "r.ndjson", report, dict(report, status="DONE"))
    assert main(["validate", "--format", "json", str(path)]) == 1
    result = json.loads(capsys.readouterr().out)
    assert result["valid"] is False
    assert (result["documents"], result["invalid_documents"]) == (2, 1)
    assert result["problems"] == [{
        "location": f"{path}:2", "pointer": "/status", "severity": "error", "keyword": "enum",
        "message": "'DONE' is not one of ['SUCCESS', 'FAILURE', 'RUNNING']",
    }]


def test_stdin_when_no_path_or_dash(
    monkeypatch: pytest.MonkeyPatch, report: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    _stdin(monkeypatch, json.dumps(dict(report, type="sync")).encode())
    assert main(["validate"]) == 1
    assert capsys.readouterr().out.startswith("<stdin>: /type: 'sync' is not one of")
    _stdin(monkeypatch, json.dumps(report).encode())
    assert main(["validate", "-"]) == 0


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b'{"id": "x",', "(root): malformed JSON at line 1, column 12"),
        (b"", "(root): empty input"),
        (b"42", "(root): expected a JSON object (a job report), got number"),
        (b'{"total_failed": NaN}', "(root): NaN is not valid JSON"),
        (b'{"definition_name": "\xff"}', "(root): invalid UTF-8 at line 1, column 22"),
    ],
    ids=["malformed", "empty", "scalar", "nan", "utf8"],
)
def test_bad_content_is_one_clear_line_and_exit_1(
    tmp_path: Path, content: bytes, expected: str, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "bad.json"
    path.write_bytes(content)
    assert main(["validate", str(path)]) == 1
    out, err = capsys.readouterr()
    assert out.startswith(f"{path}: {expected}")
    assert out.count("\n") == 1
    assert "Traceback" not in out + err


def test_duplicate_keys_are_errors(
    tmp_path: Path, report: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "dup.json"
    path.write_text(json.dumps(report)[:-1] + ', "id": "AAAAAAAAAAAAAAAAAAAA"}')
    assert main(["validate", str(path)]) == 1
    assert capsys.readouterr().out == (
        f"{path}: /id: duplicate key 'id' (JSON parsers disagree on which value wins)\n"
    )


def test_missing_file_is_exit_2_but_other_files_are_still_checked(
    tmp_path: Path, report: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    bad = _write(tmp_path / "bad.json", dict(report, id=1))
    assert main(["validate", str(tmp_path / "absent.json"), str(bad)]) == 2
    out, err = capsys.readouterr()
    assert "absent.json: no such file" in err
    assert f"{bad}: /id: 1 is not of type 'string'" in out


def test_oversized_file_is_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "big.json"
    path.write_text('{"a": "' + "x" * 2048 + '"}')
    assert main(["validate", "--max-bytes", "1K", str(path)]) == 2
    assert "is larger than the 1.0 KiB limit" in capsys.readouterr().err


@pytest.mark.parametrize("argv", [["validate", "--format", "xml"], ["validate", "--max-bytes",
                                                                      "lots"], ["nope"]])
def test_usage_errors_are_exit_2(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv) == 2
    assert "usage:" in capsys.readouterr().err


def test_recordings_are_validated_by_their_report(
    tmp_path: Path, report: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    line = {"report": dict(report, total_failed=-2), "path": "/", "headers": {},
            "received_at": "2026-11-28T12:00:00Z", "violations": []}
    malformed = {"report": None, "raw": "{oops", "path": "/", "headers": {},
                 "received_at": "2026-11-28T12:00:01Z", "violations": []}
    path = _write(tmp_path / "rec.ndjson", line, malformed)
    assert main(["validate", str(path)]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out[0] == f"{path}:1: /report/total_failed: -2 is less than the minimum of 0"
    assert out[1].startswith(f"{path}:2: /report: recorded delivery was not a JSON object")


def test_report_unknown_counts_fields(
    tmp_path: Path, report: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    path = _write(tmp_path / "r.ndjson", dict(report, definition={}, progress=1),
                  dict(report, definition={}), report)
    assert main(["validate", "--report-unknown", str(path)]) == 0
    out = capsys.readouterr().out
    assert "definition: seen in 2 reports" in out
    assert "progress: seen in 1 report\n" in out
    assert main(["validate", "--report-unknown", "--format", "json", str(path)]) == 0
    assert json.loads(capsys.readouterr().out)["unknown_fields"] == {"definition": 2,
                                                                     "progress": 1}


def test_real_subprocess_entry_points(tmp_path: Path, report: dict[str, Any]) -> None:
    path = _write(tmp_path / "r.json", dict(report, total_failed=-1))
    for command in ([sys.executable, "-m", "jobhook_testkit"], ["jobhook"]):
        result = subprocess.run([*command, "validate", str(path)], capture_output=True,
                                text=True, timeout=60, check=False)
        assert result.returncode == 1, result.stderr
        assert result.stdout == f"{path}: /total_failed: -1 is less than the minimum of 0\n"


def test_a_duplicate_key_is_named_as_written_not_as_a_pointer_token(
    tmp_path: Path, report: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "dup.json"
    path.write_text(json.dumps(report)[:-1] + ', "a/b~c": 1, "a/b~c": 2}')
    assert main(["validate", str(path)]) == 1
    assert capsys.readouterr().out == (
        f"{path}: /a~1b~0c: duplicate key 'a/b~c' (JSON parsers disagree on which value wins)\n"
    )


@pytest.mark.parametrize(("valid", "code"), [(True, 0), (False, 1)])
@pytest.mark.parametrize("extra", [[], ["--format", "json"]], ids=["text", "json"])
def test_a_reader_that_leaves_does_not_change_the_verdict(
    tmp_path: Path, report: dict[str, Any], valid: bool, code: int, extra: list[str]
) -> None:
    # `jobhook validate big.ndjson | head`: the reader leaves before we print. The exit
    # code must still say whether the file is valid (0 would hide invalid reports from CI).
    import os

    bad = dict(report, total_failed=-1)
    path = _write(tmp_path / "r.ndjson", *([report] * 3 if valid else [bad, report, bad]))
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        result = subprocess.run(
            [sys.executable, "-m", "jobhook_testkit", "validate", *extra, str(path)],
            stdout=write_end, stderr=subprocess.PIPE, timeout=60, check=False,
        )
    finally:
        os.close(write_end)
    assert result.returncode == code, result.stderr
    assert b"Traceback" not in result.stderr and b"Exception ignored" not in result.stderr


def test_reading_a_terminal_says_so_instead_of_seeming_to_hang(
    monkeypatch: pytest.MonkeyPatch, report: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    class Terminal:
        buffer = io.BytesIO(json.dumps(report).encode())

        @staticmethod
        def isatty() -> bool:
            return True

    monkeypatch.setattr(sys, "stdin", Terminal)
    assert main(["validate"]) == 0
    assert "reading job reports from the terminal; end with Ctrl-D" in capsys.readouterr().err
    _stdin(monkeypatch, json.dumps(report).encode())  # a pipe: no such note
    assert main(["validate", "-"]) == 0
    assert "terminal" not in capsys.readouterr().err


def test_a_closed_stdin_is_exit_2(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(sys, "stdin", None)  # `jobhook validate <&-`
    assert main(["validate"]) == 2
    assert "<stdin>: no standard input to read (it is closed)" in capsys.readouterr().err


def test_stdin_given_twice_is_a_usage_error_not_an_empty_second_input(
    monkeypatch: pytest.MonkeyPatch, report: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    _stdin(monkeypatch, json.dumps(report).encode())
    assert main(["validate", "-", "-"]) == 2
    out, err = capsys.readouterr()
    assert out == "" and "'-' (standard input) can be given only once" in err


def test_a_stderr_that_fails_does_not_change_the_verdict(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, report: dict[str, Any],
    capsys: pytest.CaptureFixture[str],
) -> None:
    import errno

    class ClosedStderr(io.StringIO):
        def write(self, text: str) -> int:
            raise OSError(errno.EBADF, "Bad file descriptor")

    path = _write(tmp_path / "r.ndjson", report, dict(report, total_failed=-1))
    with monkeypatch.context() as patch:
        patch.setattr(sys, "stderr", ClosedStderr())
        assert main(["validate", str(path)]) == 1  # the summary is lost, not the verdict
        assert main(["validate", str(tmp_path / "absent.json")]) == 2
    assert capsys.readouterr().out == f"{path}:2: /total_failed: -1 is less than the minimum of 0\n"


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_a_console_that_cannot_show_a_value_gets_it_escaped_not_a_traceback(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, report: dict[str, Any], fmt: str
) -> None:
    # A Windows console (cp1252) cannot print a Japanese name: UnicodeEncodeError escaped
    # as a traceback. Text is escaped ('\\u30b8'); JSON stays JSON (\\u escapes).
    path = _write(tmp_path / "r.json", dict(report, status="完了"))
    console = io.TextIOWrapper(io.BytesIO(), encoding="cp1252")
    with monkeypatch.context() as patch:
        patch.setattr(sys, "stdout", console)
        assert main(["validate", "--format", fmt, str(path)]) == 1
        console.flush()
        printed = console.buffer.getvalue().decode("cp1252")  # type: ignore[attr-defined]
    if fmt == "json":
        (problem,) = json.loads(printed)["problems"]
        assert problem["message"] == "'完了' is not one of ['SUCCESS', 'FAILURE', 'RUNNING']"
    else:
        assert printed == (f"{path}: /status: '\\u5b8c\\u4e86' is not one of "
                           "['SUCCESS', 'FAILURE', 'RUNNING']\n")


def test_max_bytes_limits_one_document_not_a_stream(
    tmp_path: Path, report: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    path = _write(tmp_path / "capture.ndjson", *([report] * 20))
    assert path.stat().st_size > 4096
    assert main(["validate", "--max-bytes", "1K", str(path)]) == 0
    assert "20 documents: 20 valid" in capsys.readouterr().err
    with path.open("a") as handle:
        handle.write(json.dumps(dict(report, definition_name="x" * 2000)) + "\n")
        handle.write(json.dumps(dict(report, id=1)) + "\n")
    assert main(["validate", "--max-bytes", "1K", str(path)]) == 2
    out, err = capsys.readouterr()
    assert f"{path}:21: line is larger than the 1.0 KiB limit (raise it with --max-bytes)" in err
    assert out == ""  # reading stops at the oversized line: the verdict is exit 2


def test_a_recording_line_with_a_repeated_key_is_still_read_as_a_recording(
    tmp_path: Path, report: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    line = {"report": dict(report, total_failed=-2), "path": "/", "headers": {},
            "received_at": "2026-11-28T12:00:00Z", "violations": []}
    path = tmp_path / "rec.ndjson"
    path.write_text(json.dumps(line)[:-1] + ', "path": "/again"}\n' + json.dumps(line) + "\n")
    assert main(["validate", "-q", str(path)]) == 1
    assert capsys.readouterr().out.splitlines() == [
        f"{path}:1: /path: duplicate key 'path' (JSON parsers disagree on which value wins)",
        f"{path}:1: /report/total_failed: -2 is less than the minimum of 0",
        f"{path}:2: /report/total_failed: -2 is less than the minimum of 0",
    ]


def test_a_report_with_unknown_fields_named_like_a_forward_outcome_is_still_a_report(
    tmp_path: Path, report: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    # Only a whole forward-outcome line (serve's FILE.forwards) is refused as one.
    odd = {**report, "forward_of": "upstream", "outcome": "ok", "to": "x", "elapsed": 1}
    path = _write(tmp_path / "reports.ndjson", odd, report)
    assert main(["validate", str(path)]) == 0
    assert "forward-outcome" not in capsys.readouterr().err
