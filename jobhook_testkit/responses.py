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

import zlib
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from requests import PreparedRequest

__all__ = ["job_report_matcher"]

_MAX_LISTED = 20
_MAX_INFLATED = 64 * 1024 * 1024  # a compressed body is inflated up to this many bytes


def _inflate(body: bytes, encoding: str) -> bytes:
    """``body`` decoded from its Content-Encoding (gzip or deflate); ValueError otherwise."""
    if encoding in ("gzip", "x-gzip"):
        decoders = [zlib.decompressobj(16 + zlib.MAX_WBITS)]
    elif encoding == "deflate":  # zlib-wrapped as the RFC says, or raw as some servers send
        decoders = [zlib.decompressobj(), zlib.decompressobj(-zlib.MAX_WBITS)]
    else:
        raise ValueError(f"the body is {encoding!r}-encoded (Content-Encoding), which "
                         "this matcher cannot decode; gzip and deflate are understood")
    for decoder in decoders:
        try:
            data = decoder.decompress(body, _MAX_INFLATED)
        except zlib.error:
            continue
        if decoder.unconsumed_tail:
            raise ValueError(f"the {encoding} body inflates past {_MAX_INFLATED} bytes")
        return data
    raise ValueError(f"the body is not valid {encoding} data, though Content-Encoding says so")


def _content_encoding(headers: Mapping[str, str] | None) -> str:
    for name, value in (headers or {}).items():
        if name.lower() == "content-encoding":
            return value.strip().lower()
    return ""


def _body_text(body: object, encoding: str = "") -> str | None:
    """The request body as text; None when there is none. Raises ValueError if unreadable."""
    if body is None:
        return None
    if encoding not in ("", "identity"):
        if isinstance(body, str):
            body = body.encode("utf-8", "surrogateescape")
        if isinstance(body, bytes | bytearray | memoryview):
            body = _inflate(bytes(body), encoding)
    if isinstance(body, bytes | bytearray | memoryview):
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
            text = _body_text(request.body, _content_encoding(request.headers))
        except ValueError as exc:
            return False, f"request body is not a job report: {exc}"
        if text is None or not text.strip():
            return False, "request body is not a job report: the body is empty"
        if text.startswith("\ufeff"):
            return False, ("request body is not a job report: it starts with a UTF-8 byte "
                           "order mark, which JSON does not allow")
        from jobhook_testkit._jsonio import duplicate_pointers, key_of, loads_strict

        try:
            payload = loads_strict(text)  # the reader jobhook validate and the recorder use
        except RecursionError:
            return False, "request body is not a job report: JSON nested too deeply to parse"
        except ValueError as exc:
            return False, f"request body is not a job report: invalid JSON ({exc})"
        repeated = duplicate_pointers(payload)
        if repeated:
            return False, (f"request body is not a job report: invalid JSON (the key "
                           f"{key_of(repeated[0])!r} appears twice in one object (receivers "
                           "disagree on which value wins))")
        if isinstance(payload, str) and payload.lstrip().startswith("{"):
            return False, ("request body is not a job report: it is a JSON string holding "
                           "JSON (encoded twice? pass the report itself to json=, not "
                           "json.dumps(report))")
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
