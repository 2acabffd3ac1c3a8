"""Authorization values are hidden everywhere, keeping the scheme."""

from __future__ import annotations

import pytest

from jobhook_testkit._redact import REDACTED, redact_authorization, redact_headers, scrub


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Bearer mF_9.B5f-4.1JqM", "Bearer [redacted]"),
        ("Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==", "Basic [redacted]"),
        ("  Bearer   spaced  ", "Bearer [redacted]"),
        ("s3cret-without-scheme", REDACTED),
        ("Bearer", REDACTED),  # a lone word may be the secret itself
        ("tok3n with spaces", REDACTED),  # not an auth scheme: hide it all
        ("Token-Type value", REDACTED),
        ("", ""),
        (None, None),
    ],
)
def test_redact_authorization(value: str | None, expected: str | None) -> None:
    assert redact_authorization(value) == expected


def test_redact_headers_is_case_insensitive_and_copies() -> None:
    headers = {"authorization": "Bearer abc", "Content-Type": "application/json",
               "Cookie": "session=1", "Proxy-Authorization": "Basic xyz"}
    redacted = redact_headers(headers)
    assert redacted == {"authorization": "Bearer [redacted]",
                        "Content-Type": "application/json", "Cookie": "[redacted]",
                        "Proxy-Authorization": "Basic [redacted]"}
    assert headers["authorization"] == "Bearer abc"


def test_redact_headers_accepts_pairs() -> None:
    assert redact_headers([("Authorization", "k")]) == {"Authorization": REDACTED}


def test_scrub_removes_the_secret_and_its_credential_anywhere() -> None:
    text = "sent Authorization: Bearer s3cretvalue; echoed back: s3cretvalue"
    cleaned = scrub(text, "Bearer s3cretvalue")
    assert "s3cretvalue" not in cleaned
    assert cleaned == "sent Authorization: Bearer [redacted]; echoed back: [redacted]"
    assert scrub("nothing", None) == "nothing"
