"""A receiver with one switchable bug per conformance check: see what failures look like.

    JOBHOOK_BREAK=refuses-wrong-credential jobhook check \\
        --app examples/broken_receiver/app.py:create_app --path /hooks/jobs --auth "Bearer s3cret"

With no bug switched on it behaves correctly (and passes the whole suite). The project's
own tests use it to show that every check fails on the receiver built to break it. Plain
WSGI on Werkzeug, so the bugs are easy to read: each is one ``if`` naming its check.
"""

from __future__ import annotations

import hmac
import json
import os
import re
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

from werkzeug.exceptions import ClientDisconnected
from werkzeug.wrappers import Request, Response

HOOK_PATH = "/hooks/jobs"
DEFAULT_AUTH = "Bearer s3cret"
KNOWN_FIELDS = frozenset({
    "id", "type", "status", "created_at", "updated_at", "total_operations",
    "total_succeeded", "total_failed", "definition_id", "definition_name",
})

# check name -> the bug that breaks it
BUGS: dict[str, str] = {
    "acknowledges-success-report": "crashes on SUCCESS reports",
    "acknowledges-failure-report": "crashes on FAILURE reports",
    "acknowledges-export-report": "crashes on export reports",
    "acknowledges-import-report": "crashes on import reports",
    "acknowledges-edge-cases": "crashes on timestamps with more than 6 fractional digits",
    "acknowledges-byte-variants": "crashes on pretty-printed JSON (a newline in the body)",
    "tolerates-unknown-fields": "refuses reports with fields it does not know",
    "acknowledges-redelivery": "answers 409 to a report it already has",
    "processes-redelivery-once": "processes a report again each time it is delivered",
    "refuses-missing-authorization": "only checks the Authorization value when one is sent",
    "refuses-wrong-authorization": "accepts any non-empty Authorization value",
    "refuses-wrong-credential": "only compares the scheme ('Bearer')",
    "refuses-empty-authorization": "treats an empty Authorization value as a match",
    "rejects-invalid-json": "crashes (500) on invalid JSON",
    "rejects-empty-body": "crashes (500) on an empty body",
    "rejects-non-object-json": "crashes (500) on JSON that is not an object",
    "rejects-invalid-utf8": "crashes (500) on bytes that are not UTF-8",
    "tolerates-odd-content-type": "crashes (500) unless Content-Type is exactly JSON",
    "survives-hang-up": "wedges (503 for ever after) when a sender hangs up mid-body",
    "acknowledges-concurrent-deliveries": "a pool of 4 workers: 503 to a fifth delivery at once",
    "answers-well-within-timeout": "takes `delay` seconds (default 0.3) to answer",
    "rejects-get": "answers 200 to GET",
    "rejects-schema-invalid-report": "accepts any JSON object",
}

WORKERS = 4  # the pool of the acknowledges-concurrent-deliveries bug
_TOO_PRECISE = re.compile(r"\.\d{7,}Z$")


def _json(status: int, message: str = "") -> Response:
    if status == 204:
        return Response(status=204)
    return Response(json.dumps({"error": message}), status, mimetype="application/json")


def _schema_problem(report: dict[str, Any]) -> str | None:
    if not isinstance(report.get("id"), str) or not report["id"]:
        return "id must be a non-empty string"
    if report.get("type") not in ("export", "import"):
        return "bad type"
    if report.get("status") not in ("SUCCESS", "FAILURE", "RUNNING"):
        return "bad status"
    for name in ("total_operations", "total_succeeded", "total_failed"):
        value = report.get(name)
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            return f"{name} must be an integer >= 0"
    return None


class BrokenReceiver:
    """The WSGI app. ``bugs``: check names whose bug is switched on."""

    def __init__(self, bugs: Iterable[str], *, auth: str | None, delay: float) -> None:
        self.bugs = frozenset(bugs)
        unknown = self.bugs - BUGS.keys()
        if unknown:
            raise ValueError(f"unknown bug(s) {sorted(unknown)}; choose from {sorted(BUGS)}")
        self.auth = auth
        self.delay = delay
        self.unhealthy = False
        self._lock = threading.Lock()
        self._in_flight = 0
        self._processed: dict[str, int] = {}

    def times_processed(self, report_id: str) -> int:
        """How many times the report with this id was processed (the side-effect probe)."""
        with self._lock:
            return self._processed.get(report_id, 0)

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        response = self._handle(Request(environ))
        return response(environ, start_response)

    def _handle(self, request: Request) -> Response:
        if self.unhealthy:
            return _json(503, "wedged since a sender hung up")
        if request.method != "POST":
            return _json(200, "hello") if "rejects-get" in self.bugs else _json(405, "POST")
        if "acknowledges-concurrent-deliveries" in self.bugs:
            # More than the suite's 4 checks at once ever send: only the burst of the
            # concurrency check overflows the pool, so only that check fails.
            with self._lock:
                self._in_flight += 1
            try:
                time.sleep(0.05)
                if self._in_flight > WORKERS:
                    return _json(503, "busy: all workers taken")
            finally:
                with self._lock:
                    self._in_flight -= 1
        if "answers-well-within-timeout" in self.bugs:
            time.sleep(self.delay)
        if self._refused(request.headers.get("Authorization")):
            return _json(401, "unauthorized")
        if "tolerates-odd-content-type" in self.bugs and request.content_type != (
            "application/json"
        ):
            return _json(500, "Traceback: unexpected content type")
        return self._process(request)

    def _refused(self, header: str | None) -> bool:
        auth, bugs = self.auth, self.bugs
        if auth is None:
            return False
        if "refuses-missing-authorization" in bugs:
            return header is not None and header != auth
        if "refuses-empty-authorization" in bugs:
            return header is None or (header != "" and header != auth)
        if "refuses-wrong-authorization" in bugs:
            return not header
        if "refuses-wrong-credential" in bugs:
            return not header or header.split(" ")[0] != auth.split(" ")[0]
        return not header or not hmac.compare_digest(header.encode(), auth.encode())

    def _process(self, request: Request) -> Response:
        bugs = self.bugs
        try:
            raw = request.get_data(cache=False)
            cut = len(raw) < (request.content_length or 0)
        except ClientDisconnected:
            cut = True
        if cut:
            if "survives-hang-up" in bugs:
                self.unhealthy = True
            return _json(400, "incomplete body")
        if not raw:
            return _json(500 if "rejects-empty-body" in bugs else 400, "empty body")
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            return _json(500 if "rejects-invalid-utf8" in bugs else 400, "not UTF-8")
        try:
            report = json.loads(text)
        except (ValueError, RecursionError):  # RecursionError: nested too deeply
            return _json(500 if "rejects-invalid-json" in bugs else 400, "not JSON")
        if not isinstance(report, dict):
            return _json(500 if "rejects-non-object-json" in bugs else 400, "not an object")
        if "tolerates-unknown-fields" in bugs and set(report) - KNOWN_FIELDS:
            return _json(422, f"unknown fields {sorted(set(report) - KNOWN_FIELDS)}")
        if "rejects-schema-invalid-report" not in bugs:
            problem = _schema_problem(report)
            if problem is not None:
                return _json(422, problem)
        crash = (
            ("acknowledges-success-report" in bugs and report.get("status") == "SUCCESS")
            or ("acknowledges-failure-report" in bugs and report.get("status") == "FAILURE")
            or ("acknowledges-export-report" in bugs and report.get("type") == "export")
            or ("acknowledges-import-report" in bugs and report.get("type") == "import")
            or ("acknowledges-edge-cases" in bugs and any(
                _TOO_PRECISE.search(str(report.get(k, ""))) for k in ("created_at", "updated_at")
            ))
            or ("acknowledges-byte-variants" in bugs and b"\n" in raw)
        )
        if crash:
            return _json(500, "Traceback (most recent call last): ...")
        return self._store(str(report.get("id")))

    def _store(self, report_id: str) -> Response:
        with self._lock:
            seen = report_id in self._processed
            if seen and "acknowledges-redelivery" in self.bugs:
                return _json(409, "duplicate")
            if not seen or "processes-redelivery-once" in self.bugs:
                self._processed[report_id] = self._processed.get(report_id, 0) + 1
        return _json(204)


def create_app(
    bugs: Iterable[str] | str | None = None,
    *,
    auth: str | None = DEFAULT_AUTH,
    delay: float = 0.3,
) -> BrokenReceiver:
    """The receiver with ``bugs`` switched on (check names; default: ``$JOBHOOK_BREAK``,
    comma-separated). ``auth``: the Authorization value it wants (None: none)."""
    if bugs is None:
        bugs = os.environ.get("JOBHOOK_BREAK", "")
    if isinstance(bugs, str):
        bugs = [name.strip() for name in bugs.split(",") if name.strip()]
    return BrokenReceiver(bugs, auth=auth, delay=delay)
