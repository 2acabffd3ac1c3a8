"""``jobhook serve``: option errors in-process, the real thing as a subprocess."""

from __future__ import annotations

import contextlib
import io
import json
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from jobhook_testkit import load_schema
from jobhook_testkit.cli import main
from jobhook_testkit.sender import FakeSender

STARTUP_TIMEOUT = 15.0


@pytest.mark.parametrize(
    ("option", "message"),
    [
        (["--port", "70000"], "port must be 0-65535"),
        (["--port", "http"], "not a port number"),
        (["--status", "700"], "status must be 200-599"),
        (["--delay", "-1"], "must be a number of seconds >= 0"),
        (["--delay", "nan"], "must be a number of seconds >= 0"),
        (["--max-body", "0"], "must be a positive number of bytes"),
    ],
)
def test_bad_options_exit_2_with_a_reason(
    option: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["serve", *option]) == 2
    assert message in capsys.readouterr().err


def test_an_unwritable_record_file_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "missing-dir" / "r.ndjson"
    assert main(["serve", "--port", "0", "--record", str(target)]) == 2
    err = capsys.readouterr().err
    assert f"cannot record to {target}" in err
    assert "Traceback" not in err


def test_a_port_in_use_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        assert main(["serve", "--port", str(port)]) == 2
    err = capsys.readouterr().err
    assert f"cannot listen on 127.0.0.1:{port}" in err
    assert "Traceback" not in err


def test_a_host_that_cannot_be_listened_on_exits_2_with_the_reason(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["serve", "--port", "0", "--host", "999.1.1.1"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("jobhook serve: cannot listen on 999.1.1.1:0: ")
    assert err.count("cannot listen") == 1
    assert "Traceback" not in err


@contextlib.contextmanager
def serve_process(tmp_path: Path, *options: str) -> Iterator[tuple[subprocess.Popen[bytes], str]]:
    """``jobhook serve --port 0 OPTIONS`` with stdout/stderr in files; yields (process, url)."""
    out, err = tmp_path / "stdout.txt", tmp_path / "stderr.txt"
    with out.open("wb") as stdout, err.open("wb") as stderr:
        process = subprocess.Popen(
            [sys.executable, "-m", "jobhook_testkit", "serve", "--port", "0", *options],
            stdout=stdout, stderr=stderr,
        )
    try:
        deadline = time.monotonic() + STARTUP_TIMEOUT
        found = None
        while found is None and time.monotonic() < deadline and process.poll() is None:
            found = re.search(r"listening on (http://\S+)", err.read_text(errors="replace"))
            time.sleep(0.02)
        assert found is not None, f"no address announced: {err.read_text(errors='replace')}"
        yield process, found.group(1)
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=10)


def sample(**changes: Any) -> dict[str, Any]:
    report: dict[str, Any] = load_schema()["examples"][0]
    return {**report, **changes}


@pytest.mark.slow
def test_serve_prints_one_line_per_delivery_and_stops_cleanly_on_sigint(tmp_path: Path) -> None:
    record = tmp_path / "deliveries.ndjson"
    options = ("--auth", "Bearer s3cret-value", "--record", str(record))
    with serve_process(tmp_path, *options) as (process, url):
        sender = FakeSender(url + "/hooks", auth="Bearer s3cret-value")
        statuses = [
            sender.deliver(sample(id="AYb3kQ2zVx81LmNq0pQr")).status_code,
            sender.deliver(sample(id="AYb4kQ2zVx81LmNqx9Z", type="import", status="FAILURE",
                                  definition_name=None, region="eu")).status_code,
            sender.deliver(sample(id="AYb5kQ2zVx81LmNqx9Z", region="us")).status_code,
            sender.deliver(body=b"{oops").status_code,
            sender.deliver(sample(), auth="Bearer guessed").status_code,
        ]
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=10) == 0
    assert statuses == [204, 204, 204, 400, 401]
    out = (tmp_path / "stdout.txt").read_text(encoding="utf-8").splitlines()
    err = (tmp_path / "stderr.txt").read_text(encoding="utf-8")
    time_ = r"\d\d:\d\d:\d\d"
    expected = [
        rf"{time_}  POST /hooks  204  export SUCCESS  AYb3…pQr  valid",
        rf"{time_}  POST /hooks  204  import FAILURE  AYb4…x9Z  INVALID: /definition_name: "
        r"None is not of type 'string'  unknown fields: region \(×1\)",
        rf"{time_}  POST /hooks  204  export SUCCESS  AYb5…x9Z  valid  unknown fields: "
        r"region \(×2\)",
        rf"{time_}  POST /hooks  400  MALFORMED: malformed JSON at line 1, column 2: .*",
        rf"{time_}  POST /hooks  401  refused: Authorization does not match "
        r"\(got Bearer \[redacted\]\)",
    ]
    assert len(out) == len(expected), out
    for line, pattern in zip(out, expected, strict=True):
        assert re.fullmatch(pattern, line), (line, pattern)
    assert "stopped. 4 deliveries recorded (2 valid, 1 invalid, 1 malformed)" in err
    assert "refused: 1 with the wrong Authorization (401)" in err
    assert "fields the schema does not know: region ×2" in err
    assert "WARNING" not in err
    assert "s3cret-value" not in "\n".join(out) + err + record.read_text(encoding="utf-8")
    assert "guessed" not in "\n".join(out) + err
    lines = [json.loads(line) for line in record.read_text(encoding="utf-8").splitlines()]
    assert [line["report"] and line["report"]["id"] for line in lines] == [
        "AYb3kQ2zVx81LmNq0pQr", "AYb4kQ2zVx81LmNqx9Z", "AYb5kQ2zVx81LmNqx9Z", None
    ]


@pytest.mark.slow
def test_binding_beyond_loopback_warns_loudly_and_sigterm_stops_it(tmp_path: Path) -> None:
    with serve_process(tmp_path, "--host", "0.0.0.0") as (process, url):
        port = int(url.rsplit(":", 1)[1])
        delivery = FakeSender(f"http://127.0.0.1:{port}").deliver(sample())
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
    assert delivery.status_code == 204
    err = (tmp_path / "stderr.txt").read_text(encoding="utf-8")
    assert "WARNING: listening on 0.0.0.0, not just this machine" in err
    assert "(and no --auth is set)" in err
    assert "stopped. 1 delivery recorded (1 valid" in err


def wait_until(condition: Any, what: str, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.02)


@pytest.mark.slow
def test_sigterm_answers_the_delivery_it_already_recorded(tmp_path: Path) -> None:
    record = tmp_path / "deliveries.ndjson"
    with serve_process(tmp_path, "--delay", "60", "--record", str(record)) as (process, url):
        delivered: list[Any] = []
        sender = threading.Thread(
            target=lambda: delivered.append(FakeSender(url, timeout=30).deliver(sample()))
        )
        sender.start()
        wait_until(lambda: record.exists() and record.read_bytes().endswith(b"\n"),
                   "the delivery to be recorded")
        process.send_signal(signal.SIGTERM)  # while it waits out its scripted delay
        sender.join(timeout=30)
        assert process.wait(timeout=10) == 0
    (delivery,) = delivered
    # recorded, so it must also be acknowledged: a stop must not cut the answer off
    assert delivery.status_code == 204, delivery.reason
    assert len(record.read_bytes().splitlines()) == 1


def test_a_stop_waits_for_a_request_in_progress_but_a_second_signal_ends_the_wait(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from jobhook_testkit._commands.serve import InFlight, _drain
    from jobhook_testkit.recorder import RecordingReceiver
    from jobhook_testkit.server import serve_wsgi

    receiver = RecordingReceiver()
    in_flight = InFlight(receiver)
    hurry = threading.Event()
    with receiver, serve_wsgi(in_flight) as server:
        host, port = server.url.removeprefix("http://").rsplit(":", 1)
        with socket.create_connection((host, int(port)), timeout=10) as stuck:
            stuck.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 300\r\n\r\n{")
            wait_until(lambda: in_flight.count == 1, "the request to reach the app")
            assert in_flight.wait(0.05, threading.Event()) == 1  # a stuck body: no end
            hurry.set()  # as a second Ctrl-C does
            _drain(server, receiver, in_flight, hurry)
            assert not server.running
        wait_until(lambda: in_flight.count == 0, "the stuck request to end")
    err = capsys.readouterr().err
    assert "waiting up to 5 s for 1 request in progress (Ctrl-C again to stop now)" in err
    assert "stopped waiting for 1 request still in progress" in err
    assert receiver.counts == {"incomplete": 1}


def test_a_console_whose_reader_left_does_not_break_deliveries() -> None:
    from datetime import UTC, datetime

    from jobhook_testkit._commands.serve import Console
    from jobhook_testkit.recorder import RecordedDelivery

    class GoneReader(io.StringIO):
        def write(self, text: str) -> int:
            raise BrokenPipeError(32, "Broken pipe")

    console = Console(GoneReader())
    delivery = RecordedDelivery("/", {}, b"{}", {}, (), datetime.now(UTC), 204)
    console.event(delivery)  # must not raise: the delivery is recorded and gets its 2xx
    console.event(delivery)
    assert console.closed


def test_a_body_full_of_unknown_fields_gets_bounded_console_lines() -> None:
    from werkzeug.test import Client

    from jobhook_testkit._commands.serve import Console, _summary
    from jobhook_testkit.recorder import RecordingReceiver

    out = io.StringIO()
    console = Console(out)
    receiver = RecordingReceiver(keep=False, on_event=console.event)
    console.receiver = receiver
    names = {f"field_{n:04d}": n for n in range(1500)}
    client = Client(receiver)
    for _ in range(2):
        response = client.post("/", data=json.dumps({**sample(), **names}))
        assert response.status_code == 204
    first, second = out.getvalue().splitlines()
    assert first.endswith(
        "unknown fields: field_0000 (×1), field_0001 (×1), field_0002 (×1), "
        "field_0003 (×1), field_0004 (×1) and 1495 more"
    )
    assert "field_0000 (×2)" in second
    counts = receiver.unknown_field_counts
    assert len(counts) == 1000  # memory stays bounded whatever senders make up
    assert counts["field_0000"] == 2
    (summary,) = [line for line in _summary(receiver) if "does not know" in line]
    assert summary.endswith("field_0029 ×2 and 970 more")


def test_a_console_that_does_not_keep_up_never_holds_an_answer_back(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from datetime import UTC, datetime

    from jobhook_testkit._commands.serve import Console
    from jobhook_testkit.recorder import RecordedDelivery

    class PausedTerminal(io.StringIO):  # output paused (Ctrl-S) until `resume` is set
        resume, writing = threading.Event(), threading.Event()

        def write(self, text: str) -> int:
            self.writing.set()
            self.resume.wait(timeout=30)
            return super().write(text)

    monkeypatch.setattr(Console, "BACKLOG", 3)
    out = PausedTerminal()
    console = Console(out)
    console.start()
    deliveries = [
        RecordedDelivery(f"/{n}", {}, b"{}", {}, (), datetime.now(UTC), 204) for n in range(6)
    ]
    console.event(deliveries[0])
    assert PausedTerminal.writing.wait(timeout=10)  # the printer is stuck on the first line
    handler = threading.Thread(target=lambda: [console.event(d) for d in deliveries[1:]])
    handler.start()
    handler.join(timeout=10)
    assert not handler.is_alive()  # the events returned while the console was paused
    PausedTerminal.resume.set()
    console.stop(timeout=10)
    printed = [line.split()[2] for line in out.getvalue().splitlines()]
    # the first line was being printed, three waited, the last two were dropped
    assert printed == ["/0", "/1", "/2", "/3"]
    assert console.dropped == 2


def test_terminal_control_characters_in_a_report_id_are_not_printed() -> None:
    from datetime import UTC, datetime

    from jobhook_testkit._commands.serve import Console
    from jobhook_testkit.recorder import RecordedDelivery

    out = io.StringIO()
    report = sample(id="\x1b]0;pwned\x07AYb3kQ2zVx81LmNq0pQr\x1b[2J")
    Console(out).event(
        RecordedDelivery("/", {}, b"{}", report, (), datetime.now(UTC), 204)
    )
    line = out.getvalue()
    assert "\x1b" not in line and "\x07" not in line
    assert "  \\x1b]0;…[2J  valid" in line


@pytest.mark.slow
def test_serve_counts_incomplete_requests_apart_in_its_summary(tmp_path: Path) -> None:
    record = tmp_path / "deliveries.ndjson"
    with serve_process(tmp_path, "--record", str(record)) as (process, url):
        host, port = url.removeprefix("http://").rsplit(":", 1)
        for _ in range(3):
            with socket.create_connection((host, int(port)), timeout=5) as sock:
                sock.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nUser-Agent: slow\r\n")
        assert FakeSender(url).deliver(sample(), hang_up_after=5).reason  # mid-body
        assert FakeSender(url).deliver(sample()).acknowledged
        assert FakeSender(url).deliver(body=b'"a string"').status_code == 400
        deadline = time.monotonic() + 10
        while (tmp_path / "stdout.txt").read_text().count("\n") < 6:
            assert time.monotonic() < deadline, (tmp_path / "stdout.txt").read_text()
            time.sleep(0.02)
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=10) == 0
    err = (tmp_path / "stderr.txt").read_text(encoding="utf-8")
    out = (tmp_path / "stdout.txt").read_text(encoding="utf-8")
    assert "stopped. 2 deliveries recorded (1 valid, 0 invalid, 1 malformed)" in err
    assert "  4 incomplete requests, not recorded (the sender hung up before the request " \
           "was whole)" in err
    assert "refused" not in err
    assert out.count("not recorded: the sender hung up before the headers ended") == 3
    assert out.count("not recorded: the sender hung up before the whole body arrived") == 1
    assert len(record.read_bytes().splitlines()) == 2
    assert f"appended 2 lines to {record}\n" in err


@pytest.mark.slow
def test_the_stop_summary_counts_lines_in_the_file_that_exists(tmp_path: Path) -> None:
    record = tmp_path / "deliveries.ndjson"
    with serve_process(tmp_path, "--record", str(record)) as (process, url):
        sender = FakeSender(url)
        for _ in range(3):
            assert sender.deliver(sample()).acknowledged
        record.unlink()
        assert sender.deliver(sample()).acknowledged  # the path is created again for it
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=10) == 0
    err = (tmp_path / "stderr.txt").read_text(encoding="utf-8")
    assert len(record.read_bytes().splitlines()) == 1
    assert (
        f"  appended 1 line to {record} (3 earlier lines went to a file of that name that "
        "was deleted or replaced while recording)\n"
    ) in err
