"""The webhook view: the rules of the Flask example, in Django.

* ``csrf_exempt``: the platform posts without a CSRF token (the Authorization value is
  what authenticates it); ``require_POST``: any other method gets 405;
* the Authorization header is compared in constant time; missing, empty or wrong: 401;
* the raw body is parsed here, so an empty body, bytes that are not UTF-8, JSON nested too
  deeply, JSON that is not an object or a report that breaks the contract all get a 4xx
  (over ``DATA_UPLOAD_MAX_MEMORY_SIZE``, Django itself answers 400);
* unknown fields are ignored; a report delivered twice is processed once; 204 at once.
"""

from __future__ import annotations

import hmac
import json
import threading
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

_STATUSES = ("SUCCESS", "FAILURE", "RUNNING")
_TYPES = ("export", "import")
_COUNTS = ("total_operations", "total_succeeded", "total_failed")
_STRINGS = ("created_at", "updated_at", "definition_id", "definition_name")

_lock = threading.Lock()
PROCESSED: dict[str, int] = {}  # report id -> times processed (a database table, really)


def problem_with(report: object) -> str | None:
    """Why ``report`` is not a job report we can process, or None (other fields ignored)."""
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


def times_processed(report_id: str) -> int:
    with _lock:
        return PROCESSED.get(report_id, 0)


@csrf_exempt
@require_POST
def job_ended(request: HttpRequest) -> HttpResponse:
    expected: str = settings.WEBHOOK_AUTHORIZATION
    given = request.headers.get("Authorization", "")
    if not given or not hmac.compare_digest(given.encode(), expected.encode()):
        return JsonResponse({"error": "missing or wrong Authorization"}, status=401)
    try:
        report: Any = json.loads(request.body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):  # deep nesting: Recursion
        return JsonResponse({"error": "the body is not UTF-8 JSON"}, status=400)
    problem = problem_with(report)
    if problem is not None:
        return JsonResponse({"error": problem}, status=422)
    with _lock:
        if report["id"] not in PROCESSED:
            PROCESSED[report["id"]] = 1
    return HttpResponse(status=204)
