"""The recording receiver's behaviour that mutation testing found unpinned: wait_for
really waiting, max_body checked, the 401 challenge naming the configured scheme, keys
repeated two objects deep."""

from __future__ import annotations

import json
import re
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
        ("Digest username=x, realm=y", 'Digest realm="jobhook"'),
        ("Token-1 abc", 'Bearer realm="jobhook"'),  # not a scheme: letters only
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


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        pytest.param(b"", "empty body (expected a JSON object)", id="empty"),
        pytest.param(b"  \n ", "empty body (expected a JSON object)", id="blank"),
        pytest.param(b'{"id": "\xff"}', "body is not UTF-8 text", id="not-utf8"),
        pytest.param(b"[" * 100_000 + b"]" * 100_000, "body is JSON nested too deeply to parse",
                     id="too-deep"),
    ],
)
def test_a_malformed_body_is_answered_400_with_the_reason(body: bytes, reason: str) -> None:
    receiver = RecordingReceiver()
    response = Client(receiver).post("/", data=body)
    assert response.status_code == 400
    assert response.get_json() == {"error": reason}
    (delivery,) = receiver.deliveries
    assert [v.message for v in delivery.violations] == [reason]
    assert receiver.counts == {"recorded": 1, "malformed": 1}


def test_a_method_other_than_post_is_refused_naming_it() -> None:
    receiver = RecordingReceiver()
    response = Client(receiver).put("/hooks", data=b"{}")
    assert response.status_code == 405
    assert response.get_json() == {"error": "method PUT not allowed (POST only)"}
    (refusal,) = receiver.refusals
    assert (refusal.kind, refusal.method, refusal.path, refusal.status) == (
        "method", "PUT", "/hooks", 405)


@pytest.mark.parametrize("status", [200, 299, 404, 599])
def test_any_status_from_200_to_599_can_be_scripted(status: int) -> None:
    receiver = RecordingReceiver(status=status)
    response = _post(Client(receiver), json.dumps(_report()))
    assert response.status_code == status
    if status != 204:
        assert response.get_json() == {"recorded": True}


@pytest.mark.parametrize("status", [199, 600, 204.0, "204", None])
def test_a_status_outside_200_to_599_is_refused(status: Any) -> None:
    with pytest.raises(ValueError, match=r"^status must be an HTTP status code from 200 to 599"):
        RecordingReceiver(status=status)


@pytest.mark.parametrize("delay", [-0.001, float("nan"), True, "0"])
def test_a_delay_that_is_not_a_duration_is_refused(delay: Any) -> None:
    with pytest.raises(ValueError, match=r"^delay must be a number of seconds >= 0, got "):
        RecordingReceiver(delay=delay)


def test_a_zero_delay_answers_at_once_and_a_delay_holds_the_answer() -> None:
    receiver = RecordingReceiver(delay=0)
    client = Client(receiver)
    started = time.monotonic()
    assert _post(client, json.dumps(_report())).status_code == 204
    assert time.monotonic() - started < 0.5
    receiver.respond_with(delay=0.3)
    started = time.monotonic()
    assert _post(client, json.dumps(_report())).status_code == 204
    assert time.monotonic() - started >= 0.29


def test_unknown_field_names_are_counted_up_to_a_thousand_distinct() -> None:
    receiver = RecordingReceiver()
    client = Client(receiver)
    _post(client, json.dumps(_report(**{f"extra_{n:04d}": n for n in range(1200)})))
    _post(client, json.dumps(_report(extra_0000=1, extra_1100=2)))
    counts = receiver.unknown_field_counts
    assert len(counts) == 1000
    assert counts["extra_0000"] == 2  # names already counted keep counting
    assert "extra_1100" not in counts


def test_a_sender_hanging_up_mid_body_is_a_refusal_saying_so() -> None:
    with serve_recorder() as recorder:
        FakeSender(recorder.url + "/hooks", timeout=5).deliver(_report(), hang_up_after=20)
        deadline = time.monotonic() + 5
        while not recorder.refusals and time.monotonic() < deadline:
            time.sleep(0.01)
    (refusal,) = recorder.refusals
    assert (refusal.kind, refusal.status, refusal.path) == ("incomplete", 400, "/hooks")
    assert refusal.reason == "the sender hung up before the whole body arrived"
    assert recorder.deliveries == ()


def test_a_delivery_that_cannot_be_recorded_is_answered_503_saying_why(tmp_path: Any) -> None:
    receiver = RecordingReceiver(record=tmp_path / "r.ndjson")
    receiver.close()
    response = _post(Client(receiver), json.dumps(_report()))
    assert response.status_code == 503
    (refusal,) = receiver.refusals
    assert refusal.kind == "unrecorded"
    assert refusal.reason.startswith("could not record the delivery: ")
    assert response.get_json() == {"error": refusal.reason}


def test_a_recorded_delivery_carries_its_path_query_and_time() -> None:
    receiver = RecordingReceiver()
    before = time.time()
    Client(receiver).post("/caf\u00e9/in?source=eu&n=1", data=json.dumps(_report()))
    (delivery,) = receiver.deliveries
    assert delivery.path == "/caf\u00e9/in?source=eu&n=1"
    assert delivery.method == "POST" and delivery.status == 204
    assert before - 1 <= delivery.received_at.timestamp() <= time.time() + 1
    record = delivery.as_record()
    assert record["path"] == "/caf\u00e9/in?source=eu&n=1"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z", record["received_at"])
    assert "raw" not in record


def test_a_malformed_delivery_is_recorded_with_its_raw_text() -> None:
    receiver = RecordingReceiver()
    Client(receiver).post("/", data=b'{"id": "cut')
    (delivery,) = receiver.deliveries
    record = delivery.as_record()
    assert record["report"] is None
    assert record["raw"] == '{"id": "cut'
    assert record["violations"][0]["severity"] == "error"
    assert delivery.malformed and not delivery.valid
    assert delivery.unknown_fields == []


def test_only_answers_with_a_body_say_it_is_json() -> None:
    receiver = RecordingReceiver()
    no_content = _post(Client(receiver), json.dumps(_report()))
    assert no_content.status_code == 204
    assert "Content-Type" not in no_content.headers
    assert no_content.headers["Content-Length"] == "0"
    receiver.respond_with(status=202)
    accepted = _post(Client(receiver), json.dumps(_report()))
    assert accepted.headers["Content-Type"] == "application/json"
    assert accepted.status == "202 Accepted"


def test_a_live_recorder_forwards_scripting_and_clearing_to_its_receiver() -> None:
    with serve_recorder(auth="Bearer s3cret") as recorder:
        sender = FakeSender(recorder.url + "/hooks", auth="Bearer s3cret", timeout=5)
        recorder.respond_with(status=503)
        assert sender.deliver().status_code == 503
        FakeSender(recorder.url + "/hooks", timeout=5).deliver()
        assert recorder.refused == 1 and len(recorder.refusals) == 1
        assert len(recorder.deliveries) == 1
        recorder.clear()
        assert (recorder.refused, recorder.refusals, recorder.deliveries) == (0, (), ())
        assert sender.deliver().status_code == 204
    assert recorder.url.startswith("http://127.0.0.1:")


def test_wait_for_one_is_the_default() -> None:
    with serve_recorder() as recorder:
        FakeSender(recorder.url + "/hooks", timeout=5).deliver(_report(id="only"))
        started = time.monotonic()
        (delivery,) = recorder.wait_for()
        assert time.monotonic() - started < 1
        assert recorder.receiver.wait_for() == (delivery,)


def test_clear_answers_at_once_again() -> None:
    receiver = RecordingReceiver(delay=2.0, status=500)
    receiver.clear()
    started = time.monotonic()
    assert _post(Client(receiver), json.dumps(_report())).status_code == 204
    assert time.monotonic() - started < 0.5


def test_recording_times_are_written_in_utc_whatever_the_local_zone(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from datetime import datetime, timedelta, timezone

    from jobhook_testkit.recorder import RecordedDelivery

    monkeypatch.setenv("TZ", "Asia/Tokyo")
    time.tzset()
    try:
        moment = datetime(2026, 11, 29, 21, 0, 1, 123456, tzinfo=timezone(timedelta(hours=9)))
        delivery = RecordedDelivery("/", {}, b"{}", {}, (), moment, 204)
        assert delivery.as_record()["received_at"] == "2026-11-29T12:00:01.123456Z"
    finally:
        monkeypatch.undo()
        time.tzset()


# -- what a recorded violation says, and where the request came from ---------------------


@pytest.mark.parametrize(
    ("body", "message"),
    [
        pytest.param(b"", "empty body (expected a JSON object)", id="empty"),
        pytest.param(b"\xff", "body is not UTF-8 text", id="not-utf8"),
        pytest.param(b"{", "malformed JSON at line 1, column 2: Expecting property name "
                     "enclosed in double quotes", id="malformed"),
        pytest.param(b"[" * 100_000 + b"]" * 100_000, "body is JSON nested too deeply to parse",
                     id="too-deep"),
    ],
)
def test_a_body_that_is_not_json_is_one_violation_of_the_whole_body(
    body: bytes, message: str
) -> None:
    receiver = RecordingReceiver()
    Client(receiver).post("/", data=body)
    (delivery,) = receiver.deliveries
    (violation,) = delivery.violations
    assert (violation.pointer, violation.message, violation.keyword) == ("", message, "json")
    assert delivery.as_record()["violations"] == [
        {"pointer": "", "message": message, "severity": "error"}
    ]


def test_json_that_is_not_an_object_is_recorded_with_what_it_is() -> None:
    receiver = RecordingReceiver()
    Client(receiver).post("/", data=b"[1, 2]")
    (delivery,) = receiver.deliveries
    assert delivery.report is None
    assert [str(v) for v in delivery.violations] == [
        "(root): expected a JSON object (a job report), got array"
    ]


def test_a_repeated_key_is_a_duplicate_key_violation() -> None:
    receiver = RecordingReceiver()
    _post(Client(receiver), json.dumps(_report())[:-1] + ', "id": "again"}')
    (delivery,) = receiver.deliveries
    assert [(v.pointer, v.keyword) for v in delivery.errors] == [("/id", "duplicate-key")]


def test_the_recorded_path_includes_where_the_app_is_mounted() -> None:
    from werkzeug.test import EnvironBuilder

    receiver = RecordingReceiver()
    environ = EnvironBuilder(
        path="/hooks", base_url="http://localhost/mount", method="POST",
        data=json.dumps(_report()), query_string="a=1",
    ).get_environ()
    receiver(environ, lambda status, headers, exc_info=None: None)
    assert receiver.deliveries[0].path == "/mount/hooks?a=1"


def test_a_bare_wsgi_environ_is_recorded_at_the_root() -> None:
    import io

    receiver = RecordingReceiver()
    body = json.dumps(_report()).encode()
    statuses: list[str] = []
    environ = {"REQUEST_METHOD": "POST", "CONTENT_LENGTH": str(len(body)),
               "wsgi.input": io.BytesIO(body)}  # no SCRIPT_NAME, PATH_INFO, QUERY_STRING
    receiver(environ, lambda status, headers, exc_info=None: statuses.append(status))
    assert statuses == ["204 No Content"]
    assert receiver.deliveries[0].path == "/"
    no_method: list[str] = []
    receiver({"wsgi.input": io.BytesIO(b"")}, lambda s, h, e=None: no_method.append(s))
    assert no_method == ["405 Method Not Allowed"]
    assert receiver.refusals[0].method == "GET"


def test_a_path_that_is_not_utf8_is_recorded_with_replacement_characters() -> None:
    from werkzeug.test import EnvironBuilder

    receiver = RecordingReceiver()
    environ = EnvironBuilder(method="POST", data=json.dumps(_report())).get_environ()
    environ["PATH_INFO"] = "/caf\xff"  # the raw byte 0xFF, as a server passes it on (PEP 3333)
    receiver(environ, lambda status, headers, exc_info=None: None)
    assert receiver.deliveries[0].path == "/caf\ufffd"


def test_refusals_name_their_headers_as_http_does() -> None:
    from werkzeug.test import EnvironBuilder

    seen: list[list[str]] = []
    receiver = RecordingReceiver(auth="Bearer s3cret")
    for method in ("GET", "POST"):
        environ = EnvironBuilder(method=method, data=b"{}").get_environ()
        receiver(environ, lambda line, headers, exc_info=None: seen.append(
            [name for name, _ in headers]))
    assert seen == [
        ["Content-Length", "Allow", "Content-Type"],
        ["Content-Length", "WWW-Authenticate", "Content-Type"],
    ]


def test_a_streamed_body_is_counted_across_reads_against_the_limit() -> None:
    from werkzeug.test import EnvironBuilder

    receiver = RecordingReceiver(max_body=100_000)
    environ = EnvironBuilder(method="POST", data=b"x" * 200_000).get_environ()
    del environ["CONTENT_LENGTH"]  # as with Transfer-Encoding: chunked: no size up front
    environ["wsgi.input_terminated"] = True
    statuses: list[str] = []
    receiver(environ, lambda status, headers, exc_info=None: statuses.append(status))
    assert statuses == ["413 Request Entity Too Large"]


@pytest.mark.parametrize(
    ("configured", "sent"), [("abc", "Bearer s3cret-long"), ("Bearer s3cret-long", "abc")]
)
def test_a_short_credential_does_not_stop_the_long_one_being_scrubbed(
    configured: str, sent: str
) -> None:
    receiver = RecordingReceiver(auth=configured)
    _post(Client(receiver), json.dumps(_report()), Authorization=sent,
          **{"X-Echo": "Bearer s3cret-long"})
    (refusal,) = receiver.refusals
    assert "s3cret-long" not in refusal.headers["X-Echo"]


def test_answers_name_their_headers_and_reason_phrase_as_http_does() -> None:
    from werkzeug.test import EnvironBuilder

    answers: list[tuple[str, list[str]]] = []
    for status in (299, 404):  # one Werkzeug has no phrase for, one it has
        receiver = RecordingReceiver(status=status)
        environ = EnvironBuilder(method="POST", data=json.dumps(_report())).get_environ()
        receiver(environ, lambda line, headers, exc_info=None: answers.append(
            (line, [name for name, _ in headers])))
    assert answers == [
        ("299 Unknown", ["Content-Length", "Content-Type"]),
        ("404 Not Found", ["Content-Length", "Content-Type"]),
    ]


def test_a_refusal_keeps_when_it_arrived() -> None:
    receiver = RecordingReceiver()
    before = time.time()
    Client(receiver).get("/")
    (refusal,) = receiver.refusals
    assert before - 1 <= refusal.received_at.timestamp() <= time.time() + 1


@pytest.mark.parametrize("secret", ["abcdefgh", "Bearer s3cret"])
def test_an_echoed_credential_of_eight_characters_or_more_is_scrubbed(secret: str) -> None:
    receiver = RecordingReceiver(auth=secret)
    _post(Client(receiver), json.dumps(_report()), Authorization=secret, **{"X-Echo": secret})
    (delivery,) = receiver.deliveries
    assert secret not in delivery.headers["X-Echo"]


def test_an_echo_too_short_to_be_a_secret_is_left_as_it_was() -> None:
    receiver = RecordingReceiver(auth="abcd")  # "abcd" in ordinary text is not redacted
    _post(Client(receiver), json.dumps(_report()), Authorization="abcd", **{"X-Echo": "abcd"})
    (delivery,) = receiver.deliveries
    assert delivery.headers["X-Echo"] == "abcd"


def test_bodies_of_many_reads_are_joined_whole_and_counted_against_the_limit() -> None:
    body = json.dumps(_report(note="x" * 200_000)).encode()  # several 64 KiB reads
    receiver = RecordingReceiver(max_body=len(body))
    assert Client(receiver).post("/", data=body).status_code == 204
    assert receiver.deliveries[0].body == body
    smaller = RecordingReceiver(max_body=len(body) - 1)
    assert Client(smaller).post("/", data=body).status_code == 413


def test_the_configured_credential_is_scrubbed_even_from_a_request_without_it() -> None:
    receiver = RecordingReceiver(auth="Bearer s3cret")
    client = Client(receiver)
    _post(client, json.dumps(_report()), **{"X-Echo": "Bearer s3cret"})  # refused: no auth
    (refusal,) = receiver.refusals
    assert "s3cret" not in refusal.headers["X-Echo"]


def test_counts_add_up_over_several_deliveries_and_malformed_ones_are_recorded_as_400() -> None:
    receiver = RecordingReceiver()
    client = Client(receiver)
    for _ in range(2):
        _post(client, json.dumps(_report()))
        _post(client, json.dumps(_report(total_failed=-1)))
        client.post("/", data=b"{")
    assert receiver.counts == {"recorded": 6, "valid": 2, "invalid": 2, "malformed": 2}
    assert [d.status for d in receiver.deliveries] == [204, 204, 400] * 2


def test_a_one_byte_limit_is_a_limit() -> None:
    receiver = RecordingReceiver(max_body=1)
    assert receiver.max_body == 1
    assert Client(receiver).post("/", data=b"{}").status_code == 413


def test_refusals_and_400_answers_give_the_length_of_their_body() -> None:
    receiver = RecordingReceiver(auth="Bearer s3cret")
    client = Client(receiver)
    answers = [
        client.get("/hooks"),  # 405
        _post(client, json.dumps(_report())),  # 401
        _post(client, "{", Authorization="Bearer s3cret"),  # 400, malformed
    ]
    assert [a.status_code for a in answers] == [405, 401, 400]
    for answer in answers:
        assert answer.headers["Content-Length"] == str(len(answer.data)), answer.headers


def test_a_refusal_over_the_wire_is_read_whole_by_a_sender() -> None:
    with serve_recorder(auth="Bearer s3cret") as recorder:
        delivery = FakeSender(recorder.url + "/hooks", timeout=5).deliver(_report())
    assert delivery.status_code == 401, delivery
    assert delivery.body_excerpt == b'{"error": "missing Authorization header"}'
    assert delivery.response_headers["Content-Length"] == str(len(delivery.body_excerpt))


class _Clock:
    """A stand-in for the recorder's ``time`` module whose clock jumps 100 s after it is
    first read: a wait_for with its default timeout fails at once instead of after 5 s."""

    def __init__(self) -> None:
        self.reads = 0

    def monotonic(self) -> float:
        self.reads += 1
        return 0.0 if self.reads == 1 else 100.0


def test_wait_for_waits_five_seconds_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    import jobhook_testkit.recorder as recorder_module

    monkeypatch.setattr(recorder_module, "time", _Clock())
    with pytest.raises(AssertionError) as failure:
        RecordingReceiver().wait_for()
    assert str(failure.value) == "expected 1 recorded deliveries within 5.0 s, got 0"


def test_a_live_recorders_wait_for_waits_five_seconds_by_default(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import jobhook_testkit.recorder as recorder_module

    with serve_recorder() as recorder:
        monkeypatch.setattr(recorder_module, "time", _Clock())
        with pytest.raises(AssertionError) as failure:
            recorder.wait_for(2)
        monkeypatch.undo()
    assert str(failure.value) == "expected 2 recorded deliveries within 5.0 s, got 0"


def test_a_failed_wait_for_is_reported_at_the_callers_line(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import jobhook_testkit.recorder as recorder_module

    with serve_recorder() as recorder:
        failures = []
        for waiter in (recorder, recorder.receiver):
            monkeypatch.setattr(recorder_module, "time", _Clock())
            with pytest.raises(AssertionError) as failure:
                waiter.wait_for(1)
            failures.append(failure)
        monkeypatch.undo()
    for failure in failures:  # (mutmut's trampolines exist only under mutation testing)
        shown = [entry.frame.code.name for entry in failure.traceback.filter(failure)
                 if "mutmut" not in str(entry.path)]
        assert shown == ["test_a_failed_wait_for_is_reported_at_the_callers_line"]


def test_an_authorization_beyond_latin1_from_a_test_client_is_refused_not_a_crash() -> None:
    """Werkzeug's test Client passes header text as given, even outside Latin-1."""
    receiver = RecordingReceiver(auth="Bearer s3cret")
    response = _post(Client(receiver), json.dumps(_report()), Authorization="Bearer \u20acuro")
    assert response.status_code == 401
    assert response.get_json() == {"error": "Authorization does not match"}


def test_a_credential_echoed_in_the_path_is_recorded_redacted() -> None:
    receiver = RecordingReceiver(auth="Bearer s3cret-long-token")
    client = Client(receiver)
    client.post("/hooks/s3cret-long-token", data=json.dumps(_report()),
                headers={"Authorization": "Bearer s3cret-long-token"})
    (delivery,) = receiver.deliveries
    assert delivery.path == "/hooks/[redacted]"


def test_a_hang_up_mid_headers_is_a_400_refusal_of_its_own_kind() -> None:
    import socket

    with serve_recorder() as recorder:
        host, port = recorder.url.removeprefix("http://").rsplit(":", 1)
        with socket.create_connection((host, int(port)), timeout=5) as sock:
            sock.sendall(b"POST /hooks HTTP/1.1\r\nHost: x\r\n")
            sock.shutdown(socket.SHUT_WR)
            sock.settimeout(5)
            while sock.recv(4096):
                pass
        deadline = time.monotonic() + 5
        while not recorder.refusals and time.monotonic() < deadline:
            time.sleep(0.01)
    (refusal,) = recorder.refusals
    assert (refusal.kind, refusal.status, refusal.reason) == (
        "incomplete", 400, "the sender hung up before the headers ended")


def test_the_expected_credential_is_scrubbed_from_reports(monkeypatch: pytest.MonkeyPatch) -> None:
    """remembered() + scrub_all is what the plugin applies to every report. The noted
    credentials start empty here (mutmut forks its runs from a process that ran every test)."""
    from jobhook_testkit import _redact

    monkeypatch.setattr(_redact, "_REMEMBERED", {})
    RecordingReceiver(auth="Bearer recorder-made-5b1d")
    shown = "expected: Bearer recorder-made-5b1d"
    assert _redact.scrub_all(shown, _redact.remembered()) == "expected: Bearer [redacted]"
