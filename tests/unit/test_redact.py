"""Authorization values are hidden everywhere, keeping the scheme."""

from __future__ import annotations

import pytest

from jobhook_testkit._redact import (
    REDACTED,
    is_secret_header,
    redact_authorization,
    redact_headers,
    scrub,
)


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
    headers = {
        "authorization": "Bearer abc",
        "Content-Type": "application/json",
        "Cookie": "session=1",
        "Proxy-Authorization": "Basic xyz",
    }
    redacted = redact_headers(headers)
    assert redacted == {
        "authorization": "Bearer [redacted]",
        "Content-Type": "application/json",
        "Cookie": "[redacted]",
        "Proxy-Authorization": "Basic [redacted]",
    }
    assert headers["authorization"] == "Bearer abc"


def test_redact_headers_accepts_pairs() -> None:
    assert redact_headers([("Authorization", "k")]) == {"Authorization": REDACTED}


def test_scrub_removes_the_secret_and_its_credential_anywhere() -> None:
    text = "sent Authorization: Bearer s3cretvalue; echoed back: s3cretvalue"
    cleaned = scrub(text, "Bearer s3cretvalue")
    assert "s3cretvalue" not in cleaned
    assert cleaned == "sent Authorization: Bearer [redacted]; echoed back: [redacted]"
    assert scrub("nothing", None) == "nothing"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Bearer\ts3cret", "Bearer [redacted]"),
        ("bearer s3cret", "bearer [redacted]"),
        ("Bearer\u00a0s3cret", "Bearer [redacted]"),
        ("Basic " + "Q" * 100_000, "Basic [redacted]"),
        ("Bearer ключ-секрет", "Bearer [redacted]"),
        ("Токен abc", REDACTED),
    ],
    ids=["tab", "lowercase", "nbsp", "very-long", "unicode-credential", "unicode-scheme"],
)
def test_odd_authorization_values_keep_only_an_ascii_scheme(value: str, expected: str) -> None:
    assert redact_authorization(value) == expected


@pytest.mark.parametrize(
    "echo",
    [
        "token: s3cret/value+1==",  # the credential alone
        "got 'Bearer s3cret/value+1=='",  # the tab folded into a space
        '{"auth": "Bearer\\ts3cret\\/value+1=="}',  # JSON with escaped tab and slash (PHP)
        '{"token": "s3cret\\/value+1=="}',  # JSON, escaped slash, credential alone
        "'Bearer\\ts3cret/value+1=='",  # a Python repr
    ],
)
def test_scrub_catches_the_forms_an_echoed_secret_takes(echo: str) -> None:
    cleaned = scrub(echo, "Bearer\ts3cret/value+1==")
    assert "s3cret" not in cleaned, cleaned
    assert REDACTED in cleaned


def test_scrub_escapes_non_ascii_like_a_json_encoder() -> None:
    import json

    secret = "Bearer ключ-секрет"
    for ensure_ascii in (True, False):
        echo = json.dumps({"authorization": secret}, ensure_ascii=ensure_ascii)
        assert scrub(echo, secret) == '{"authorization": "Bearer [redacted]"}'


def test_a_delivery_never_shows_an_echoed_credential() -> None:
    # A receiver that echoes the token it refused, JSON-escaped the PHP way ("\/"); the
    # sender's Authorization separates scheme and token with a tab (HTTP allows it).
    from collections.abc import Callable, Iterable

    from jobhook_testkit import FakeSender, edge_case

    def app(environ: dict[str, str], start_response: Callable[..., object]) -> Iterable[bytes]:
        token = environ["HTTP_AUTHORIZATION"].split(None, 1)[1].replace("/", "\\/")
        start_response("401 Unauthorized", [("Content-Type", "application/json")])
        return [b'{"error": "bad token ' + token.encode() + b'"}']

    delivery = FakeSender(app, auth="Bearer\tmF_9.B5f/4.1JqM").deliver(
        edge_case("docs-sample").payload
    )
    assert delivery.status_code == 401
    for text in (str(delivery), repr(delivery)):
        assert "B5f" not in text, text


def test_a_very_short_value_is_not_scrubbed_out_of_ordinary_text() -> None:
    assert scrub("the connection was reset", "h") == "the connection was reset"
    assert scrub("the connection was reset", "Bearer h") == "the connection was reset"
    assert scrub("got Bearer h back", "Bearer h") == "got Bearer [redacted] back"


@pytest.mark.parametrize(
    "name",
    [
        "Authorization",
        "proxy-authorization",
        "Cookie",
        "X-Api-Key",
        "X-Auth-Token",
        "x_gateway_secret",
        "Private-Token",
        "X-API-KEY",
        "X-Signature",
    ],
)
def test_headers_named_like_credentials_are_secret(name: str) -> None:
    assert is_secret_header(name)
    assert redact_headers({name: "Bearer abcdef123"}) == {name: "Bearer [redacted]"}


@pytest.mark.parametrize(
    "name", ["Content-Type", "User-Agent", "X-Request-Id", "Accept", "Keyboard"]
)
def test_ordinary_headers_are_printed(name: str) -> None:
    assert not is_secret_header(name)
    assert redact_headers({name: "abc def"}) == {name: "abc def"}


@pytest.mark.parametrize("echo", ["BEARER S3CRETVALUE-42", "bearer s3cretvalue-42",
                                  "token S3cretValue-42 refused"])
def test_scrub_catches_an_echo_in_any_letter_case(echo: str) -> None:
    cleaned = scrub(echo, "Bearer s3cretValue-42")
    assert "s3cretvalue" not in cleaned.lower(), cleaned
    assert REDACTED in cleaned


def test_scrub_leaves_ordinary_words_that_happen_to_be_a_short_credential() -> None:
    message = "missing or wrong Authorization"
    assert scrub(message, "Bearer wrong") == message  # "wrong" is too short to be a secret
    assert scrub("got Bearer WRONG", "Bearer wrong") == "got Bearer [redacted]"


def test_the_length_rule_is_eight_characters() -> None:
    from jobhook_testkit._redact import MIN_SECRET

    assert MIN_SECRET == 8
    assert scrub("x abcdefgh x", "Bearer abcdefgh") == "x [redacted] x"
    assert scrub("x abcdefg x", "Bearer abcdefg") == "x abcdefg x"


def test_remembered_credentials_are_bounded_and_skip_short_ones() -> None:
    from jobhook_testkit import _redact

    _redact.remember("short", None, "Bearer long-enough-1")
    assert "Bearer long-enough-1" in _redact.remembered()
    assert "short" not in _redact.remembered()
    for number in range(300):
        _redact.remember(f"Bearer filler-{number:04d}")
    assert len(_redact.remembered()) == 256
    assert _redact.remembered()[-1] == "Bearer filler-0299"
    assert "Bearer long-enough-1" not in _redact.remembered()


def test_scrub_all_scrubs_each_secret() -> None:
    from jobhook_testkit._redact import scrub_all

    text = "a=Bearer first-secret b=SECOND-SECRET-X"
    assert scrub_all(text, ["Bearer first-secret", "second-secret-x", None]) == (
        "a=Bearer [redacted] b=[redacted]"
    )
