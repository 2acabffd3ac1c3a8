"""A correct End Job Notification receiver written with FastAPI (an ASGI app).

Check it without writing any server code (it is served under uvicorn for the run):

    jobhook check --app examples/asgi_receiver/app.py:create_app \\
        --path /hooks/jobs --auth "Bearer s3cret"

or serve it yourself and check it over a real socket:

    uvicorn examples.asgi_receiver.app:app --port 8000
    jobhook check http://127.0.0.1:8000/hooks/jobs --auth "Bearer s3cret"

The rules are those of the Flask example: constant-time Authorization check, the raw body
parsed by the receiver itself (4xx for anything that is not a job report), unknown fields
ignored, idempotent on the report id, an immediate 204.
"""

from __future__ import annotations

import hmac
import json
from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, Request, Response
from starlette.requests import ClientDisconnect

HOOK_PATH = "/hooks/jobs"
DEFAULT_AUTH = "Bearer s3cret"  # for the example only: read yours from configuration
MAX_BODY = 1024 * 1024  # a job report is a few hundred bytes

_STATUSES = ("SUCCESS", "FAILURE", "RUNNING")
_TYPES = ("export", "import")
_COUNTS = ("total_operations", "total_succeeded", "total_failed")
_STRINGS = ("created_at", "updated_at", "definition_id", "definition_name")


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


def _error(message: str, status: int) -> Response:
    return Response(json.dumps({"error": message}), status, media_type="application/json")


def create_app(*, auth: str | None = DEFAULT_AUTH) -> FastAPI:
    """The receiver app; ``app.state.processed`` maps report ids to times processed."""
    app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)
    processed: dict[str, int] = {}
    app.state.processed = processed

    @app.post(HOOK_PATH)
    async def job_ended(request: Request) -> Response:
        if auth is not None:
            given = request.headers.get("authorization", "")
            if not given or not hmac.compare_digest(given.encode(), auth.encode()):
                return _error("missing or wrong Authorization", 401)
        raw = b""
        try:
            async for chunk in request.stream():  # bounded: never hold a huge body
                raw += chunk
                if len(raw) > MAX_BODY:
                    return _error(f"the body is over {MAX_BODY} bytes", 413)
        except ClientDisconnect:  # the sender hung up mid-body: nothing to process
            return _error("incomplete body", 400)
        try:
            report: Any = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError, RecursionError):  # deep nesting: Recursion
            return _error("the body is not UTF-8 JSON", 400)
        problem = problem_with(report)
        if problem is not None:
            return _error(problem, 422)
        # One event loop thread: no lock needed between the check and the update.
        if report["id"] not in processed:
            processed[report["id"]] = 1
        return Response(status_code=204)

    return app


app = create_app()
