"""An echoed credential cut by the excerpt's length limit is still scrubbed, not half shown.

A body excerpt is shortened to a line; shortening before scrubbing left the first letters of
a secret that no longer matched it (``KEYVALUE9...``). Real CLI runs over 127.0.0.1.
"""

from __future__ import annotations

import sys
import types
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest

from jobhook_testkit.cli import main

AUTH = "Bearer SuperSecretToken123"
KEY = "KeyValue9876543"


def _echo(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
    environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
    if environ["REQUEST_METHOD"] == "GET" and environ["PATH_INFO"].startswith("/probe/"):
        body = "p" * 106 + environ.get("HTTP_X_API_KEY", "").upper()
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [body.encode()]
    # Each secret placed so that a 160-character excerpt cuts it in the middle.
    key = ("k" * 146 + environ.get("HTTP_X_API_KEY", "").upper()).encode()
    auth = ("a" * 140 + environ.get("HTTP_AUTHORIZATION", "").lower()).encode()
    if environ["PATH_INFO"] == "/ok":  # acknowledges: the probe gets asked
        start_response("204 No Content", [])
        return [b""]
    if environ["PATH_INFO"] == "/wrong":  # no endpoint: the run stops at once
        start_response("404 Not Found", [("Content-Type", "text/plain")])
        return [key]
    start_response("400 Bad Request", [("Content-Type", "text/plain")])
    return [auth]


@pytest.fixture
def echo_module() -> Iterator[str]:
    module = types.ModuleType("jobhook_cut_echo")
    module.app = _echo  # type: ignore[attr-defined]
    sys.modules[module.__name__] = module
    yield f"{module.__name__}:app"
    del sys.modules[module.__name__]


def _leaked(text: str) -> list[str]:
    lowered = text.lower()
    # The shortest stub a cut can leave that is still recognisably the secret.
    return [part for part in ("supersecr", "keyvalue9", "9876") if part in lowered]


@pytest.mark.parametrize(("path", "said"), [
    ("/wrong", "received:"), ("/hook", "received:"), ("/ok", "GET http"),
])
def test_a_cut_echo_of_a_credential_is_scrubbed(
    path: str, said: str, echo_module: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    report = tmp_path / "report.json"
    code = main(["check", "--app", echo_module, "--path", path, "--auth", AUTH,
                 "--header", f"X-Api-Key: {KEY}", "--probe", "/probe/{id}",
                 "--format", "json", "-o", str(report)])
    out, err = capsys.readouterr()
    assert code == (2 if path == "/wrong" else 1), err
    written = report.read_text() if report.exists() else ""
    assert said in err + written  # the excerpt was shown, not just dropped
    assert not _leaked(out + err + written), out + err + written


