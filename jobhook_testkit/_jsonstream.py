"""Reading a payload source as a stream: NDJSON line by line, a JSON array element by element.

What a source is gets decided from its first lines, the rest is read as it is checked:

* the first non-blank line is a whole JSON value and more lines follow: NDJSON (a
  ``jobhook generate`` capture or a ``jobhook serve --record`` recording), read one line at
  a time whatever the file's size;
* it opens a JSON array that goes on past that line: the elements are decoded one at a
  time (:mod:`jobhook_testkit._jsonarray`);
* a broken first line followed by whole JSON objects: NDJSON whose first line was torn;
* anything else (one pretty-printed report, a one-line file, broken input): one document,
  read whole, as :mod:`jobhook_testkit._jsonio` always did.

``max_bytes`` limits one document: one line of NDJSON (its newline left out), one element
of an array, the whole file in the last case; a file holding one value on one line is
limited as that line, like an NDJSON line (blank lines before it and its newline left
out). A stream of any length passes; one document over the limit is an
:class:`~jobhook_testkit._jsonio.InputError` when it is reached.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Iterator
from typing import Any, BinaryIO

from jobhook_testkit._jsonio import (
    _DECODER,
    STDIN,
    Document,
    InputError,
    _decode_text,
    _describe,
    _display,
    _document,
    _looks_like_ndjson,
    _size,
    iter_text,
)

PROBE = 1 << 20  # how much of the start is looked at to decide what the source is
_CHUNK = 1 << 20
_BOM = b"\xef\xbb\xbf"


class _Bytes:
    """A binary stream read in chunks; ``buf[pos:]`` is what was read and not yet used."""

    def __init__(self, stream: BinaryIO, name: str) -> None:
        # read1: what a pipe has now, so a live stream (`jobhook serve --record /dev/stdout
        # | jobhook validate`) is checked as it comes, not a megabyte at a time.
        self.read: Callable[[int], bytes | None] = getattr(stream, "read1", stream.read)
        self.name = name
        self.buf, self.pos, self.offset, self.eof = b"", 0, 0, False
        self.keep = True  # while deciding what the source is, nothing read is dropped

    def fill(self, want: int = 0) -> bool:
        """Read more (``want`` bytes, or a chunk); False at the end of the input."""
        if self.eof:
            return False
        try:
            chunk = self.read(want or _CHUNK)
        except OSError as exc:
            raise InputError(f"{self.name}: cannot read: {exc.strerror or exc}") from None
        if chunk is None:  # a non-blocking stdin with nothing to read yet
            raise InputError(f"{self.name}: cannot read: no data available")
        if not chunk:
            self.eof = True
            return False
        if self.pos and not self.keep:
            self.offset += self.pos
            self.buf, self.pos = self.buf[self.pos:], 0
        self.buf += chunk
        return True

    def line(self, limit: int) -> bytes | None:
        """The next line, its newline included (``b""`` at the end of the input), or None
        when it is longer than ``limit`` (nothing is consumed then)."""
        searched = self.pos
        while True:
            newline = self.buf.find(b"\n", searched)
            if newline >= 0:
                if newline - self.pos > limit:
                    return None
                line, self.pos = self.buf[self.pos:newline + 1], newline + 1
                return line
            if len(self.buf) - self.pos > limit:
                return None
            searched = len(self.buf)
            start = self.pos
            if not self.fill():
                line, self.pos = self.buf[self.pos:], len(self.buf)
                return line
            searched -= start - self.pos  # the buffer may have dropped what was used

    def rest(self) -> bytes:
        """Everything from ``pos`` to the end of what was read, then consumed."""
        data, self.pos = self.buf[self.pos:], len(self.buf)
        return data


def _open(source: str) -> tuple[BinaryIO, int | None, Callable[[], None]]:
    """The stream, its size when known, and how to close it."""
    if source == STDIN:
        # None when the process started with its stdin closed (`jobhook validate <&-`).
        stream: BinaryIO | None = getattr(sys.stdin, "buffer", None)
        if stream is None:
            raise InputError(f"{_display(source)}: no standard input to read (it is closed)")
        return stream, None, lambda: None
    try:
        handle = open(source, "rb")  # noqa: SIM115 - closed by the caller
    except FileNotFoundError:
        raise InputError(f"{source}: no such file") from None
    except IsADirectoryError:
        raise InputError(f"{source}: is a directory, not a file") from None
    except PermissionError:
        raise InputError(f"{source}: permission denied") from None
    except OSError as exc:
        raise InputError(f"{source}: cannot read: {exc.strerror or exc}") from None
    try:
        size = os.fstat(handle.fileno()).st_size
    except OSError:  # pragma: no cover - fstat on an open file does not fail in practice
        size = 0
    return handle, size or None, handle.close


class DocumentStream:
    """The documents of one source, iterated once; ``bytes_read`` and ``size`` (None when
    unknown, as for stdin) tell how far reading has got, for a progress display."""

    def __init__(
        self, documents: Iterator[Document], reader: _Bytes, size: int | None,
        close: Callable[[], None],
    ) -> None:
        self._documents, self._reader, self.size = documents, reader, size
        self._close = close

    def __iter__(self) -> Iterator[Document]:
        return self._documents

    @property
    def bytes_read(self) -> int:
        return self._reader.offset + self._reader.pos

    def close(self) -> None:
        self._documents.close()  # type: ignore[attr-defined]
        self._close()  # a stream never iterated has not reached its own finally


def stream_documents(source: str, *, max_bytes: int) -> DocumentStream:
    """Every document in ``source``, read as it is checked (see the module docstring).

    Opening the source and deciding what it is happen now (an :class:`InputError` is raised
    before this returns); a line or element over the limit raises when it is reached.
    """
    name = _display(source)
    stream, size, close = _open(source)
    try:
        reader = _Bytes(stream, name)
        documents = _decide(reader, name, size, max_bytes)
    except BaseException:
        close()
        raise
    return DocumentStream(_closing(documents, close), reader, size, close)


def _closing(documents: Iterator[Document], close: Callable[[], None]) -> Iterator[Document]:
    try:
        yield from documents
    finally:
        close()


def _decide(reader: _Bytes, name: str, size: int | None, max_bytes: int) -> Iterator[Document]:
    probe = min(PROBE, max_bytes)
    reader.fill()
    if reader.buf.startswith(_BOM):
        reader.pos = len(_BOM)
    blank = 0
    while True:
        start = reader.pos
        first = reader.line(probe)
        if first is None or not first or first.strip():
            break
        blank += 1
    if first:  # a non-blank line shorter than the probe
        try:
            found = _DECODER.decode(first.decode("utf-8"))
        except (ValueError, RecursionError):
            pass
        else:
            if _more_follows(reader, probe):
                return _start_ndjson(reader, name, start, blank, max_bytes)
            return _one_value(name, found)  # one value on one line
    if first is None or first:
        if reader.buf[start:start + probe].lstrip().startswith(b"["):
            return _start_array(reader, name, start, blank, max_bytes)
        if first is not None and _torn_first_line(reader, start, probe):
            return _start_ndjson(reader, name, start, blank, max_bytes)
    return _whole(reader, name, size, max_bytes)


def _one_value(name: str, value: Any) -> Iterator[Document]:
    """The documents of a source holding one value: an array's elements, or the value."""
    if isinstance(value, list):
        return (_document(name, item, None, f"/{i}") for i, item in enumerate(value))
    return iter([_document(name, value)])


def _more_follows(reader: _Bytes, probe: int) -> bool:
    """After a first line that is a whole value: is there another non-blank line?"""
    end = reader.pos  # of the first line: whatever its length, ``probe`` bytes are looked at
    while reader.pos - end <= probe:
        line = reader.line(probe)
        if line is None or line.strip():
            return True
        if not line:
            return False
    return True  # a mile of blank lines: read on as NDJSON, which skips them


def _torn_first_line(reader: _Bytes, start: int, probe: int) -> bool:
    """The first line is not a value by itself: is this NDJSON whose first line was torn
    (broken where a document could not continue, and whole JSON objects follow on lines of
    their own)? Up to ``probe`` bytes are read to tell. False leaves the source to
    :func:`_whole`: one document (a pretty-printed report, limited as the whole file), broken
    input (its error is worded there), or too big to tell here."""
    # One read past the probe: a source that ends exactly at it is then known to end there.
    while len(reader.buf) - start <= probe and reader.fill():
        pass
    window = reader.buf[start:start + probe]
    if not reader.eof:  # the last line in the window may go on past it
        window = window[:window.rfind(b"\n") + 1]
    try:
        text = window.decode("utf-8")
    except UnicodeDecodeError:
        return False
    try:
        _DECODER.raw_decode(text, len(text) - len(text.lstrip()))
    except json.JSONDecodeError as exc:
        if exc.pos > text.find("\n"):  # broken after the first line: one document
            return False
    except (ValueError, RecursionError):
        pass
    else:
        return False  # a value that goes on past its first line: one document
    return _looks_like_ndjson(text, 0)


def _whole(reader: _Bytes, name: str, size: int | None, max_bytes: int) -> Iterator[Document]:
    """One document, read whole within the limit (as every source was before streaming)."""
    if size is not None and size > max_bytes:
        raise InputError(
            f"{name}: {_size(size)} is larger than the {_size(max_bytes)} limit "
            "(raise it with --max-bytes)"
        )
    while len(reader.buf) <= max_bytes:
        if not reader.fill(min(_CHUNK, max_bytes + 1 - len(reader.buf))):
            break
    if len(reader.buf) > max_bytes:  # stdin, a special file, or a file that grew
        raise InputError(f"{name}: input is larger than the {_size(max_bytes)} limit")
    decoded = _decode_text(reader.buf, name)
    reader.offset, reader.pos, reader.buf = len(reader.buf), 0, b""
    if isinstance(decoded, Document):
        return iter([decoded])
    return iter_text(decoded, name)


def _start_ndjson(
    reader: _Bytes, name: str, start: int, blank: int, max_bytes: int
) -> Iterator[Document]:
    reader.pos, reader.keep = start, False
    return _ndjson(reader, name, blank, max_bytes)


def _ndjson(reader: _Bytes, name: str, number: int, max_bytes: int) -> Iterator[Document]:
    while True:
        offset = reader.offset + reader.pos
        line = reader.line(max_bytes)
        number += 1
        if line is None:
            raise InputError(f"{name}:{number}: line is larger than the {_size(max_bytes)} "
                             "limit (raise it with --max-bytes)")
        if not line:
            return
        try:
            text = line.decode("utf-8")
        except UnicodeDecodeError as exc:
            column = len(line[:exc.start].decode("utf-8", "replace")) + 1
            yield Document(name, error=f"invalid UTF-8 at line {number}, column {column} "
                           f"(byte offset {offset + exc.start})", line=number)
            continue
        if text.isspace():
            continue
        try:
            value = _DECODER.decode(text)
        except (ValueError, RecursionError):
            yield Document(name, error=_line_error(text.removesuffix("\n"), number), line=number)
            continue
        yield _document(name, value, number)


def _line_error(line: str, number: int) -> str:
    """What is wrong with one NDJSON line, placed in the file (``number`` is its line)."""
    try:
        _DECODER.decode(line)
    except (ValueError, RecursionError) as exc:
        return _describe(exc, line, number - 1)
    raise AssertionError("the line parsed the second time")  # pragma: no cover


def _start_array(
    reader: _Bytes, name: str, start: int, blank: int, max_bytes: int
) -> Iterator[Document]:
    from jobhook_testkit._jsonarray import stream_array

    reader.pos, reader.keep = start, False
    return stream_array(reader, name, blank, max_bytes)
