"""The strict payload reader: one value, arrays, NDJSON, and every kind of bad input."""

from __future__ import annotations

from pathlib import Path

import pytest

from jobhook_testkit._jsonio import InputError, loads_strict, parse_text, read_documents


def test_one_object() -> None:
    (doc,) = parse_text('{"a": 1}', "f.json")
    assert (doc.value, doc.error, doc.line, doc.pointer) == ({"a": 1}, None, None, "")
    assert doc.location == "f.json"


def test_array_elements_get_pointers() -> None:
    docs = parse_text('[{"a": 1}, {"b": 2}]', "f.json")
    assert [(d.pointer, d.value) for d in docs] == [("/0", {"a": 1}), ("/1", {"b": 2})]


def test_ndjson_lines_keep_their_numbers_and_skip_blank_lines() -> None:
    docs = parse_text('{"a": 1}\n\n{"b": 2}\n{"c":\n', "f.ndjson")
    assert [(d.line, d.error is None) for d in docs] == [(1, True), (3, True), (4, False)]
    assert docs[2].location == "f.ndjson:4"
    assert docs[2].error is not None and docs[2].error.startswith("malformed JSON at line 4")


def test_pretty_printed_object_followed_by_more_is_not_mistaken_for_ndjson() -> None:
    (doc,) = parse_text('{\n  "a": 1\n}\n{"b": 2}\n', "f.json")
    assert doc.error == (
        "malformed JSON at line 4, column 1: extra data after the first value "
        "(NDJSON needs one value per line)"
    )


def test_malformed_json_reports_line_and_column() -> None:
    (doc,) = parse_text('{\n  "a": 1,\n  "b" 2\n}', "f.json")
    assert doc.error == "malformed JSON at line 3, column 7: Expecting ':' delimiter"


@pytest.mark.parametrize("text", ["", "   \n\t\n"])
def test_empty_input_is_one_clear_error(text: str) -> None:
    (doc,) = parse_text(text, "f.json")
    assert doc.error is not None and doc.error.startswith("empty input")


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_nan_and_infinity_are_not_json(constant: str) -> None:
    (doc,) = parse_text(f'{{"total_failed": {constant}}}', "f.json")
    assert doc.error == f"{constant} is not valid JSON (JSON has no NaN or Infinity)"


def test_numbers_beyond_a_double_are_refused() -> None:
    (doc,) = parse_text('{"x": 1e400}', "f.json")
    assert doc.error is not None and "too large" in doc.error


def test_duplicate_keys_are_flagged_with_their_pointers() -> None:
    (doc,) = parse_text('{"id": "a", "id": "b", "n": {"k": 1, "k": 2}, "ok": [{"z": 1}]}', "f")
    assert doc.duplicate_keys == ("/id", "/n/k")


def test_duplicate_keys_inside_an_array_element() -> None:
    docs = parse_text('[{"a": 1}, {"a": 1, "a": 2}]', "f")
    assert [d.duplicate_keys for d in docs] == [(), ("/1/a",)]


def test_no_duplicates_means_an_empty_tuple() -> None:
    (doc,) = parse_text('{"a": {"b": [1, {"c": 2}]}}', "f")
    assert doc.duplicate_keys == ()


def test_invalid_utf8_is_reported_with_its_position(tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_bytes(b'{"definition_name":\n "caf\xe9"}')
    (doc,) = read_documents(str(path))
    assert doc.error == "invalid UTF-8 at line 2, column 6 (byte offset 25)"


def test_a_utf8_bom_is_tolerated(tmp_path: Path) -> None:
    path = tmp_path / "bom.json"
    path.write_bytes(b'\xef\xbb\xbf{"a": 1}')
    (doc,) = read_documents(str(path))
    assert doc.value == {"a": 1}


def test_missing_file_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        read_documents(str(tmp_path / "absent.json"))


def test_a_directory_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="is a directory"):
        read_documents(str(tmp_path))


def test_files_over_the_limit_are_refused_without_reading_them(tmp_path: Path) -> None:
    path = tmp_path / "huge.json"
    with path.open("wb") as handle:  # sparse: 10 GiB on paper, nothing on disk
        handle.truncate(10 * 1024**3)
    with pytest.raises(InputError, match=r"10\.0 GiB is larger than the 256\.0 MiB limit"):
        read_documents(str(path))


def test_limit_is_configurable(tmp_path: Path) -> None:
    path = tmp_path / "small.json"
    path.write_text('{"a": "' + "x" * 100 + '"}')
    with pytest.raises(InputError, match="larger than the 64 bytes limit"):
        read_documents(str(path), max_bytes=64)


def test_stdin_is_read_with_the_same_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    import io
    import sys

    class FakeStdin:
        buffer = io.BytesIO(b'{"a": 1}\n{"b": 2}\n')

    monkeypatch.setattr(sys, "stdin", FakeStdin)
    docs = read_documents("-")
    assert [(d.source, d.line) for d in docs] == [("<stdin>", 1), ("<stdin>", 2)]
    FakeStdin.buffer = io.BytesIO(b"x" * 100)
    with pytest.raises(InputError, match="<stdin>: input is larger"):
        read_documents("-", max_bytes=10)


def test_loads_strict() -> None:
    assert loads_strict(b'{"a": [1, 2.5]}') == {"a": [1, 2.5]}
    with pytest.raises(ValueError, match="NaN is not valid JSON"):
        loads_strict("NaN")
    with pytest.raises(ValueError, match="malformed JSON at line 1, column 1"):
        loads_strict("")


def test_a_torn_first_line_costs_only_itself() -> None:
    docs = parse_text('{"report": {"id\n{"n": 1}\n{"n": 2}\n', "rec.ndjson")
    assert [(d.line, d.value) for d in docs[1:]] == [(2, {"n": 1}), (3, {"n": 2})]
    assert docs[0].line == 1 and docs[0].error is not None


def test_a_broken_pretty_printed_object_stays_one_error() -> None:
    (doc,) = parse_text('{\n  "a": 1,\n  "b": [1, 2\n}\n', "f.json")
    assert doc.error is not None and doc.error.startswith("malformed JSON at line")


@pytest.mark.parametrize("kind", ["array", "object", "ndjson-line", "inside-a-report"])
def test_nesting_deeper_than_the_recursion_limit_is_one_clear_error(kind: str) -> None:
    import sys

    depth = sys.getrecursionlimit() * 3
    nested = {
        "array": "[" * depth + "]" * depth,
        "object": '{"a":' * depth + "1" + "}" * depth,
        "ndjson-line": '{"ok": 1}\n' + "[" * depth + "]" * depth + '\n{"ok": 2}\n',
        "inside-a-report": '{"id": "x", "extra": ' + "[" * depth + "]" * depth + "}",
    }[kind]
    docs = parse_text(nested, "deep.json")
    errors = [doc.error for doc in docs if doc.error is not None]
    assert errors == ["JSON nested too deeply to parse"]
    if kind == "ndjson-line":
        lines = [(doc.line, doc.value) for doc in docs]
        assert lines == [(1, {"ok": 1}), (2, None), (3, {"ok": 2})]


def test_nesting_the_parser_accepts_is_walked_without_recursion() -> None:
    # On Python 3.12+ the parser accepts nesting deeper than Python's recursion limit, so
    # the duplicate-key walk must not be what overflows. Simulate that with a low limit.
    import sys

    from jobhook_testkit import _jsonio

    depth = 400
    value = _jsonio._DECODER.decode('{"a": ' + "[" * depth + '{"k": 1, "k": 2}' + "]" * depth + "}")
    frames, frame = 0, sys._getframe()
    while frame is not None:
        frames, frame = frames + 1, frame.f_back
    old = sys.getrecursionlimit()
    sys.setrecursionlimit(frames + depth // 2)
    try:
        doc = _jsonio._document("f", value)
    finally:
        sys.setrecursionlimit(old)
    assert doc.duplicate_keys == ("/a" + "/0" * depth + "/k",)


@pytest.mark.parametrize(
    ("number", "refused"),
    [("1" + "0" * 308, False), ("-1" + "0" * 308, False), ("2" + "0" * 308, True),
     ("-2" + "0" * 308, True), ("1" + "0" * 5000, True)],
    ids=["1e308", "-1e308", "2e308", "-2e308", "5001-digits"],
)
def test_integers_beyond_a_double_are_refused(number: str, refused: bool) -> None:
    (doc,) = parse_text(f'{{"total_operations": {number}}}', "f.json")
    if refused:
        assert doc.error is not None
        assert doc.error.endswith("is too large to represent"), doc.error
        assert "set_int_max_str_digits" not in doc.error
    else:
        assert doc.error is None and doc.value == {"total_operations": int(number)}


def test_a_closed_stdin_is_an_input_error(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    monkeypatch.setattr(sys, "stdin", None)  # what Python sets when fd 0 is closed
    with pytest.raises(InputError, match="<stdin>: no standard input to read"):
        read_documents("-")


def test_an_unreadable_stdin_is_an_input_error(monkeypatch: pytest.MonkeyPatch) -> None:
    import errno
    import io
    import sys

    class Failing(io.RawIOBase):
        def readinto(self, buffer: object) -> int:
            raise OSError(errno.EIO, "Input/output error")

    class FakeStdin:
        buffer = Failing()

    monkeypatch.setattr(sys, "stdin", FakeStdin)
    with pytest.raises(InputError, match="<stdin>: cannot read: Input/output error"):
        read_documents("-")


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be"])
def test_utf16_is_named_rather_than_called_invalid_utf8(tmp_path: Path, encoding: str) -> None:
    path = tmp_path / "windows.json"
    bom = b"\xfe\xff" if encoding == "utf-16-be" else b""
    path.write_bytes(bom + '{"a": 1}'.encode(encoding))
    (doc,) = read_documents(str(path))
    assert doc.error is not None and doc.error.startswith("the input is UTF-16"), doc.error


def test_a_limit_beyond_what_read_accepts_means_no_limit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # `--max-bytes 99999999999G` raised OverflowError from read(max_bytes + 1).
    import io
    import sys

    path = tmp_path / "r.json"
    path.write_text('{"a": 1}')
    (doc,) = read_documents(str(path), max_bytes=10**30)
    assert doc.value == {"a": 1}

    class FakeStdin:
        buffer = io.BytesIO(b'{"b": 2}')

    monkeypatch.setattr(sys, "stdin", FakeStdin)
    (doc,) = read_documents("-", max_bytes=10**30)
    assert doc.value == {"b": 2}


def test_a_non_blocking_stdin_with_nothing_yet_is_an_input_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import sys

    class NothingYet:
        @staticmethod
        def read(size: int) -> None:
            return None  # what a non-blocking BufferedReader returns

    class FakeStdin:
        buffer = NothingYet()

    monkeypatch.setattr(sys, "stdin", FakeStdin)
    with pytest.raises(InputError, match="<stdin>: cannot read: no data available"):
        read_documents("-")


def test_ndjson_lines_are_parsed_only_as_they_are_reached(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # jobhook validate checks a large capture holding one parsed report at a time.
    from jobhook_testkit import _jsonio

    decoded: list[str] = []
    real = _jsonio._DECODER.decode

    def counting(line: str) -> object:
        decoded.append(line)
        return real(line)

    monkeypatch.setattr(_jsonio._DECODER, "decode", counting)
    documents = _jsonio.iter_text('{"n": 1}\n{"n": 2}\n{"n": 3}\n', "f.ndjson")
    assert next(documents).value == {"n": 1}
    assert decoded == ['{"n": 1}']
    assert [d.value for d in documents] == [{"n": 2}, {"n": 3}]


def test_iter_documents_reports_input_errors_at_once(tmp_path: Path) -> None:
    from jobhook_testkit._jsonio import iter_documents

    with pytest.raises(InputError, match="no such file"):
        iter_documents(str(tmp_path / "absent.ndjson"))  # not only when iterated
