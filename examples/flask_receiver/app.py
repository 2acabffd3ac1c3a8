"""A correct receiver for ReachFive's End Job Notification webhook, written with Flask.

Check it from the repository root with one command:

    jobhook check --app examples/flask_receiver/app.py:create_app \\
        --path /hooks/jobs --auth "Bearer s3cret"

What makes it correct (each point is a check of ``jobhook check``):

* it compares the Authorization header with the configured value in constant time and
  refuses a missing, empty or wrong one with 401;
* it reads the raw body itself, so a missing or odd Content-Type, an empty body, bytes
  that are not UTF-8, JSON nested too deeply to parse, JSON that is not an object or a
  report that breaks the contract all get a 4xx instead of a crash; a body over 1 MiB (a
  report is a few hundred bytes) gets 413 before it is read;
* it tolerates fields it does not know (the platform may add some);
* it is idempotent: a report delivered twice is acknowledged twice, processed once;
* it only records the report and answers at once (204); slow work belongs in a queue,
  because the platform gives up at its timeout and never retries.
"""

from __future__ import annotations

import hmac
import json
import threading
from collections.abc import Mapping
from typing import Any

from flask import Flask, Response, jsonify, request

HOOK_PATH = "/hooks/jobs"
# For the example only: a real receiver reads its secret from its configuration.
DEFAULT_AUTH = "Bearer s3cret"
MAX_BODY = 1024 * 1024  # a job report is a few hundred bytes

_STATUSES = ("SUCCESS", "FAILURE", "RUNNING")
_TYPES = ("export", "import")
_COUNTS = ("total_operations", "total_succeeded", "total_failed")
_STRINGS = ("created_at", "updated_at", "definition_id", "definition_name")


class ReportStore:
    """The reports this receiver processed, by id (thread-safe: requests run in threads)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._reports: dict[str, dict[str, Any]] = {}
        self._processed: dict[str, int] = {}

    def process(self, report: dict[str, Any]) -> bool:
        """Record a report once; return False if its id was already processed."""
        with self._lock:
            if report["id"] in self._reports:
                return False
            self._reports[report["id"]] = report
            self._processed[report["id"]] = self._processed.get(report["id"], 0) + 1
            return True

    def times_processed(self, report_id: str) -> int:
        with self._lock:
            return self._processed.get(report_id, 0)

    def __len__(self) -> int:
        with self._lock:
            return len(self._reports)


def problem_with(report: object) -> str | None:
    """Why ``report`` is not a job report we can process, or None.

    Only the documented fields are checked, and only as much as processing needs; any
    other field is ignored.
    """
    if not isinstance(report, Mapping):
        return "the body must be a JSON object (a job report)"
    if not isinstance(report.get("id"), str) or not report["id"]:
        return "id must be a non-empty string"
    if report.get("type") not in _TYPES:
        return "type must be 'export' or 'import'"
    if report.get("status") not in _STATUSES:
        return "status must be SUCCESS, FAILURE or RUNNING"
    for name in _COUNTS:
        value = report.get(name)
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            return f"{name} must be an integer >= 0"
    for name in _STRINGS:
        if not isinstance(report.get(name), str):
            return f"{name} must be a string"
    return None


def _error(message: str, status: int) -> Response:
    return Response(json.dumps({"error": message}), status, mimetype="application/json")


def create_app(*, auth: str | None = DEFAULT_AUTH, store: ReportStore | None = None) -> Flask:
    """The receiver app. ``auth``: the Authorization value to require (None: none).

    The store of processed reports is at ``app.extensions["job_reports"]``.
    """
    reports = store if store is not None else ReportStore()
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = MAX_BODY  # larger bodies get 413, unread
    app.extensions["job_reports"] = reports

    @app.post(HOOK_PATH)
    def job_ended() -> Response:
        if auth is not None:
            given = request.headers.get("Authorization", "")
            if not given or not hmac.compare_digest(given.encode(), auth.encode()):
                return _error("missing or wrong Authorization", 401)
        try:
            report = json.loads(request.get_data(cache=False).decode("utf-8"))
        except (UnicodeDecodeError, ValueError, RecursionError):  # deep nesting: Recursion
            return _error("the body is not UTF-8 JSON", 400)
        problem = problem_with(report)
        if problem is not None:
            return _error(problem, 422)
        if reports.process(report):
            app.logger.info("job %s ended: %s", report["id"], report["status"])
        return Response(status=204)

    # For the conformance suite's redelivery check (jobhook check --probe, or
    # ReceiverContract.probe_url): how many times this receiver processed a report.
    @app.get("/internal/jobs/<job_id>/processed")
    def times_processed(job_id: str) -> Response:
        return jsonify(reports.times_processed(job_id))

    return app
