"""`jobhook serve --forward-to`: each recorded delivery passed on to a local receiver.

Real sockets on 127.0.0.1: the "platform" (a FakeSender) delivers to serve's receiver,
which records, answers, and forwards to a local receiver (a recorder of its own).
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from _receivers import free_port
from _serve_harness import serving

from jobhook_testkit import FakeSender, JobReportFactory
from jobhook_testkit._forward import forward_url
from jobhook_testkit.cli import build_parser, main
from jobhook_testkit.recorder import LiveRecorder, serve_recorder

AUTH = "Bearer fw-s3cret-value"


@pytest.fixture
def local() -> Iterator[LiveRecorder]:
    """The developer's local receiver (a recorder: it keeps what it got)."""
    with serve_recorder() as recorder:
        yield recorder


def test_the_same_bytes_content_type_and_authorization_reach_the_local_receiver(
    tmp_path: Path, local: LiveRecorder
) -> None:
    body = b'{"id": "Az1", "type": "export",\n  "status": "SUCCESS"}'  # not how we'd encode it
    with serving(tmp_path, "--forward-to", local.url + "/local/hook") as serve:
        sent = FakeSender(serve.url + "/hooks?x=1", auth=AUTH).deliver(
            body=body, content_type="application/json; charset=utf-8")
        (got,) = local.wait_for(1)
    assert sent.status_code == 204
    assert got.body == body
    assert got.path == "/local/hook"  # the delivery's path is not appended
    assert got.headers["Content-Type"] == "application/json; charset=utf-8"
    assert got.headers["Authorization"] == "Bearer [redacted]"
    (line,) = serve.companion()
    assert line["forward_of"]["path"] == "/hooks?x=1"
    assert line["forward_of"]["id"] == "Az1"
    assert line["forward_of"]["received_at"] == serve.recorded()[0]["received_at"]
    assert (line["to"], line["outcome"], line["status"]) == (
        local.url + "/local/hook", "acknowledged", 204)
    assert line["elapsed"] > 0
    assert "-> forwarded: 204 in " in serve.out.getvalue()


def test_the_authorization_is_passed_on_verbatim_or_replaced_by_forward_auth(
    tmp_path: Path,
) -> None:
    with serve_recorder(auth=AUTH) as strict, serving(
        tmp_path, "--forward-to", strict.url
    ) as serve:
        FakeSender(serve.url, auth=AUTH).deliver()
        FakeSender(serve.url, auth="Bearer other").deliver()
        strict.wait_for(1)
    assert [line["status"] for line in serve.companion()] == [204, 401]
    (tmp_path / "second").mkdir()
    with serve_recorder(auth=AUTH) as strict, serving(
        tmp_path / "second", "--forward-to", strict.url, "--forward-auth", AUTH
    ) as serve:
        FakeSender(serve.url, auth="Bearer other").deliver()
        FakeSender(serve.url).deliver()
        strict.wait_for(2)
    assert "fw-s3cret" not in serve.out.getvalue()


@pytest.mark.parametrize(
    ("template", "path", "expected"),
    [
        ("http://h:1/in", "/hooks?a=b", "http://h:1/in"),
        ("http://h:1{path}", "/hooks?a=b", "http://h:1/hooks?a=b"),
        ("http://h:1/{path}", "/hooks", "http://h:1/hooks"),
        ("http://h:1/base{path}", "/", "http://h:1/base/"),
    ],
)
def test_the_path_is_appended_only_where_the_url_asks_for_it(
    template: str, path: str, expected: str
) -> None:
    assert forward_url(template, path) == expected


def test_a_local_receiver_that_is_down_costs_nothing(tmp_path: Path) -> None:
    down = f"http://127.0.0.1:{free_port()}/hook"
    with serving(tmp_path, "--forward-to", down) as serve:
        delivered = [FakeSender(serve.url).deliver() for _ in range(3)]
    assert [d.status_code for d in delivered] == [204, 204, 204]
    assert len(serve.recorded()) == 3
    assert [line["outcome"] for line in serve.companion()] == ["connection_failed"] * 3
    assert serve.out.getvalue().count("-> forwarded: connection failed after") == 3


def test_a_slow_local_receiver_never_holds_the_senders_answer_back(
    tmp_path: Path, local: LiveRecorder
) -> None:
    local.respond_with(delay=60.0)
    with serving(tmp_path, "--forward-to", local.url, "--forward-timeout", "30") as serve:
        # Were the forward part of answering, the platform would get nothing before the
        # local receiver answers, and that waits for end_delays(), after deliver() returns.
        delivered = FakeSender(serve.url, timeout=3.0).deliver()
        local.wait_for(1)
        local.receiver.end_delays()
    assert delivered.status_code == 204, delivered.reason
    (line,) = serve.companion()
    assert (line["outcome"], line["status"]) == ("acknowledged", 204)


def test_a_local_receiver_slower_than_the_forward_timeout_is_recorded_as_timed_out(
    tmp_path: Path, local: LiveRecorder
) -> None:
    local.respond_with(delay=3.0)
    with serving(tmp_path, "--forward-to", local.url, "--forward-timeout", "0.2") as serve:
        assert FakeSender(serve.url).deliver().status_code == 204
    local.receiver.end_delays()
    (line,) = serve.companion()
    assert (line["outcome"], line["status"]) == ("timed_out", None)
    assert "-> forwarded: timed out after 0.2" in serve.out.getvalue()


def test_a_crashing_local_receiver_is_recorded_as_rejected(
    tmp_path: Path, local: LiveRecorder
) -> None:
    local.respond_with(status=500)
    with serving(tmp_path, "--forward-to", local.url) as serve:
        assert FakeSender(serve.url).deliver().status_code == 204
    (line,) = serve.companion()
    assert (line["outcome"], line["status"]) == ("rejected", 500)
    assert "-> forwarded: 500 in " in serve.out.getvalue()


def test_forwards_keep_the_arrival_order(tmp_path: Path, local: LiveRecorder) -> None:
    reports = JobReportFactory(seed=5).build_batch(6)
    with serving(tmp_path, "--forward-to", local.url) as serve:
        sender = FakeSender(serve.url)
        for report in reports:
            sender.deliver(report)
        got = local.wait_for(6)
    assert [d.report["id"] for d in got if d.report] == [r["id"] for r in reports]
    assert [line["forward_of"]["id"] for line in serve.companion()] == [r["id"] for r in reports]


def test_a_stop_marks_what_was_not_forwarded_yet(tmp_path: Path, local: LiveRecorder) -> None:
    import threading

    from _serve_harness import wait_until

    local.respond_with(delay=60.0)
    with serving(tmp_path, "--forward-to", local.url, "--forward-timeout", "30") as serve:
        forwarder = serve.live.forwarder
        assert forwarder is not None
        sender = FakeSender(serve.url)
        for _ in range(3):
            assert sender.deliver().status_code == 204
        local.wait_for(1)  # the first forward is held by the local receiver
        stopping = threading.Thread(target=forwarder.stop, args=(0.0,))
        stopping.start()  # as a second Ctrl-C does: no time for what is queued
        wait_until(lambda: forwarder.waiting == 1, "the queue to be given up")
        local.receiver.end_delays()  # the forward in progress still ends by itself
        stopping.join(10)
    outcomes = [line["outcome"] for line in serve.companion()]
    assert outcomes == ["acknowledged", "not_forwarded", "not_forwarded"]
    assert forwarder.counts == {"acknowledged": 1, "not_forwarded": 2}
    assert serve.out.getvalue().count("-> forwarded: not forwarded (jobhook serve stopped") == 2


def test_validate_and_replay_read_the_recording_as_before(
    tmp_path: Path, local: LiveRecorder, capsys: pytest.CaptureFixture[str]
) -> None:
    with serving(tmp_path, "--forward-to", local.url) as serve:
        FakeSender(serve.url).deliver()
    capsys.readouterr()
    assert main(["validate", str(serve.record)]) == 0
    assert main(["replay", str(serve.record), local.url]) == 0
    assert len(local.wait_for(2)) == 2  # the forward, then the replay


def test_the_forwards_companion_handed_to_validate_or_replay_is_named_not_read_as_reports(
    tmp_path: Path, local: LiveRecorder, capsys: pytest.CaptureFixture[str]
) -> None:
    with serving(tmp_path, "--forward-to", local.url) as serve:
        FakeSender(serve.url).deliver()
    companion = f"{serve.record}.forwards"
    local.wait_for(1)
    capsys.readouterr()
    said = f"give the recording {serve.record} instead"
    for argv in (["validate", companion], ["validate", "--format", "github", companion],
                 ["replay", companion, local.url]):
        assert main(argv) == 2, argv
        err = capsys.readouterr().err
        assert "forward-outcome file" in err and said in err, argv
        assert "required property" not in err
    assert len(local.deliveries) == 1  # only the forward: its outcome was not sent as a report


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--forward-to", "ftp://x/"], "jobhook serve: --forward-to: target must be an http"),
        (["--forward-to", "http://u:p@x/"], "--forward-to: credentials in the URL"),
        (["--forward-auth", "Bearer x"], "--forward-auth needs --forward-to URL"),
        (["--forward-to", "http://x/", "--forward-auth", "Bearer s3cret\nX: y"],
         "--forward-auth: the value of header 'Authorization' contains a line break"),
        (["--forward-to", "http://x/", "--forward-timeout", "0"], "positive number of seconds"),
    ],
)
def test_bad_forward_options_exit_2_with_a_reason(
    options: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["serve", "--port", "0", *options]) == 2
    err = capsys.readouterr().err
    assert message in err
    assert "Traceback" not in err and "s3cret" not in err


def test_past_the_backlog_deliveries_are_recorded_and_marked_not_forwarded(
    tmp_path: Path, local: LiveRecorder, monkeypatch: pytest.MonkeyPatch
) -> None:
    from jobhook_testkit._forward import Forwarder

    monkeypatch.setattr(Forwarder, "BACKLOG", 1)
    local.respond_with(delay=60.0)
    with serving(tmp_path, "--forward-to", local.url, "--forward-timeout", "30") as serve:
        sender = FakeSender(serve.url)
        first = sender.deliver()
        local.wait_for(1)  # the first is being forwarded (held): the queue is empty again
        rest = [sender.deliver() for _ in range(3)]  # one waits, two find the queue full
        local.receiver.end_delays()
    assert [d.status_code for d in [first, *rest]] == [204] * 4
    assert len(serve.recorded()) == 4
    lines = serve.companion()
    assert [line["outcome"] for line in lines] == [
        "not_forwarded", "not_forwarded", "acknowledged", "acknowledged"]
    assert {line["reason"] for line in lines if line["outcome"] == "not_forwarded"} == {
        "too many waiting"}
    assert "-> forwarded: not forwarded (too many waiting)" in serve.out.getvalue()


def test_a_recording_to_a_device_gets_no_companion_file(
    tmp_path: Path, local: LiveRecorder, capsys: pytest.CaptureFixture[str]
) -> None:
    from jobhook_testkit._commands._serve_live import Live

    args = build_parser().parse_args(["serve", "--record", "/dev/null", "--forward-to", local.url])
    live = Live(args, console=None)  # type: ignore[arg-type]
    assert live.forwarder is not None
    assert live.forwarder.companion is None
    args = build_parser().parse_args(
        ["serve", "--record", str(tmp_path / "new.ndjson"), "--forward-to", local.url])
    forwarder = Live(args, console=None).forwarder  # type: ignore[arg-type]
    assert forwarder is not None
    assert forwarder.companion == f"{tmp_path / 'new.ndjson'}.forwards"


def test_forwarding_to_itself_is_refused_at_start(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as probe:  # a port free now, for serve to listen on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    code = main(["serve", "--port", str(port), "--forward-to", f"http://localhost:{port}/x"])
    assert code == 2
    err = capsys.readouterr().err
    assert f"--forward-to http://localhost:{port}/x is this serve itself (port {port})" in err
