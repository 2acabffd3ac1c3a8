"""`jobhook serve --ui`: the inspector's HTTP side over real sockets (no browser here).

Rows as server-sent events, a delivery's detail with its violations marked, replay, curl,
download, and the guards: its own Host only, the per-run token, no foreign Origin.
"""

from __future__ import annotations

import http.client
import json
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from _serve_harness import Serving, forwarded_all, serving, token_of

from jobhook_testkit import FakeSender, JobReportFactory
from jobhook_testkit._inspector.store import pretty_lines
from jobhook_testkit.cli import main
from jobhook_testkit.recorder import LiveRecorder, serve_recorder

AUTH = "Bearer insp-s3cret-value"


@pytest.fixture
def local() -> Iterator[LiveRecorder]:
    with serve_recorder() as recorder:
        yield recorder


@pytest.fixture
def serve(tmp_path: Path, local: LiveRecorder) -> Iterator[Serving]:
    with serving(tmp_path, "--ui", "--auth", AUTH, "--forward-to", local.url) as running:
        yield running


def request(
    serve: Serving, method: str, path: str, *, body: bytes | None = None,
    headers: dict[str, str] | None = None, token: bool = True,
) -> tuple[int, str]:
    where = urlsplit(serve.inspector_url)
    connection = http.client.HTTPConnection(where.hostname, where.port, timeout=5)
    if token:
        path += ("&" if "?" in path else "?") + f"token={token_of(serve.inspector_url)}"
    try:
        connection.request(method, path, body=body, headers=headers or {})
        answer = connection.getresponse()
        return answer.status, answer.read().decode()
    finally:
        connection.close()


def get_json(serve: Serving, path: str) -> Any:
    status, text = request(serve, "GET", path)
    assert status == 200, text
    return json.loads(text)


def invalid_report() -> dict[str, Any]:
    return {**JobReportFactory(seed=1).build(), "total_failed": -1, "shiny_new": True}


class Stream:
    """An open event stream; :meth:`next` reads the events that came since."""

    def __init__(self, serve: Serving) -> None:
        where = urlsplit(serve.inspector_url)
        self.connection = http.client.HTTPConnection(where.hostname, where.port, timeout=10)
        self.connection.request("GET", f"/api/events?token={token_of(serve.inspector_url)}")
        self.answer = self.connection.getresponse()
        assert self.answer.status == 200
        assert self.answer.getheader("Content-Type") == "text/event-stream"
        assert self.answer.readline() == b"retry: 1000\n"  # it is listening from here on

    def next(self, count: int) -> list[tuple[str, Any]]:
        events: list[tuple[str, Any]] = []
        kind = ""
        while len(events) < count:
            line = self.answer.readline().decode().rstrip("\n")
            if line.startswith("event: "):
                kind = line.removeprefix("event: ")
            elif line.startswith("data: "):
                events.append((kind, json.loads(line.removeprefix("data: "))))
        return events

    def close(self) -> None:
        self.connection.close()


def read_events(serve: Serving, count: int) -> list[tuple[str, Any]]:
    """The first ``count`` events of a fresh stream (each kept delivery comes first)."""
    stream = Stream(serve)
    try:
        return stream.next(count)
    finally:
        stream.close()


def test_each_delivery_is_streamed_with_its_verdict_and_forward_outcome(
    serve: Serving, local: LiveRecorder
) -> None:
    FakeSender(serve.url + "/hooks", auth=AUTH).deliver(invalid_report())
    FakeSender(serve.url + "/hooks", auth="Bearer wrong").deliver()
    forwarded_all(serve)
    (_, row), (_, refused) = read_events(serve, 2)
    assert row["number"] == 1
    assert (row["verdict"], row["type"], row["http_status"]) == ("invalid", "export", 204)
    assert row["path"] == "/hooks"
    assert {"pointer": "/total_failed", "message": "-1 is less than the minimum of 0",
            "severity": "error"} in row["violations"]
    assert row["unknown_fields"] == ["shiny_new"]
    assert (row["forward"]["outcome"], row["forward"]["status"]) == ("acknowledged", 204)
    assert (refused["verdict"], refused["http_status"]) == ("refused", 401)
    assert refused["reason"] == "Authorization does not match"



def test_a_sender_that_hangs_up_mid_request_is_shown_as_incomplete_not_refused(
    serve: Serving,
) -> None:
    import socket

    host, port = urlsplit(serve.url).hostname, urlsplit(serve.url).port
    assert host is not None and port is not None
    with socket.create_connection((host, port), timeout=5) as sock:
        sock.sendall(f"POST /hooks HTTP/1.1\r\nHost: x\r\nAuthorization: {AUTH}\r\n"
                     'Content-Length: 100\r\n\r\n{"id"'.encode())
        sock.shutdown(socket.SHUT_WR)  # gone before the body ended
        while sock.recv(4096):
            pass
    FakeSender(serve.url + "/hooks", auth=AUTH).deliver()
    (_, cut), (_, row) = read_events(serve, 2)
    assert (cut["verdict"], cut["path"]) == ("incomplete", "/hooks")
    assert cut["reason"] == "the sender hung up before the whole body arrived"
    assert row["verdict"] == "valid"

def test_a_stream_gets_deliveries_as_they_arrive(serve: Serving) -> None:
    stream = Stream(serve)
    try:
        FakeSender(serve.url, auth=AUTH).deliver()
        events = stream.next(2)
    finally:
        stream.close()
    assert [kind for kind, _ in events] == ["delivery", "forward"]
    assert events[0][1]["forward"] is None  # sent at once, before the forward's answer
    assert events[1][1]["number"] == 1
    assert events[1][1]["outcome"] == "acknowledged"


def test_the_detail_marks_each_violation_at_its_field_and_hides_the_credential(
    serve: Serving,
) -> None:
    FakeSender(serve.url, auth=AUTH, headers={"X-Api-Key": "key-s3cret-1234"}).deliver(
        invalid_report())
    status, text = request(serve, "GET", "/api/deliveries/1")
    assert status == 200
    detail = json.loads(text)
    marked = {line["pointer"]: line["marks"] for line in detail["lines"] if line["marks"]}
    assert marked == {"/total_failed": ["-1 is less than the minimum of 0"]}
    (line,) = [line for line in detail["lines"] if line["pointer"] == "/total_failed"]
    assert line["text"] == '  "total_failed": -1,'
    assert detail["headers"]["Authorization"] == "Bearer [redacted]"
    assert detail["headers"]["X-Api-Key"] == "[redacted]"
    assert "s3cret" not in text
    assert request(serve, "GET", "/api/deliveries/99")[0] == 404


def test_a_malformed_body_is_shown_raw_with_the_reason(serve: Serving) -> None:
    FakeSender(serve.url, auth=AUTH).deliver(body=b"{not json\x1b[2J")
    detail = get_json(serve, "/api/deliveries/1")
    assert (detail["verdict"], detail["http_status"], detail["lines"]) == ("malformed", 400, [])
    assert detail["raw"] == "{not json\\x1b[2J"  # a terminal escape shown, not passed on
    assert detail["reason"].startswith("malformed JSON at line 1, column 2")


def test_pretty_lines_mark_a_violation_at_its_line_or_the_closest_one_above() -> None:
    lines = pretty_lines({"a": {"b/c": [1, {}]}, "d": None},
                         [{"pointer": "/a", "message": "'x' is a required property"},
                          {"pointer": "/a/b~1c/0", "message": "bad"},
                          {"pointer": "/nope/deeper", "message": "missing"}])
    assert [(line["text"], line["pointer"], line["marks"]) for line in lines] == [
        ("{", "", ["missing"]),
        ('  "a": {', "/a", ["'x' is a required property"]),
        ('    "b/c": [', "/a/b~1c", []),
        ("      1,", "/a/b~1c/0", ["bad"]),
        ("      {}", "/a/b~1c/1", []),
        ("    ]", None, []),
        ("  },", None, []),
        ('  "d": null', "/d", []),
        ("}", None, []),
    ]


def test_replay_sends_the_same_bytes_and_credential_to_the_url_given(
    serve: Serving,
) -> None:
    FakeSender(serve.url, auth=AUTH).deliver(body=b'{"id": "R1"}')
    with serve_recorder(auth=AUTH) as other:
        status, text = request(
            serve, "POST", "/api/deliveries/1/replay",
            body=json.dumps({"url": other.url + "/again"}).encode(),
            headers={"Content-Type": "application/json",
                     "X-Jobhook-Token": token_of(serve.inspector_url),
                     "Origin": serve.inspector_url.split("/?")[0]},
            token=False,
        )
        assert status == 200, text
        result = json.loads(text)
        assert (result["outcome"], result["status"]) == ("acknowledged", 204)
        (again,) = other.deliveries
        assert (again.body, again.path) == (b'{"id": "R1"}', "/again")


@pytest.mark.parametrize(
    ("headers", "token", "status"),
    [
        ({"Content-Type": "application/json"}, False, 403),  # no token
        ({"Content-Type": "application/json", "Origin": "http://evil.example"}, True, 403),
        ({"Content-Type": "application/x-www-form-urlencoded"}, True, 415),
        ({"Content-Type": "application/json", "Host": "evil.example"}, True, 403),
    ],
)
def test_replay_is_refused_without_the_token_from_elsewhere_or_as_a_form(
    serve: Serving, headers: dict[str, str], token: bool, status: int
) -> None:
    FakeSender(serve.url, auth=AUTH).deliver()
    with serve_recorder() as other:
        code, _ = request(serve, "POST", "/api/deliveries/1/replay",
                          body=json.dumps({"url": other.url}).encode(), headers=headers,
                          token=token)
        assert code == status
        assert other.deliveries == ()


@pytest.mark.parametrize("path", ["/", "/api/events", "/api/deliveries/1",
                                  "/api/deliveries.ndjson"])
def test_pages_need_the_token_and_the_inspectors_own_host(serve: Serving, path: str) -> None:
    assert request(serve, "GET", path, token=False)[0] == 403
    assert request(serve, "GET", path, headers={"Host": "attacker.example:80"})[0] == 403
    port = urlsplit(serve.inspector_url).port
    if path != "/api/events":  # (a stream does not end by itself)
        assert request(serve, "GET", path, headers={"Host": f"localhost:{port}"})[0] in (
            200, 404)


def test_the_page_and_its_files_come_from_the_package(serve: Serving) -> None:
    status, page = request(serve, "GET", "/")
    assert status == 200
    assert "<title>jobhook inspector</title>" in page
    # nothing from elsewhere: every file the page loads is the inspector's own
    assert re.findall(r'(?:src|href)="([^"]*)"', page) == [
        "/static/inspector.css", "/static/inspector.js", "#"]
    for name in ("inspector.js", "inspector.css"):
        status, text = request(serve, "GET", f"/static/{name}", token=False)
        assert status == 200
        assert "://" not in text and "@import" not in text
    assert request(serve, "GET", "/static/../app.py", token=False)[0] == 404


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
def test_the_curl_command_sends_the_same_delivery_with_the_credential_from_the_shell(
    serve: Serving,
) -> None:
    body = b'{"id": "it\'s", "note": "$HOME `x`"}'
    FakeSender(serve.url, auth=AUTH).deliver(body=body)
    with serve_recorder(auth=AUTH) as other:
        status, command = request(serve, "GET", f"/api/deliveries/1/curl?url={other.url}/c")
        assert status == 200
        assert '"Authorization: $JOBHOOK_AUTH"' in command
        assert "s3cret" not in command
        done = subprocess.run(["bash", "-c", command], env={"JOBHOOK_AUTH": AUTH},
                              capture_output=True, timeout=10, check=False)
        assert done.returncode == 0, done.stderr
        (again,) = other.deliveries
        assert (again.body, again.path) == (body, "/c")


def test_the_download_is_a_recording_that_validate_and_replay_read(
    serve: Serving, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    reports = JobReportFactory(seed=2).build_batch(3)
    for report in reports:
        FakeSender(serve.url, auth=AUTH).deliver(report)
    FakeSender(serve.url, auth="Bearer wrong").deliver()  # refused: not a delivery to keep
    status, text = request(serve, "GET", "/api/deliveries.ndjson")
    assert status == 200
    saved = tmp_path / "download.ndjson"
    saved.write_text(text)
    assert [json.loads(line)["report"]["id"] for line in text.splitlines()] == [
        r["id"] for r in reports]
    assert main(["validate", str(saved)]) == 0
    with serve_recorder() as other:
        assert main(["replay", str(saved), other.url]) == 0
        assert len(other.deliveries) == 3
    assert "s3cret" not in text + capsys.readouterr().out


def test_the_page_forbids_everything_but_its_own_files_and_frames(serve: Serving) -> None:
    where = urlsplit(serve.inspector_url)
    connection = http.client.HTTPConnection(where.hostname, where.port, timeout=5)
    try:
        connection.request("GET", f"/?token={token_of(serve.inspector_url)}")
        answer = connection.getresponse()
        answer.read()
    finally:
        connection.close()
    policy = answer.getheader("Content-Security-Policy") or ""
    assert "default-src 'none'" in policy and "script-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy
    assert answer.getheader("X-Frame-Options") == "DENY"
    assert answer.getheader("Referrer-Policy") == "no-referrer"  # the token is in the URL


def test_replay_uses_forward_auth_when_given(tmp_path: Path) -> None:
    with serve_recorder(auth="Bearer local-one") as other, serving(
        tmp_path, "--ui", "--forward-to", other.url, "--forward-auth", "Bearer local-one"
    ) as serve:
        FakeSender(serve.url, auth="Bearer platform-one").deliver()
        forwarded_all(serve)
        status, text = request(
            serve, "POST", "/api/deliveries/1/replay", body=b'{"url": "%s"}' % other.url.encode(),
            headers={"Content-Type": "application/json",
                     "X-Jobhook-Token": token_of(serve.inspector_url)}, token=False)
        assert (status, json.loads(text)["status"]) == (200, 204)
        assert len(other.deliveries) == 2  # the forward and the replay, both let in


def test_a_url_with_a_password_is_refused_by_replay_and_curl_never_echoed(
    serve: Serving,
) -> None:
    FakeSender(serve.url, auth=AUTH).deliver(body=b'{"id": "R1"}')
    with serve_recorder() as other:
        secret_url = other.url.replace("http://", "http://user:pw0rdSecret99@")
        status, text = request(
            serve, "POST", "/api/deliveries/1/replay",
            body=json.dumps({"url": secret_url}).encode(),
            headers={"Content-Type": "application/json"},
        )
        assert status == 400, text
        assert "remove 'user:password@'" in json.loads(text)["error"]
        status, command = request(serve, "GET", f"/api/deliveries/1/curl?url={secret_url}")
        assert status == 400, command
        assert "pw0rdsecret99" not in (text + command).lower()
        assert "auth=" not in text  # the sender's Python argument means nothing here
        assert other.deliveries == ()
