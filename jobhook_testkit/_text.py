"""Text from the wire made safe to print.

A receiver's status line, an app's exception message or a report's id can hold anything:
escape sequences that recolor or move a terminal's cursor, a carriage return that
overwrites the line, bidi overrides and zero-width characters that disguise it, line
separators that split a report's block, lone surrogates that UTF-8 cannot encode. Every
printed form of such text goes through :func:`printable`.
"""

from __future__ import annotations

import re

# C0/C1 controls (tab and newline apart), zero-width and bidi formatting characters, line
# and paragraph separators, the byte order mark, lone surrogates.
_UNSAFE = "\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff\ud800-\udfff"
_BLOCK = re.compile(f"[{_UNSAFE}]")
_LINE = re.compile(f"[\t\n{_UNSAFE}]")


def _escape(match: re.Match[str]) -> str:
    return repr(match.group())[1:-1]  # '\x1b' -> \x1b, '\u202e' -> \u202e


def printable(text: str, *, one_line: bool = False, limit: int | None = None) -> str:
    """``text`` with unsafe characters shown as escapes (``\\x1b``, ``\\u202e``).

    Tabs and newlines are kept unless ``one_line``; ``limit`` shortens the result with
    an ellipsis.
    """
    cleaned = (_LINE if one_line else _BLOCK).sub(_escape, text)
    if limit is not None and len(cleaned) > limit:
        return cleaned[: max(limit - 1, 0)] + "…"
    return cleaned


def short_id(value: object) -> str:
    """A report id for a console line: ``AYb3…pQr`` when long, ``-`` when missing."""
    if not isinstance(value, str) or not value:
        return "-"
    shown = value if len(value) <= 9 else f"{value[:4]}…{value[-3:]}"
    return printable(shown, one_line=True)
