"""How `jobhook validate` reads a source as a stream, at the edges a mutation run found
untested: where --max-bytes falls, blank lines and indentation before the first value, torn
first lines, the end of the input, live pipes, progress figures and read errors.

Small ``max_bytes`` values stand in for the real limits; where a test needs the input to
arrive a few bytes at a time (as from a slow pipe), it sets the module's ``_CHUNK``, which
the reader looks up at each read.
"""

from __future__ import annotations

import builtins
import io
import json
import os
import sys
import threading
import time
import tracemalloc
from pathlib import Path
from typing import Any

import pytest

from jobhook_testkit import _jsonarray, _jsonstream, load_schema
from jobhook_testkit._jsonio import Document, InputError, iter_documents, read_documents
from jobhook_testkit.cli import main


def _lines(*lines: str) -> str:
    return "".join(line + "\n" for line in lines)


def _found(docs: list[Document]) -> list[tuple[str, int | None, str, Any, str | None]]:
    return [(d.source, d.line, d.pointer, d.value, d.error) for d in docs]


def _stdin(monkeypatch: pytest.MonkeyPatch, stream: object) -> None:
    class Stdin:
        buffer = stream

    monkeypatch.setattr(sys, "stdin", Stdin)


# --max-bytes: a line, an element, a whole file


def test_an_ndjson_line_of_exactly_max_bytes_is_accepted_one_more_is_refused(
    tmp_path: Path,
) -> None:
    """The limit is the longest line accepted (its newline not counted), the last line
    without a newline included."""
    line = '{"n": "1234567"}'
    assert len(line) == 16
    path = tmp_path / "r.ndjson"
    path.write_text(line + "\n" + line + "\n" + line)  # no newline after the last
    assert _found(read_documents(str(path), max_bytes=16)) == [
        (str(path), n, "", {"n": "1234567"}, None) for n in (1, 2, 3)
    ]
    path.write_text(_lines(line, line, '{"n": "12345678"}', line))
    with pytest.raises(InputError) as raised:
        read_documents(str(path), max_bytes=16)
    assert str(raised.value) == (
        f"{path}:3: line is larger than the 16 bytes limit (raise it with --max-bytes)"
    )


def test_a_one_line_array_of_exactly_max_bytes_is_still_split_into_its_elements(
    tmp_path: Path,
) -> None:
    """Bug: with its newline, the line went one byte past the look-ahead and the array was
    read as NDJSON: one document, the whole list, instead of its elements."""
    text = json.dumps([{"a": 1}, {"b": 2}])
    path = tmp_path / "a.json"
    path.write_text(text + "\n")
    expected = [(str(path), None, "/0", {"a": 1}, None), (str(path), None, "/1", {"b": 2}, None)]
    assert _found(read_documents(str(path), max_bytes=len(text))) == expected
    assert _found(read_documents(str(path), max_bytes=len(text) + 1)) == expected


def test_blank_lines_after_a_one_line_array_do_not_make_it_ndjson(tmp_path: Path) -> None:
    """Up to the look-ahead (here --max-bytes, 16 bytes) of blank lines is read to find the
    end of the file."""
    path = tmp_path / "a.json"
    path.write_text("[1, 2]\n" + "\n" * 16)
    assert _found(read_documents(str(path), max_bytes=16)) == [
        (str(path), None, "/0", 1, None), (str(path), None, "/1", 2, None)
    ]


def test_a_value_after_many_blank_lines_is_not_dropped(tmp_path: Path) -> None:
    """More blank lines than the look-ahead after the first value: read on as NDJSON, which
    finds the second value."""
    path = tmp_path / "r.ndjson"
    path.write_text('{"a": 1}\n' + "\n" * 40 + '{"b": 2}\n')
    assert _found(read_documents(str(path), max_bytes=16)) == [
        (str(path), 1, "", {"a": 1}, None), (str(path), 42, "", {"b": 2}, None)
    ]


def test_a_pretty_printed_report_is_limited_as_the_whole_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Bug: blank lines before a pretty-printed report were counted against --max-bytes
    only when the report itself was exactly at the limit."""
    path = tmp_path / "r.json"
    path.write_text('\n\n\n{\n "a": 1\n}\n')  # 15 bytes, 12 of them the report
    assert _found(read_documents(str(path), max_bytes=15)) == [
        (str(path), None, "", {"a": 1}, None)
    ]
    for limit in (12, 13, 14):
        assert main(["validate", "--max-bytes", str(limit), str(path)]) == 2
        assert capsys.readouterr().err.splitlines()[0] == (
            f"jobhook validate: {path}: 15 bytes is larger than the {limit} bytes limit "
            "(raise it with --max-bytes)"
        )


def test_stdin_is_refused_at_the_first_byte_past_the_limit(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Stdin has no size to check first: it is read (a byte at a time here, ``_CHUNK``) up
    to the limit, and one byte more is refused, not cut off and parsed. The look-ahead
    (``PROBE``) is shorter than the limit, as it is for any limit over 1 MiB."""
    monkeypatch.setattr(_jsonstream, "_CHUNK", 1)
    monkeypatch.setattr(_jsonstream, "PROBE", 4)
    text = b'{\n "a": 1\n}'
    _stdin(monkeypatch, io.BytesIO(text))
    assert _found(read_documents("-", max_bytes=len(text))) == [
        ("<stdin>", None, "", {"a": 1}, None)
    ]
    _stdin(monkeypatch, io.BytesIO(text + b"\n"))
    with pytest.raises(InputError) as raised:
        read_documents("-", max_bytes=len(text))
    assert str(raised.value) == "<stdin>: input is larger than the 11 bytes limit"


# What comes before the first value


def test_blank_lines_before_ndjson_do_not_count_against_the_limit(tmp_path: Path) -> None:
    path = tmp_path / "r.ndjson"
    path.write_text("\n\n" + _lines(*(json.dumps({"n": i}) for i in range(30))))
    assert _found(read_documents(str(path), max_bytes=16)) == [
        (str(path), i + 3, "", {"n": i}, None) for i in range(30)
    ]


def test_an_indented_array_larger_than_the_limit_is_streamed(tmp_path: Path) -> None:
    path = tmp_path / "a.json"
    path.write_text("  [\n" + ",\n".join(json.dumps({"n": i}) for i in range(30)) + "\n]\n")
    assert _found(read_documents(str(path), max_bytes=16)) == [
        (str(path), None, f"/{i}", {"n": i}, None) for i in range(30)
    ]


def test_an_indented_report_with_an_object_on_a_line_of_its_own_is_one_document(
    tmp_path: Path,
) -> None:
    path = tmp_path / "r.json"
    path.write_text(' {"x":\n{"b": 1}\n}\n')
    assert _found(read_documents(str(path))) == [(str(path), None, "", {"x": {"b": 1}}, None)]


def test_two_pretty_printed_reports_one_after_the_other_are_an_error_not_the_first(
    tmp_path: Path,
) -> None:
    path = tmp_path / "r.json"
    path.write_text('{\n "a": 1\n}\n{\n "b": 2\n}\n')
    assert _found(read_documents(str(path))) == [(
        str(path), None, "", None, "malformed JSON at line 4, column 1: extra data after the "
        "first value (NDJSON needs one value per line)"
    )]


# A torn first line: NDJSON, streamed


TORN = [
    pytest.param('{"id": "AYb3', 30, "Unterminated string starting at", 8, id="in-a-string"),
    pytest.param('  {"id": "AYb3', 30, "Unterminated string starting at", 10, id="indented"),
    pytest.param("x", 24, "Expecting value", 1, id="one-stray-character"),
]


@pytest.mark.parametrize("chunk", [1 << 20, 4])
@pytest.mark.parametrize(("first", "max_bytes", "message", "column"), TORN)
def test_ndjson_with_a_torn_first_line_is_streamed_line_by_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, chunk: int, first: str, max_bytes: int,
    message: str, column: int,
) -> None:
    """A recording torn at its start, larger than --max-bytes (which limits each line):
    only the torn line is lost, and the blank lines before it keep the numbering. The
    look-ahead (--max-bytes here) holds the torn line and one whole line, which is enough;
    read at once, or 4 bytes at a time as from a slow pipe (``_CHUNK``)."""
    monkeypatch.setattr(_jsonstream, "_CHUNK", chunk)
    path = tmp_path / "r.ndjson"
    path.write_text("\n" * 10 + _lines(first, *(json.dumps({"n": 1000 + i}) for i in range(20))))
    assert _found(read_documents(str(path), max_bytes=max_bytes)) == [
        (str(path), 11, "", None, f"malformed JSON at line 11, column {column}: {message}")
    ] + [(str(path), i + 12, "", {"n": 1000 + i}, None) for i in range(20)]


def test_a_torn_recording_that_ends_exactly_at_the_look_ahead_is_still_streamed(
    tmp_path: Path,
) -> None:
    """After a byte order mark, the torn line and a last line without a newline fill the
    look-ahead (--max-bytes) exactly: that last line is known to be whole, so the file is
    NDJSON (one line each within the limit), not one document 3 bytes over it."""
    path = tmp_path / "r.ndjson"
    content = b'{"id": "AYb3\n{"n": 1}'
    path.write_bytes(b"\xef\xbb\xbf" + content)
    assert _found(read_documents(str(path), max_bytes=len(content))) == [
        (str(path), 1, "", None,
         "malformed JSON at line 1, column 8: Unterminated string starting at"),
        (str(path), 2, "", {"n": 1}, None),
    ]


def test_a_torn_recording_whose_look_ahead_ends_inside_a_byte_order_mark(
    tmp_path: Path,
) -> None:
    """The look-ahead (--max-bytes, 24 bytes) ends two bytes into line 3, which starts with
    a UTF-8 byte order mark (a second file appended with `cat`): the whole lines before it
    are enough to tell NDJSON, a cut character is not an encoding error."""
    path = tmp_path / "r.ndjson"
    path.write_bytes(b'{"id": "AYb3\n{"n": 1}\n\xef\xbb\xbf{"n": 2}\n{"n": 3}\n')
    assert _found(read_documents(str(path), max_bytes=24)) == [
        (str(path), 1, "", None,
         "malformed JSON at line 1, column 8: Unterminated string starting at"),
        (str(path), 2, "", {"n": 1}, None),
        (str(path), 3, "", None, "malformed JSON at line 3, column 1: Expecting value"),
        (str(path), 4, "", {"n": 3}, None),
    ]


def test_a_report_broken_in_its_middle_stays_one_document_over_the_limit(
    tmp_path: Path,
) -> None:
    """Whole JSON objects on lines of their own inside a broken pretty-printed report do not
    make it NDJSON: it is one document, and over --max-bytes it is refused as one."""
    path = tmp_path / "r.json"
    path.write_text(_lines('{"reports": [', '{"n": 1}', '{"n": 2}', '{"n": 3}', "]}"))
    with pytest.raises(InputError) as raised:
        read_documents(str(path), max_bytes=40)
    assert str(raised.value) == (
        f"{path}: 44 bytes is larger than the 40 bytes limit (raise it with --max-bytes)"
    )


# Errors on NDJSON lines, and what follows them


def test_bad_ndjson_lines_are_reported_by_file_and_line_and_reading_goes_on(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    example = load_schema()["examples"][0]
    report, wrong = json.dumps(example).encode(), json.dumps(dict(example, id=1)).encode()
    path = tmp_path / "r.ndjson"
    path.write_bytes(report + b'\n{"b": \n{"name": "caf\xe9"}\n' + wrong + b"\n")
    assert main(["validate", "--quiet", str(path)]) == 1
    assert capsys.readouterr().out.splitlines() == [
        f"{path}:2: (root): malformed JSON at line 2, column 7: Expecting value",
        f"{path}:3: (root): invalid UTF-8 at line 3, column 14 (byte offset "
        f"{len(report) + 21})",
        f"{path}:4: /id: 1 is not of type 'string'",
    ]


def test_byte_offsets_and_progress_count_the_whole_stream_across_small_reads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Read 4 bytes at a time: what was read is dropped as it goes, the offsets in messages
    and the progress count still come from the start of the file."""
    monkeypatch.setattr(_jsonstream, "_CHUNK", 4)
    path = tmp_path / "r.ndjson"
    data = b'{"a": 1}\n{"b": 2}\n{"name": "caf\xe9"}\n{"c": 3}\n'
    path.write_bytes(data)
    documents = iter_documents(str(path))
    read = []
    for doc in documents:
        read.append((doc.line, doc.error, documents.bytes_read))
    assert read == [
        (1, None, 9),
        (2, None, 18),
        (3, "invalid UTF-8 at line 3, column 14 (byte offset 31)", 35),
        (4, None, 44),
    ]
    assert documents.bytes_read == len(data) == documents.size


# The progress figures: size, and how far reading has got


@pytest.mark.parametrize(
    "text",
    [
        pytest.param('{\n  "a": 1,\n  "b": [1, 2]\n}\n', id="pretty-printed"),
        pytest.param('{"a": 1}\n', id="one-line"),
        pytest.param('{"a": 1}\n{"b": 2}\n', id="ndjson"),
        pytest.param('[\n {"a": 1},\n {"b": 2}\n]\n', id="array"),
        pytest.param('{"a": \n', id="broken"),
    ],
)
def test_a_source_read_to_its_end_counts_every_byte(tmp_path: Path, text: str) -> None:
    """Bug: after a pretty-printed report, progress counted only its first line."""
    path = tmp_path / "r.json"
    path.write_text(text)
    documents = iter_documents(str(path))
    assert documents.size == len(text)
    list(documents)
    assert documents.bytes_read == len(text)


def test_stdin_has_no_size(monkeypatch: pytest.MonkeyPatch) -> None:
    _stdin(monkeypatch, io.BytesIO(b'{"a": 1}\n'))
    documents = iter_documents("-")
    assert documents.size is None
    assert [d.value for d in documents] == [{"a": 1}]
    assert documents.bytes_read == 9


# Reading: the end of the input, a live pipe, memory, errors


class _Terminal(io.RawIOBase):
    """Input typed at a terminal: after the end (Ctrl-D), reading again would wait for
    more typing, so it must not happen."""

    def __init__(self, data: bytes) -> None:
        self._chunks = [data[i:i + 5] for i in range(0, len(data), 5)]
        self._ended = False

    def readable(self) -> bool:
        return True

    def read1(self, size: int = -1) -> bytes:
        if self._ended:
            raise AssertionError("read again after the end of input: a second Ctrl-D needed")
        if not self._chunks:
            self._ended = True
            return b""
        return self._chunks.pop(0)


@pytest.mark.parametrize(
    ("text", "values"),
    [
        pytest.param('{"a": 1}\n{"b": 2}\n', [{"a": 1}, {"b": 2}], id="ndjson"),
        pytest.param('{\n "a": 1\n}\n', [{"a": 1}], id="pretty-printed"),
        pytest.param('{"a": 1}', [{"a": 1}], id="one-line"),
        pytest.param('[\n{"a": 1}\n]', [{"a": 1}], id="array"),
    ],
)
def test_one_end_of_input_from_a_terminal_ends_the_reading(
    monkeypatch: pytest.MonkeyPatch, text: str, values: list[Any]
) -> None:
    _stdin(monkeypatch, _Terminal(text.encode()))
    assert [d.value for d in read_documents("-")] == values


def test_a_live_ndjson_stream_is_checked_as_it_comes(monkeypatch: pytest.MonkeyPatch) -> None:
    """`jobhook serve --record /dev/stdout | jobhook validate`: the reports already written
    are read while the writer is still running, not when the pipe closes."""
    read_end, write_end = os.pipe()
    os.write(write_end, b'{"a": 1}\n{"b": 2}\n')
    checked = threading.Event()

    def writer() -> None:  # closes the pipe once both were read, or after 2 s at most
        checked.wait(2)
        os.close(write_end)

    thread = threading.Thread(target=writer)
    thread.start()
    started = time.monotonic()
    with open(read_end, "rb") as pipe:
        _stdin(monkeypatch, pipe)
        documents = iter(iter_documents("-"))
        values = [next(documents).value, next(documents).value]
        elapsed = time.monotonic() - started
        checked.set()
        assert list(documents) == []
    thread.join()
    assert values == [{"a": 1}, {"b": 2}]
    assert elapsed < 1.5


@pytest.mark.parametrize(
    ("text", "count"),
    [
        pytest.param(_lines(*(json.dumps({"n": i, "pad": "x" * 30}) for i in range(3000))),
                     3000, id="ndjson"),
        pytest.param("[\n" + ",\n".join(json.dumps({"n": i, "pad": "x" * 30})
                                         for i in range(3000)) + "\n]\n", 3000, id="array"),
    ],
)
def test_memory_does_not_grow_with_the_stream(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str, count: int
) -> None:
    """A 150 KB stream read 256 bytes at a time (``_CHUNK`` of both readers) holds a few
    lines, not the file."""
    monkeypatch.setattr(_jsonstream, "_CHUNK", 256)
    monkeypatch.setattr(_jsonarray, "_CHUNK", 256)
    path = tmp_path / "big.json"
    path.write_text(text)
    assert len(text) > 140_000
    tracemalloc.start()
    try:
        documents = iter_documents(str(path))
        seen = sum(1 for _ in documents)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert seen == count
    assert peak < 40_000


def test_a_file_that_cannot_be_opened_is_named_with_the_reason(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    long_name = str(tmp_path / ("x" * 300))  # longer than a file name may be
    locked = str(tmp_path / "locked.json")
    Path(locked).write_text("{}")
    real_open = builtins.open

    def open_as_another_user(file: Any, *args: Any, **kwargs: Any) -> Any:
        if file == locked:  # what a file without read permission gives anyone but root
            raise PermissionError(13, "Permission denied", file)
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", open_as_another_user)
    assert main(["validate", long_name, locked]) == 2
    assert capsys.readouterr().err.splitlines()[:2] == [
        f"jobhook validate: {long_name}: cannot read: File name too long",
        f"jobhook validate: {locked}: permission denied",
    ]
