"""HTTPS delivery with a test CA (trustme): verified, unverified, and a wrong CA."""

from __future__ import annotations

import socket
import ssl
import threading
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
import trustme

from jobhook_testkit.delivery import Outcome
from jobhook_testkit.sender import FakeSender
from jobhook_testkit.server import LiveServer, serve_wsgi

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment


def app(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
    length = int(environ.get("CONTENT_LENGTH") or 0)
    environ["wsgi.input"].read(length)
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "2")])
    return [b"ok"]


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture
def https_server(ca: trustme.CA) -> Iterator[LiveServer]:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ca.issue_cert("127.0.0.1", "localhost").configure_cert(context)
    with serve_wsgi(app, ssl_context=context) as server:
        yield server


@pytest.fixture
def ca_file(ca: trustme.CA, tmp_path: Path) -> str:
    path = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(path))
    return str(path)


def test_server_url_is_https(https_server: LiveServer) -> None:
    assert https_server.url.startswith("https://127.0.0.1:")


def test_verified_against_the_test_ca(https_server: LiveServer, ca_file: str) -> None:
    delivery = FakeSender(https_server.url + "/hook", verify=ca_file).deliver()
    assert delivery.outcome is Outcome.ACKNOWLEDGED, delivery
    assert delivery.body_excerpt == b"ok"


def test_unverified_when_verify_is_false(https_server: LiveServer) -> None:
    delivery = FakeSender(https_server.url, verify=False).deliver()
    assert delivery.acknowledged, delivery


def test_wrong_ca_fails_verification(https_server: LiveServer, tmp_path: Path) -> None:
    other = tmp_path / "other-ca.pem"
    trustme.CA().cert_pem.write_to_path(str(other))
    delivery = FakeSender(https_server.url, verify=str(other), auth="Bearer s3cret").deliver()
    assert delivery.outcome is Outcome.CONNECTION_FAILED
    assert delivery.status_code is None
    assert "certificate verification failed" in delivery.reason
    assert "s3cret" not in str(delivery)


def test_system_cas_do_not_trust_the_test_ca(https_server: LiveServer) -> None:
    delivery = FakeSender(https_server.url).deliver()
    assert delivery.outcome is Outcome.CONNECTION_FAILED
    assert "certificate verification failed" in delivery.reason


def test_plain_http_to_a_tls_port_is_not_acknowledged(https_server: LiveServer) -> None:
    plain = https_server.url.replace("https://", "http://")
    delivery = FakeSender(plain, timeout=1).deliver()
    assert not delivery.acknowledged


def test_https_to_a_plain_http_port_says_so() -> None:
    with serve_wsgi(app) as server:
        url = server.url.replace("http://", "https://")
        delivery = FakeSender(url, timeout=2, verify=False).deliver()
    assert delivery.outcome is Outcome.CONNECTION_FAILED
    assert "TLS failed during the handshake" in delivery.reason
    assert "plain HTTP: try http://" in delivery.reason


def test_a_client_silent_before_the_handshake_blocks_no_one(https_server: LiveServer) -> None:
    # Werkzeug shakes hands inside accept(), on the one serving thread: one mute client
    # stopped the server from answering anyone else, and from stopping.
    with socket.create_connection(("127.0.0.1", https_server.port)) as mute:
        delivery = FakeSender(https_server.url, timeout=2, verify=False).deliver()
        assert delivery.acknowledged, delivery
        stopping = threading.Thread(target=https_server.stop, daemon=True)
        stopping.start()
        stopping.join(5)
        assert not stopping.is_alive()
        mute.close()


def test_missing_ca_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="cannot load the CA certificates"):
        FakeSender("https://127.0.0.1:1/", verify=str(tmp_path / "missing.pem"))
