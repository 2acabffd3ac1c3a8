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


@pytest.fixture(autouse=True)
def _cold_caches() -> None:
    """Each test starts as a fresh process does: nothing worked out for a secret yet
    (the forms of each secret are cached per process, so an earlier test's secret would
    otherwise skip the code under test)."""
    from jobhook_testkit import _redact

    _redact._replacements.cache_clear()
    _redact._longest_first.cache_clear()


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
        ("Bearer two words", "Bearer [redacted]"),  # a credential with a space in it
        ("Abcdefghijklmnopqrst tok3n", "Abcdefghijklmnopqrst [redacted]"),  # 20 letters
        ("Abcdefghijklmnopqrstu tok3n", REDACTED),  # 21: a word, not a scheme
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


def test_an_empty_secret_header_stays_empty() -> None:
    assert redact_headers({"Authorization": "", "X-Api-Key": "k"}) == {
        "Authorization": "", "X-Api-Key": REDACTED}


def test_a_credential_with_spaces_is_scrubbed_whole_and_in_part() -> None:
    secret = "Bearer part-one part-two"
    assert scrub(f"got {secret}!", secret) == "got Bearer [redacted]!"
    assert scrub("echo: part-one part-two", secret) == "echo: [redacted]"


def test_remembering_a_credential_again_makes_it_the_most_recent() -> None:
    from jobhook_testkit import _redact

    _redact.remember("Bearer again-1234", "Bearer other-5678")
    _redact.remember("Bearer again-1234")
    assert _redact.remembered()[-2:] == ("Bearer other-5678", "Bearer again-1234")
    _redact.remember("12345678")  # exactly the shortest scrubbed length
    assert _redact.remembered()[-1] == "12345678"


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        # A password holding an unescaped "@": the host is after the last one.
        ("http://user:p@ss@h.example/hook", "http://[credentials]@h.example/hook"),
        ("http://Xavier:pw@h.example/#frag", "http://[credentials]@h.example/#frag"),
        # Another URL in the query is not the authority.
        ("http://h/cb?next=https://u:pw@x/", "http://h/cb?next=https://u:pw@x/"),
        ("/user@x/hook?id=1", "/user@x/hook?id=1"),  # a path is no authority
    ],
)
def test_only_the_authority_holds_userinfo(url: str, shown: str) -> None:
    from jobhook_testkit._redact import redact_url

    assert redact_url(url) == shown


def test_the_credentials_a_url_holds_as_written_and_decoded() -> None:
    from jobhook_testkit._redact import url_secrets

    assert {"me:p@ss", "p@ss"} <= set(url_secrets("http://me:p@ss@h/"))  # "@" unescaped
    assert {"me:pa:ss", "pa:ss"} <= set(url_secrets("http://me:pa:ss@h/"))  # ":" in it
    found = url_secrets("https://me:p%40ss@h/p?token=a%2Fb&x=1&sig=&code=c+d#state=2")
    assert sorted(found) == sorted(["a%2Fb", "a/b", "c+d", "c d", "me:p%40ss", "me:p@ss",
                                    "p%40ss", "p@ss"])
    assert url_secrets("https://h/p?next=https://u:pw@x/&id=1") == []
    assert url_secrets("https://h/p?page=2") == []


@pytest.mark.parametrize(
    ("secret", "echo", "cleaned"),
    [
        # JSON written with ensure_ascii=False: letters kept, the quote escaped (no other
        # form writes both so).
        ('Bearer ключ"секрет-1', '{"a": "Bearer ключ\\"секрет-1"}', '{"a": "Bearer [redacted]"}'),
        # ... and the tab escaped (as a repr writes it too).
        ("Bearer ключ\tсекрет-1", '{"a": "Bearer ключ\\tсекрет-1"}', '{"a": "Bearer [redacted]"}'),
        # A Python repr of a value holding both quotes escapes the single one.
        ("Bearer it's-\"quoted\"-tok", "{'a': 'Bearer it\\'s-\"quoted\"-tok'}",
         "{'a': 'Bearer [redacted]'}"),
        # A log line that folded the credential's inner whitespace.
        ("Bearer part-one\t\tpart-two", "got Bearer part-one part-two", "got Bearer [redacted]"),
        # Whitespace around a value is not part of it: the text around the echo is kept.
        ("  Bearer abcdefgh  ", "x  Bearer abcdefgh  y", "x  Bearer [redacted]  y"),
    ],
)
def test_scrub_catches_an_echo_as_a_python_receiver_writes_it(
    secret: str, echo: str, cleaned: str
) -> None:
    assert scrub(echo, secret) == cleaned
