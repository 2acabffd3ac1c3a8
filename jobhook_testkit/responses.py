"""A matcher for the ``responses`` library: accept a request only if its body is a job report.

For code that forwards or relays job reports onward with ``requests``::

    import responses
    from jobhook_testkit.responses import job_report_matcher

    @responses.activate
    def test_relay_forwards_the_report(job_report):
        responses.post("https://ops.example.com/jobs", match=[job_report_matcher()])
        relay(job_report)                     # your code, calling requests.post(...)

A request whose body is not a contract-valid job report does not match, and the reason
``responses`` prints lists every violation, one line each (``/total_failed: ...``).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from requests import PreparedRequest

__all__ = ["job_report_matcher"]

_MAX_LISTED = 20


def _body_text(body: object) -> str | None:
    """The request body as text; None when there is none. Raises ValueError if unreadable."""
    if body is None:
        return None
    if isinstance(body, bytes | bytearray):
        try:
            return bytes(body).decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ValueError(
                f"the body is not valid UTF-8 ({exc.reason} at byte {exc.start})"
            ) from None
    if isinstance(body, str):
        return body
    raise ValueError(
        f"the body is a {type(body).__name__} (a stream or file), which cannot be inspected "
        "without consuming it; send bytes or json="
    )


def job_report_matcher(
    *, strict: bool = False
) -> Callable[[PreparedRequest], tuple[bool, str]]:
    """A ``responses`` matcher accepting only bodies that are contract-valid job reports.

    ``strict=True`` also refuses semantic warnings (``updated_at`` before ``created_at``,
    counts that do not add up, a non-terminal status). The returned callable follows the
    ``responses`` protocol: ``match(request) -> (matched, reason)``.
    """

    def match(request: PreparedRequest) -> tuple[bool, str]:
        from jobhook_testkit.schema import validate

        try:
            text = _body_text(request.body)
        except ValueError as exc:
            return False, f"request body is not a job report: {exc}"
        if text is None or not text.strip():
            return False, "request body is not a job report: the body is empty"
        try:
            payload = json.loads(text)
        except ValueError as exc:
            return False, f"request body is not a job report: invalid JSON ({exc})"
        problems = [v for v in validate(payload, strict=strict) if v.is_error]
        if not problems:
            return True, ""
        lines = [f"request body is not a valid job report ({len(problems)} violation(s)):"]
        lines += [f"  {violation}" for violation in problems[:_MAX_LISTED]]
        if len(problems) > _MAX_LISTED:
            lines.append(f"  ... and {len(problems) - _MAX_LISTED} more")
        return False, "\n".join(lines)

    match.__name__ = "job_report_matcher"
    match.__qualname__ = "job_report_matcher"
    return match
