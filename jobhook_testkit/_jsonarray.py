"""A JSON array read element by element: ``json.JSONDecoder.raw_decode`` on a window of
decoded text that holds the element being read and what follows it, never the whole array.

An element cut by the end of the window is decoded again once more text is read; the
text before the current element is dropped as the window moves on, while enough is kept
to name any position by its line and column in the whole source. Errors read as they did
when the whole array was parsed at once (malformed JSON at line L, column C; invalid UTF-8
at its byte offset), after the elements that came before them.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from jobhook_testkit._jsonio import _DECODER, Document, InputError, _describe, _document, _size

if TYPE_CHECKING:
    from jobhook_testkit._jsonstream import _Bytes

_CHUNK = 1 << 20
_SPACE = re.compile(r"[ \t\n\r]*")
# A decode error this close to the end of what was read may only mean "read more".
_NEAR_END = 64
# What a number cut by the end of what was read stops at: "1." of 1.5, "1e"/"1e-" of 1e-3.
_CUT_NUMBER = re.compile(r"[.eE][-+]?")


def stream_array(
    reader: _Bytes, name: str, lines_before: int, max_bytes: int
) -> Iterator[Document]:
    """The elements of the array that starts at the reader's position (after
    ``lines_before`` lines), as documents ``/0``, ``/1``...; then, if it is broken, why."""
    return _array(_Text(reader, lines_before), name, max_bytes)


class _Text:
    """The decoded text of a byte stream, kept from the element being read onwards, with
    enough bookkeeping to name any position by its line and column in the whole source."""

    def __init__(self, reader: _Bytes, lines_before: int) -> None:
        self.reader = reader
        self.buf = ""
        self.line, self.column = lines_before, 0  # where buf[0] is: lines and characters before it
        self.pending = b""  # the start of a UTF-8 sequence cut by a chunk boundary
        self.offset = reader.offset + reader.pos  # byte offset of pending's first byte
        self.error: str | None = None
        self._take(reader.rest())

    def more(self) -> bool:
        """Decode the next chunk (bigger as the buffer grows); False at the end."""
        if self.error is not None:
            return False
        if not self.reader.fill(max(_CHUNK, len(self.buf))):
            if self.pending:  # a sequence cut by the end of the file
                self._take(b"")
                return self.error is None
            return False
        return self._take(self.reader.rest()) or self.more()

    def _take(self, data: bytes) -> bool:
        data, cut = self.pending + data, 0
        if not self.reader.eof:
            cut = _incomplete_tail(data)
        data, self.pending = (data[:-cut], data[-cut:]) if cut else (data, b"")
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            self.buf += data[:exc.start].decode("utf-8")
            line, column = self.position(len(self.buf))
            self.error = (f"invalid UTF-8 at line {line}, column {column} "
                          f"(byte offset {self.offset + exc.start})")
            self.pending = b""
            return False
        self.offset += len(data)
        self.buf += text
        return bool(text)

    def drop(self, pos: int) -> int:
        """Forget the text before ``pos`` (already read); return the new position of it."""
        newlines = self.buf.count("\n", 0, pos)
        if newlines:
            self.line += newlines
            self.column = pos - self.buf.rfind("\n", 0, pos) - 1
        else:
            self.column += pos
        self.buf = self.buf[pos:]
        return 0

    def position(self, pos: int) -> tuple[int, int]:
        """1-based line and column of ``buf[pos]`` in the whole source."""
        newlines = self.buf.count("\n", 0, pos)
        if newlines:
            return self.line + newlines + 1, pos - self.buf.rfind("\n", 0, pos)
        return self.line + 1, self.column + pos + 1

    def skip_space(self, pos: int) -> int:
        while True:
            pos = _SPACE.match(self.buf, pos).end()  # type: ignore[union-attr]
            if pos < len(self.buf) or not self.more():
                return pos


def _incomplete_tail(data: bytes) -> int:
    """How many bytes at the end of ``data`` start a UTF-8 sequence that is not complete."""
    for back in range(1, min(4, len(data)) + 1):
        byte = data[-back]
        if byte & 0xC0 == 0x80:  # a continuation byte: look further back
            continue
        if byte < 0xC2:  # ASCII, or C0/C1, which start no sequence: invalid at once
            return 0
        needed = 2 if byte < 0xE0 else 3 if byte < 0xF0 else 4
        return back if needed > back else 0
    return 0


class _Stop(Exception):
    """The array cannot be read any further; ``message`` says why."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _array(text: _Text, name: str, max_bytes: int) -> Iterator[Document]:
    pos = text.skip_space(0) + 1  # past the "[" the source was recognised by
    index = 0
    try:
        pos = text.skip_space(pos)
        if text.buf.startswith("]", pos):
            pos += 1
        else:
            while True:
                value, pos = _element(text, pos, index, name, max_bytes)
                yield _document(name, value, None, f"/{index}")
                index += 1
                pos = text.skip_space(pos)
                if text.buf.startswith("]", pos):
                    pos += 1
                    break
                if not text.buf.startswith(",", pos):
                    raise _stop(text, pos, "Expecting ',' delimiter")
                pos = text.skip_space(pos + 1)
                if pos > _CHUNK:
                    pos = text.drop(pos)
        pos = text.skip_space(pos)
        if pos < len(text.buf):
            raise _stop(text, pos, "extra data after the first value (NDJSON needs one "
                        "value per line)")
        if text.error is not None:
            raise _Stop(text.error)
    except _Stop as stop:
        yield Document(name, error=stop.message)


def _element(text: _Text, pos: int, index: int, name: str, max_bytes: int) -> tuple[Any, int]:
    """Decode the array element at ``pos``, reading on while it may continue."""
    while True:
        try:
            value, end = _DECODER.raw_decode(text.buf, pos)
        except json.JSONDecodeError as exc:
            cut_short = exc.msg.startswith("Unterminated string") or (
                exc.pos >= len(text.buf) - _NEAR_END
            )
            if cut_short and _read_on(text, pos, index, name, max_bytes):
                continue
            raise _stop(text, exc.pos, exc.msg) from None
        except (ValueError, RecursionError) as exc:
            raise _Stop(_describe(exc, "")) from None
        if (end == len(text.buf) or _CUT_NUMBER.fullmatch(text.buf, end)) and _read_on(
            text, pos, index, name, max_bytes
        ):
            continue  # a number may go on in the next chunk
        if _utf8_size(text.buf[pos:end]) > max_bytes:
            raise _too_large(name, index, max_bytes)
        return value, end


def _read_on(text: _Text, pos: int, index: int, name: str, max_bytes: int) -> bool:
    if _utf8_size(text.buf[pos:]) > max_bytes:
        raise _too_large(name, index, max_bytes)
    before = len(text.buf)
    text.more()
    return len(text.buf) > before


def _utf8_size(text: str) -> int:
    """The size of ``text`` in the source, in bytes (what --max-bytes counts)."""
    return len(text.encode("utf-8"))


def _too_large(name: str, index: int, max_bytes: int) -> InputError:
    return InputError(f"{name}: array element /{index} is larger than the {_size(max_bytes)} "
                      "limit (raise it with --max-bytes)")


def _stop(text: _Text, pos: int, message: str) -> _Stop:
    """Why reading stopped at ``pos``: the JSON error there, or the invalid UTF-8 that cut
    the text short just after it."""
    if text.error is not None and (
        pos >= len(text.buf) - _NEAR_END or message.startswith("Unterminated string")
    ):
        return _Stop(text.error)
    line, column = text.position(pos)
    return _Stop(f"malformed JSON at line {line}, column {column}: {message}")
