"""The fake sender: delivers job reports the way ReachFive's platform does.

One POST per report, JSON body, ``Content-Type: application/json``, the configured
Authorization value verbatim, a fresh connection each time, **no retries and no redirects
followed**, and a hard total deadline (connect, send, status line, headers, body): past the
timeout the sender hangs up, however slowly the receiver trickles bytes.

The target is a URL (``http://`` or ``https://``, used as given) or an application, which
is then called in-process, without a socket: a WSGI app through Werkzeug (see
:mod:`jobhook_testkit._inprocess` for what happens to an app still running at the
deadline), an ASGI app on an event loop thread of its own, lifespan included (see
:mod:`jobhook_testkit._asgi_inprocess`; ``close()`` the sender, or use it as a context
manager, to shut the app down). A zero-argument factory of either is called first.

    with serve_wsgi(app) as server:
        sender = FakeSender(server.url + "/hooks/jobs", auth="Bearer s3cret", timeout=5)
        delivery = sender.deliver(report)
    assert delivery.acknowledged, delivery
"""

from __future__ import annotations

import enum
import json
import math
import re
import ssl
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import quote, urlsplit

from jobhook_testkit._inprocess import InProcessTransport, is_wsgi_app
from jobhook_testkit._redact import (
    is_secret_header,
    redact_authorization,
    redact_url,
    remember,
    url_secrets,
)
from jobhook_testkit._transport import Request, Transport
from jobhook_testkit._wire import WireTransport
from jobhook_testkit.delivery import Delivery, Outcome, SentRequest

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIApplication

__all__ = ["Delivery", "Encoding", "FakeSender", "Outcome", "SenderFactory", "SentRequest"]

Encoding = Literal["compact", "pretty", "ascii", "reordered"]
ENCODINGS: tuple[Encoding, ...] = ("compact", "pretty", "ascii", "reordered")
DEFAULT_MAX_BODY = 64 * 1024
# Longer than anyone waits for a webhook; beyond some 292 years (2**63 ns) the socket and
# threading waits cannot even express the deadline and raise OverflowError instead.
MAX_TIMEOUT = 7 * 24 * 3600.0
USER_AGENT = "jobhook-testkit (fake ReachFive End Job Notification sender)"

_TOKEN = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
_BAD_VALUE = re.compile(r"[\r\n\x00]")
_URL_SAFE = "/%:@!$&'()*+,;=-._~"  # kept as they are; anything else is percent-encoded


class _Default(enum.Enum):
    """Marks "use the sender's own setting" in per-delivery options."""

    SENDER = enum.auto()


SENDER_DEFAULT = _Default.SENDER


def _tls_context(verify: bool | str) -> ssl.SSLContext:
    if verify is False:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    elif verify is True:
        context = ssl.create_default_context()
    else:
        try:
            context = ssl.create_default_context(cafile=verify)
        except (OSError, ssl.SSLError) as exc:
            raise ValueError(f"cannot load the CA certificates in {verify!r}: {exc}") from None
    context.options |= getattr(ssl, "OP_IGNORE_UNEXPECTED_EOF", 0)
    return context


def _reordered(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {key: _reordered(value[key]) for key in reversed(list(value))}
    if isinstance(value, list):
        return [_reordered(item) for item in value]
    return value


def encode_report(report: Mapping[str, Any], encoding: Encoding = "compact") -> bytes:
    """The bytes of ``report`` in one of the byte variants the sender offers.

    ``compact``: no spaces, UTF-8. ``pretty``: indented. ``ascii``: non-ASCII as ``\\u``
    escapes. ``reordered``: compact, keys of every object in reverse order.
    """
    value: Any = dict(report)
    if encoding not in ENCODINGS:
        raise ValueError(f"unknown encoding {encoding!r}; use one of {', '.join(ENCODINGS)}")
    try:
        # allow_nan=False: Python would write NaN/Infinity, which is not JSON at all.
        if encoding == "compact":
            text = json.dumps(value, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
        elif encoding == "pretty":
            text = json.dumps(value, indent=2, ensure_ascii=False, allow_nan=False)
        elif encoding == "ascii":
            text = json.dumps(value, separators=(",", ":"), ensure_ascii=True, allow_nan=False)
        else:
            text = json.dumps(
                _reordered(value), separators=(",", ":"), ensure_ascii=False, allow_nan=False
            )
    except TypeError as exc:
        raise TypeError(f"the report cannot be encoded as JSON: {exc}") from None
    except ValueError as exc:  # NaN or Infinity; a circular reference
        raise ValueError(
            f"the report cannot be encoded as JSON: {exc} (to send such bytes on purpose, "
            "use body=)"
        ) from None
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError as exc:  # a lone surrogate, as json.loads("\"\\ud800\"") gives
        exc.add_note(
            "the report holds text UTF-8 cannot carry (a lone surrogate); "
            "encoding='ascii' sends it as a \\u escape"
        )
        raise


def _default_report() -> dict[str, Any]:
    try:
        from jobhook_testkit.factory import JobReportFactory
    except ImportError:  # the factory is optional here: fall back to the documented sample
        from jobhook_testkit.schema import load_schema

        return dict(load_schema()["examples"][0])
    return JobReportFactory().build()


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _check_header(name: str, value: str) -> None:
    __tracebackhide__ = True  # its frame holds the value: a failure shows the caller's
    if not isinstance(name, str):
        raise TypeError(f"a header name must be a str, got {type(name).__name__}")
    if not isinstance(value, str):  # the value is not shown: it may be a credential
        raise TypeError(f"the value of header {name!r} must be a str, got {type(value).__name__}")
    if not _TOKEN.fullmatch(name):
        raise ValueError(f"invalid header name {name!r}")
    if _BAD_VALUE.search(value):
        raise ValueError(f"the value of header {name!r} contains a line break or NUL")
    try:
        value.encode("latin-1")
    except UnicodeEncodeError:
        raise ValueError(
            f"the value of header {name!r} has characters HTTP headers cannot carry "
            "(only Latin-1 is allowed)"
        ) from None


def _merge(headers: dict[str, tuple[str, str]], extra: Mapping[str, str | None]) -> None:
    """Merge ``extra`` into ``headers`` (lower-cased name -> (name, value)); None removes."""
    __tracebackhide__ = True  # holds header values, credentials among them
    for name, value in extra.items():
        _check_header(name, "" if value is None else value)  # before name.lower(): a str?
        key = name.lower()
        headers.pop(key, None)  # re-inserted last: the order follows the latest setting
        if value is not None:
            headers[key] = (name, value)


class FakeSender:
    """Delivers job reports to one receiver like the platform does; see the module doc.

    ``target``: an ``http(s)://`` URL (its path included), or a WSGI or ASGI application
    or a zero-argument factory of one (then ``path`` is the path it is called with).
    ``auth``: the Authorization value, sent verbatim. ``timeout``: the hard total
    deadline of each delivery, in seconds.
    ``headers``: extra headers on every delivery. ``verify``: for https, True (system CAs),
    False (no verification) or the path of a CA bundle. ``max_body``: how much of a
    response body is read at most.
    """

    def __init__(
        self,
        target: str | WSGIApplication | Callable[..., Any],
        *,
        path: str = "/",
        auth: str | None = None,
        timeout: float = 5.0,
        headers: Mapping[str, str] | None = None,
        verify: bool | str = True,
        max_body: int = DEFAULT_MAX_BODY,
    ) -> None:
        # pytest shows the arguments of every frame in a failure's traceback: this one
        # holds the credential, so a mistake is reported at the caller's line instead.
        __tracebackhide__ = True
        remember(auth, *(value for name, value in (headers or {}).items()
                         if isinstance(name, str) and is_secret_header(name)))
        if isinstance(timeout, bool) or not isinstance(timeout, int | float):
            raise TypeError(f"timeout must be a number of seconds, got {timeout!r}")
        if not (timeout > 0 and math.isfinite(timeout)):
            raise ValueError(f"timeout must be a positive number of seconds, got {timeout!r}")
        if timeout > MAX_TIMEOUT:
            raise ValueError(
                f"timeout must be at most {MAX_TIMEOUT:g} seconds (a week), got {timeout!r}"
            )
        if not _is_int(max_body):
            raise TypeError(f"max_body must be a whole number of bytes, got {max_body!r}")
        if max_body < 0:
            raise ValueError(f"max_body must be >= 0, got {max_body!r}")
        if auth is not None:
            _check_header("Authorization", auth)
        self.timeout = float(timeout)
        self.auth = auth
        self.max_body = max_body
        self._headers: dict[str, str] = dict(headers or {})
        for name, value in self._headers.items():
            _check_header(name, value)
        self._observers: list[Callable[[Delivery], None]] = []
        self._transport: Transport
        if isinstance(target, str):
            self._init_url(target, path, verify)
        elif is_wsgi_app(target):
            if not path.startswith("/"):
                raise ValueError(f"path must start with '/', got {path!r}")
            self.url = "http://localhost" + path
            self._target = path
            self._host_header = "localhost"
            self._transport = _app_transport(target, self.timeout)
        else:
            raise TypeError(
                "target must be an http(s) URL or a WSGI or ASGI application, got "
                f"{type(target).__name__}"
            )

    def close(self) -> None:
        """Shut an ASGI app down (cancel what still runs, lifespan shutdown); else nothing.

        ``with FakeSender(app) as sender:`` closes it at the end of the block.
        """
        close = getattr(self._transport, "close", None)
        if close is not None:
            close()

    def __enter__(self) -> FakeSender:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _init_url(self, url: str, path: str, verify: bool | str) -> None:
        shown = redact_url(url.strip())  # what error messages may print
        remember(*url_secrets(url))  # and pytest's reports, which show arguments
        try:
            parts = urlsplit(url.strip())
            has_credentials = parts.username is not None or parts.password is not None
        except ValueError as exc:  # e.g. "Invalid IPv6 URL"
            raise ValueError(f"invalid URL {shown!r}: {exc}") from None
        if has_credentials:
            remember(parts.password, parts.netloc.rpartition("@")[0])
            raise ValueError("credentials in the URL are not sent by the platform; use auth=")
        if parts.scheme not in ("http", "https") or not parts.hostname:
            hint = ""
            if "://" not in url and not parts.netloc:
                hint = f" (with its scheme: http://{shown})"
            raise ValueError(f"target must be an http:// or https:// URL, got {shown!r}{hint}")
        if path != "/":
            raise ValueError(
                f"path={path!r} is for WSGI targets; with a URL put the path in the URL "
                f"({shown.rstrip('/')}{path})"
            )
        try:
            port = parts.port
        except ValueError:
            raise ValueError(f"invalid port in {shown!r}") from None
        if port is None:
            port = 443 if parts.scheme == "https" else 80
        elif port == 0:  # "any free port" means nothing to a client: not the default port
            raise ValueError(f"invalid port in {shown!r}: port 0 cannot be connected to")
        host = parts.hostname
        try:
            host.encode("idna")
        except UnicodeError:
            raise ValueError(f"invalid host name in {shown!r}") from None
        shown_host = f"[{host}]" if ":" in host else host
        default_port = port == (443 if parts.scheme == "https" else 80)
        self._host_header = shown_host if default_port else f"{shown_host}:{port}"
        try:
            path = quote(parts.path or "/", safe=_URL_SAFE)  # é in a path: sent as %C3%A9
            query = quote(parts.query, safe=_URL_SAFE + "?")
        except UnicodeEncodeError:  # bytes of a command line that are not UTF-8 text
            raise ValueError(f"invalid URL {shown!r}: it holds bytes that are not UTF-8 "
                             "text (percent-encode them: %FF)") from None
        self._target = path + (f"?{query}" if query else "")
        self.url = f"{parts.scheme}://{self._host_header}{self._target}"
        # A CA file is checked even for http, so a typo in it is found before it matters.
        use_tls = parts.scheme == "https" or isinstance(verify, str)
        context = _tls_context(verify) if use_tls else None
        if parts.scheme != "https":
            context = None
        self._transport = WireTransport(host, port, ssl_context=context, timeout=self.timeout)

    def __repr__(self) -> str:
        # Also for a sender whose __init__ failed half-way (pytest shows its frames' self).
        url = redact_url(getattr(self, "url", "?"))
        auth = redact_authorization(getattr(self, "auth", None))
        timeout = getattr(self, "timeout", None)
        shown = f"{timeout:g}" if isinstance(timeout, float) else "?"
        return f"FakeSender({url!r}, auth={auth!r}, timeout={shown})"

    def deliver(
        self,
        report: Mapping[str, Any] | None = None,
        *,
        body: bytes | None = None,
        encoding: Encoding = "compact",
        method: str = "POST",
        content_type: str | None = "application/json",
        headers: Mapping[str, str | None] | None = None,
        auth: str | _Default | None = SENDER_DEFAULT,
        hang_up_after: int | None = None,
        send_rate: tuple[int, float] | None = None,
    ) -> Delivery:
        """Deliver one report (a fresh realistic one if none is given); never raises for
        anything the receiver does: the returned :class:`Delivery` tells what happened.

        ``body`` sends raw bytes instead of a report. ``encoding`` picks the byte variant of
        the report. ``headers`` are merged over the defaults (None removes one). ``auth``
        overrides the sender's Authorization for this delivery (None: send none).
        ``hang_up_after=N`` sends N body bytes, then hangs up. ``send_rate=(size, pause)``
        sends the body ``size`` bytes at a time, ``pause`` seconds apart.
        """
        __tracebackhide__ = True  # holds a per-delivery credential (auth=) when given
        if isinstance(auth, str):
            remember(auth)
        if headers:
            remember(*(value for name, value in headers.items()
                       if isinstance(name, str) and is_secret_header(name)))
        request = self._request(
            report, body, encoding, method, content_type, headers, auth, hang_up_after, send_rate
        )
        started = time.monotonic()
        exchange = self._transport.exchange(
            request, deadline=started + self.timeout, max_body=self.max_body
        )
        delivery = Delivery(
            outcome=exchange.outcome,
            status_code=exchange.status_code,
            elapsed=time.monotonic() - started,
            request=SentRequest(request.method, request.url, dict(request.headers), request.body),
            response_headers=exchange.headers,
            body_excerpt=exchange.body,
            reason=exchange.reason,
            timeout=self.timeout,
            status_text=exchange.status_text,
        )
        for observer in list(self._observers):
            observer(delivery)
        return delivery

    def deliver_many(
        self, reports: Iterable[Mapping[str, Any]], *, concurrency: int = 4, **deliver_options: Any
    ) -> list[Delivery]:
        """Deliver several reports at once (``concurrency`` at a time), as when several jobs
        end together; the deliveries come back in the order of ``reports``."""
        if isinstance(concurrency, bool) or not isinstance(concurrency, int):
            raise TypeError(f"concurrency must be a whole number, got {concurrency!r}")
        if concurrency < 1:
            raise ValueError(f"concurrency must be >= 1, got {concurrency!r}")
        batch = list(reports)
        if not batch:
            return []

        def one(report: Mapping[str, Any]) -> Delivery:
            return self.deliver(report, **deliver_options)

        with ThreadPoolExecutor(
            max_workers=min(concurrency, len(batch)), thread_name_prefix="jobhook-sender"
        ) as pool:
            return list(pool.map(one, batch))

    def _request(
        self,
        report: Mapping[str, Any] | None,
        body: bytes | None,
        encoding: Encoding,
        method: str,
        content_type: str | None,
        headers: Mapping[str, str | None] | None,
        auth: str | _Default | None,
        hang_up_after: int | None,
        send_rate: tuple[int, float] | None,
    ) -> Request:
        __tracebackhide__ = True  # holds the credential, as deliver() does
        if body is not None:
            if not isinstance(body, bytes | bytearray | memoryview):
                raise TypeError(
                    f"body must be bytes, got {type(body).__name__} (encode text first)"
                )
            if report is not None:
                raise ValueError("give a report or a body, not both")
            if encoding != "compact":
                raise ValueError("encoding applies to a report; a body is sent as given")
            data = bytes(body)
        elif report is not None and not isinstance(report, Mapping):
            raise TypeError(
                f"report must be a mapping (a JSON object), got {type(report).__name__}; "
                "use body= to send anything else"
            )
        else:
            data = encode_report(_default_report() if report is None else report, encoding)
        if not isinstance(method, str) or not _TOKEN.fullmatch(method):
            raise ValueError(f"invalid HTTP method {method!r}")
        if hang_up_after is not None and send_rate is not None:
            raise ValueError("choose one sender fault: hang_up_after or send_rate")
        if hang_up_after is not None and not (_is_int(hang_up_after) and hang_up_after >= 0):
            raise ValueError(f"hang_up_after must be a whole number >= 0, got {hang_up_after!r}")
        if send_rate is not None:
            if not (isinstance(send_rate, tuple) and len(send_rate) == 2):
                raise ValueError(f"send_rate must be a pair (bytes, seconds), got {send_rate!r}")
            size, pause = send_rate
            if isinstance(pause, bool) or not isinstance(pause, int | float):
                raise ValueError(f"send_rate must be (bytes >= 1, seconds >= 0), got {send_rate!r}")
            if not _is_int(size) or size < 1 or not (pause >= 0 and math.isfinite(pause)):
                raise ValueError(f"send_rate must be (bytes >= 1, seconds >= 0), got {send_rate!r}")
        merged: dict[str, tuple[str, str]] = {
            "host": ("Host", self._host_header),
            "user-agent": ("User-Agent", USER_AGENT),
        }
        if content_type is not None:
            _check_header("Content-Type", content_type)
            merged["content-type"] = ("Content-Type", content_type)
        merged["content-length"] = ("Content-Length", str(len(data)))
        merged["connection"] = ("Connection", "close")
        authorization = self.auth if auth is SENDER_DEFAULT else auth
        if authorization is not None:
            _check_header("Authorization", authorization)
            merged["authorization"] = ("Authorization", authorization)
        if self._headers:
            _merge(merged, self._headers)
        if headers:
            _merge(merged, headers)
        return Request(
            method=method,
            url=self.url,
            target=self._target,
            headers=list(merged.values()),
            body=data,
            hang_up_after=hang_up_after,
            send_rate=send_rate,
        )


def _app_transport(target: Any, timeout: float) -> Transport:
    """The in-process transport for an app (or a zero-argument factory of one)."""
    from jobhook_testkit._app_loader import resolve_app

    app, kind = resolve_app(target)
    if kind == "asgi":
        from jobhook_testkit._asgi_inprocess import AsgiTransport

        return AsgiTransport(app, timeout=timeout)
    return InProcessTransport(app, timeout=timeout)


class SenderFactory:
    """Makes :class:`FakeSender` objects with shared defaults and keeps every delivery.

    ``factory(target, **options)`` takes the same arguments as :class:`FakeSender`;
    ``timeout`` defaults to the factory's. ``deliveries`` lists what all its senders
    delivered, oldest first (this is the ``jobhook_sender`` fixture's type).
    """

    def __init__(self, *, timeout: float = 5.0) -> None:
        self.timeout = timeout
        self._deliveries: list[Delivery] = []
        self._lock = threading.Lock()
        self._closing: list[FakeSender] = []

    def __call__(
        self, target: str | WSGIApplication | Callable[..., Any], **options: Any
    ) -> FakeSender:
        __tracebackhide__ = True  # only forwards options, the credential among them
        options.setdefault("timeout", self.timeout)
        sender = FakeSender(target, **options)
        sender._observers.append(self._record)
        if hasattr(sender._transport, "close"):
            self._closing.append(sender)
        return sender

    def close(self) -> None:
        """Close the senders made so far (ASGI apps get their lifespan shutdown)."""
        senders, self._closing = self._closing, []
        for sender in senders:
            sender.close()

    def _record(self, delivery: Delivery) -> None:
        with self._lock:
            self._deliveries.append(delivery)

    @property
    def deliveries(self) -> tuple[Delivery, ...]:
        """Every delivery made by this factory's senders, oldest first."""
        with self._lock:
            return tuple(self._deliveries)

    @property
    def last(self) -> Delivery:
        """The most recent delivery (an error says so if there was none)."""
        deliveries = self.deliveries
        if not deliveries:
            raise LookupError("no delivery yet: call deliver() on a sender from this factory")
        return deliveries[-1]

    def summary(self, count: int = 3) -> str:
        """The last ``count`` deliveries rendered (redacted), oldest first; "" if none
        (or if ``count`` is 0)."""
        deliveries = self.deliveries
        if not deliveries or count < 1:
            return ""
        shown = deliveries[-count:]  # (a count of 0 would slice [-0:], which is all)
        head = (
            f"{len(deliveries)} deliver{'y' if len(deliveries) == 1 else 'ies'} in this test"
            + (f", the last {len(shown)}" if len(shown) < len(deliveries) else "")
            + ", oldest first:"
        )
        return "\n\n".join([head, *(str(delivery) for delivery in shown)])
