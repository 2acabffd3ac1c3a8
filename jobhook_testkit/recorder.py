"""The recording receiver: a WSGI app that records every job report POSTed to it.

It records reality, it does not judge: a JSON-object body is recorded (with the contract
violations it has, if any) and answered with the configured status (2xx by default); a
body that is not a JSON object is recorded as malformed and answered 400. Deliveries with
the wrong Authorization (when one is expected) are answered 401 and only counted; bodies
over the size limit are answered 413 without being read.

With ``record=PATH`` each recorded delivery becomes one NDJSON line, on disk (fsync) before
the answer goes out::

    {"report": {...} | null, "raw": "..." (malformed only), "path": "/hooks",
     "headers": {"Authorization": "Bearer [redacted]", ...},
     "received_at": "2026-11-28T12:00:01.123456Z",
     "violations": [{"pointer": "/id", "message": "...", "severity": "error"}]}

Works without pytest::

    with serve_recorder(record="deliveries.ndjson") as recorder:
        FakeSender(recorder.url).deliver(report)
        assert recorder.deliveries[0].report == report
"""

from __future__ import annotations

import hmac
import json
import os
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

# Imported here, not lazily in the app: a first import of Werkzeug racing in several
# request threads breaks on its circular imports. This module is itself only imported
# when a recorder is used (the plugin and the CLI import it inside fixtures and commands).
from werkzeug.datastructures import EnvironHeaders
from werkzeug.exceptions import ClientDisconnected, RequestEntityTooLarge
from werkzeug.http import HTTP_STATUS_CODES
from werkzeug.wsgi import get_input_stream

from jobhook_testkit import _answer
from jobhook_testkit._jsonio import duplicate_key_message, duplicate_pointers, loads_strict
from jobhook_testkit._recording_file import RecordingFile, is_recording_line
from jobhook_testkit._redact import MIN_SECRET, redact_headers, redact_url, remember, scrub
from jobhook_testkit.schema import Violation, unknown_fields, validate
from jobhook_testkit.server import HEADERS_COMPLETE

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment

    from jobhook_testkit.server import LiveServer

__all__ = [
    "DEFAULT_MAX_BODY",
    "LiveRecorder",
    "RecordedDelivery",
    "RecordingReceiver",
    "Refusal",
    "is_recording_line",
    "serve_recorder",
    "unknown_fields",
]

DEFAULT_MAX_BODY = 1024 * 1024  # a real report is a few hundred bytes
# Distinct unknown field names counted at most: real drift is a handful; a sender making up
# thousands of names must not grow a long-running receiver's memory without bound.
MAX_UNKNOWN_NAMES = 1000


def _rfc3339(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


@dataclass(frozen=True, slots=True, eq=False)
class RecordedDelivery:
    """One delivery the receiver recorded (and answered with ``status``).

    ``headers`` are redacted (``Authorization: Bearer [redacted]``); ``body`` holds the
    exact bytes received; ``report`` is the parsed JSON object, or ``None`` when the body
    was not a JSON object (``malformed``: the first violation says why).
    """

    path: str
    headers: Mapping[str, str]
    body: bytes
    report: dict[str, Any] | None
    violations: tuple[Violation, ...]
    received_at: datetime
    status: int
    method: str = "POST"

    @property
    def malformed(self) -> bool:
        return self.report is None

    @property
    def valid(self) -> bool:
        """True when the body is a report without contract errors (warnings allowed)."""
        return self.report is not None and not any(v.is_error for v in self.violations)

    @property
    def errors(self) -> tuple[Violation, ...]:
        return tuple(v for v in self.violations if v.is_error)

    @property
    def unknown_fields(self) -> list[str]:
        return unknown_fields(self.report)

    def as_record(self) -> dict[str, Any]:
        """The NDJSON line for this delivery, as a dict (see the module docstring)."""
        record: dict[str, Any] = {"report": self.report}
        if self.report is None:
            record["raw"] = self.body.decode("utf-8", "replace")
        record["path"] = self.path
        record["headers"] = dict(self.headers)
        record["received_at"] = _rfc3339(self.received_at)
        record["violations"] = [
            {"pointer": v.pointer, "message": v.message, "severity": str(v.severity)}
            for v in self.violations
        ]
        return record


@dataclass(frozen=True, slots=True, eq=False)
class Refusal:
    """A request that was answered but not recorded as data (wrong credentials, too large,
    not a POST, the recording file could not be written) or that never arrived whole (the
    sender hung up mid-headers or mid-body: ``incomplete``)."""

    kind: str  # "unauthorized", "too_large", "method", "incomplete", "unrecorded"
    method: str
    path: str
    status: int
    reason: str
    received_at: datetime
    headers: Mapping[str, str] = field(default_factory=dict)


Event = RecordedDelivery | Refusal


def _check_status(status: int) -> int:
    if isinstance(status, bool) or not isinstance(status, int) or not 200 <= status <= 599:
        raise ValueError(f"status must be an HTTP status code from 200 to 599, got {status!r}")
    return status


def _check_delay(delay: float) -> float:
    if isinstance(delay, bool) or not isinstance(delay, int | float) or not delay >= 0:
        raise ValueError(f"delay must be a number of seconds >= 0, got {delay!r}")
    return float(delay)


def _sleep(delay: float, wake: threading.Event) -> None:
    """Wait ``delay`` seconds (any length, even infinite) or until ``wake`` is set.

    In steps: one wait of 1e10 s overflows the platform's time_t (OverflowError).
    """
    deadline = time.monotonic() + delay
    left = delay
    while left > 0 and not wake.wait(min(left, 3600.0)):
        left = deadline - time.monotonic()


def _parse_body(body: bytes) -> tuple[dict[str, Any] | None, tuple[Violation, ...]]:
    """The report in ``body`` and its violations; ``None`` and the reason if malformed.

    Parsing is strict (no NaN/Infinity, no numbers beyond a double), so that whatever is
    recorded can be written back as standard JSON.
    """
    if not body.strip():
        return None, (Violation("", "empty body (expected a JSON object)", keyword="json"),)
    try:
        value = loads_strict(body)
    except UnicodeDecodeError:
        return None, (Violation("", "body is not UTF-8 text", keyword="json"),)
    except ValueError as exc:
        return None, (Violation("", str(exc), keyword="json"),)
    except RecursionError:
        return None, (Violation("", "body is JSON nested too deeply to parse", keyword="json"),)
    if not isinstance(value, dict):
        return None, tuple(validate(value))
    return dict(value), (*_duplicate_keys(value), *validate(value))


def _duplicate_keys(value: dict[str, Any]) -> list[Violation]:
    """A violation per key repeated in one object: only the last value is kept, so the
    recording must say the body held more (as ``jobhook validate`` does)."""
    found = []
    for pointer in duplicate_pointers(value):
        found.append(Violation(pointer, duplicate_key_message(pointer), keyword="duplicate-key"))
    return found


def _request_path(environ: WSGIEnvironment) -> str:
    raw = environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", "")
    path = raw.encode("latin-1", "replace").decode("utf-8", "replace") or "/"
    query = environ.get("QUERY_STRING", "")
    # A credential in the query (?token=, ?code=) is kept as the Authorization is: redacted.
    return redact_url(f"{path}?{query}") if query else path


def _plain(start_response: StartResponse, status: int, reason: str, body: bytes = b"",
           extra: Iterable[tuple[str, str]] = ()) -> list[bytes]:
    headers = [("Content-Length", str(len(body))), *extra]
    if body:
        headers.append(("Content-Type", "application/json"))
    start_response(f"{status} {HTTP_STATUS_CODES.get(status, reason)}", headers)
    return [body]


def _error_body(message: str) -> bytes:
    return json.dumps({"error": message}).encode()


class RecordingReceiver:
    """A WSGI app that records job-report deliveries; thread-safe; serve it anywhere.

    Options (keyword-only): ``auth`` the expected Authorization value (compared in constant
    time; others are answered 401 and counted), ``status``/``delay`` the answer to give
    (changeable later with :meth:`respond_with`), ``max_body`` the body size limit in bytes
    (413 beyond it), ``record`` an NDJSON file to append each delivery to (``durable``:
    fsync before answering), ``keep`` whether to keep deliveries in memory
    (:attr:`deliveries`), ``on_event`` a callback for every recorded or refused request.
    Call :meth:`close` (or use ``with``) to close the recording file.
    """

    def __init__(
        self,
        *,
        auth: str | None = None,
        status: int = 204,
        delay: float = 0.0,
        max_body: int = DEFAULT_MAX_BODY,
        record: str | os.PathLike[str] | None = None,
        durable: bool = True,
        keep: bool = True,
        on_event: Callable[[Event], None] | None = None,
    ) -> None:
        if isinstance(max_body, bool) or not isinstance(max_body, int) or max_body < 1:
            raise ValueError(f"max_body must be a positive number of bytes, got {max_body!r}")
        remember(auth)  # scrubbed from pytest's reports (see _redact.remember)
        self._auth = auth.encode("utf-8") if auth is not None else None
        self._auth_text = auth
        scheme = (auth or "").strip().partition(" ")[0]
        scheme = scheme if scheme.isascii() and scheme.isalpha() and " " in (auth or "") else ""
        self._challenge = f'{scheme or "Bearer"} realm="jobhook"'
        self._status = _check_status(status)
        self._delay = _check_delay(delay)
        self._body: _answer.Body | None = None  # None: the default answer
        self._headers: _answer.Headers = ()
        self.max_body = max_body
        self.keep = keep
        self.on_event = on_event
        self._lock = threading.Lock()
        self._arrived = threading.Condition(self._lock)
        self._deliveries: list[RecordedDelivery] = []
        self._refusals: list[Refusal] = []
        self._counts: Counter[str] = Counter()
        self._unknown: Counter[str] = Counter()
        self._wake = threading.Event()  # set to cut scripted delays short (clear/close)
        self.file = RecordingFile(record, durable=durable) if record is not None else None

    # -- what was received -------------------------------------------------------------

    @property
    def deliveries(self) -> tuple[RecordedDelivery, ...]:
        """Recorded deliveries in arrival order (a snapshot; malformed ones included)."""
        with self._lock:
            return tuple(self._deliveries)

    @property
    def refusals(self) -> tuple[Refusal, ...]:
        """Requests answered but not recorded as data (see :class:`Refusal`)."""
        with self._lock:
            return tuple(self._refusals)

    @property
    def refused(self) -> int:
        """How many deliveries were refused for their Authorization (answered 401)."""
        with self._lock:
            return self._counts["unauthorized"]

    @property
    def counts(self) -> dict[str, int]:
        """Totals by kind: recorded, valid, invalid, malformed and each refusal kind."""
        with self._lock:
            return dict(self._counts)

    @property
    def unknown_field_counts(self) -> dict[str, int]:
        """How often each field the schema does not know was seen, most frequent first
        (the first 1,000 distinct names only)."""
        with self._lock:
            return dict(self._unknown.most_common())

    def wait_for(self, count: int = 1, *, timeout: float = 5.0) -> tuple[RecordedDelivery, ...]:
        """Block until at least ``count`` deliveries are recorded; fail after ``timeout``."""
        __tracebackhide__ = True
        deadline = time.monotonic() + timeout
        with self._arrived:
            while len(self._deliveries) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    got = len(self._deliveries)
                    raise AssertionError(
                        f"expected {count} recorded deliveries within {timeout} s, got {got}"
                        + (f" ({len(self._refusals)} refused)" if self._refusals else "")
                    )
                self._arrived.wait(left)
            return tuple(self._deliveries)

    # -- scripting ---------------------------------------------------------------------

    def respond_with(
        self,
        *,
        status: int | None = None,
        delay: float | None = None,
        body: object = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        """Answer later deliveries with ``status`` after ``delay`` seconds (recording first).

        ``body``: ``bytes`` as they are, a ``str`` as UTF-8 text, anything else as JSON
        (Content-Type set to match unless ``headers`` has one); ``headers``: a dict added to
        the answer. A malformed body is still answered 400. Only the arguments given change;
        :meth:`clear` resets them all.
        """
        with self._lock:
            new_status = self._status if status is None else _check_status(status)
            new_delay = self._delay if delay is None else _check_delay(delay)
            new_body = self._body if body is None else _answer.encode_body(body)
            new_headers = self._headers if headers is None else _answer.check_headers(headers)
            _answer.check_body_allowed(new_status, new_body)
            self._status, self._delay = new_status, new_delay
            self._body, self._headers = new_body, new_headers

    def clear(self, *, status: int = 204, delay: float = 0.0) -> None:
        """Forget what was received and reset the scripted answer (the file is kept)."""
        status, delay = _check_status(status), _check_delay(delay)
        with self._lock:
            self._deliveries.clear()
            self._refusals.clear()
            self._counts.clear()
            self._unknown.clear()
            self._status, self._delay = status, delay
            self._body, self._headers = None, ()
            self._wake.set()
            self._wake = threading.Event()

    def end_delays(self) -> None:
        """Answer every delivery waiting out a scripted delay now, and later ones at once.

        For a clean shutdown: what was recorded gets its answer before the server goes.
        :meth:`clear` undoes it (later deliveries wait out their delay again).
        """
        with self._lock:
            self._wake.set()

    def close(self) -> None:
        """Close the recording file (later deliveries are answered 503); end any delay."""
        with self._lock:
            self._wake.set()
        if self.file is not None:
            self.file.close()

    def __enter__(self) -> RecordingReceiver:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- the WSGI app ------------------------------------------------------------------

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> list[bytes]:
        received_at = datetime.now(UTC)
        method = environ.get("REQUEST_METHOD", "GET").upper()
        path = _request_path(environ)
        headers = redact_headers(list(EnvironHeaders(environ).items()))
        # The Authorization value (sent or expected) may be echoed elsewhere: in the query
        # string (?token=...) or in another header (X-Api-Key, X-Forwarded-Authorization).
        # (Not a short value: that would mangle paths and hosts; see MIN_SECRET.)
        for secret in {environ.get("HTTP_AUTHORIZATION"), self._auth_text}:
            if not isinstance(secret, str) or len(secret.strip()) < MIN_SECRET:
                continue
            path = scrub(path, secret)
            headers = {name: scrub(value, secret) for name, value in headers.items()}

        def refuse(kind: str, status: int, reason: str, extra: Sequence[tuple[str, str]] = ()
                   ) -> list[bytes]:
            refusal = Refusal(kind, method, path, status, reason, received_at, headers)
            with self._lock:
                self._counts[kind] += 1
                if self.keep:
                    self._refusals.append(refusal)
            if self.on_event is not None:
                self.on_event(refusal)
            return _plain(start_response, status, reason, _error_body(reason), extra)

        if environ.get(HEADERS_COMPLETE) is False:  # nothing to record: no request came whole
            return refuse("incomplete", 400, "the sender hung up before the headers ended")
        if method != "POST":
            return refuse("method", 405, f"method {method} not allowed (POST only)",
                          [("Allow", "POST")])
        if self._auth is not None:
            given = environ.get("HTTP_AUTHORIZATION")
            challenge = [("WWW-Authenticate", self._challenge)]
            if given is None:
                return refuse("unauthorized", 401, "missing Authorization header", challenge)
            if not hmac.compare_digest(given.encode("latin-1", "replace"), self._auth):
                return refuse("unauthorized", 401, "Authorization does not match", challenge)

        body = self._read_body(environ)
        if isinstance(body, tuple):
            return refuse(*body)

        report, violations = _parse_body(body)
        with self._lock:
            status = self._status if report is not None else 400
            delay, wake = self._delay, self._wake
            scripted = self._body, self._headers
        delivery = RecordedDelivery(
            path, headers, body, report, violations, received_at, status, method
        )
        if self.file is not None:
            try:
                self.file.append(delivery.as_record())
            except OSError as exc:
                return refuse("unrecorded", 503, f"could not record the delivery: {exc}")
        with self._arrived:
            self._counts["recorded"] += 1
            if report is None:
                self._counts["malformed"] += 1
            else:
                self._counts["valid" if delivery.valid else "invalid"] += 1
                self._unknown.update(
                    name for name in unknown_fields(report)
                    if name in self._unknown or len(self._unknown) < MAX_UNKNOWN_NAMES
                )
            if self.keep:
                self._deliveries.append(delivery)
            self._arrived.notify_all()
        if self.on_event is not None:
            self.on_event(delivery)
        if delay:
            _sleep(delay, wake)
        if report is None:
            return _plain(start_response, 400, "Bad Request", _error_body(violations[0].message))
        return _answer.respond(start_response, status, *scripted)

    def _read_body(self, environ: WSGIEnvironment) -> bytes | tuple[str, int, str]:
        """The body, read with the size limit; or the refusal to answer with instead."""
        too_large = ("too_large", 413, f"body larger than {self.max_body} bytes")
        try:
            stream = get_input_stream(environ, max_content_length=self.max_body)
            chunks: list[bytes] = []
            size = 0
            while True:
                chunk = stream.read(min(65536, self.max_body + 1 - size))
                if not chunk:
                    break
                chunks.append(chunk)
                size += len(chunk)
                if size > self.max_body:
                    return too_large
        except RequestEntityTooLarge:
            return too_large
        except (ClientDisconnected, ConnectionError, OSError):
            return ("incomplete", 400, "the sender hung up before the whole body arrived")
        return b"".join(chunks)


@dataclass(frozen=True, slots=True)
class LiveRecorder:
    """A :class:`RecordingReceiver` being served: ``.url`` plus the receiver's view.

    The type of the ``jobhook_recorder`` fixture and of :func:`serve_recorder`'s target.
    """

    receiver: RecordingReceiver
    server: LiveServer

    @property
    def url(self) -> str:
        """``http://127.0.0.1:PORT`` (no trailing slash): append any path."""
        return self.server.url

    @property
    def deliveries(self) -> tuple[RecordedDelivery, ...]:
        return self.receiver.deliveries

    @property
    def refused(self) -> int:
        return self.receiver.refused

    def respond_with(
        self,
        *,
        status: int | None = None,
        delay: float | None = None,
        body: object = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        """Script later answers: ``status``, ``delay`` (s), ``body`` and ``headers``."""
        self.receiver.respond_with(status=status, delay=delay, body=body, headers=headers)

    @property
    def refusals(self) -> tuple[Refusal, ...]:
        return self.receiver.refusals

    def wait_for(self, count: int = 1, *, timeout: float = 5.0) -> tuple[RecordedDelivery, ...]:
        """Block until ``count`` deliveries are recorded; AssertionError after ``timeout``."""
        __tracebackhide__ = True
        return self.receiver.wait_for(count, timeout=timeout)

    def clear(self) -> None:
        """Forget what was received and answer 204 again, without delay."""
        self.receiver.clear()


@contextmanager
def serve_recorder(
    *, host: str = "127.0.0.1", port: int = 0, **options: Any
) -> Iterator[LiveRecorder]:
    """Serve a new :class:`RecordingReceiver` (``options`` go to it) on ``host:port``."""
    from jobhook_testkit.server import serve_wsgi

    with RecordingReceiver(**options) as receiver, serve_wsgi(
        receiver, host=host, port=port
    ) as server:
        yield LiveRecorder(receiver, server)

