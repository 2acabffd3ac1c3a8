"""The recorder's scripted answer body and headers (``respond_with(body=..., headers=...)``).

Checked when scripted, so a mistake fails the test that made it, with what to do instead,
rather than surfacing later as a broken response in the server thread.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING

from werkzeug.http import HTTP_STATUS_CODES

from jobhook_testkit._redact import is_secret_header

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse

Headers = tuple[tuple[str, str], ...]
Body = tuple[bytes, str]  # the bytes and the Content-Type sent unless one is scripted

# The server frames the answer itself; a scripted value would contradict it.
_FRAMING = frozenset(
    {"content-length", "transfer-encoding", "connection", "keep-alive", "upgrade", "te",
     "trailer"}
)
_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
_NO_BODY = frozenset({204, 304})
# Unscripted: 204 says nothing; any other status says the delivery was recorded.
_DEFAULT: dict[bool, Body] = {
    True: (b"", ""),
    False: (json.dumps({"recorded": True}).encode(), "application/json"),
}


def encode_body(body: object) -> Body:
    """``(bytes, default Content-Type)`` for a scripted body.

    ``bytes`` are sent as they are, a ``str`` as UTF-8 text, anything else as JSON.
    """
    if isinstance(body, bytes | bytearray | memoryview):
        return bytes(body), "application/octet-stream"
    if isinstance(body, str):
        return body.encode("utf-8"), "text/plain; charset=utf-8"
    try:
        text = json.dumps(body, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise ValueError(
            f"body must be str, bytes or a JSON-serializable value, got {type(body).__name__}"
            f" ({exc})"
        ) from None
    return text.encode("utf-8"), "application/json"


def check_headers(headers: Mapping[str, str]) -> Headers:
    """The scripted headers as pairs, refusing what cannot go on the wire as given."""
    if not isinstance(headers, Mapping):
        raise ValueError(f"headers must be a dict of str to str, got {type(headers).__name__}")
    pairs = []
    for name, value in headers.items():
        if not isinstance(name, str) or not _TOKEN.fullmatch(name):
            raise ValueError(f"header name {name!r} is not a valid HTTP header name")
        if name.lower() in _FRAMING:
            raise ValueError(
                f"header {name!r} is set by the server from the body; script the body instead"
            )
        # A credential-like header's value is never shown (see _redact.is_secret_header).
        shown = "[redacted]" if is_secret_header(name) else repr(value)
        if not isinstance(value, str) or any(c in value for c in "\r\n\0"):
            raise ValueError(f"header {name!r} needs a one-line str value, got {shown}")
        try:
            value.encode("latin-1")
        except UnicodeEncodeError:
            raise ValueError(
                f"header {name!r} value {shown} is not Latin-1 (HTTP headers cannot carry it)"
            ) from None
        pairs.append((name, value))
    return tuple(pairs)


def check_body_allowed(status: int, body: Body | None) -> None:
    if body is not None and body[0] and status in _NO_BODY:
        raise ValueError(
            f"a {status} answer carries no body; script a status that does, "
            f"e.g. respond_with(status=200, body=...)"
        )


def respond(
    start_response: StartResponse, status: int, body: Body | None, headers: Headers
) -> list[bytes]:
    """Answer with ``status``, the scripted ``body`` (or the default one) and ``headers``."""
    data, content_type = body if body is not None else _DEFAULT[status == 204]
    out = [("Content-Length", str(len(data))), *headers]
    if data and not any(name.lower() == "content-type" for name, _ in headers):
        out.append(("Content-Type", content_type))
    start_response(f"{status} {HTTP_STATUS_CODES.get(status, 'Unknown')}", out)
    return [data]
