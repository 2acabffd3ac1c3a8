"""`jobhook serve` as its run() wires it, minus the signal handling (tests/wire, browser).

Importable from any test module: pytest puts tests/ (it holds conftest.py) on sys.path.
"""

from __future__ import annotations

import io
import json
import re
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jobhook_testkit._commands._serve_live import Live
from jobhook_testkit._commands.serve import Console
from jobhook_testkit._forward import COMPANION_SUFFIX
from jobhook_testkit.cli import build_parser
from jobhook_testkit.recorder import RecordingReceiver
from jobhook_testkit.server import serve_wsgi


@dataclass
class Serving:
    url: str
    live: Live
    record: Path
    out: io.StringIO
    inspector_url: str = ""  # with --ui: the URL serve prints (token included)

    def companion(self) -> list[dict[str, Any]]:
        path = Path(f"{self.record}{COMPANION_SUFFIX}")
        return [json.loads(line) for line in path.read_text().splitlines()]

    def recorded(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.record.read_text().splitlines()]


@contextmanager
def serving(tmp_path: Path, *options: str, drain: float = 5.0) -> Iterator[Serving]:
    """What `jobhook serve OPTIONS` runs, minus the signals: Live wired to a receiver."""
    record = tmp_path / "deliveries.ndjson"
    args = build_parser().parse_args(["serve", "--record", str(record), "--no-fsync", *options])
    out = io.StringIO()
    console = Console(out)
    live = Live(args, console)
    receiver = RecordingReceiver(auth=args.auth, status=args.status, record=record,
                                 durable=False, keep=False, on_event=live.event)
    console.receiver = receiver
    with ExitStack() as stack:
        stack.enter_context(receiver)
        server = stack.enter_context(serve_wsgi(live.wrap(receiver)))
        live.start(stack)
        yield Serving(server.url, live, record, out, _inspector_url(live))
        server.stop()
        live.drain(drain, threading.Event())


def wait_until(condition: Any, what: str, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.01)


def forwarded_all(serve: Serving) -> None:
    """Wait until every delivery so far has been forwarded (and its outcome noted)."""
    forwarder = serve.live.forwarder
    assert forwarder is not None
    wait_until(lambda: forwarder.waiting == 0, "the forwards")


def _inspector_url(live: Live) -> str:
    if live.inspector is None:
        return ""
    inspector = live.inspector
    return f"http://127.0.0.1:{inspector.port}/?token={inspector.token}"


def token_of(url: str) -> str:
    found = re.search(r"token=([\w-]+)", url)
    assert found is not None, url
    return found.group(1)
