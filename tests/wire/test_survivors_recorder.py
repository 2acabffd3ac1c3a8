"""The recording receiver's behaviour that mutation testing found unpinned: wait_for
really waiting, max_body checked, the 401 challenge naming the configured scheme, keys
repeated two objects deep."""

from __future__ import annotations

import json
import threading
import time
from typing import Any

import pytest
from werkzeug.test import Client

from jobhook_testkit import load_schema
from jobhook_testkit.recorder import RecordingReceiver, serve_recorder
from jobhook_testkit.sender import FakeSender


def _report(**changes: Any) -> dict[str, Any]:
    return {**load_schema()["examples"][0], **changes}


def _post(client: Client, body: str, **headers: str) -> Any:
    return client.post("/", data=body, headers={"Content-Type": "application/json", **headers})


def test_wait_for_waits_for_a_delivery_that_arrives_later() -> None:
    with serve_recorder() as recorder:
        sender = FakeSender(recorder.url + "/hooks", timeout=5)
        later = threading.Timer(0.3, sender.deliver, args=(_report(id="late-one"),))
        started = time.monotonic()
        later.start()
        try:
            (delivery,) = recorder.wait_for(1, timeout=5)
        finally:
            later.join(5)
        waited = time.monotonic() - started
    assert delivery.report is not None and delivery.report["id"] == "late-one"
    assert waited >= 0.25  # it waited for the delivery; it did not return at once


def test_wait_for_waits_for_the_count_asked_not_the_first() -> None:
    with serve_recorder() as recorder:
        sender = FakeSender(recorder.url + "/hooks", timeout=5)
        sender.deliver(_report(id="first"))
        later = threading.Timer(0.3, sender.deliver, args=(_report(id="second"),))
        later.start()
        try:
            got = recorder.wait_for(2, timeout=5)
        finally:
            later.join(5)
    assert [d.report["id"] for d in got if d.report] == ["first", "second"]


def test_wait_for_fails_after_its_timeout_saying_what_arrived_and_what_was_refused() -> None:
    with serve_recorder(auth="Bearer s3cret") as recorder:
        FakeSender(recorder.url + "/hooks", auth="Bearer s3cret", timeout=5).deliver()
        FakeSender(recorder.url + "/hooks", auth="Bearer wrong", timeout=5).deliver()
        started = time.monotonic()
        with pytest.raises(AssertionError) as failure:
            recorder.wait_for(2, timeout=0.3)
        waited = time.monotonic() - started
    assert str(failure.value) == "expected 2 recorded deliveries within 0.3 s, got 1 (1 refused)"
    assert 0.25 <= waited < 3


def test_wait_for_without_refusals_does_not_mention_them() -> None:
    with pytest.raises(AssertionError) as failure:
        RecordingReceiver().wait_for(1, timeout=0.05)
    assert str(failure.value) == "expected 1 recorded deliveries within 0.05 s, got 0"


@pytest.mark.parametrize("max_body", [0, -1, "10", 1.5, True, None])
def test_max_body_must_be_a_positive_whole_number_of_bytes(max_body: Any) -> None:
    with pytest.raises(ValueError, match="max_body must be a positive number of bytes, got "):
        RecordingReceiver(max_body=max_body)


def test_max_body_is_the_largest_body_accepted() -> None:
    body = json.dumps(_report())
    exact = Client(RecordingReceiver(max_body=len(body.encode())))
    assert _post(exact, body).status_code == 204
    one_short = RecordingReceiver(max_body=len(body.encode()) - 1)
    assert _post(Client(one_short), body).status_code == 413
    assert one_short.counts == {"too_large": 1}
    (refusal,) = one_short.refusals
    assert refusal.reason == f"body larger than {len(body.encode()) - 1} bytes"


@pytest.mark.parametrize(
    ("auth", "challenge"),
    [
        ("Basic am9iaG9vazpzM2NyZXQ=", 'Basic realm="jobhook"'),
        ("Bearer s3cret", 'Bearer realm="jobhook"'),
        ("s3cret-without-a-scheme", 'Bearer realm="jobhook"'),
    ],
)
def test_the_401_challenge_names_the_configured_scheme(auth: str, challenge: str) -> None:
    client = Client(RecordingReceiver(auth=auth))
    missing = _post(client, json.dumps(_report()))
    wrong = _post(client, json.dumps(_report()), Authorization="Basic d3Jvbmc6d3Jvbmc=")
    for response in (missing, wrong):
        assert response.status_code == 401
        assert response.headers["WWW-Authenticate"] == challenge


def test_401_reasons_tell_missing_from_wrong() -> None:
    receiver = RecordingReceiver(auth="Bearer s3cret")
    _post(Client(receiver), json.dumps(_report()))
    _post(Client(receiver), json.dumps(_report()), Authorization="Bearer nope")
    assert [r.reason for r in receiver.refusals] == [
        "missing Authorization header",
        "Authorization does not match",
    ]
    assert receiver.refused == 2


def test_a_key_repeated_two_objects_deep_is_recorded_as_a_violation() -> None:
    body = json.dumps(_report())[:-1] + ', "extra": {"inner": {"k": 1, "k": 2}}}'
    receiver = RecordingReceiver()
    assert _post(Client(receiver), body).status_code == 204  # recorded, not judged
    (delivery,) = receiver.deliveries
    assert not delivery.valid
    assert [str(v) for v in delivery.errors] == [
        "/extra/inner/k: duplicate key 'k' (JSON parsers disagree on which value wins)"
    ]
