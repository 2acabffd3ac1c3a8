"""A side-effect probe asked over HTTP: ``--probe`` and ``ReceiverContract.probe_url``.

The template's ``{id}`` is replaced by the report id, URL-quoted; a template starting
with ``/`` is relative to the receiver's origin (its port may be chosen at run time). The
probe is a GET with the deliveries' Authorization and headers; it must answer 200 with a
JSON integer, or a JSON object whose ``processed`` field is that integer.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote, urlsplit

from jobhook_testkit._check_context import scrub_secrets
from jobhook_testkit._redact import has_userinfo, redact_url
from jobhook_testkit._text import printable

__all__ = ["HttpProbe", "ProbeAnswerError", "probe_url_problem"]

_SHOWN = 120  # characters of a probe's answer quoted in a failure


class ProbeAnswerError(Exception):
    """The probe's answer was not a count; the message says what it answered."""

    explains_itself = True  # the check quotes the message as is


def probe_url_problem(template: object) -> str | None:
    """Why ``template`` cannot be a probe URL template, or None."""
    if not isinstance(template, str) or not template:
        return "the probe URL must be a non-empty string such as '/jobs/{id}/processed'"
    shown = redact_url(template)  # a password (or a ?token=) in it is never printed
    if has_userinfo(template):  # checked first: the run would only fail later, on each probe
        return (
            f"the probe URL {shown!r} holds user:password@, which is not sent: the probe "
            "is asked with the deliveries' Authorization"
        )
    if "{id}" not in template:
        return f"the probe URL {shown!r} has no {{id}} for the report id"
    if not template.startswith("/") and urlsplit(template).scheme not in ("http", "https"):
        return (
            f"the probe URL {shown!r} must start with / (relative to the receiver) or "
            "http:// or https://"
        )
    return None


def resolve(template: str, receiver_url: str, report_id: str) -> str:
    """The probe's URL for ``report_id``, relative ones joined to the receiver's origin."""
    url = template.replace("{id}", quote(report_id, safe=""))
    if url.startswith("/"):
        parts = urlsplit(receiver_url)
        url = f"{parts.scheme}://{parts.netloc}{url}"
    return url


class HttpProbe:
    """A :class:`~jobhook_testkit.contract.SideEffectProbe` that asks a URL."""

    def __init__(
        self,
        template: str,
        receiver_url: str,
        *,
        auth: str | None,
        headers: Mapping[str, str] | None,
        timeout: float,
        verify: bool | str,  # always the run's: no default to forget
    ) -> None:
        problem = probe_url_problem(template)
        if problem is not None:
            raise ValueError(problem)
        self.template = template
        self.receiver_url = receiver_url
        self._auth = auth
        self._headers = dict(headers or {})
        self._timeout = timeout
        self._verify = verify

    def __repr__(self) -> str:
        return f"HttpProbe({self.template!r})"

    def __call__(self, report: Mapping[str, Any], /) -> int | None:
        from jobhook_testkit.sender import FakeSender

        url = resolve(self.template, self.receiver_url, str(report.get("id", "")))
        sender = FakeSender(url, auth=self._auth, headers=self._headers,
                            timeout=self._timeout, verify=self._verify)
        answer = sender.deliver(body=b"", method="GET", content_type=None)
        count = _count(answer.body_excerpt) if answer.status_code == 200 else None
        if str(answer.outcome) == "acknowledged" and count is not None:
            return count
        if answer.status_code is None:
            said = f"gave no answer ({answer.reason})"
        else:
            body = scrub_secrets(answer.body_excerpt.decode("utf-8", "replace"),
                                 self._auth, self._headers)  # before the cut: see _preview
            shown = body if len(body) <= _SHOWN else body[: _SHOWN - 3] + "..."
            said = f"answered {answer.status_code} {shown!r}"
        message = (  # a ?code= in an absolute probe URL is a credential like the receiver's
            f"GET {redact_url(answer.request.url)} {said}; expected 200 with a JSON integer or "
            '{"processed": <integer>}'
        )
        raise ProbeAnswerError(
            printable(scrub_secrets(message, self._auth, self._headers), one_line=True)
        )


def _count(body: bytes) -> int | None:
    try:
        value = json.loads(body)
    except ValueError:
        return None
    if isinstance(value, dict):
        value = value.get("processed")
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    return None
