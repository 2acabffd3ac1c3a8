"""`jobhook serve --forward-to URL --ui` in a real process: what a person sees and gets."""

from __future__ import annotations

import contextlib
import json
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from jobhook_testkit.cli import main
from jobhook_testkit.recorder import serve_recorder
from jobhook_testkit.sender import FakeSender

STARTUP_TIMEOUT = 15.0


def _outside_address() -> str | None:
    """An address of this machine that is not loopback (None if it has none)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.1", 9))  # TEST-NET: nothing is sent
        except OSError:
            return None
        address: str = probe.getsockname()[0]
    return None if address.startswith("127.") or address == "0.0.0.0" else address


def _connects(host: str, port: int) -> bool:
    with contextlib.suppress(OSError), socket.create_connection((host, port), timeout=2):
        return True
    return False


@pytest.mark.slow
def test_forward_and_inspector_from_a_real_process(tmp_path: Path) -> None:
    record = tmp_path / "deliveries.ndjson"
    out, err = tmp_path / "stdout.txt", tmp_path / "stderr.txt"
    with serve_recorder() as local, out.open("wb") as stdout, err.open("wb") as stderr:
        process = subprocess.Popen(
            [sys.executable, "-m", "jobhook_testkit", "serve", "--port", "0", "--host",
             "0.0.0.0", "--record", str(record), "--ui", "--forward-to",
             local.url + "{path}"],
            stdout=stdout, stderr=stderr,
        )
        try:
            deadline = time.monotonic() + STARTUP_TIMEOUT
            text = ""
            while "Ctrl-C to stop" not in text and time.monotonic() < deadline:
                assert process.poll() is None, err.read_text()
                time.sleep(0.02)
                text = err.read_text()
            found = re.search(r"inspector at (http://127\.0\.0\.1:(\d+)/\?token=[\w-]+)\n", text)
            assert found is not None, text
            ui_port = int(found.group(2))
            port = int(re.search(r"listening on http://0\.0\.0\.0:(\d+)", text).group(1))  # type: ignore[union-attr]
            assert ui_port != port
            delivered = FakeSender(f"http://127.0.0.1:{port}/hooks/jobs").deliver()
            assert delivered.status_code == 204
            (got,) = local.wait_for(1)
            assert got.path == "/hooks/jobs"  # {path} asked for it
            assert _connects("127.0.0.1", ui_port)
            outside = _outside_address()
            if outside is not None:  # the inspector is never reachable from elsewhere
                assert _connects(outside, port)
                assert not _connects(outside, ui_port)
            process.send_signal(signal.SIGINT)
            assert process.wait(timeout=15) == 0
        finally:
            if process.poll() is None:
                process.kill()
                process.wait(timeout=10)
    line = out.read_text()
    assert re.search(r"POST /hooks/jobs  204  \w+ \w+  \S+  valid  -> forwarded: 204 in ", line)
    summary = err.read_text()
    assert f"forwarded to {local.url}{{path}}: 1 acknowledged" in summary
    assert f"forward outcomes appended to {record}.forwards" in summary
    (outcome,) = [json.loads(x) for x in Path(f"{record}.forwards").read_text().splitlines()]
    assert outcome["to"] == local.url + "/hooks/jobs"


def test_an_inspector_port_in_use_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        assert main(["serve", "--port", "0", "--ui-port", str(port)]) == 2
    err = capsys.readouterr().err
    assert f"jobhook serve: --ui: cannot listen on 127.0.0.1:{port}" in err
    assert "Traceback" not in err


def test_a_password_in_the_forward_url_names_the_cli_option(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # The sender's own words say "use auth=", its Python argument: serve has no such thing.
    assert main(["serve", "--port", "0",
                 "--forward-to", "http://user:pw0rdSecret99@127.0.0.1:9/hook"]) == 2
    err = capsys.readouterr().err
    assert "jobhook serve: --forward-to: credentials in the URL" in err
    assert "with --forward-auth" in err and "auth=" not in err
    assert "pw0rdsecret99" not in err.lower()


def test_a_forward_timeout_too_long_names_forward_timeout(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["serve", "--port", "0", "--forward-to", "http://127.0.0.1:9/",
                 "--forward-timeout", "1e300"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("jobhook serve: --forward-timeout: timeout must be at most"), err
