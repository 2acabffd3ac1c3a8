"""Delivery as data and as text; the sender's request building (no network involved)."""

from __future__ import annotations

import json
from dataclasses import FrozenInstanceError
from typing import Any

import pytest

from jobhook_testkit.delivery import Delivery, Outcome, SentRequest
from jobhook_testkit.sender import FakeSender, encode_report

SECRET = "Bearer s3cret-token"


def delivery(outcome: Outcome = Outcome.REJECTED, **fields: Any) -> Delivery:
    request = SentRequest(
        method="POST",
        url="http://127.0.0.1:5000/hooks/jobs",
        headers={"Host": "127.0.0.1:5000", "Authorization": SECRET},
        body=b'{"id": "AYb3kQ2zVx81LmNq0pQr", "status": "FAILURE"}',
    )
    values: dict[str, Any] = {
        "outcome": outcome,
        "status_code": 500,
        "elapsed": 0.0123,
        "request": request,
        "body_excerpt": b'{"error": "KeyError"}',
        "reason": "answered 500 INTERNAL SERVER ERROR, not a 2xx",
        "timeout": 5.0,
        "status_text": "INTERNAL SERVER ERROR",
    }
    return Delivery(**(values | fields))


def test_outcome_is_a_str_enum_with_the_agreed_values() -> None:
    assert [o.value for o in Outcome] == [
        "acknowledged",
        "rejected",
        "timed_out",
        "connection_failed",
    ]
    assert Outcome.TIMED_OUT == "timed_out"


def test_rendering_is_the_sent_received_expected_block() -> None:
    text = str(delivery())
    lines = text.splitlines()
    assert lines[0] == "Receiver did not acknowledge the job report."
    assert lines[1].startswith("  sent:      POST http://127.0.0.1:5000/hooks/jobs  (51 bytes, ")
    assert "Authorization: Bearer [redacted]" in lines[1]
    assert '"id": "AYb3kQ2zVx81LmNq0pQr"' in lines[2]
    assert lines[3] == (
        "  received:  500 INTERNAL SERVER ERROR after 0.012 s: '{\"error\": \"KeyError\"}'"
    )
    assert "not a 2xx" in lines[4]
    assert lines[-1] == "  expected:  a 2xx answer within 5 s (the configured timeout)"


def test_authorization_never_printed_but_kept_as_data() -> None:
    echoed = delivery(body_excerpt=f"you sent {SECRET}".encode())
    for text in (str(echoed), repr(echoed), repr(echoed.request)):
        assert "s3cret-token" not in text
    assert echoed.request.authorization == SECRET
    assert echoed.request.redacted_headers()["Authorization"] == "Bearer [redacted]"


def test_no_answer_is_told_in_words() -> None:
    failed = delivery(
        Outcome.CONNECTION_FAILED,
        status_code=None,
        status_text="",
        body_excerpt=b"",
        reason="Connection refused (connecting)",
    )
    assert "received:  no answer after 0.012 s: Connection refused" in str(failed)
    assert str(failed).startswith("The job report could not be delivered.")


def test_acknowledged_property_follows_the_outcome() -> None:
    assert delivery(Outcome.ACKNOWLEDGED, status_code=200).acknowledged
    assert not delivery(Outcome.TIMED_OUT).acknowledged


def test_an_outcome_given_as_a_string_is_the_enum() -> None:
    built = delivery("acknowledged", status_code=200)  # type: ignore[arg-type]
    assert built.outcome is Outcome.ACKNOWLEDGED
    assert built.acknowledged
    assert repr(built).startswith("<Delivery acknowledged after ")
    with pytest.raises(ValueError, match="'done' is not a valid Outcome"):
        delivery("done")  # type: ignore[arg-type]


def test_delivery_is_frozen() -> None:
    with pytest.raises(FrozenInstanceError):
        delivery().status_code = 200  # type: ignore[misc]


def test_long_bodies_are_shortened_in_the_block() -> None:
    text = str(delivery(body_excerpt=b"x" * 10_000))
    assert len(text) < 1200
    assert "..." in text


@pytest.mark.parametrize(
    ("encoding", "expected"),
    [
        ("compact", '{"b":"é","a":{"y":1,"x":[2]}}'),
        ("ascii", '{"b":"\\u00e9","a":{"y":1,"x":[2]}}'),
        ("reordered", '{"a":{"x":[2],"y":1},"b":"é"}'),
        ("pretty", '{\n  "b": "é",\n  "a": {\n    "y": 1,\n    "x": [\n      2\n    ]\n  }\n}'),
    ],
)
def test_encodings(encoding: Any, expected: str) -> None:
    report = {"b": "é", "a": {"y": 1, "x": [2]}}
    encoded = encode_report(report, encoding)
    assert encoded == expected.encode()
    assert json.loads(encoded) == report


def test_unknown_encoding_and_unencodable_report_are_clear_errors() -> None:
    with pytest.raises(ValueError, match="unknown encoding"):
        encode_report({}, "yaml")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="cannot be encoded as JSON"):
        encode_report({"when": object()})
    with pytest.raises(UnicodeEncodeError) as caught:  # a lone surrogate: not UTF-8
        encode_report({"definition_name": "\ud800"})
    assert "encoding='ascii' sends it" in "".join(caught.value.__notes__)
    assert encode_report({"definition_name": "\ud800"}, "ascii") == b'{"definition_name":"\\ud800"}'
    # Python's json writes NaN, which no JSON parser reads: a receiver would get garbage.
    for bad in (float("nan"), float("inf")):
        with pytest.raises(ValueError, match=r"cannot be encoded as JSON.*use body="):
            encode_report({"total_failed": bad})


@pytest.mark.parametrize(
    ("target", "options", "message"),
    [
        ("ftp://example.com/", {}, "http:// or https:// URL"),
        ("http://", {}, "http:// or https:// URL"),
        ("http://127.0.0.1:1/hook", {"path": "/other"}, "path='/other' is for WSGI targets"),
        ("http://user:pw@127.0.0.1/", {}, "credentials in the URL"),
        ("http://127.0.0.1:99999/", {}, "invalid port"),
        ("http://127.0.0.1/", {"timeout": 0}, "positive number"),
        ("http://127.0.0.1/", {"timeout": float("inf")}, "positive number"),
        ("http://127.0.0.1/", {"auth": "Bearer a\r\nX-Evil: 1"}, "line break"),
        ("http://127.0.0.1/", {"headers": {"Bad Name": "x"}}, "invalid header name"),
        ("http://127.0.0.1/", {"auth": "Bearer ✓"}, "only Latin-1"),
        ("http://127.0.0.1/", {"max_body": -1}, "max_body"),
        # Beyond what socket and thread waits can express: an OverflowError at deliver().
        ("http://127.0.0.1/", {"timeout": 1e10}, "at most 604800 seconds"),
        # Port 0 used to mean "the default port" (80) without a word.
        ("http://127.0.0.1:0/hook", {}, "port 0 cannot be connected to"),
        ("http://[::1/", {}, r"invalid URL 'http://\[::1/': Invalid IPv6 URL"),
        ("127.0.0.1:8000/hooks", {}, "with its scheme: http://127.0.0.1:8000/hooks"),
    ],
)
def test_misconfiguration_is_a_clear_error(target: str, options: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        FakeSender(target, **options)


@pytest.mark.parametrize(
    ("target", "options"),
    [
        ("ftp://user:pa55word@127.0.0.1/", {}),
        ("http://user:pa55word@/", {}),
        ("http://user:pa55word@[::1/", {}),
        ("http://user:pa55word@127.0.0.1:99999/", {}),
        ("http://user:pa55word@127.0.0.1/hook", {"path": "/other"}),
    ],
)
def test_no_error_about_a_url_shows_its_password(target: str, options: Any) -> None:
    with pytest.raises(ValueError, match=r"URL|port|credentials") as caught:
        FakeSender(target, **options)
    assert "pa55word" not in str(caught.value)


@pytest.mark.parametrize("concurrency", ["3", True, 2.5, None])
def test_concurrency_must_be_a_whole_number(concurrency: Any) -> None:
    sender = FakeSender("http://127.0.0.1:1/")  # never reached: refused first
    with pytest.raises(TypeError, match="concurrency must be a whole number"):
        sender.deliver_many([{}], concurrency=concurrency)


def test_target_that_is_neither_url_nor_app_is_a_type_error() -> None:
    with pytest.raises(TypeError, match="URL or a WSGI or ASGI application"):
        FakeSender(42)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"report": {}, "body": b"{}"}, "not both"),
        ({"body": b"{}", "encoding": "pretty"}, "sent as given"),
        ({"method": "PO ST"}, "invalid HTTP method"),
        ({"hang_up_after": 3, "send_rate": (1, 0.1)}, "choose one"),
        ({"hang_up_after": -1}, "hang_up_after"),
        ({"send_rate": (0, 0.1)}, "send_rate"),
        ({"headers": {"X-A": "1\n2"}}, "line break"),
    ],
)
def test_bad_delivery_options_are_clear_errors(options: Any, message: str) -> None:
    sender = FakeSender("http://127.0.0.1:1/")  # never reached: the options are refused first
    with pytest.raises(ValueError, match=message):
        sender.deliver(**options)


@pytest.mark.parametrize(
    ("options", "deliver_options", "message"),
    [
        ({"max_body": "10"}, {}, "max_body must be a whole number"),
        ({"auth": b"Bearer s3cret"}, {}, "header 'Authorization' must be a str, got bytes"),
        ({"headers": {"X-A": 5}}, {}, "header 'X-A' must be a str, got int"),
        ({"headers": {5: "a"}}, {}, "a header name must be a str"),
        ({}, {"body": "text"}, r"body must be bytes, got str \(encode text first\)"),
        ({}, {"method": 5}, "invalid HTTP method"),
        ({}, {"hang_up_after": 2.5}, "hang_up_after must be a whole number"),
        ({}, {"send_rate": 5}, r"send_rate must be a pair \(bytes, seconds\)"),
        ({}, {"send_rate": (1, "a")}, "send_rate must be"),
    ],
)
def test_wrongly_typed_options_are_named_in_the_error(
    options: Any, deliver_options: Any, message: str
) -> None:
    # They used to surface as TypeErrors from deep inside: "expected string or bytes-like
    # object, got 'int'", "slice indices must be integers".
    with pytest.raises((TypeError, ValueError), match=message) as caught:
        FakeSender("http://127.0.0.1:1/", **options).deliver(**deliver_options)
    assert "s3cret" not in str(caught.value)


def test_sender_repr_redacts_the_authorization() -> None:
    text = repr(FakeSender("http://127.0.0.1:8080/hooks", auth=SECRET))
    assert "s3cret" not in text
    assert "Bearer [redacted]" in text
    assert "http://127.0.0.1:8080/hooks" in text


def test_report_must_be_a_mapping() -> None:
    with pytest.raises(TypeError, match="use body= to send anything else"):
        FakeSender("http://127.0.0.1:1/").deliver(["not", "a", "report"])  # type: ignore[arg-type]


def test_invalid_host_name_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="invalid host name"):
        FakeSender("http://" + "a" * 64 + ".example/")


def test_a_hostile_status_line_cannot_drive_the_terminal() -> None:
    text = str(
        delivery(status_text="OK\x1b[2J\rFAKED", reason="answered 500 \x1b[31mred\u202e, not a 2xx")
    )
    assert "\x1b" not in text and "\r" not in text and "\u202e" not in text
    assert "500 OK\\x1b[2J\\rFAKED after" in text
    assert "(answered 500 \\x1b[31mred\\u202e, not a 2xx)" in text
    assert len(text.splitlines()) == 6  # the block keeps its shape
