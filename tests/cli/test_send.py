"""``jobhook send URL``: one delivery, printed redacted, exit 0 only if acknowledged."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from jobhook_testkit.cli import main
from jobhook_testkit.schema import load_schema
from jobhook_testkit.server import LiveServer, serve_wsgi

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment

SECRET = "Bearer s3cret-cli-token"


class Receiver:
    def __init__(self) -> None:
        self.status = "200 OK"
        self.seen: list[dict[str, Any]] = []
        self.release = threading.Event()

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        headers = {k[5:]: v for k, v in environ.items() if k.startswith("HTTP_")}
        self.seen.append({"path": environ["PATH_INFO"], "headers": headers, "body": body})
        if environ["PATH_INFO"] == "/slow":
            self.release.wait(5)
        start_response(self.status, [("Content-Type", "text/plain")])
        return [b"noted"]


@pytest.fixture
def receiver() -> Iterator[tuple[Receiver, LiveServer]]:
    app = Receiver()
    with serve_wsgi(app) as server:
        yield app, server
        app.release.set()


def test_generated_report_is_acknowledged(
    receiver: tuple[Receiver, LiveServer], capsys: pytest.CaptureFixture[str]
) -> None:
    app, server = receiver
    code = main(
        ["send", server.url + "/hooks", "--auth", SECRET, "--seed", "7", "--status", "failure",
         "--type", "import", "--header", "X-Tenant: acme"]
    )
    out, err = capsys.readouterr()
    assert code == 0, out + err
    assert out.startswith("Receiver acknowledged the job report.")
    assert "Authorization: Bearer [redacted]" in out
    assert "s3cret-cli-token" not in out + err
    [seen] = app.seen
    report = json.loads(seen["body"])
    assert (report["status"], report["type"]) == ("FAILURE", "import")
    assert seen["headers"]["AUTHORIZATION"] == SECRET
    assert seen["headers"]["X_TENANT"] == "acme"


def test_same_seed_sends_the_same_report(
    receiver: tuple[Receiver, LiveServer], capsys: pytest.CaptureFixture[str]
) -> None:
    app, server = receiver
    assert main(["send", server.url, "--seed", "42"]) == 0
    assert main(["send", server.url, "--seed", "42"]) == 0
    assert app.seen[0]["body"] == app.seen[1]["body"]


def test_payload_file_is_sent(
    receiver: tuple[Receiver, LiveServer], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    app, server = receiver
    report = load_schema()["examples"][0]
    payload = tmp_path / "report.json"
    payload.write_text(json.dumps(report, indent=2), encoding="utf-8")
    assert main(["send", server.url, "--payload", str(payload)]) == 0
    assert json.loads(app.seen[0]["body"]) == report


def test_payload_from_stdin(
    receiver: tuple[Receiver, LiveServer],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    app, server = receiver
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b'["not", "an object"]\n')))
    # A top-level array is read as its elements: two documents, refused.
    assert main(["send", server.url, "--payload", "-"]) == 2
    assert "holds 2 documents" in capsys.readouterr().err
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b'"just a string"\n')))
    assert main(["send", server.url, "--payload", "-"]) == 0
    assert app.seen[0]["body"] == b'"just a string"'


@pytest.mark.parametrize(
    ("status", "words"),
    [("503 Service Unavailable", "503 Service Unavailable"), ("302 Found", "not followed")],
)
def test_not_acknowledged_exits_1(
    receiver: tuple[Receiver, LiveServer],
    capsys: pytest.CaptureFixture[str],
    status: str,
    words: str,
) -> None:
    app, server = receiver
    app.status = status
    assert main(["send", server.url, "--auth", SECRET]) == 1
    out, err = capsys.readouterr()
    assert out.startswith("Receiver did not acknowledge the job report.")
    assert words in out
    assert "s3cret-cli-token" not in out + err


def test_timeout_exits_1(
    receiver: tuple[Receiver, LiveServer], capsys: pytest.CaptureFixture[str]
) -> None:
    _app, server = receiver
    assert main(["send", server.url + "/slow", "--timeout", "0.2"]) == 1
    assert "did not answer within the timeout" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["ftp://example.com/"], "http:// or https:// URL"),
        (["http://127.0.0.1:9/", "--payload", "missing.json"], "missing.json"),
        (["http://127.0.0.1:9/", "--payload", "bad.json"], "bad.json"),
        (["http://127.0.0.1:9/", "--payload", "two.ndjson"], "holds 2 documents"),
        (["http://127.0.0.1:9/", "--payload", "bad.json", "--seed", "1"], "cannot be combined"),
        (["http://127.0.0.1:9/", "--cacert", "missing-ca.pem"], "CA certificates"),
        (["https://127.0.0.1:9/", "--header", "X-A: 1\x002"], "NUL"),
        (["http://127.0.0.1:9/", "--timeout", "0"], "positive"),
        (["http://127.0.0.1:9/", "--timeout", "soon"], "not a number"),
        (["http://127.0.0.1:9/", "--header", "no colon"], "Name: value"),
        (["http://127.0.0.1:9/", "--cacert", "ca.pem", "--insecure"], "not allowed with"),
        (["http://127.0.0.1:9/", "--status", "DONE"], "invalid choice"),
        (["http://127.0.0.1:9/", "--timeout", "1e10"], "at most 604800 seconds"),
        (["http://127.0.0.1:0/"], "port 0"),
        (["http://127.0.0.1:9/", "--payload", "dup.json"], "duplicate keys at /a"),
        (
            ["http://127.0.0.1:9/", "--auth", "Bearer a", "--header", "authorization: Bearer b"],
            "both set the Authorization",
        ),
    ],
)
def test_usage_and_input_errors_exit_2_without_traceback(
    argv: list[str],
    message: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "bad.json").write_text('{"id": ', encoding="utf-8")
    (tmp_path / "two.ndjson").write_text('{"a": 1}\n{"b": 2}\n', encoding="utf-8")
    (tmp_path / "dup.json").write_text('{"a": 1, "a": 2}', encoding="utf-8")
    assert main(["send", *argv]) == 2
    out, err = capsys.readouterr()
    assert message in err
    assert "Traceback" not in err
    assert out == ""


@pytest.mark.parametrize(
    "header",
    ["Authorization Bearer t0psecret", "Authorization : Bearer t0psecret", ": t0psecret"],
)
def test_a_malformed_header_is_refused_without_printing_its_value(
    header: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["send", "http://127.0.0.1:9/", "--header", header]) == 2
    out, err = capsys.readouterr()
    assert "expected 'Name: value'" in err
    assert "t0psecret" not in out + err


def test_payload_of_null_is_sent_not_replaced_by_a_generated_report(
    receiver: tuple[Receiver, LiveServer], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    app, server = receiver
    payload = tmp_path / "null.json"
    payload.write_text("null\n", encoding="utf-8")
    assert main(["send", server.url, "--payload", str(payload)]) == 0
    assert app.seen[0]["body"] == b"null"


def test_text_utf8_cannot_carry_is_sent_escaped_as_in_the_file(
    receiver: tuple[Receiver, LiveServer], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    app, server = receiver
    report = tmp_path / "report.json"
    report.write_text('{"definition_name": "a\\ud800b"}', encoding="utf-8")
    plain = tmp_path / "plain.json"
    plain.write_text('"a\\ud800b"', encoding="utf-8")
    assert main(["send", server.url, "--payload", str(report)]) == 0  # was a traceback
    assert main(["send", server.url, "--payload", str(plain)]) == 0
    assert app.seen[0]["body"] == b'{"definition_name":"a\\ud800b"}'
    assert app.seen[1]["body"] == b'"a\\ud800b"'


RECORDED = {
    "path": "/hooks",
    "headers": {"Authorization": "Bearer [redacted]"},
    "received_at": "2026-11-28T12:00:01.123456Z",
    "violations": [],
}


def test_a_recorded_delivery_sends_its_report(
    receiver: tuple[Receiver, LiveServer], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    app, server = receiver
    report = load_schema()["examples"][0]
    recording = tmp_path / "deliveries.ndjson"
    recording.write_text(json.dumps(RECORDED | {"report": report}) + "\n", encoding="utf-8")
    assert main(["send", server.url, "--payload", str(recording)]) == 0
    assert json.loads(app.seen[0]["body"]) == report  # not the recording's envelope

    recording.write_text(json.dumps(RECORDED | {"report": None, "raw": "{"}) + "\n")
    assert main(["send", server.url, "--payload", str(recording)]) == 2
    assert "not a JSON object; nothing to send" in capsys.readouterr().err


def test_a_forward_outcome_line_is_named_not_sent(
    receiver: tuple[Receiver, LiveServer], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    app, server = receiver
    companion = tmp_path / "deliveries.ndjson.forwards"  # jobhook serve --forward-to's
    companion.write_text(json.dumps({
        "forward_of": {"received_at": "2026-01-02T03:04:05Z", "path": "/", "id": "A1"},
        "to": server.url, "outcome": "acknowledged", "status": 204, "elapsed": 0.01,
        "reason": "answered 204"}) + "\n")
    assert main(["send", server.url, "--payload", str(companion)]) == 2
    err = capsys.readouterr().err
    assert "forward-outcome file" in err
    assert f"give the recording {tmp_path / 'deliveries.ndjson'} instead" in err
    assert app.seen == []


def test_an_unreachable_receiver_exits_2_like_check_and_replay(
    capsys: pytest.CaptureFixture[str],
) -> None:
    import socket

    with socket.create_server(("127.0.0.1", 0)) as probe:
        port = probe.getsockname()[1]
    assert main(["send", f"http://127.0.0.1:{port}/", "--payload", os.devnull]) == 2
    capsys.readouterr()
    assert main(["send", f"http://127.0.0.1:{port}/", "--seed", "1"]) == 2
    out, err = capsys.readouterr()
    assert "could not be delivered" in out
    assert err == (
        f"jobhook send: receiver unreachable at http://127.0.0.1:{port}/: Connection refused "
        "(connecting) (is it running? nothing was delivered)\n"
    )


def test_a_receiver_that_hangs_up_without_answering_was_reached_so_exits_1(
    capsys: pytest.CaptureFixture[str],
) -> None:
    import socket
    import threading

    with socket.create_server(("127.0.0.1", 0)) as listener:
        port = listener.getsockname()[1]

        def hang_up() -> None:
            conn, _ = listener.accept()
            with conn:
                conn.recv(65536)

        closer = threading.Thread(target=hang_up)
        closer.start()
        assert main(["send", f"http://127.0.0.1:{port}/", "--seed", "1"]) == 1
        closer.join(timeout=10)
    out, err = capsys.readouterr()
    assert "closed the connection" in out
    assert err == ""


@pytest.mark.slow
def test_real_subprocess_without_faker(
    receiver: tuple[Receiver, LiveServer], tmp_path: Path
) -> None:
    app, server = receiver
    payload = tmp_path / "report.json"
    payload.write_text(json.dumps(load_schema()["examples"][0]), encoding="utf-8")
    probe = (
        "import sys\n"
        "from jobhook_testkit.cli import main\n"
        f"code = main(['send', {server.url!r}, '--payload', {str(payload)!r},"
        f" '--auth', {SECRET!r}])\n"
        "heavy = sorted(m for m in ('faker', 'werkzeug', 'requests', 'jsonschema')"
        " if m in sys.modules)\n"
        "print('heavy:', heavy)\n"
        "raise SystemExit(code)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
    assert "heavy: []" in result.stdout
    assert "s3cret-cli-token" not in result.stdout + result.stderr
    assert len(app.seen) == 1


def test_https_with_cacert_and_insecure(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import ssl

    import trustme

    ca = trustme.CA()
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ca.issue_cert("127.0.0.1").configure_cert(context)
    ca_file = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    with serve_wsgi(Receiver(), ssl_context=context) as server:
        assert main(["send", server.url, "--seed", "1", "--cacert", str(ca_file)]) == 0
        assert main(["send", server.url, "--seed", "1", "--insecure"]) == 0
        capsys.readouterr()
        assert main(["send", server.url, "--seed", "1"]) == 2
    out, err = capsys.readouterr()
    assert "certificate verification failed" in out
    assert err.startswith(f"jobhook send: receiver unreachable at {server.url}/: TLS "
                          "certificate verification failed: ")
    assert err.endswith(
        "(the receiver's TLS certificate is not trusted: give the CA that signed it with "
        "--cacert FILE, or skip verification with --insecure; nothing was delivered)\n"
    )
