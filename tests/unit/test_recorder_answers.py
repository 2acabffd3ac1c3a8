"""respond_with(body=..., headers=...): the recorder's scripted answer (no sockets)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from werkzeug.test import Client

from jobhook_testkit import load_schema
from jobhook_testkit.recorder import RecordingReceiver


@pytest.fixture
def report() -> bytes:
    sample: dict[str, Any] = load_schema()["examples"][0]
    return json.dumps(sample).encode()


def post(receiver: RecordingReceiver, body: bytes) -> Any:
    return Client(receiver).post("/", data=body, headers={"Content-Type": "application/json"})


@pytest.mark.parametrize(
    ("body", "sent", "content_type"),
    [
        ({"queued": 3}, b'{"queued": 3}', "application/json"),
        ([1, "two"], b'[1, "two"]', "application/json"),
        (0, b"0", "application/json"),
        ("déjà reçu", "déjà reçu".encode(), "text/plain; charset=utf-8"),
        (b"\x00\xffraw", b"\x00\xffraw", "application/octet-stream"),
    ],
)
def test_body_is_sent_as_given_with_a_matching_content_type(
    report: bytes, body: object, sent: bytes, content_type: str
) -> None:
    receiver = RecordingReceiver()
    receiver.respond_with(status=202, body=body)
    response = post(receiver, report)
    assert response.status_code == 202
    assert response.data == sent
    assert response.headers["Content-Type"] == content_type
    assert response.headers["Content-Length"] == str(len(sent))
    assert receiver.deliveries[0].status == 202


def test_headers_are_added_and_a_scripted_content_type_wins(report: bytes) -> None:
    receiver = RecordingReceiver()
    receiver.respond_with(
        status=200, body="<ok/>", headers={"Content-Type": "application/xml", "X-Request-Id": "r-1"}
    )
    response = post(receiver, report)
    assert response.data == b"<ok/>"
    assert response.headers.getlist("Content-Type") == ["application/xml"]
    assert response.headers["X-Request-Id"] == "r-1"


def test_headers_alone_keep_the_default_answer(report: bytes) -> None:
    receiver = RecordingReceiver()
    receiver.respond_with(headers={"Retry-After": "120"})
    response = post(receiver, report)
    assert response.status_code == 204
    assert response.data == b""
    assert response.headers["Retry-After"] == "120"
    assert "Content-Type" not in response.headers
    receiver.respond_with(status=503)
    response = post(receiver, report)
    assert (response.status_code, response.get_json()) == (503, {"recorded": True})
    assert response.headers["Retry-After"] == "120"
    assert response.headers.getlist("Content-Type") == ["application/json"]


def test_only_the_arguments_given_change_and_clear_resets_all(report: bytes) -> None:
    receiver = RecordingReceiver()
    receiver.respond_with(status=200, body={"a": 1}, headers={"X-One": "1"})
    receiver.respond_with(status=201)
    response = post(receiver, report)
    assert (response.status_code, response.get_json()) == (201, {"a": 1})
    assert response.headers["X-One"] == "1"
    receiver.respond_with(headers={})
    assert "X-One" not in post(receiver, report).headers
    receiver.clear()
    response = post(receiver, report)
    assert (response.status_code, response.data) == (204, b"")


def test_a_malformed_delivery_still_gets_its_400(report: bytes) -> None:
    receiver = RecordingReceiver()
    receiver.respond_with(status=200, body="fine", headers={"X-Scripted": "yes"})
    response = post(receiver, b"not json")
    assert response.status_code == 400
    assert "error" in response.get_json()
    assert "X-Scripted" not in response.headers


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"body": {"x": 1}}, r"a 204 answer carries no body; .*respond_with\(status=200"),
        ({"status": 304, "body": "x"}, "a 304 answer carries no body"),
        ({"body": {1, 2}}, "body must be str, bytes or a JSON-serializable value, got set"),
        ({"status": 200, "body": float("nan")}, "JSON-serializable"),
        ({"headers": {"Content-Length": "3"}}, "'Content-Length' is set by the server"),
        ({"headers": {"Transfer-Encoding": "chunked"}}, "set by the server"),
        ({"headers": {"Bad Name": "x"}}, "not a valid HTTP header name"),
        ({"headers": {"X-A": "1\r\nX-Injected: 2"}}, "needs a one-line str value"),
        ({"headers": {"X-A": 1}}, "needs a one-line str value"),
        ({"headers": {"X-A": "\u2603"}}, "not Latin-1"),
        ({"headers": [("X-A", "1")]}, "headers must be a dict"),
    ],
)
def test_bad_scripting_is_refused_and_changes_nothing(
    report: bytes, kwargs: dict[str, Any], message: str
) -> None:
    receiver = RecordingReceiver()
    with pytest.raises(ValueError, match=message):
        receiver.respond_with(**kwargs)
    response = post(receiver, report)
    assert (response.status_code, response.data) == (204, b"")


def test_an_empty_body_is_allowed_on_204(report: bytes) -> None:
    receiver = RecordingReceiver()
    receiver.respond_with(status=200, body="x")
    receiver.respond_with(status=204, body=b"")
    response = post(receiver, report)
    assert (response.status_code, response.data) == (204, b"")


@pytest.mark.parametrize("value", ["Bearer s3cret\r\nX-Injected: 1", "Bearer s3cr\u00e9t\u20ac"])
def test_a_credential_header_value_is_never_shown_in_the_error(value: str) -> None:
    with pytest.raises(ValueError, match=r"header 'X-Api-Key' .*\[redacted\]") as caught:
        RecordingReceiver().respond_with(headers={"X-Api-Key": value})
    assert "s3cr" not in str(caught.value)

