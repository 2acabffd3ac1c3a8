"""The argument types every subcommand shares."""

from __future__ import annotations

import argparse

import pytest

from jobhook_testkit._commands import _options


@pytest.mark.parametrize(
    ("convert", "text", "expected"),
    [
        (_options.seconds, "0.5", 0.5),
        (_options.seconds_or_zero, "0", 0.0),
        (_options.whole_number, "42", 42),
        (_options.port, "0", 0),
        (_options.status_code, "204", 204),
        (_options.byte_count, "2K", 2048),
        (_options.byte_count, "1m", 1024**2),
        (_options.byte_count, "300", 300),
    ],
)
def test_accepts(convert: object, text: str, expected: object) -> None:
    assert convert(text) == expected  # type: ignore[operator]


@pytest.mark.parametrize(
    ("convert", "text", "message"),
    [
        (_options.seconds, "0", "must be a positive number of seconds"),
        (_options.seconds, "inf", "must be a positive number of seconds"),
        (_options.seconds, "nan", "must be a positive number of seconds"),
        (_options.seconds, "soon", "not a number of seconds"),
        (_options.seconds_or_zero, "-1", "must be a number of seconds >= 0"),
        (_options.whole_number, "-3", "must be 0 or more"),
        (_options.whole_number, "1.5", "not a whole number"),
        (_options.port, "65536", "port must be 0-65535"),
        (_options.status_code, "199", "status must be 200-599"),
        (_options.byte_count, "0K", "must be a positive number of bytes"),
        (_options.byte_count, "lots", "not a number of bytes"),
        (_options.byte_count, "", "not a number of bytes"),
    ],
)
def test_refuses_with_a_reason(convert: object, text: str, message: str) -> None:
    with pytest.raises(argparse.ArgumentTypeError, match=message):
        convert(text)  # type: ignore[operator]


def test_verify_option() -> None:
    def namespace(cacert: str | None, insecure: bool) -> argparse.Namespace:
        return argparse.Namespace(cacert=cacert, insecure=insecure)

    assert _options.verify_option(namespace(None, False)) is True
    assert _options.verify_option(namespace(None, True)) is False
    assert _options.verify_option(namespace("ca.pem", False)) == "ca.pem"
