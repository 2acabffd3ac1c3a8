"""Keys repeated deep inside a report: `jobhook validate`, the responses matcher and the
recorder (tests/wire/test_survivors_recorder.py) all rely on the one strict reader to find
them, however deep, and to name them by their JSON pointer."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest
import requests

from jobhook_testkit import _jsonstream
from jobhook_testkit._jsonio import Document, parse_text, read_documents
from jobhook_testkit.cli import main
from jobhook_testkit.responses import job_report_matcher
from jobhook_testkit.schema import load_schema

MESSAGE = "duplicate key {key!r} (JSON parsers disagree on which value wins)"
URL = "https://ops.example.com/jobs"


def _with_extra(extra: str) -> str:
    report: dict[str, Any] = load_schema()["examples"][0]
    return json.dumps(report)[:-1] + f', "extra": {extra}}}'


@pytest.mark.parametrize(
    ("extra", "pointer", "key"),
    [
        pytest.param('{"inner": {"k": 1, "k": 2}}', "/extra/inner/k", "k", id="two-deep"),
        pytest.param('{"a": {"b": {"c": {"k": 1, "k": 1}}}}', "/extra/a/b/c/k", "k",
                     id="four-deep"),
        pytest.param('[{"x": [{"k": 1, "k": 2}]}]', "/extra/0/x/0/k", "k", id="in-arrays"),
        pytest.param('{"in": {"a/b": 1, "a/b": 2}}', "/extra/in/a~1b", "a/b", id="escaped"),
    ],
)
def test_validate_finds_a_key_repeated_deep_inside_the_report(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], extra: str, pointer: str, key: str
) -> None:
    path = tmp_path / "deep.json"
    path.write_text(_with_extra(extra), encoding="utf-8")
    assert main(["validate", str(path)]) == 1
    assert capsys.readouterr().out == f"{path}: {pointer}: {MESSAGE.format(key=key)}\n"


def test_validate_finds_every_repeated_key_at_every_depth(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "deep.json"
    path.write_text(_with_extra('{"k": 0, "k": 1, "in": {"j": 1, "j": 2}}'), encoding="utf-8")
    assert main(["validate", str(path)]) == 1
    assert capsys.readouterr().out.splitlines() == [
        f"{path}: /extra/in/j: {MESSAGE.format(key='j')}",
        f"{path}: /extra/k: {MESSAGE.format(key='k')}",
    ]


def test_the_matcher_refuses_a_key_repeated_two_objects_deep() -> None:
    matcher = job_report_matcher()
    request = requests.Request(
        "POST", URL, data=_with_extra('{"inner": {"k": 1, "k": 2}}').encode()
    ).prepare()
    matched, reason = matcher(request)
    assert not matched
    assert reason == (
        "request body is not a job report: invalid JSON (the key 'k' appears twice in one "
        "object (receivers disagree on which value wins))"
    )


# --- what the strict reader says about whole files (mutation testing of _jsonio) ------


def _validate(path: Path, capsys: pytest.CaptureFixture[str]) -> list[str]:
    assert main(["validate", str(path)]) == 1
    return capsys.readouterr().out.splitlines()


@pytest.mark.parametrize(
    ("content", "where"),
    [
        (b'{"a": "\xc3\xa9\xff"}', "line 1, column 9 (byte offset 9)"),
        ('{"a":\n "é顧🚀x'.encode() + b'\xff"}', "line 2, column 7 (byte offset 18)"),
        (b'\xef\xbb\xbf{"a": "\xff"}', "line 1, column 8 (byte offset 10)"),
        (b'{"a": "x\xef\xbb\xbf\xff"}', "line 1, column 10 (byte offset 11)"),
    ],
    ids=["after-a-2-byte-character", "after-3-and-4-byte-ones", "after-a-bom", "after-a-zwnbsp"],
)
def test_invalid_utf8_in_a_file_read_whole_is_placed_in_characters(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: bytes, where: str
) -> None:
    """The column counts characters, as a text editor shows them (it counted bytes, so any
    accented letter before the bad byte moved it right); a leading BOM is no character,
    a U+FEFF inside the text is one."""
    path = tmp_path / "report.json"
    path.write_bytes(content)
    assert _validate(path, capsys) == [f"{path}: (root): invalid UTF-8 at {where}"]


def test_a_utf16_file_is_named_as_such(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "report.json"
    path.write_bytes('{"id": "x"}'.encode("utf-16"))  # with its byte order mark
    assert _validate(path, capsys) == [
        f"{path}: (root): the input is UTF-16 (it starts with a UTF-16 byte order mark); "
        "JSON must be UTF-8: convert it first"
    ]


@pytest.mark.parametrize("content", [b"", b" \n\t\r\n"])
def test_an_empty_file_says_what_was_expected(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: bytes
) -> None:
    path = tmp_path / "report.json"
    path.write_bytes(content)
    assert _validate(path, capsys) == [
        f"{path}: (root): empty input: expected a job report, an array of reports, or NDJSON "
        "with one report per line"
    ]


@pytest.mark.parametrize(
    ("number", "shown"),
    [
        ("9" * 400, "number " + "9" * 40 + "... is too large to represent"),
        ("-" + "9" * 400, "number -" + "9" * 39 + "... is too large to represent"),
        ("1" * 45 + ".5e300", "number " + "1" * 40 + " is too large to represent"),
    ],
    ids=["integer", "negative-integer", "float"],
)
def test_a_number_too_large_is_shown_cut_to_forty_characters(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], number: str, shown: str
) -> None:
    path = tmp_path / "report.json"
    path.write_text(f'{{"total_failed": {number}}}', encoding="utf-8")
    assert _validate(path, capsys) == [f"{path}: (root): {shown}"]


@pytest.mark.parametrize("sign", ["", "-"])
def test_the_largest_double_written_as_an_integer_is_accepted(sign: str) -> None:
    """309 digits: the exact value of sys.float_info.max, which a double holds."""
    digits = str(int(sys.float_info.max))
    assert len(digits) == 309
    (document,) = parse_text(f'{{"n": {sign}{digits}}}', "f.json")
    assert document.error is None
    assert document.value == {"n": int(sign + digits)}
    (document,) = parse_text(f'{{"n": {sign}{int(digits) + 1}}}', "f.json")
    assert document.error is not None and document.error.endswith("is too large to represent")


@pytest.mark.parametrize(
    ("text", "pointers"),
    [
        ('{"inner": {"k": 1, "k": 2}}', ("/inner/k",)),
        ('[{"k": 1, "k": 2}]', ("/0/k",)),
        ('{"a": {"b": {"k": 1, "k": 2}}}', ("/a/b/k",)),
    ],
    ids=["only-member", "only-element", "only-member-twice"],
)
def test_a_repeated_key_in_the_only_value_of_its_parent_is_found(
    text: str, pointers: tuple[str, ...]
) -> None:
    (document,) = parse_text(text, "f.json")
    assert document.duplicate_keys == pointers


@pytest.fixture
def small_probe(monkeypatch: pytest.MonkeyPatch) -> None:
    """Files over 32 bytes count as large: not decided from their first lines, read whole."""
    monkeypatch.setattr(_jsonstream, "PROBE", 32)


@pytest.mark.usefixtures("small_probe")
def test_a_large_report_saved_with_a_bom_and_a_blank_first_line_is_read(tmp_path: Path) -> None:
    """What Windows editors write: a BOM, CRLF line ends; here a blank line first too."""
    report = {"id": "AYb3kQ2zVx81LmNq0pQr", "status": "SUCCESS", "total_failed": 0}
    path = tmp_path / "report.json"
    path.write_bytes(b"\xef\xbb\xbf\r\n" + json.dumps(report, indent=2).replace("\n", "\r\n")
                     .encode())
    assert [(d.value, d.error) for d in read_documents(str(path))] == [(report, None)]


@pytest.mark.usefixtures("small_probe")
@pytest.mark.parametrize(
    ("text", "error"),
    [
        ('\n{"a" 1}', "malformed JSON at line 2, column 6: Expecting ':' delimiter"),
        ('\n\n{\n "status": "SUCCESS",\n "a" 1}',
         "malformed JSON at line 5, column 6: Expecting ':' delimiter"),
        ('\n{\n "status": "SUCCESS"\n}\n{"b": 2}',
         "malformed JSON at line 5, column 1: extra data after the first value (NDJSON needs "
         "one value per line)"),
    ],
    ids=["second-line", "fifth-line", "extra-data"],
)
def test_errors_in_a_large_file_after_blank_lines_are_placed_in_the_file(
    tmp_path: Path, text: str, error: str
) -> None:
    path = tmp_path / "report.json"
    path.write_text(text, encoding="utf-8")
    assert read_documents(str(path)) == [Document(str(path), error=error)]


@pytest.mark.usefixtures("small_probe")
def test_a_large_array_not_recognised_from_its_start_is_still_split(tmp_path: Path) -> None:
    path = tmp_path / "reports.json"
    path.write_text(" " * 40 + '[{"a": 1}, {"b": 2}]', encoding="utf-8")
    assert read_documents(str(path)) == [
        Document(str(path), {"a": 1}, pointer="/0"), Document(str(path), {"b": 2}, pointer="/1"),
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('{"a": \n{"b": 2}\n', [(1, False), (2, {"b": 2})]),
        ('\n{"a": \n{"b": 2}\n{"c": 3}', [(2, False), (3, {"b": 2}), (4, {"c": 3})]),
        ('{"a": \n{bad}\n{"b": 2}\n', [(1, False), (2, False), (3, {"b": 2})]),
    ],
    ids=["one-whole-line-after", "blank-line-first", "a-broken-whole-looking-line-first"],
)
def test_a_recording_with_a_torn_first_line_costs_only_its_broken_lines(
    tmp_path: Path, text: str, expected: list[tuple[int, Any]]
) -> None:
    """A crash tore the first line: the whole objects on the lines after it are still read
    (the first line that looks whole may itself be broken: the search goes on)."""
    path = tmp_path / "recording.ndjson"
    path.write_text(text, encoding="utf-8")
    documents = read_documents(str(path))
    assert [(d.line, d.value if d.error is None else False) for d in documents] == expected
    assert [d.location for d in documents] == [f"{path}:{line}" for line, _ in expected]


def test_a_capture_of_a_terabyte_is_refused_by_its_size(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Sizes past 1023 GiB are still written in GiB (a disk image passed by mistake)."""
    path = tmp_path / "disk.img"
    try:
        with path.open("wb") as handle:
            handle.truncate(1536 * 1024**3)  # sparse: nothing is written
    except OSError:  # pragma: no cover - a file system without sparse files that large
        pytest.skip("no sparse 1.5 TiB file here")
    assert main(["validate", "--max-bytes", "1K", str(path)]) == 2
    assert capsys.readouterr().err.splitlines()[0] == (
        f"jobhook validate: {path}: 1536.0 GiB is larger than the 1.0 KiB limit (raise it with "
        "--max-bytes)"
    )
