"""The inspector's HTTP side: the page, a stream of changes, a delivery's detail, replay,
curl and download. A WSGI app served on its own listener, always on 127.0.0.1.

Safe on a developer's machine: every request must name the inspector itself in ``Host``
(a DNS-rebinding page cannot), every API call must carry the per-run token from the printed
URL, and replay (the one call that sends anything) also refuses a foreign ``Origin`` and
anything but a JSON body (no cross-site form post).
"""

from __future__ import annotations

import hmac
import json
import secrets
from collections.abc import Iterable, Iterator
from importlib import resources
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs

from jobhook_testkit._inspector.store import Entry, Store, curl_command

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment

    from jobhook_testkit._forward import ForwardResult
    from jobhook_testkit.recorder import Event, RecordedDelivery
    from jobhook_testkit.server import LiveServer

__all__ = ["Inspector"]

HEARTBEAT = 10.0  # seconds between keep-alive comments on an idle stream
POLL = 0.25  # how often a stream looks whether the inspector is closing
_STATIC = {
    "inspector.js": "text/javascript; charset=utf-8",
    "inspector.css": "text/css; charset=utf-8",
}
_SECURITY_HEADERS = [
    ("Content-Security-Policy",
     "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
     "img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"),
    ("X-Frame-Options", "DENY"),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "no-referrer"),  # the token is in the page's URL
    ("Cache-Control", "no-store"),
]


def _static(name: str) -> bytes:
    return resources.files("jobhook_testkit._inspector").joinpath("static", name).read_bytes()


class Inspector:
    """The store plus its app; :meth:`start` serves it and returns the URL to open.

    Replays go with the Authorization each delivery came with, or ``auth`` when given.
    """

    def __init__(
        self, *, timeout: float = 5.0, replay_to: str = "", auth: str | None = None
    ) -> None:
        self.store = Store()
        self._auth = auth  # replays send this instead of the delivery's own (--forward-auth)
        self.token = secrets.token_urlsafe(18)
        self.timeout = timeout
        self.replay_to = replay_to
        self.port = 0
        self._server: LiveServer | None = None

    # -- fed by serve ------------------------------------------------------------------

    def publish(self, event: Event, auth: str | None) -> None:
        self.store.add(event, auth)

    def forwarded(self, delivery: RecordedDelivery, result: ForwardResult) -> None:
        self.store.forwarded(delivery, result)

    # -- serving -----------------------------------------------------------------------

    def start(self, *, port: int = 0) -> str:
        from jobhook_testkit.server import LiveServer

        server = LiveServer(self, host="127.0.0.1", port=port, idle_timeout=60.0).start()
        self._server = server
        self.port = server.port
        return f"http://127.0.0.1:{self.port}/?token={self.token}"

    def close(self) -> None:
        self.store.close()  # open streams end within POLL seconds
        if self._server is not None:
            self._server.stop()
            self._server = None

    def _own_hosts(self) -> set[str]:
        return {f"127.0.0.1:{self.port}", f"localhost:{self.port}"}

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        method = environ.get("REQUEST_METHOD", "GET")
        path = environ.get("PATH_INFO", "/")
        query = parse_qs(environ.get("QUERY_STRING", ""))
        if environ.get("HTTP_HOST", "") not in self._own_hosts():
            return _answer(start_response, 403, "text/plain",
                           b"this inspector only answers to its own address (127.0.0.1)")
        if method == "GET" and path.startswith("/static/"):
            name = path.removeprefix("/static/")
            if name not in _STATIC:
                return _answer(start_response, 404, "text/plain", b"not found")
            return _answer(start_response, 200, _STATIC[name], _static(name))
        if path == "/favicon.ico":  # browsers ask for it unprompted: no icon, no error
            return _answer(start_response, 204, "image/x-icon", b"")
        token = environ.get("HTTP_X_JOBHOOK_TOKEN") or (query.get("token") or [""])[0]
        if not hmac.compare_digest(token.encode("utf-8", "replace"), self.token.encode()):
            return _answer(start_response, 403, "text/plain",
                           b"missing or wrong token: open the URL jobhook serve printed")
        if method == "POST":
            origin = environ.get("HTTP_ORIGIN")
            if origin is not None and origin not in {f"http://{h}" for h in self._own_hosts()}:
                return _json(start_response, 403, {"error": "foreign Origin refused"})
            return self._post(environ, path, start_response)
        if method != "GET":
            return _json(start_response, 405, {"error": "GET or POST only"})
        if path == "/":
            return _answer(start_response, 200, "text/html; charset=utf-8", _static("index.html"))
        if path == "/api/events":
            start_response("200 OK", [("Content-Type", "text/event-stream"), *_SECURITY_HEADERS])
            return self._stream()
        if path == "/api/config":  # what the page fills in: where forwards go
            return _json(start_response, 200, {"replay_to": self.replay_to})
        if path == "/api/deliveries.ndjson":
            return self._download(start_response)
        entry, rest = self._entry(path)
        if entry is None:
            return _json(start_response, 404, {"error": "no such delivery (kept: the latest "
                                                        "1000)"})
        if rest == "":
            return _json(start_response, 200, entry.detail())
        if rest == "/curl":
            from jobhook_testkit._forward import forward_url

            url = (query.get("url") or [""])[0] or self.replay_to or "http://localhost:8080/"
            if _has_credentials(url):
                return _json(start_response, 400, {"error": _CREDENTIALS})
            url = forward_url(url, entry.event.path)
            try:
                return _answer(start_response, 200, "text/plain; charset=utf-8",
                               curl_command(entry, url).encode())
            except ValueError as exc:
                return _json(start_response, 400, {"error": str(exc)})
        return _json(start_response, 404, {"error": "not found"})

    def _entry(self, path: str) -> tuple[Entry | None, str]:
        prefix = "/api/deliveries/"
        if not path.startswith(prefix):
            return None, ""
        number, _, rest = path.removeprefix(prefix).partition("/")
        if not number.isdigit():
            return None, ""
        return self.store.get(int(number)), f"/{rest}" if rest else ""

    def _post(self, environ: WSGIEnvironment, path: str, start_response: StartResponse
              ) -> Iterable[bytes]:
        from jobhook_testkit._forward import forward_url, send_again

        entry, rest = self._entry(path)
        if rest != "/replay":
            return _json(start_response, 404, {"error": "not found"})
        if not environ.get("CONTENT_TYPE", "").startswith("application/json"):
            return _json(start_response, 415, {"error": "send JSON: {\"url\": ...}"})
        try:
            size = min(int(environ.get("CONTENT_LENGTH") or 0), 65536)
            asked = json.loads(environ["wsgi.input"].read(size) or b"{}")
            url = asked["url"]
            if not isinstance(url, str):
                raise TypeError
        except (ValueError, KeyError, TypeError):
            return _json(start_response, 400, {"error": "send JSON: {\"url\": \"http://...\"}"})
        if entry is None or entry.delivery is None:
            return _json(start_response, 404, {"error": "no such delivery with a body"})
        if _has_credentials(url):  # refused before it is sent, answered, or shown again
            return _json(start_response, 400, {"error": _CREDENTIALS})
        url = forward_url(url, entry.event.path)
        auth = self._auth if self._auth is not None else entry.auth
        result = send_again(url, entry.delivery, auth, timeout=self.timeout)
        return _json(start_response, 200, result.as_dict())

    def _stream(self) -> Iterator[bytes]:
        """Server-sent events: every kept delivery, then each change as it happens."""
        seq, rows = self.store.snapshot()
        yield b"retry: 1000\n\n"
        for row in rows:
            yield _event("delivery", row)
        quiet = 0.0
        while not self.store.closed:
            changes = self.store.since(seq, POLL)
            if changes is None:  # fell behind the log: the page starts again
                yield _event("reset", {})
                return
            seq, items = changes
            for kind, data in items:
                yield _event(kind, data)
            quiet = 0.0 if items else quiet + POLL
            if quiet >= HEARTBEAT:  # also finds out that the page went away
                quiet = 0.0
                yield b": still here\n\n"

    def _download(self, start_response: StartResponse) -> Iterable[bytes]:
        from jobhook_testkit._recording_file import encode_line

        lines = [encode_line(entry.delivery.as_record()) for entry in self.store.entries()
                 if entry.delivery is not None]
        start_response("200 OK", [
            ("Content-Type", "application/x-ndjson"),
            ("Content-Disposition", 'attachment; filename="jobhook-deliveries.ndjson"'),
            *_SECURITY_HEADERS,
        ])
        return lines


_CREDENTIALS = ("credentials in the URL are not sent by the platform: remove "
                "'user:password@' (the delivery's own Authorization is sent, or --forward-auth)")


def _has_credentials(url: str) -> bool:
    """Whether ``url`` holds ``user:password@`` (never echoed back: it is a secret)."""
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(url.strip())
        return parts.username is not None or parts.password is not None
    except ValueError:
        return False  # the sender says what is wrong with it


def _event(kind: str, data: dict[str, Any]) -> bytes:
    return f"event: {kind}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n".encode()


def _answer(start_response: StartResponse, status: int, content_type: str, body: bytes
            ) -> list[bytes]:
    from werkzeug.http import HTTP_STATUS_CODES

    start_response(f"{status} {HTTP_STATUS_CODES.get(status, '')}", [
        ("Content-Type", content_type), ("Content-Length", str(len(body))), *_SECURITY_HEADERS,
    ])
    return [body]


def _json(start_response: StartResponse, status: int, data: dict[str, Any]) -> list[bytes]:
    return _answer(start_response, status, "application/json",
                   json.dumps(data, ensure_ascii=False).encode())
