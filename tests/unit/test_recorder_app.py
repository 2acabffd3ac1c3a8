"""The recording receiver as a plain WSGI app (werkzeug.test.Client, no sockets)."""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path
from typing import Any

import pytest
from werkzeug.test import Client, EnvironBuilder

from jobhook_testkit import load_schema
from jobhook_testkit.recorder import (
    RecordedDelivery,
    RecordingReceiver,
    Refusal,
    is_recording_line,
    unknown_fields,
)


@pytest.fixture
def report() -> dict[str, Any]:
    sample: dict[str, Any] = load_schema()["examples"][0]
    return sample


def post(client: Client, body: bytes | str, path: str = "/", **headers: str) -> Any:
    return client.post(path, data=body, headers={"Content-Type": "application/json", **headers})


def lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_valid_report_is_recorded_and_answered_204(report: dict[str, Any]) -> None:
    receiver = RecordingReceiver()
    response = post(Client(receiver), json.dumps(report), "/hooks/jobs?x=1")
    assert response.status_code == 204
    (delivery,) = receiver.deliveries
    assert delivery.report == report
    assert delivery.body == json.dumps(report).encode()
    assert delivery.path == "/hooks/jobs?x=1"
    assert delivery.valid
    assert delivery.violations == ()
    assert delivery.status == 204
    assert delivery.received_at.tzinfo is not None


def test_invalid_report_is_recorded_and_acknowledged_with_its_violations(
    report: dict[str, Any],
) -> None:
    receiver = RecordingReceiver()
    report["definition_name"] = None
    response = post(Client(receiver), json.dumps(report))
    assert response.status_code == 204
    (delivery,) = receiver.deliveries
    assert not delivery.valid
    assert [str(v) for v in delivery.errors] == [
        "/definition_name: None is not of type 'string'"
    ]
    assert receiver.counts == {"recorded": 1, "invalid": 1}


@pytest.mark.parametrize(
    ("body", "why"),
    [
        (b"", "empty body"),
        (b"{not json", "malformed JSON at line 1, column 2"),
        (b"[1, 2]", "expected a JSON object"),
        (b'{"id": NaN}', "NaN is not valid JSON"),
        (b"\xff\xfe{}", "not UTF-8"),
    ],
)
def test_malformed_body_is_recorded_raw_and_answered_400(
    tmp_path: Path, body: bytes, why: str
) -> None:
    record = tmp_path / "r.ndjson"
    with RecordingReceiver(record=record) as receiver:
        response = post(Client(receiver), body)
    assert response.status_code == 400
    assert why in response.get_json()["error"]
    (delivery,) = receiver.deliveries
    assert delivery.malformed and delivery.report is None
    assert why in delivery.violations[0].message
    (line,) = lines(record)
    assert line["report"] is None
    assert line["raw"] == body.decode("utf-8", "replace")
    assert why in line["violations"][0]["message"]


def test_recording_line_format(tmp_path: Path, report: dict[str, Any]) -> None:
    record = tmp_path / "r.ndjson"
    report["platform_region"] = "eu"
    report["total_failed"] = -1
    with RecordingReceiver(record=record) as receiver:
        post(Client(receiver), json.dumps(report), "/in", Authorization="Bearer s3cret-token")
    text = record.read_text(encoding="utf-8")
    assert "s3cret-token" not in text
    (line,) = lines(record)
    assert set(line) == {"report", "path", "headers", "received_at", "violations"}
    assert line["report"] == report
    assert line["path"] == "/in"
    assert line["headers"]["Authorization"] == "Bearer [redacted]"
    assert line["headers"]["Content-Type"] == "application/json"
    assert line["received_at"].endswith("Z") and "T" in line["received_at"]
    assert line["violations"] == [
        {"pointer": "/total_failed", "message": "-1 is less than the minimum of 0",
         "severity": "error"},
    ]
    assert is_recording_line(line)
    assert not is_recording_line(report)


def test_expected_authorization_refuses_others_with_401_and_only_counts_them(
    tmp_path: Path, report: dict[str, Any]
) -> None:
    record = tmp_path / "r.ndjson"
    events: list[object] = []
    with RecordingReceiver(auth="Bearer right", record=record, on_event=events.append) as rec:
        client = Client(rec)
        body = json.dumps(report)
        first = post(client, body)
        assert first.status_code == 401
        assert first.headers["WWW-Authenticate"] == 'Bearer realm="jobhook"'
        assert post(client, body, Authorization="Bearer wrong").status_code == 401
        assert post(client, body, Authorization="Bearer rightX").status_code == 401
        assert post(client, body, Authorization="Bearer right").status_code == 204
    assert rec.refused == 3
    assert len(rec.deliveries) == 1
    assert len(lines(record)) == 1
    refusals = [event for event in events if isinstance(event, Refusal)]
    assert [r.reason for r in refusals] == [
        "missing Authorization header",
        "Authorization does not match",
        "Authorization does not match",
    ]
    assert refusals[1].headers["Authorization"] == "Bearer [redacted]"
    assert isinstance(events[-1], RecordedDelivery)


def test_body_over_the_limit_is_refused_with_413_and_not_recorded(
    tmp_path: Path, report: dict[str, Any]
) -> None:
    record = tmp_path / "r.ndjson"
    body = json.dumps(report).encode()
    with RecordingReceiver(record=record, max_body=len(body)) as receiver:
        client = Client(receiver)
        assert post(client, body).status_code == 204
        assert post(client, body + b" ").status_code == 413
    assert receiver.counts["too_large"] == 1
    assert len(lines(record)) == 1


def test_streamed_body_over_the_limit_is_refused_while_reading() -> None:
    receiver = RecordingReceiver(max_body=100)
    environ = EnvironBuilder(method="POST", data=b"{" + b" " * 200 + b"}").get_environ()
    del environ["CONTENT_LENGTH"]  # as with Transfer-Encoding: chunked
    environ["wsgi.input_terminated"] = True
    statuses: list[str] = []
    receiver(environ, lambda status, headers, exc_info=None: statuses.append(status))
    assert statuses == ["413 Request Entity Too Large"]
    assert receiver.deliveries == ()


def test_only_post_is_accepted() -> None:
    receiver = RecordingReceiver()
    response = Client(receiver).get("/")
    assert response.status_code == 405
    assert response.headers["Allow"] == "POST"
    assert receiver.deliveries == ()
    assert receiver.counts == {"method": 1}


def test_respond_with_scripts_status_and_clear_resets_it(report: dict[str, Any]) -> None:
    receiver = RecordingReceiver()
    client = Client(receiver)
    receiver.respond_with(status=503)
    assert post(client, json.dumps(report)).status_code == 503
    receiver.respond_with(status=200)
    response = post(client, json.dumps(report))
    assert response.status_code == 200
    assert response.get_json() == {"recorded": True}
    assert [d.status for d in receiver.deliveries] == [503, 200]
    receiver.clear()
    assert receiver.deliveries == ()
    assert post(client, json.dumps(report)).status_code == 204


@pytest.mark.parametrize(
    "kwargs", [{"status": 99}, {"status": 600}, {"status": True}, {"delay": -1}, {"delay": "1"}]
)
def test_bad_scripting_is_refused_with_a_clear_error(kwargs: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match=r"status must be|delay must be"):
        RecordingReceiver().respond_with(**kwargs)


def test_unknown_fields_are_named_in_order_and_counted(report: dict[str, Any]) -> None:
    assert unknown_fields(report) == []
    assert unknown_fields([1]) == []
    receiver = RecordingReceiver()
    client = Client(receiver)
    post(client, json.dumps({**report, "zeta": 1, "alpha": 2}))
    post(client, json.dumps({**report, "zeta": 3}))
    assert receiver.deliveries[0].unknown_fields == ["zeta", "alpha"]
    assert receiver.unknown_field_counts == {"zeta": 2, "alpha": 1}


def test_keep_false_records_to_file_but_not_memory(tmp_path: Path, report: dict[str, Any]) -> None:
    record = tmp_path / "r.ndjson"
    with RecordingReceiver(record=record, keep=False) as receiver:
        post(Client(receiver), json.dumps(report))
    assert receiver.deliveries == ()
    assert receiver.counts["recorded"] == 1
    assert lines(record)[0]["report"] == report


def test_unicode_and_lone_surrogates_stay_valid_utf8_on_disk(
    tmp_path: Path, report: dict[str, Any]
) -> None:
    record = tmp_path / "r.ndjson"
    with RecordingReceiver(record=record) as receiver:
        client = Client(receiver)
        post(client, json.dumps({**report, "definition_name": "Export des consentements – CRM"},
                                ensure_ascii=False).encode())
        post(client, json.dumps(report)[:-1] + ', "odd": "\\ud800"}')
    data = record.read_bytes()
    data.decode("utf-8")  # raises if a line is not valid UTF-8
    first, second = lines(record)
    assert first["report"]["definition_name"] == "Export des consentements – CRM"
    assert "Export des consentements – CRM".encode() in data
    assert second["report"]["odd"] == "\ud800"


def test_recording_to_a_closed_file_is_not_acknowledged(
    tmp_path: Path, report: dict[str, Any]
) -> None:
    receiver = RecordingReceiver(record=tmp_path / "r.ndjson")
    receiver.close()
    response = post(Client(receiver), json.dumps(report))
    assert response.status_code == 503
    assert receiver.deliveries == ()
    assert receiver.counts == {"unrecorded": 1}


def test_wait_for_explains_a_timeout() -> None:
    with pytest.raises(AssertionError, match=r"expected 1 recorded deliveries within 0\.01 s"):
        RecordingReceiver().wait_for(1, timeout=0.01)


def test_recording_to_a_device_is_acknowledged(report: dict[str, Any]) -> None:
    # /dev/null (or /dev/stdout on a pipe) takes the line but cannot fsync (EINVAL):
    # that must not turn every delivery into a 503.
    with RecordingReceiver(record="/dev/null") as receiver:
        response = post(Client(receiver), json.dumps(report))
    assert response.status_code == 204
    assert receiver.counts == {"recorded": 1, "valid": 1}


def test_a_repeated_key_is_recorded_as_a_violation(tmp_path: Path, report: dict[str, Any]) -> None:
    record = tmp_path / "r.ndjson"
    body = json.dumps(report)[:-1] + ', "id": "second"}'
    with RecordingReceiver(record=record) as receiver:
        response = post(Client(receiver), body)
    assert response.status_code == 204  # recorded, not judged
    (delivery,) = receiver.deliveries
    assert delivery.report is not None and delivery.report["id"] == "second"
    assert not delivery.valid
    assert [str(v) for v in delivery.errors] == [
        "/id: duplicate key 'id' (JSON parsers disagree on which value wins)"
    ]
    (line,) = lines(record)
    assert line["violations"][0]["pointer"] == "/id"


@pytest.mark.parametrize("expected", [None, "Bearer s3cret-token"])
def test_the_credential_is_redacted_wherever_it_is_echoed(
    tmp_path: Path, report: dict[str, Any], expected: str | None
) -> None:
    record = tmp_path / "r.ndjson"
    with RecordingReceiver(record=record, auth=expected) as receiver:
        response = post(
            Client(receiver), json.dumps(report), "/in?token=s3cret-token&x=1",
            Authorization="Bearer s3cret-token", X_Api_Key="s3cret-token",
            X_Forwarded_Authorization="Bearer s3cret-token",
        )
    assert response.status_code == 204
    assert "s3cret-token" not in record.read_text(encoding="utf-8")
    (line,) = lines(record)
    assert line["path"] == "/in?token=[redacted]&x=1"
    assert line["headers"]["X-Api-Key"] == "[redacted]"
    assert line["headers"]["X-Forwarded-Authorization"] == "Bearer [redacted]"


@pytest.mark.parametrize("delay", [1e10, float("inf")])
def test_a_delay_beyond_what_the_clock_can_wait_still_waits_until_cut_short(
    report: dict[str, Any], delay: float
) -> None:
    receiver = RecordingReceiver(delay=delay)
    statuses: list[int] = []
    sender = threading.Thread(
        target=lambda: statuses.append(post(Client(receiver), json.dumps(report)).status_code)
    )
    sender.start()
    receiver.wait_for(1)
    assert statuses == []  # still waiting out its delay
    receiver.end_delays()
    sender.join(timeout=10)
    assert statuses == [204]  # a 500 (OverflowError) before


@pytest.mark.parametrize("durable", [True, False])
def test_the_line_is_on_disk_before_the_answer_goes_out(
    tmp_path: Path, report: dict[str, Any], monkeypatch: pytest.MonkeyPatch, durable: bool
) -> None:
    import jobhook_testkit._recording_file as recording_file

    record = tmp_path / "r.ndjson"
    steps: list[str] = []
    real_fsync = os.fsync

    def fsync(fd: int) -> None:
        steps.append(f"fsync {len(record.read_bytes().splitlines())} line(s)")
        real_fsync(fd)

    monkeypatch.setattr(recording_file.os, "fsync", fsync)
    body = json.dumps(report).encode()
    environ = EnvironBuilder(method="POST", data=body).get_environ()
    with RecordingReceiver(record=record, durable=durable) as receiver:
        steps.clear()  # creating the file syncs its directory
        receiver(environ, lambda status, headers, exc_info=None: steps.append(status))
    assert steps == (["fsync 1 line(s)"] if durable else []) + ["204 No Content"]


def test_a_very_short_credential_does_not_mangle_the_recorded_path(
    tmp_path: Path, report: dict[str, Any]
) -> None:
    record = tmp_path / "r.ndjson"
    with RecordingReceiver(record=record, auth="h") as receiver:
        response = post(Client(receiver), json.dumps(report), "/hooks", Authorization="h")
    assert response.status_code == 204
    (line,) = lines(record)
    assert line["path"] == "/hooks"
    assert line["headers"]["Authorization"] == "[redacted]"
