"""printable(): text from the wire cannot drive the terminal it is printed on."""

from __future__ import annotations

import pytest

from jobhook_testkit._text import printable, short_id


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("OK\x1b[2J", "OK\\x1b[2J"),  # clear screen
        ("done\rFAKED", "done\\rFAKED"),  # overwrite the line
        ("id\u202etxt.exe", "id\\u202etxt.exe"),  # right-to-left override
        ("a\u200bb", "a\\u200bb"),  # zero-width space
        ("one\u2028two", "one\\u2028two"),  # a line break to str.splitlines()
        ("lone \ud800", "lone \\ud800"),  # not encodable as UTF-8
        ("\x7f\x85", "\\x7f\\x85"),  # DEL and a C1 control
    ],
)
def test_unsafe_characters_are_escaped(raw: str, shown: str) -> None:
    assert printable(raw) == shown
    printable(raw).encode("utf-8")  # always writable


@pytest.mark.parametrize("text", ["Export « consentements » – 顧客 🚀", "Ça\u00a0va", "x y"])
def test_ordinary_text_is_untouched(text: str) -> None:
    assert printable(text) == text == printable(text, one_line=True)


def test_newlines_and_tabs_are_kept_in_blocks_but_not_on_one_line() -> None:
    assert printable("a\n\tb") == "a\n\tb"
    assert printable("a\n\tb", one_line=True) == "a\\n\\tb"


def test_limit_shortens_after_escaping() -> None:
    assert printable("abcdef", limit=4) == "abc…"
    assert printable("\x1b" * 10, limit=6) == "\\x1b\\…"
    assert printable("abc", limit=3) == "abc"


@pytest.mark.parametrize(
    ("value", "shown"),
    [("AYb3kQ2zVx81LmNq0pQr", "AYb3…pQr"), ("short", "short"), ("", "-"), (None, "-"),
     (42, "-"), ("\x1b[2Jabcdefghij", "\\x1b[2J…hij")],
)
def test_short_id(value: object, shown: str) -> None:
    assert short_id(value) == shown
