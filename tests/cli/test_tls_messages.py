"""An https receiver whose certificate does not verify: every command names the problem and
the options that fix it (--cacert FILE, --insecure), and replay has both options too."""

from __future__ import annotations

import json
import ssl
from collections.abc import Iterator
from pathlib import Path

import pytest
import trustme

from jobhook_testkit import load_schema
from jobhook_testkit.cli import main
from jobhook_testkit.recorder import RecordingReceiver
from jobhook_testkit.server import LiveServer, serve_wsgi

HINT = (
    "(the receiver's TLS certificate is not trusted: give the CA that signed it with "
    "--cacert FILE, or skip verification with --insecure; nothing was {})"
)


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture
def ca_file(ca: trustme.CA, tmp_path: Path) -> str:
    path = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(path))
    return str(path)


@pytest.fixture
def receiver() -> Iterator[RecordingReceiver]:
    with RecordingReceiver() as recording:
        yield recording


@pytest.fixture
def https(ca: trustme.CA, receiver: RecordingReceiver) -> Iterator[LiveServer]:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ca.issue_cert("127.0.0.1").configure_cert(context)
    with serve_wsgi(receiver, ssl_context=context) as server:
        yield server


@pytest.fixture
def reports_file(tmp_path: Path) -> str:
    path = tmp_path / "reports.ndjson"
    path.write_text(json.dumps(load_schema()["examples"][0]) + "\n", encoding="utf-8")
    return str(path)


def test_check_names_the_certificate_problem_and_the_options(
    https: LiveServer, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["check", https.url, "--only", "acknowledges-success-report"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"jobhook check: receiver unreachable at {https.url}: TLS certificate "
                          "verification failed: ")
    assert "certificate" in err.split("verification failed: ", 1)[1]  # OpenSSL's words
    assert err.endswith(HINT.format("checked") + "\n")
    assert "is it running" not in err


def test_replay_takes_cacert_and_insecure(
    https: LiveServer, receiver: RecordingReceiver, reports_file: str, ca_file: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["replay", reports_file, https.url]) == 2
    err = capsys.readouterr().err
    assert "TLS certificate verification failed" in err
    assert err.endswith(HINT.format("sent") + "\n")
    assert receiver.deliveries == ()
    assert main(["replay", reports_file, https.url, "--cacert", ca_file]) == 0
    assert main(["replay", reports_file, https.url, "--insecure"]) == 0
    assert len(receiver.deliveries) == 2
    capsys.readouterr()
    assert main(["replay", reports_file, https.url, "--cacert", ca_file, "--insecure"]) == 2
    assert "not allowed with argument" in capsys.readouterr().err


def test_an_unreachable_receiver_still_asks_whether_it_runs(
    reports_file: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["replay", reports_file, "http://127.0.0.1:9/"]) == 2
    assert capsys.readouterr().err.endswith("(is it running? nothing was sent)\n")
