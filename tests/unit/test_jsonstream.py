"""Streaming sources: NDJSON and arrays read a piece at a time, with the same guarantees."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from jobhook_testkit import _jsonarray, _jsonstream
from jobhook_testkit._jsonio import InputError, iter_documents, read_documents

VALUES: list[Any] = [
    {"id": "caf\u00e9 \U0001f680 \u9867\u5ba2", "n": 12345678901234567890, "f": -1.5e300},
    {"s": "x" * 37, "esc": "a\\\"b\n\u0001", "deep": [[{"k": [1, 2.25, None, True]}]]},
    [], {}, 0, -7, "", "\u00e9\u00e9\u00e9", False, None, 3.0,
]


@pytest.fixture(params=[1, 2, 3, 5, 7, 64])
def small_chunks(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> int:
    """Read in tiny chunks, so values, strings, numbers and UTF-8 sequences are cut."""
    monkeypatch.setattr(_jsonstream, "_CHUNK", request.param)
    monkeypatch.setattr(_jsonarray, "_CHUNK", request.param)
    monkeypatch.setattr(_jsonarray, "_NEAR_END", 4)
    return int(request.param)


def _array_file(tmp_path: Path, values: list[Any], indent: int | None = 1) -> Path:
    path = tmp_path / "array.json"
    path.write_text(json.dumps(values, indent=indent, ensure_ascii=False), encoding="utf-8")
    return path


def test_array_elements_survive_any_chunk_boundary(tmp_path: Path, small_chunks: int) -> None:
    path = _array_file(tmp_path, VALUES)
    docs = read_documents(str(path))
    assert [(d.value, d.pointer, d.error) for d in docs] == [
        (value, f"/{i}", None) for i, value in enumerate(VALUES)
    ]


def test_ndjson_lines_survive_any_chunk_boundary(tmp_path: Path, small_chunks: int) -> None:
    path = tmp_path / "lines.ndjson"
    path.write_text("\n".join(json.dumps(v, ensure_ascii=False) for v in VALUES) + "\n",
                    encoding="utf-8")
    docs = read_documents(str(path))
    assert [(d.value, d.line) for d in docs] == [(v, i) for i, v in enumerate(VALUES, 1)]


def test_a_broken_array_keeps_what_came_before_and_says_where_it_broke(
    tmp_path: Path, small_chunks: int
) -> None:
    path = tmp_path / "broken.json"
    path.write_text('[\n  {"a": 1},\n  {"b" 2}\n]\n', encoding="utf-8")
    docs = read_documents(str(path))
    assert [d.value for d in docs[:-1]] == [{"a": 1}]
    # The same line and column json itself gives for the whole text.
    assert docs[-1].error == "malformed JSON at line 3, column 8: Expecting ':' delimiter"


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("[1,\n 2 3]", "malformed JSON at line 2, column 4: Expecting ',' delimiter"),
        ("[1,\n 2", "malformed JSON at line 2, column 3: Expecting ',' delimiter"),
        ("[1,]", "malformed JSON at line 1, column 4: Expecting value"),
        ('[\n"ab', "malformed JSON at line 2, column 1: Unterminated string starting at"),
        ("[1,\n2]\n x", "malformed JSON at line 3, column 2: extra data after the first value "
         "(NDJSON needs one value per line)"),
        ("[1, NaN,\n2]", "NaN is not valid JSON (JSON has no NaN or Infinity)"),
        ("[1, 1e999,\n2]", "number 1e999 is too large to represent"),
    ],
)
def test_array_errors_name_the_place(
    tmp_path: Path, small_chunks: int, text: str, error: str
) -> None:
    path = tmp_path / "a.json"
    path.write_text(text, encoding="utf-8")
    assert read_documents(str(path))[-1].error == error


def test_duplicate_keys_in_streamed_array_elements(tmp_path: Path, small_chunks: int) -> None:
    path = tmp_path / "a.json"
    path.write_text('[\n{"a": 1},\n{"a": 1, "a": 2, "b": {"c": 1, "c": 1}}\n]')
    assert [d.duplicate_keys for d in read_documents(str(path))] == [(), ("/1/a", "/1/b/c")]


def test_invalid_utf8_in_a_streamed_array_is_located(tmp_path: Path, small_chunks: int) -> None:
    path = tmp_path / "a.json"
    path.write_bytes(b'[\n{"a": 1},\n{"name": "caf\xe9"}\n]')
    docs = read_documents(str(path))
    assert [d.value for d in docs[:-1]] == [{"a": 1}]
    assert docs[-1].error == "invalid UTF-8 at line 3, column 14 (byte offset 25)"


def test_invalid_utf8_in_ndjson_costs_only_its_line(tmp_path: Path) -> None:
    path = tmp_path / "r.ndjson"
    path.write_bytes(b'{"a": 1}\n{"name": "caf\xe9"}\n{"b": 2}\n')
    docs = read_documents(str(path))
    assert [(d.line, d.value, d.error) for d in docs] == [
        (1, {"a": 1}, None),
        (2, None, "invalid UTF-8 at line 2, column 14 (byte offset 22)"),
        (3, {"b": 2}, None),
    ]


def test_max_bytes_limits_one_line_not_the_stream(tmp_path: Path) -> None:
    path = tmp_path / "r.ndjson"
    path.write_text("".join(json.dumps({"n": i}) + "\n" for i in range(100)))
    assert path.stat().st_size > 500
    assert len(read_documents(str(path), max_bytes=64)) == 100
    with path.open("a") as handle:
        handle.write(json.dumps({"long": "x" * 100}) + "\n")
    documents = iter_documents(str(path), max_bytes=64)
    with pytest.raises(InputError, match=r"r\.ndjson:101: line is larger than the 64 bytes"):
        list(documents)


def test_max_bytes_limits_one_array_element_not_the_array(tmp_path: Path) -> None:
    path = _array_file(tmp_path, [{"n": i} for i in range(100)])
    assert len(read_documents(str(path), max_bytes=64)) == 100
    path = _array_file(tmp_path, [{"n": 1}, {"long": "x" * 100}])
    with pytest.raises(InputError, match="array element /1 is larger than the 64 bytes limit"):
        read_documents(str(path), max_bytes=64)


def test_one_document_over_the_limit_is_still_refused(tmp_path: Path) -> None:
    path = tmp_path / "r.json"
    path.write_text(json.dumps({"a": "x" * 100}, indent=2))
    with pytest.raises(InputError, match="larger than the 64 bytes limit"):
        iter_documents(str(path), max_bytes=64)  # at once, before iterating


def test_blank_lines_before_ndjson_keep_line_numbers(tmp_path: Path) -> None:
    path = tmp_path / "r.ndjson"
    path.write_text('\n\n{"a": 1}\n\n{"b": \n')
    docs = read_documents(str(path))
    assert [(d.line, d.value) for d in docs] == [(3, {"a": 1}), (5, None)]
    assert docs[1].error is not None and docs[1].error.startswith("malformed JSON at line 5")


def test_a_one_line_array_is_one_document_not_ndjson(tmp_path: Path) -> None:
    path = _array_file(tmp_path, [{"a": 1}, {"b": 2}], indent=None)
    docs = read_documents(str(path))
    assert [(d.pointer, d.line) for d in docs] == [("/0", None), ("/1", None)]


def test_the_file_is_closed_when_reading_stops(tmp_path: Path) -> None:
    import gc
    import warnings

    path = tmp_path / "r.ndjson"
    path.write_text('{"a": 1}\n{"b": 2}\n')
    documents = iter_documents(str(path))
    assert next(iter(documents)).value == {"a": 1}
    assert documents.bytes_read == len('{"a": 1}\n')  # consumed so far
    with warnings.catch_warnings():
        warnings.simplefilter("error", ResourceWarning)
        documents.close()
        del documents
        gc.collect()


def test_a_first_line_longer_than_the_probe(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Past the probe, a line that opens an array is still streamed; anything else is one
    # document read whole (NDJSON then still splits into lines, within --max-bytes).
    monkeypatch.setattr(_jsonstream, "PROBE", 16)
    array = _array_file(tmp_path, [{"n": i} for i in range(50)], indent=None)
    streamed = read_documents(str(array), max_bytes=64)  # the file is far larger: streamed
    assert [d.pointer for d in streamed] == [f"/{i}" for i in range(50)]
    ndjson = tmp_path / "long.ndjson"
    ndjson.write_text(json.dumps({"name": "x" * 40}) + "\n" + json.dumps({"n": 2}) + "\n")
    assert [d.line for d in read_documents(str(ndjson))] == [1, 2]
    with pytest.raises(InputError, match="larger than the 50 bytes limit"):
        read_documents(str(ndjson), max_bytes=50)
