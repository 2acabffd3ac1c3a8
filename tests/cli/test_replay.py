"""``jobhook replay FILE URL``: recordings and generated NDJSON, in order, with exit codes."""

from __future__ import annotations

import json
import socket
import threading
from pathlib import Path
from typing import Any

import pytest
from _receivers import free_port, read_request

from jobhook_testkit import load_schema
from jobhook_testkit.cli import main
from jobhook_testkit.recorder import serve_recorder
from jobhook_testkit.sender import FakeSender


def reports(count: int) -> list[dict[str, Any]]:
    base: dict[str, Any] = load_schema()["examples"][0]
    return [{**base, "id": f"AYb{n:04d}kQ2zVx81LmNq", "total_failed": n} for n in range(count)]


def test_replaying_a_recording_into_a_second_recorder_reproduces_the_reports(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    recording = tmp_path / "first.ndjson"
    sent = reports(5)
    sent[2]["definition_name"] = None  # invalid reports are recorded and replayed too
    sent[3]["platform_region"] = "eu"
    with serve_recorder(record=recording) as first:
        sender = FakeSender(first.url + "/hooks")
        for report in sent[:2]:
            assert sender.deliver(report).acknowledged
        assert sender.deliver(body=b"[not a report").status_code == 400
        for report in sent[2:]:
            assert sender.deliver(report, encoding="pretty").acknowledged
    with serve_recorder(auth="Bearer s3cret") as second:
        code = main(["replay", str(recording), second.url + "/again", "--auth", "Bearer s3cret"])
    out, err = capsys.readouterr()
    assert code == 0, out + err
    assert [d.report for d in second.deliveries] == [d.report for d in first.deliveries if d.report]
    assert [d.report for d in second.deliveries] == sent
    assert {d.path for d in second.deliveries} == {"/again"}
    assert f"{recording}:3: skipped: a malformed delivery" in err
    lines = out.splitlines()
    assert lines[0].startswith(f"1/5  {recording}:1  AYb0…mNq  acknowledged: 204 in ")
    assert lines[-1] == (
        f"replayed 5 report(s) to {second.url}/again: 5 acknowledged; 1 skipped"
    )
    assert "s3cret" not in out + err


def test_plain_ndjson_from_generate_is_replayed_in_order(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "generated.ndjson"
    sent = reports(3)
    source.write_text("".join(json.dumps(r) + "\n" for r in sent), encoding="utf-8")
    with serve_recorder() as recorder:
        assert main(["replay", str(source), recorder.url]) == 0
    assert [d.report for d in recorder.deliveries] == sent
    assert capsys.readouterr().out.splitlines()[-1].endswith(": 3 acknowledged")


def test_a_torn_last_line_is_skipped_with_a_note(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "crashed.ndjson"
    sent = reports(2)
    source.write_text(json.dumps(sent[0]) + "\n" + json.dumps(sent[1])[:40], encoding="utf-8")
    with serve_recorder() as recorder:
        assert main(["replay", str(source), recorder.url]) == 0
    assert [d.report for d in recorder.deliveries] == sent[:1]
    assert f"{source}:2: skipped: malformed JSON" in capsys.readouterr().err


def test_unacknowledged_deliveries_exit_1_without_printing_the_credential(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "one.json"
    source.write_text(json.dumps(reports(1)[0]), encoding="utf-8")
    with serve_recorder(auth="Bearer right") as recorder:
        code = main(["replay", str(source), recorder.url, "--auth", "Bearer wrong-secret"])
    out, err = capsys.readouterr()
    assert code == 1
    assert "NOT acknowledged" in out
    assert "1 NOT acknowledged" in out.splitlines()[-1]
    assert recorder.refused == 1
    assert "wrong-secret" not in out + err


def test_a_recorded_lone_surrogate_is_replayed_as_the_escape_it_arrived_as(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    recording = tmp_path / "r.ndjson"
    body = json.dumps(reports(1)[0])[:-1] + ', "odd": "\\ud800"}'
    with serve_recorder(record=recording) as first:
        assert FakeSender(first.url).deliver(body=body.encode()).acknowledged
    with serve_recorder() as second:
        code = main(["replay", str(recording), second.url])
    out, err = capsys.readouterr()
    assert code == 0, out + err
    assert "Traceback" not in err
    assert [d.report for d in second.deliveries] == [d.report for d in first.deliveries]
    assert b'"odd":"\\ud800"' in second.deliveries[0].body


def test_an_unreachable_receiver_exits_2_and_nothing_is_sent(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "generated.ndjson"
    source.write_text("".join(json.dumps(r) + "\n" for r in reports(50)), encoding="utf-8")
    url = f"http://127.0.0.1:{free_port()}/hooks"
    assert main(["replay", str(source), url, "--auth", "Bearer s3cret"]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert f"receiver unreachable at {url}" in err
    assert "nothing was sent" in err
    assert "s3cret" not in err


def test_a_receiver_that_stops_answering_ends_the_replay(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "generated.ndjson"
    source.write_text("".join(json.dumps(r) + "\n" for r in reports(8)), encoding="utf-8")
    with serve_recorder() as recorder:
        recorder.respond_with(delay=30)  # reports are recorded, then never answered in time
        code = main(["replay", str(source), recorder.url, "--timeout", "0.2"])
        recorder.receiver.clear()  # answer the waiting deliveries now
    out, err = capsys.readouterr()
    assert code == 1
    assert "stopped: 3 deliveries in a row got no answer" in err
    assert "5 report(s) not sent" in err
    assert out.splitlines()[-1] == (
        f"replayed 3 report(s) to {recorder.url}/: 0 acknowledged, 3 NOT acknowledged, "
        "5 not sent"
    )


def test_max_bytes_refuses_a_larger_file_and_allows_raising_the_limit(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "generated.ndjson"
    source.write_text("".join(json.dumps(r) + "\n" for r in reports(3)), encoding="utf-8")
    with serve_recorder() as recorder:
        assert main(["replay", str(source), recorder.url, "--max-bytes", "100"]) == 2
        assert "is larger than the 100 bytes limit" in capsys.readouterr().err
        assert main(["replay", str(source), recorder.url, "--max-bytes", "1M"]) == 0
    assert len(recorder.deliveries) == 3


def test_control_characters_in_the_receivers_answer_are_not_printed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "one.json"
    source.write_text(json.dumps(reports(1)[0]), encoding="utf-8")
    answer = b"HTTP/1.1 500 \x1b]0;pwned\x07Oops\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        listener.settimeout(10)

        def answer_twice() -> None:  # the reachability check, then the report
            for _ in range(2):
                connection, _ = listener.accept()
                with connection:
                    read_request(connection)
                    connection.sendall(answer)

        receiver = threading.Thread(target=answer_twice)
        receiver.start()
        code = main(["replay", str(source), f"http://127.0.0.1:{listener.getsockname()[1]}/"])
        receiver.join(timeout=10)
    out = capsys.readouterr().out
    assert code == 1
    assert "\x1b" not in out and "\x07" not in out
    assert "NOT acknowledged: answered 500 \\x1b]0;pwned\\x07Oops" in out


@pytest.mark.parametrize(
    "content",
    [
        json.dumps({"report": None, "raw": "x", "path": "/", "headers": {},
                    "received_at": "2026-01-01T00:00:00.000000Z", "violations": []}).encode()
        + b"\n",
        b"",
        bytes(range(256)) * 4,
    ],
    ids=["only-malformed", "empty", "binary"],
)
def test_nothing_to_replay_is_an_input_error_like_send_payload(
    content: bytes, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "source.ndjson"
    source.write_bytes(content)
    assert main(["replay", str(source), "http://127.0.0.1:9"]) == 2
    assert "nothing to replay" in capsys.readouterr().err
    assert main(["send", "http://127.0.0.1:9", "--payload", str(source)]) == 2


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["missing.ndjson", "http://127.0.0.1:9"], "missing.ndjson: no such file"),
        (["{file}", "ftp://example.invalid/"], "must be an http:// or https:// URL"),
        (["{file}", "http://127.0.0.1:9", "--timeout", "0"], "positive number of seconds"),
        (["{file}", "http://127.0.0.1:9", "--timeout", "inf"], "positive number of seconds"),
        (["{file}"], "the following arguments are required: URL"),
    ],
)
def test_usage_and_input_errors_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], arguments: list[str], message: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "ok.json").write_text(json.dumps(reports(1)[0]), encoding="utf-8")
    argv = [a.replace("{file}", "ok.json") for a in arguments]
    assert main(["replay", *argv]) == 2
    err = capsys.readouterr().err
    assert message in err
    assert "Traceback" not in err
