"""A credential in the receiver's URL (``?token=``, Azure's ``?code=``, ``user:pw@``) never
reaches what we print or write: console lines, reports, recordings, reprs, pytest output.

Many receivers are configured as ``https://host/hook?token=...``: the platform sends the
URL as given, so the token is as secret as an Authorization value.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from _receivers import answering, free_port
from _serve_harness import serving

from jobhook_testkit import FakeSender
from jobhook_testkit._redact import is_secret_query_parameter, redact_url
from jobhook_testkit.cli import main
from jobhook_testkit.recorder import serve_recorder
from jobhook_testkit.server import LiveServer, serve_wsgi

TOKEN = "Tok3nValue9Zq"
ROOT = Path(__file__).resolve().parents[2]
FLASK_APP = "examples/flask_receiver/app.py:create_app"


@pytest.fixture
def receiver() -> Iterator[LiveServer]:
    with serve_wsgi(answering("204 No Content")) as server:
        yield server


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("https://h/hook?token=abc&x=1", "https://h/hook?token=[redacted]&x=1"),
        ("https://h/api/hook?code=Zz%2F1==&clientId=default",
         "https://h/api/hook?code=[redacted]&clientId=default"),
        ("http://u:pw@h:8080/p?access_token=t#sig=s&state=1",
         "http://[credentials]@h:8080/p?access_token=[redacted]#sig=[redacted]&state=1"),
        ("https://h/p?X-Amz-Signature=q&X-Amz-Date=20261129",
         "https://h/p?X-Amz-Signature=[redacted]&X-Amz-Date=20261129"),
        ("https://h/p?api%5Fkey=v;page=2", "https://h/p?api%5Fkey=[redacted];page=2"),
        ("https://h/p?token=&keys", "https://h/p?token=&keys"),  # nothing to hide
        ("https://h/a@b/c?q=1", "https://h/a@b/c?q=1"),  # "@" in a path is no userinfo
        ("/hooks?secret=s", "/hooks?secret=[redacted]"),  # a request path alone
        ("http://[::1", "http://[::1"),  # malformed: shown as it is
    ],
)
def test_credential_parameters_are_redacted_and_the_rest_kept(url: str, shown: str) -> None:
    assert redact_url(url) == shown


@pytest.mark.parametrize("name", ["token", "access_token", "API-Key", "apikey", "code", "sig",
                                  "client_secret", "password", "auth", "hmac", "jwt"])
def test_credential_parameter_names(name: str) -> None:
    assert is_secret_query_parameter(name)


@pytest.mark.parametrize("name", ["id", "page", "state", "clientId", "tokens", "keyboard",
                                  "signed", "x"])
def test_ordinary_parameter_names(name: str) -> None:
    assert not is_secret_query_parameter(name)


def test_send_shows_the_url_with_its_token_redacted(
    receiver: LiveServer, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["send", f"{receiver.url}/hook?token={TOKEN}&tenant=acme"]) == 0
    out, err = capsys.readouterr()
    assert f"  sent:      POST {receiver.url}/hook?token=[redacted]&tenant=acme  (" in out
    assert TOKEN not in out + err


def test_an_unreachable_receiver_is_named_without_its_token(
    capsys: pytest.CaptureFixture[str],
) -> None:
    url = f"http://127.0.0.1:{free_port()}/hook?code={TOKEN}"
    assert main(["send", url, "--timeout", "2"]) == 2
    out, err = capsys.readouterr()
    assert f"receiver unreachable at http://127.0.0.1:{url.split(':')[2].split('/')[0]}" \
        "/hook?code=[redacted]: " in err
    assert TOKEN not in out + err


def test_replay_names_the_receiver_without_its_token(
    receiver: LiveServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    reports = tmp_path / "reports.ndjson"
    assert main(["generate", "-n", "2"]) == 0
    reports.write_text(capsys.readouterr().out, encoding="utf-8")
    assert main(["replay", str(reports), f"{receiver.url}/hook?sig={TOKEN}"]) == 0
    out, err = capsys.readouterr()
    assert f"replayed 2 report(s) to {receiver.url}/hook?sig=[redacted]: 2 acknowledged" in out
    assert TOKEN not in out + err


@pytest.mark.parametrize("fmt", ["text", "json", "junit", "html"])
def test_check_reports_never_hold_the_token(
    fmt: str, tmp_path: Path, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(ROOT)
    from jobhook_testkit._app_loader import load_app

    monkeypatch.setattr("sys.path", list(__import__("sys").path))
    app = load_app(FLASK_APP)
    output = tmp_path / f"report.{fmt}"
    with serve_wsgi(app) as server:
        url = f"{server.url}/hooks/jobs?api_key={TOKEN}"
        code = main(["check", url, "--auth", "Bearer s3cret", "--format", fmt, "-o",
                     str(output), "--only", "acknowledges-success-report",
                     "--only", "refuses-missing-authorization"])
    out, err = capsys.readouterr()
    written = output.read_text(encoding="utf-8")
    assert code == 0, out + err
    assert TOKEN not in out + err + written
    assert "api_key=[redacted]" in written
    if fmt == "json":
        report = json.loads(written)
        assert report["target"] == f"{server.url}/hooks/jobs?api_key=[redacted]"
    if fmt == "html":  # the replay command asks for the URL instead of printing it
        assert "jobhook check &quot;$JOBHOOK_URL&quot; --auth &quot;$JOBHOOK_AUTH&quot;" \
            in written


def test_the_replay_command_keeps_a_url_without_credentials(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(ROOT)
    output = tmp_path / "report.html"
    with serve_wsgi(answering("204 No Content")) as server:
        url = f"{server.url}/hook?tenant=acme"
        main(["check", url, "--format", "html", "-o", str(output), "--probe",
              f"{server.url}/jobs/{{id}}?token={TOKEN}", "--only",
              "acknowledges-success-report"])
    capsys.readouterr()
    written = output.read_text(encoding="utf-8")
    assert f"jobhook check &#x27;{url}&#x27; --probe &quot;$JOBHOOK_PROBE&quot;" in written
    assert TOKEN not in written


def test_reprs_and_delivery_stories_hide_the_token(receiver: LiveServer) -> None:
    sender = FakeSender(f"{receiver.url}/hook?token={TOKEN}")
    delivery = sender.deliver()
    for text in (repr(sender), repr(delivery), str(delivery)):
        assert "token=[redacted]" in text
        assert TOKEN not in text


def test_a_bad_url_is_refused_without_showing_its_token() -> None:
    with pytest.raises(ValueError, match=r"token=\[redacted\]") as caught:
        FakeSender(f"ftp://h/hook?token={TOKEN}")
    assert TOKEN not in str(caught.value)


def test_the_recorder_keeps_the_path_with_the_token_redacted(tmp_path: Path) -> None:
    with serve_recorder() as recorder:
        FakeSender(f"{recorder.url}/hook?token={TOKEN}&tenant=acme").deliver()
        (got,) = recorder.wait_for(1)
    assert got.path == "/hook?token=[redacted]&tenant=acme"


def test_serve_forward_to_a_url_with_a_token_never_writes_it(tmp_path: Path) -> None:
    with serve_recorder() as local:
        target = f"{local.url}/local?token={TOKEN}"
        with serving(tmp_path, "--forward-to", target) as serve:
            FakeSender(serve.url + "/hooks").deliver()
            (got,) = local.wait_for(1)
        (line,) = serve.companion()
    assert got.path == "/local?token=[redacted]"  # the local receiver got it (and redacted it)
    assert line["to"] == f"{local.url}/local?token=[redacted]"
    assert "-> forwarded: 204 in " in serve.out.getvalue()
    assert TOKEN not in serve.out.getvalue()
    assert TOKEN not in (tmp_path / "deliveries.ndjson.forwards").read_text(encoding="utf-8")


def test_pytest_output_never_shows_the_token(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        f"""
        from jobhook_testkit import FakeSender

        def test_fails(jobhook_sender):
            url = "http://127.0.0.1:9/hook?token={TOKEN}"
            sender = FakeSender(url, timeout=1)
            delivery = sender.deliver()
            assert delivery.acknowledged, delivery
        """
    )
    result = pytester.runpytest("--tb=long", "-p", "no:randomly", "--showlocals")
    result.assert_outcomes(failed=1)
    text = "\n".join(result.outlines + result.errlines)
    assert "token=[redacted]" in text
    assert TOKEN not in text
