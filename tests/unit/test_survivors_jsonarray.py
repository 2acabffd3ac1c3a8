"""A JSON array read element by element (`jobhook validate` on a capture), pinned where
mutation testing found it loose: what a pipe delivers piece by piece (UTF-8 sequences and
numbers cut between two reads), where errors are placed once the text before them was let
go, the --max-bytes limit of one element, and what comes after the closing bracket.

Stdin is a fake pipe that hands over exactly the pieces a test gives it, one per read, so
a chunk boundary falls where the test wants it; the module's `_CHUNK` (how far the text
read is kept before it is forgotten) and `_NEAR_END` are made small to reach those
boundaries with inputs of a few bytes.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

from jobhook_testkit import _jsonarray
from jobhook_testkit._jsonio import Document, InputError, iter_documents, read_documents
from jobhook_testkit.cli import main


class WriterStillRunning(Exception):
    """The fake pipe was read again after its last piece while its writer keeps it open."""


class _Pipe:
    """What a pipe's reader gets: ``pieces`` one per read (never more than asked for), then
    the end of the input, or :class:`WriterStillRunning` when ``open_after`` is set."""

    def __init__(self, pieces: list[bytes], *, open_after: bool) -> None:
        self.pieces, self.open_after, self.reads = list(pieces), open_after, 0

    def read1(self, size: int) -> bytes:
        self.reads += 1
        if not self.pieces:
            if self.open_after:
                raise WriterStillRunning
            return b""
        piece = self.pieces.pop(0)
        if len(piece) > size:
            self.pieces.insert(0, piece[size:])
        return piece[:size]

    read = read1  # looked up too, though read1 is what a pipe is read with


def _pipe(
    monkeypatch: pytest.MonkeyPatch, pieces: list[bytes], *, open_after: bool = False
) -> _Pipe:
    pipe = _Pipe(pieces, open_after=open_after)

    class Stdin:
        buffer = pipe

    monkeypatch.setattr(sys, "stdin", Stdin)
    return pipe


def _read_stdin(monkeypatch: pytest.MonkeyPatch, *pieces: bytes, max_bytes: int = 1 << 20,
                ) -> list[tuple[Any, str | None]]:
    _pipe(monkeypatch, list(pieces))
    return [(d.value, d.error) for d in read_documents("-", max_bytes=max_bytes)]


def _until_blocked(monkeypatch: pytest.MonkeyPatch, *pieces: bytes) -> list[tuple[Any, str | None]]:
    """The documents reported before the reader asks for more than the writer has sent."""
    _pipe(monkeypatch, list(pieces), open_after=True)
    found = []
    with pytest.raises(WriterStillRunning):  # noqa: PT012 - iterating is what reads
        for document in iter_documents("-"):
            found.append((document.value, document.error))
    return found


# 2-byte characters (lead bytes C2 and C3), 3-byte ones (lead E0 for U+0800..U+0FFF, and
# E9) and a 4-byte one.
TEXT = '[\n"£ café",\n"अ",\n"顧",\n"🚀",\n1\n]\n'.encode()


@pytest.mark.parametrize("cut", range(2, len(TEXT)))
def test_a_character_cut_between_two_reads_is_read_whole(
    monkeypatch: pytest.MonkeyPatch, cut: int
) -> None:
    """Every split of the array between two reads, inside each kind of UTF-8 sequence."""
    assert _read_stdin(monkeypatch, TEXT[:cut], TEXT[cut:]) == [
        ("£ café", None), ("अ", None), ("顧", None), ("🚀", None), (1, None),
    ]


@pytest.mark.parametrize("cut", range(2, 23))
def test_a_number_cut_between_two_reads_is_read_whole(
    monkeypatch: pytest.MonkeyPatch, cut: int
) -> None:
    """A chunk boundary after "1." or "1.5e" or "1.5e+" used to end the number there:
    1 instead of 1.5, then a false "Expecting ',' delimiter"."""
    text = b"[\n1.25,\n-1.5e+3,\n2E-2\n]"
    assert _read_stdin(monkeypatch, text[:cut], text[cut:]) == [
        (1.25, None), (-1500.0, None), (0.02, None),
    ]


def test_a_sequence_cut_by_the_end_of_the_input(monkeypatch: pytest.MonkeyPatch) -> None:
    assert _read_stdin(monkeypatch, b'[\n"a",\n"caf\xc3') == [
        ("a", None), (None, "invalid UTF-8 at line 3, column 5 (byte offset 11)"),
    ]


@pytest.mark.parametrize("stray", [b"\x80", b"\xbf\xbf", b"\x80\x80\x80"])
def test_stray_continuation_bytes_read_on_their_own(
    monkeypatch: pytest.MonkeyPatch, stray: bytes
) -> None:
    assert _read_stdin(monkeypatch, b'[\n"a",\n"b', stray, b'"\n]') == [
        ("a", None), (None, "invalid UTF-8 at line 3, column 3 (byte offset 9)"),
    ]


def test_elements_are_reported_as_soon_as_they_are_complete(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A live stream (`... | jobhook validate`): an element is checked once the comma after
    it has come, without waiting for the writer's next piece."""
    assert _until_blocked(monkeypatch, b'[\n{"a": 1},') == [({"a": 1}, None)]


@pytest.mark.parametrize(
    ("piece", "error"),
    [
        (b"[\n1 \xc3\xa9", "malformed JSON at line 2, column 3: Expecting ',' delimiter"),
        (b"[\n1 \xe9\xa1\xa7", "malformed JSON at line 2, column 3: Expecting ',' delimiter"),
        (b"[\n1 \xf0\x9f\x9a\x80", "malformed JSON at line 2, column 3: Expecting ',' delimiter"),
    ],
    ids=["2-byte", "3-byte", "4-byte"],
)
def test_a_broken_array_is_reported_without_waiting_for_more(
    monkeypatch: pytest.MonkeyPatch, piece: bytes, error: str
) -> None:
    """A whole character ending what the writer has sent so far is read at once, not kept
    back for the next piece: the error it makes is reported while the writer still runs."""
    _pipe(monkeypatch, [piece], open_after=True)
    assert [(d.value, d.error) for d in iter_documents("-")] == [(1, None), (None, error)]


@pytest.mark.parametrize("stray", [b"\x80", b"\xc0", b"\xc1"])
def test_a_stray_byte_is_reported_without_waiting_for_more(
    monkeypatch: pytest.MonkeyPatch, stray: bytes
) -> None:
    """A continuation byte with no lead, or C0/C1 (which no UTF-8 sequence starts with)."""
    _pipe(monkeypatch, [b'[\n"a",\n', stray], open_after=True)
    assert [(d.value, d.error) for d in iter_documents("-")] == [
        ("a", None), (None, "invalid UTF-8 at line 3, column 1 (byte offset 7)"),
    ]


# --- where errors are placed ---------------------------------------------------------


@pytest.fixture
def forgetful(monkeypatch: pytest.MonkeyPatch) -> None:
    """The text already read is forgotten after every element (not after a MiB of it)."""
    monkeypatch.setattr(_jsonarray, "_CHUNK", 2)


@pytest.mark.usefixtures("forgetful")
@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("\n\n[\n1,\n2,\n3,\n4 5]", "malformed JSON at line 7, column 3: Expecting ',' delimiter"),
        ("[\n10, 20, 30, 40 50]", "malformed JSON at line 2, column 16: Expecting ',' delimiter"),
        ("[\n1,\n  22, 333, 4444 x]",
         "malformed JSON at line 3, column 17: Expecting ',' delimiter"),
    ],
    ids=["blank-lines-before", "one-long-line", "after-a-newline"],
)
def test_errors_are_placed_in_the_whole_file_after_earlier_text_is_forgotten(
    tmp_path: Path, text: str, error: str
) -> None:
    path = tmp_path / "capture.json"
    path.write_text(text, encoding="utf-8")
    assert read_documents(str(path))[-1].error == error


def test_invalid_utf8_after_blank_lines_is_placed_by_its_byte_offset(tmp_path: Path) -> None:
    path = tmp_path / "capture.json"
    path.write_bytes(b'\n\n[\n"caf\xe9"]')
    (document,) = read_documents(str(path))
    assert document.error == "invalid UTF-8 at line 4, column 5 (byte offset 8)"


@pytest.mark.parametrize(
    ("text", "error"),
    [
        (b'[\n1,\n{"a": \xff}]', "invalid UTF-8 at line 3, column 7 (byte offset 11)"),
        (b'[\n"' + b"x" * 100 + b'\xff"]', "invalid UTF-8 at line 2, column 102 (byte offset 103)"),
        (b"[\n1,\n\xff2]", "invalid UTF-8 at line 3, column 1 (byte offset 5)"),
    ],
    ids=["value-cut-short", "long-string-cut-short", "between-elements"],
)
def test_invalid_utf8_is_the_error_not_the_json_it_cut_short(
    tmp_path: Path, text: bytes, error: str
) -> None:
    path = tmp_path / "capture.json"
    path.write_bytes(text)
    assert read_documents(str(path))[-1] == Document(str(path), error=error)


@pytest.mark.parametrize(
    ("distance", "error"),
    [
        (4, "invalid UTF-8 at line 2, column 11 (byte offset 12)"),
        (5, "malformed JSON at line 2, column 7: Expecting ':' delimiter"),
    ],
)
def test_a_json_error_just_before_invalid_utf8_is_reported_as_the_invalid_utf8(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, distance: int, error: str
) -> None:
    """Within _NEAR_END characters (4 here) of the invalid byte, the JSON error may be
    only what the cut made: the invalid UTF-8 is what is wrong. Further, both are real and
    the JSON error comes first. (``distance``: from the "1" to the invalid byte.)"""
    monkeypatch.setattr(_jsonarray, "_NEAR_END", 4)
    text = b'[\n{"ab" 1' + b" " * (distance - 1) + b'\xff}]'
    path = tmp_path / "capture.json"
    path.write_bytes(text)
    assert read_documents(str(path))[-1].error == error


@pytest.mark.parametrize(("distance", "reads"), [(4, 2), (5, 1)])
def test_a_json_error_near_the_end_of_what_was_read_waits_for_more(
    monkeypatch: pytest.MonkeyPatch, distance: int, reads: int
) -> None:
    """An error within _NEAR_END characters (4 here) of the end of what was read may be a
    value cut short: the reader asks for more first. Further back it is reported at once.
    (``distance``: from the "1" to the end of what the writer sent.)"""
    monkeypatch.setattr(_jsonarray, "_NEAR_END", 4)
    pipe = _pipe(monkeypatch, [b'[\n{"ab" 1' + b" " * (distance - 1)], open_after=True)
    documents = iter_documents("-")
    if reads == 1:
        assert [d.error for d in documents] == [
            "malformed JSON at line 2, column 7: Expecting ':' delimiter"
        ]
    else:
        with pytest.raises(WriterStillRunning):
            list(documents)
    assert pipe.reads == reads


# --- the closing bracket and what follows it -----------------------------------------


@pytest.mark.parametrize("text", ["[\n]\n", "[\n\n  ]", " [ \n ] \n"])
def test_an_empty_array_over_several_lines_holds_no_document(tmp_path: Path, text: str) -> None:
    path = tmp_path / "empty.json"
    path.write_text(text, encoding="utf-8")
    assert read_documents(str(path)) == []


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("[\n]x", "malformed JSON at line 2, column 2: extra data after the first value "
         "(NDJSON needs one value per line)"),
        ("[\n1\n]x\n", "malformed JSON at line 3, column 2: extra data after the first value "
         "(NDJSON needs one value per line)"),
    ],
)
def test_text_right_after_the_closing_bracket_is_extra_data(
    tmp_path: Path, text: str, error: str
) -> None:
    path = tmp_path / "capture.json"
    path.write_text(text, encoding="utf-8")
    assert read_documents(str(path))[-1] == Document(str(path), error=error)


def test_invalid_utf8_after_the_closing_bracket_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "capture.json"
    path.write_bytes(b"[\n1\n]\n\xff")
    assert read_documents(str(path)) == [
        Document(str(path), 1, pointer="/0"),
        Document(str(path), error="invalid UTF-8 at line 4, column 1 (byte offset 6)"),
    ]


def test_validate_names_the_file_for_each_element_and_for_the_break(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "capture.json"
    path.write_text('[\n{"id": 1},\n{"id": 2},\n{"b" 2}\n]\n', encoding="utf-8")
    documents = read_documents(str(path))
    assert [d.location for d in documents] == [str(path)] * 3
    assert [d.pointer for d in documents] == ["/0", "/1", ""]
    assert main(["validate", str(path)]) == 1
    assert capsys.readouterr().out.splitlines()[-1] == (
        f"{path}: (root): malformed JSON at line 4, column 6: Expecting ':' delimiter"
    )


# --- --max-bytes: one element ---------------------------------------------------------


def _limit_error(name: str, index: int, limit: str) -> str:
    return (f"{name}: array element /{index} is larger than the {limit} limit "
            "(raise it with --max-bytes)")


@pytest.mark.parametrize(
    ("element", "limit", "shown"),
    [('{"long": "' + "x" * 2000 + '"}', 1500, "1.5 KiB"), ('"' + "é" * 16 + '"', 30, "30 bytes")],
    ids=["ascii", "accented"],
)
def test_an_element_read_whole_over_the_limit(
    tmp_path: Path, element: str, limit: int, shown: str
) -> None:
    """The limit counts bytes, not characters, as for an NDJSON line: 16 "é" between quotes
    are 18 characters but 34 bytes of UTF-8."""
    path = tmp_path / "capture.json"
    path.write_text('[\n{"n": 1},\n' + element + "\n]\n", encoding="utf-8")
    with pytest.raises(InputError) as raised:
        read_documents(str(path), max_bytes=limit)
    assert str(raised.value) == _limit_error(str(path), 1, shown)
    size = len(element.encode())
    assert [d.value for d in read_documents(str(path), max_bytes=size)] == [
        {"n": 1}, json.loads(element),
    ]


@pytest.mark.parametrize(("opening", "filler", "closing"), [(b'"', b"x", b'"'), (b"", b"1", b"")],
                         ids=["string", "number"])
def test_an_element_over_the_limit_while_it_is_still_arriving(
    monkeypatch: pytest.MonkeyPatch, opening: bytes, filler: bytes, closing: bytes
) -> None:
    """Refused as soon as what has come of it is over the limit, not once it is whole."""
    _pipe(monkeypatch, [b"[\n1,\n" + opening + filler * 8] + [filler * 8] * 4
          + [closing + b"\n]"])
    with pytest.raises(InputError) as raised:
        read_documents("-", max_bytes=20)
    assert str(raised.value) == _limit_error("<stdin>", 1, "20 bytes")


def test_an_element_of_exactly_the_limit_passes_even_when_cut(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """10 digits under --max-bytes 10, the first read ending right after them."""
    number = b"1234567890"
    assert _read_stdin(monkeypatch, b"[\n" + number, b",\n" + number + b"\n]", max_bytes=10) == [
        (1234567890, None), (1234567890, None),
    ]
    with pytest.raises(InputError, match="array element /0 is larger than the 9 bytes limit"):
        _read_stdin(monkeypatch, b"[\n" + number, b"\n]", max_bytes=9)


def test_many_small_elements_read_in_small_pieces_pass_a_small_limit(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The limit is one element's size, wherever the element is in the stream."""
    text = ("[\n" + ",\n".join(f'{{"n": {i}}}' for i in range(60)) + "\n]").encode()
    pieces = [text[i:i + 7] for i in range(0, len(text), 7)]
    assert len(text) > 600
    assert _read_stdin(monkeypatch, *pieces, max_bytes=12) == [({"n": i}, None) for i in range(60)]
