"""Pass recorded deliveries on to a local receiver (``jobhook serve --forward-to URL``).

Recording comes first: a delivery is forwarded only once it is on disk and on its way
back to the sender, by one worker thread, in arrival order, through :class:`FakeSender`
and its hard deadline. So a local receiver that is down, slow or crashing never costs a
recording and never changes what the platform gets back; at worst forwards queue up (and
past ``BACKLOG`` are counted as not forwarded).

The forward carries the same body bytes, the same Content-Type and the same
Authorization (or ``auth`` when given). The delivery's path is not appended to the URL:
put ``{path}`` in the URL where it belongs (``http://localhost:3000{path}``) to keep it.

With a recording file ``FILE``, each forward's outcome is appended as one line to the
companion file ``FILE.forwards`` (the recording itself is never rewritten, and what
``jobhook validate`` and ``jobhook replay`` read stays the same)::

    {"forward_of": {"received_at": "...", "path": "/hooks", "id": "AYb3..."},
     "to": "http://localhost:3000/hooks", "outcome": "acknowledged", "status": 204,
     "elapsed": 0.0123, "reason": "answered 204 NO CONTENT"}

``outcome`` is a sender outcome (acknowledged, rejected, timed_out, connection_failed)
or ``not_forwarded`` (stopped first, or the backlog was full).
"""

from __future__ import annotations

import os
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from jobhook_testkit._redact import redact_url, scrub

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

    from jobhook_testkit._recording_file import RecordingFile
    from jobhook_testkit.recorder import RecordedDelivery

__all__ = [
    "COMPANION_SUFFIX", "ForwardResult", "Forwarder", "forward_url", "remember_auth",
    "send_again", "summary",
]

COMPANION_SUFFIX = ".forwards"
PATH_PLACEHOLDER = "{path}"
NOT_FORWARDED = "not_forwarded"


def forward_url(template: str, path: str) -> str:
    """Where a delivery to ``path`` is forwarded: ``{path}`` in ``template`` is replaced
    by the delivery's path (query included); without it the URL is used as given."""
    if PATH_PLACEHOLDER not in template:
        return template
    if template.split(PATH_PLACEHOLDER, 1)[0].endswith("/") and path.startswith("/"):
        path = path[1:]  # "http://host/{path}" and "/hooks": one slash, not two
    return template.replace(PATH_PLACEHOLDER, path)


@dataclass(frozen=True, slots=True)
class ForwardResult:
    """How forwarding one delivery ended; ``status`` is None without an answer."""

    to: str
    outcome: str
    status: int | None
    elapsed: float
    reason: str

    @property
    def ok(self) -> bool:
        return self.outcome == "acknowledged"

    def short(self) -> str:
        """For a console line: ``204 in 0.012 s`` or ``connection_failed (refused)``."""
        if self.outcome == NOT_FORWARDED:
            return f"not forwarded ({self.reason})"
        if self.status is not None and self.outcome in ("acknowledged", "rejected"):
            return f"{self.status} in {self.elapsed:.3f} s"
        return f"{self.outcome.replace('_', ' ')} after {self.elapsed:.3f} s ({self.reason})"

    def as_dict(self) -> dict[str, Any]:
        return {"to": redact_url(self.to), "outcome": self.outcome, "status": self.status,
                "elapsed": round(self.elapsed, 6), "reason": self.reason}


def check_target(template: str, *, timeout: float, auth: str | None = None) -> None:
    """Raise ValueError (with a message for a usage error) if ``template`` cannot be sent
    to, or ``auth`` cannot be sent as a header (the message never shows it)."""
    from jobhook_testkit.sender import FakeSender

    FakeSender(forward_url(template, "/"), timeout=timeout, auth=auth)


def send_again(
    url: str, delivery: RecordedDelivery, auth: str | None, *, timeout: float
) -> ForwardResult:
    """Send ``delivery``'s body to ``url`` as it came (Content-Type, Authorization ``auth``).

    Never raises for what the receiver does; a URL that cannot be sent to is a
    ``connection_failed`` result saying why.
    """
    from jobhook_testkit.sender import FakeSender

    started = time.monotonic()
    try:
        sender = FakeSender(url, timeout=timeout)
        content_type = next(
            (value for name, value in delivery.headers.items()
             if name.lower() == "content-type"), None,
        )
        sent = sender.deliver(body=delivery.body, content_type=content_type, auth=auth)
    except (ValueError, TypeError) as exc:
        return ForwardResult(url, "connection_failed", None, time.monotonic() - started,
                             scrub(str(exc), auth))
    return ForwardResult(url, str(sent.outcome), sent.status_code, sent.elapsed,
                         scrub(sent.reason, auth))


def remember_auth(app: WSGIApplication, local: threading.local) -> WSGIApplication:
    """``app`` wrapped to set ``local.auth`` to the request's Authorization while it runs
    (the recorder's ``on_event`` runs on the same thread, within that call)."""

    def remembered(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        local.auth = environ.get("HTTP_AUTHORIZATION")
        try:
            return app(environ, start_response)
        finally:
            local.auth = None

    return remembered


def _companion_line(delivery: RecordedDelivery, result: ForwardResult) -> dict[str, Any]:
    from jobhook_testkit.recorder import _rfc3339

    report = delivery.report or {}
    origin = {"received_at": _rfc3339(delivery.received_at), "path": delivery.path,
              "id": report.get("id")}
    return {"forward_of": origin, **result.as_dict()}


class Forwarder:
    """Forwards recorded deliveries on a worker thread; see the module docstring.

    ``on_done(delivery, result)`` is called (on the worker thread) after each forward.
    The recording holds the Authorization only redacted: :func:`remember_auth` keeps the
    value each request came with, for :meth:`submit`.
    """

    BACKLOG = 10_000

    def __init__(
        self,
        url: str,
        *,
        auth: str | None = None,
        timeout: float = 5.0,
        record: str | os.PathLike[str] | None = None,
        durable: bool = True,
        on_done: Callable[[RecordedDelivery, ForwardResult], None] | None = None,
    ) -> None:
        check_target(url, timeout=timeout, auth=auth)
        self.url = url
        self.auth = auth
        self.timeout = timeout
        self.on_done = on_done
        self.counts: dict[str, int] = {}
        self.file: RecordingFile | None = None
        self.companion = None if record is None else f"{os.fspath(record)}{COMPANION_SUFFIX}"
        self._durable = durable
        self._lock = threading.Lock()
        self._ready = threading.Condition(self._lock)
        self._pending: deque[tuple[RecordedDelivery, str | None]] = deque()
        self._busy = False
        self._stopping = False
        self._worker: threading.Thread | None = None

    def submit(self, delivery: RecordedDelivery, auth: str | None) -> None:
        """Queue ``delivery`` (which came with Authorization ``auth``) to be forwarded;
        called once it is recorded. The ``auth`` given to the forwarder wins."""
        auth = self.auth if self.auth is not None else auth
        with self._ready:
            if len(self._pending) < self.BACKLOG and not self._stopping:
                self._pending.append((delivery, auth))
                self._ready.notify()
                return
        self._finish(delivery, ForwardResult(
            forward_url(self.url, delivery.path), NOT_FORWARDED, None, 0.0,
            "jobhook serve was stopping" if self._stopping else "too many waiting",
        ))

    def start(self) -> None:
        """Open the companion file (OSError if it cannot be) and start forwarding."""
        if self.companion is not None:
            from jobhook_testkit._recording_file import RecordingFile

            self.file = RecordingFile(self.companion, durable=self._durable)
        self._worker = threading.Thread(target=self._run, name="jobhook-forward", daemon=True)
        self._worker.start()

    def _run(self) -> None:
        while True:
            with self._ready:
                while not self._pending and not self._stopping:
                    self._ready.wait()
                if not self._pending:
                    return
                delivery, auth = self._pending.popleft()
                self._busy = True
            try:
                target = forward_url(self.url, delivery.path)
                self._finish(delivery, send_again(target, delivery, auth, timeout=self.timeout))
            finally:
                with self._ready:
                    self._busy = False
                    self._ready.notify_all()

    def _finish(self, delivery: RecordedDelivery, result: ForwardResult) -> None:
        with self._lock:
            self.counts[result.outcome] = self.counts.get(result.outcome, 0) + 1
        if self.file is not None:
            try:
                self.file.append(_companion_line(delivery, result))
            except OSError:
                with self._lock:
                    self.counts["unrecorded"] = self.counts.get("unrecorded", 0) + 1
        if self.on_done is not None:
            self.on_done(delivery, result)

    @property
    def waiting(self) -> int:
        """Deliveries queued or being forwarded."""
        with self._lock:
            return len(self._pending) + self._busy

    def stop(self, timeout: float, hurry: threading.Event | None = None) -> int:
        """Forward what is queued for up to ``timeout`` seconds (or until ``hurry``), then
        mark the rest not forwarded and stop; return how many were not forwarded."""
        deadline = time.monotonic() + timeout
        with self._ready:
            while (self._pending or self._busy) and self._worker is not None:
                left = deadline - time.monotonic()
                if left <= 0 or (hurry is not None and hurry.is_set()):
                    break
                self._ready.wait(min(left, 0.05))
            self._stopping = True
            left_over = list(self._pending)
            self._pending.clear()
            self._ready.notify_all()
        if self._worker is not None:
            # A forward in progress ends by its own deadline (the sender's hard timeout).
            self._worker.join(self.timeout + 1.0)
            self._worker = None
        for delivery, _ in left_over:  # after it: the companion stays in arrival order
            self._finish(delivery, ForwardResult(
                forward_url(self.url, delivery.path), NOT_FORWARDED, None, 0.0,
                "jobhook serve stopped first"))
        if self.file is not None:
            self.file.close()
        return len(left_over)


def summary(counts: Mapping[str, int], url: str) -> str:
    """One line for the closing summary: ``forwarded to URL: 3 acknowledged, 1 rejected``."""
    parts = [f"{count} {outcome.replace('_', ' ')}" for outcome, count in counts.items()]
    return f"  forwarded to {redact_url(url)}: {', '.join(parts) if parts else 'nothing'}"
