"""Reading payload files: one JSON value, a JSON array of values, or NDJSON.

Strict about what JSON is: ``NaN``/``Infinity`` (which Python's parser accepts), numbers
too large for a double, invalid UTF-8 and duplicate object keys are reported, never
silently accepted. Sources are streamed (:mod:`jobhook_testkit._jsonstream`): NDJSON and
arrays one document at a time; one document over ``max_bytes`` is refused, not loaded.
"""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from jobhook_testkit._jsonstream import DocumentStream

DEFAULT_MAX_BYTES = 256 * 1024 * 1024
STDIN = "-"


class InputError(Exception):
    """The input could not be read at all (missing, unreadable, too large): exit 2."""


@dataclass(frozen=True, slots=True)
class Document:
    """One JSON document found in a source, or why it could not be parsed.

    ``line`` is the 1-based line of an NDJSON entry (None for a whole-file document or an
    array element); ``pointer`` is ``"/N"`` for the N-th element of a top-level array.
    ``duplicate_keys`` lists JSON Pointers of keys that appeared twice in one object.
    """

    source: str
    value: Any = None
    error: str | None = None
    line: int | None = None
    pointer: str = ""
    duplicate_keys: tuple[str, ...] = field(default=())

    @property
    def location(self) -> str:
        """``source`` or ``source:line``, the prefix of every message about it."""
        return self.source if self.line is None else f"{self.source}:{self.line}"


class _DuplicatesSeen(dict[str, Any]):
    """A parsed object that had repeated keys (the names are kept for reporting)."""

    repeated: tuple[str, ...] = ()


def _object_pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) == len(pairs):
        return result
    seen: set[str] = set()
    repeated = []
    for key, _ in pairs:
        if key in seen and key not in repeated:
            repeated.append(key)
        seen.add(key)
    marked = _DuplicatesSeen(result)
    marked.repeated = tuple(repeated)
    return marked


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON (JSON has no NaN or Infinity)")


def _finite_float(text: str) -> float:
    value = float(text)
    if math.isinf(value):
        raise ValueError(f"number {text[:40]} is too large to represent")
    return value


def _bounded_int(text: str) -> int:
    # Beyond a double's range no JSON reader outside Python keeps the value (and past
    # 4,300 digits Python itself refuses, with advice meant for programmers).
    if len(text) >= _MAX_INT_DIGITS:
        digits = text.lstrip("-")
        if len(digits) > _MAX_INT_DIGITS or int(digits) > sys.float_info.max:
            raise ValueError(f"number {text[:40]}... is too large to represent")
    return int(text)


_MAX_INT_DIGITS = 309  # the float maximum, 1.797...e308, has 309 digits
_TOO_DEEP = "JSON nested too deeply to parse"


_DECODER = json.JSONDecoder(
    object_pairs_hook=_object_pairs,
    parse_constant=_reject_constant,
    parse_float=_finite_float,
    parse_int=_bounded_int,
)


def _escape(key: str) -> str:
    return key.replace("~", "~0").replace("/", "~1")


def key_of(pointer: str) -> str:
    """The last key of a JSON Pointer, unescaped (``/a/b~1c`` -> ``b/c``)."""
    return pointer.rsplit("/", 1)[-1].replace("~1", "/").replace("~0", "~")


def duplicate_key_message(pointer: str) -> str:
    """What to say about a key repeated in one object, wherever it is reported."""
    return f"duplicate key {key_of(pointer)!r} (JSON parsers disagree on which value wins)"


def duplicate_pointers(value: Any, prefix: str = "") -> list[str]:
    """Walk a parsed value and list ``pointer/key`` for each repeated key."""
    found: list[str] = []
    stack: list[tuple[str, Any]] = [(prefix, value)]
    while stack:
        pointer, node = stack.pop()
        if isinstance(node, dict):
            found += [f"{pointer}/{_escape(key)}" for key in getattr(node, "repeated", ())]
            stack += [(f"{pointer}/{_escape(k)}", v) for k, v in node.items()]
        elif isinstance(node, list):
            stack += [(f"{pointer}/{i}", v) for i, v in enumerate(node)]
    return sorted(found)


def _position(text: str, index: int) -> tuple[int, int]:
    line = text.count("\n", 0, index) + 1
    column = index - (text.rfind("\n", 0, index) + 1) + 1
    return line, column


def _describe(exc: ValueError | RecursionError, text: str, line_offset: int = 0) -> str:
    if isinstance(exc, RecursionError):
        return _TOO_DEEP
    if isinstance(exc, json.JSONDecodeError):
        line, column = _position(text, exc.pos)
        return f"malformed JSON at line {line + line_offset}, column {column}: {exc.msg}"
    return str(exc)


def _size(count: int) -> str:
    for unit in ("bytes", "KiB", "MiB", "GiB"):
        if count < 1024 or unit == "GiB":
            return f"{count} {unit}" if unit == "bytes" else f"{count:.1f} {unit}"
        count /= 1024  # type: ignore[assignment]
    raise AssertionError("unreachable")  # pragma: no cover


def _display(source: str) -> str:
    return "<stdin>" if source == STDIN else source


def _decode_text(data: bytes, name: str) -> str | Document:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        if data[:2] in (b"\xff\xfe", b"\xfe\xff"):  # what PowerShell's `>` writes
            return Document(name, error="the input is UTF-16 (it starts with a UTF-16 byte "
                            "order mark); JSON must be UTF-8: convert it first")
        # Characters before the invalid byte, not bytes: "é" is one column (and a BOM none).
        before = data[:exc.start].decode("utf-8").removeprefix("\ufeff")
        line, column = _position(before, len(before))
        return Document(
            name, error=f"invalid UTF-8 at line {line}, column {column} (byte offset {exc.start})"
        )
    return text.removeprefix("\ufeff")


def _document(name: str, value: Any, line: int | None = None, pointer: str = "") -> Document:
    duplicates = duplicate_pointers(value, pointer) if _contains_marked(value) else ()
    return Document(name, value, None, line, pointer, tuple(duplicates))


def _contains_marked(value: Any) -> bool:
    """Whether any object inside ``value`` had repeated keys (cheap for flat reports).

    A loop, not recursion: the parser accepts nesting deeper than Python's recursion limit.
    """
    stack = [value]
    while stack:
        node = stack.pop()
        kind = type(node)
        if kind is _DuplicatesSeen:
            return True
        if kind is dict:
            children: Any = node.values()
        elif kind is list:
            children = node
        else:
            continue
        for child in children:
            child_kind = type(child)
            if child_kind is _DuplicatesSeen:
                return True
            if child_kind is dict or child_kind is list:
                stack.append(child)
    return False


def parse_text(text: str, name: str) -> list[Document]:
    """Split ``text`` into documents: one value, the elements of an array, or NDJSON lines."""
    return list(iter_text(text, name))


def iter_text(text: str, name: str) -> Iterator[Document]:
    """Like :func:`parse_text`, one document at a time: NDJSON lines are parsed as they
    are reached, so checking a large file never holds more than one parsed report."""
    start = len(text) - len(text.lstrip())
    if start == len(text):
        yield Document(name, error="empty input: expected a job report, an array of "
                       "reports, or NDJSON with one report per line")
        return
    try:
        first, end = _DECODER.raw_decode(text, start)
    except (ValueError, RecursionError) as exc:
        if _looks_like_ndjson(text, start):
            yield from _parse_ndjson(text, name)
        else:
            yield Document(name, error=_describe(exc, text))
        return
    rest = text[end:]
    if not rest.strip():
        if isinstance(first, list):
            for i, item in enumerate(first):
                yield _document(name, item, None, f"/{i}")
        else:
            yield _document(name, first)
    elif "\n" not in text[start:end] and "\n" in rest:
        del first, rest
        yield from _parse_ndjson(text, name)
    else:
        line, column = _position(text, end + len(rest) - len(rest.lstrip()))
        yield Document(name, error=f"malformed JSON at line {line}, column {column}: extra "
                       "data after the first value (NDJSON needs one value per line)")


def _looks_like_ndjson(text: str, start: int) -> bool:
    """The first value did not parse: is this NDJSON whose first line is broken?

    True when some line holds a whole JSON object on its own. A recording torn by a crash
    (or a hand-edited capture) then costs only its broken lines, not the whole file.
    """
    lines = text[start:].split("\n")
    if len([line for line in lines if line.strip()]) < 2:
        return False
    for line in lines:
        stripped = line.strip()
        if stripped.startswith("{") and stripped.endswith("}"):
            try:
                _DECODER.decode(stripped)
            except (ValueError, RecursionError):
                continue
            return True
    return False


def _parse_ndjson(text: str, name: str) -> Iterator[Document]:
    number, position, size = 0, 0, len(text)
    while position <= size:
        newline = text.find("\n", position)
        end = size if newline < 0 else newline
        line, position, number = text[position:end], end + 1, number + 1
        if not line.strip():
            continue
        try:
            value = _DECODER.decode(line)
        except (ValueError, RecursionError) as exc:
            yield Document(name, error=_describe(exc, line, number - 1), line=number)
            continue
        yield _document(name, value, number)


def read_documents(source: str, *, max_bytes: int = DEFAULT_MAX_BYTES) -> list[Document]:
    """Read every JSON document in ``source`` (a path, or ``-`` for stdin).

    Raises :class:`InputError` when the source cannot be read; problems with the content
    (malformed JSON, invalid UTF-8, empty input) come back as documents with ``error`` set.
    """
    return list(iter_documents(source, max_bytes=max_bytes))


def iter_documents(source: str, *, max_bytes: int = DEFAULT_MAX_BYTES) -> DocumentStream:
    """Like :func:`read_documents`, one document at a time: NDJSON, recordings and arrays
    are read as they are checked, so memory does not grow with the file.

    The source is opened (and :class:`InputError` raised) at once, before this returns;
    ``max_bytes`` limits one document (the file, one NDJSON line or one array element)
    and a document over it raises :class:`InputError` when it is reached.
    """
    from jobhook_testkit._jsonstream import stream_documents

    return stream_documents(source, max_bytes=max_bytes)


def loads_strict(data: bytes | str) -> Any:
    """Parse one JSON value strictly (no NaN/Infinity); raise ValueError with a clear message."""
    text = data.decode("utf-8") if isinstance(data, bytes) else data
    try:
        return _DECODER.decode(text)
    except ValueError as exc:
        raise ValueError(_describe(exc, text)) from None
