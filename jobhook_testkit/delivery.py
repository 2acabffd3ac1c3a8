"""The record of one delivery attempt: what was sent, what came back, and the outcome.

A :class:`Delivery` is data (tests inspect its fields) and it explains itself:
``str(delivery)`` is the "sent / received / expected" block every failure message uses,
and :func:`describe` gives it another headline and expectation (the checks and the
assertions both tell their failures that way).
Authorization values are kept as sent (so a test can check them) but redacted in every
printed form: ``str()``, ``repr()`` and the rendered block.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass, field

from jobhook_testkit._redact import (
    is_secret_header,
    redact_authorization,
    redact_headers,
    redact_url,
    remembered,
    scrub,
    scrub_all,
)
from jobhook_testkit._text import printable

__all__ = ["Delivery", "Outcome", "SentRequest", "describe"]

# How much of each body the rendered block shows.
_PREVIEW_CHARS = 160


class Outcome(enum.StrEnum):
    """How one delivery attempt ended, as the platform would see it."""

    ACKNOWLEDGED = "acknowledged"  # a complete 2xx answer within the timeout
    REJECTED = "rejected"  # any other status, 3xx included (redirects are not followed)
    TIMED_OUT = "timed_out"  # the deadline passed before a complete answer
    CONNECTION_FAILED = "connection_failed"  # no connection, reset, TLS or protocol failure


@dataclass(frozen=True)
class SentRequest:
    """The request exactly as sent; ``headers`` hold the Authorization value verbatim."""

    method: str
    url: str
    # compare=False keeps pytest from drilling into the headers (and printing the
    # Authorization value) when two requests differ; __eq__ below still compares them.
    headers: dict[str, str] = field(repr=False, compare=False)
    body: bytes = field(repr=False)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, SentRequest):
            return NotImplemented
        return (self.method, self.url, self.headers, self.body) == (
            other.method,
            other.url,
            other.headers,
            other.body,
        )

    @property
    def authorization(self) -> str | None:
        """The Authorization value as sent (unredacted), or None if none was sent."""
        return _get(self.headers, "authorization")

    def redacted_headers(self) -> dict[str, str]:
        """The headers with secret-bearing values redacted (safe to print or store)."""
        return redact_headers(self.headers)

    def __repr__(self) -> str:
        return (
            f"SentRequest(method={self.method!r}, url={self.url!r}, "
            f"headers={self.redacted_headers()!r}, body=<{len(self.body)} bytes>)"
        )


@dataclass(frozen=True)
class Delivery:
    """One attempt to deliver a job report: one request, at most one answer.

    ``status_code`` is set whenever a status line arrived, even if the outcome is
    ``timed_out`` (the body was still arriving at the deadline). ``body_excerpt`` holds the
    response body read before the sender stopped (at most the sender's ``max_body``).
    ``reason`` is one line in words; ``str(delivery)`` renders the whole story.
    """

    outcome: Outcome
    status_code: int | None
    elapsed: float
    request: SentRequest
    response_headers: dict[str, str] = field(default_factory=dict, repr=False)
    body_excerpt: bytes = field(default=b"", repr=False)
    reason: str = ""
    timeout: float = 5.0
    status_text: str = ""  # the reason phrase of the status line ("OK", "NOT FOUND")

    def __post_init__(self) -> None:
        # Built by hand (a test of code that consumes deliveries), the outcome may be the
        # plain string: "acknowledged" would otherwise not be Outcome.ACKNOWLEDGED.
        outcome: object = self.outcome
        if not isinstance(outcome, Outcome):
            object.__setattr__(self, "outcome", Outcome(str(outcome)))

    @property
    def acknowledged(self) -> bool:
        """True if the receiver answered 2xx, completely, within the timeout."""
        return self.outcome is Outcome.ACKNOWLEDGED

    def __str__(self) -> str:
        return render(self)

    def __repr__(self) -> str:
        # One line that fits pytest's 240-character assertion-message limit, so that
        # ``assert delivery.acknowledged, delivery`` says what happened; str() tells all.
        text = (
            f"<Delivery {self.outcome.value} after {self.elapsed:.3f} s: {self.reason}; "
            f"{self.request.method} {redact_url(self.request.url)}>"
        )
        return scrub(text, self.request.authorization)


def _get(headers: dict[str, str], name: str) -> str | None:
    for key, value in headers.items():
        if key.lower() == name:
            return value
    return None


def _preview(data: bytes, *, quote: bool = True, limit: int = _PREVIEW_CHARS,
             secrets: tuple[str | None, ...] = ()) -> str:
    """A one-line excerpt of a body: decoded leniently, whitespace folded, scrubbed of
    ``secrets``, shortened (in that order: a cut would leave half a secret unscrubbable)."""
    if not data:
        return "''" if quote else "(empty body)"
    text = " ".join(data[: limit * 4].decode("utf-8", errors="replace").split())
    text = scrub_all(text, secrets)
    if len(text) > limit:
        text = text[: limit - 3] + "..."
    return repr(text) if quote else printable(text, one_line=True)


_HEADLINES = {
    Outcome.ACKNOWLEDGED: "Receiver acknowledged the job report.",
    Outcome.REJECTED: "Receiver did not acknowledge the job report.",
    Outcome.TIMED_OUT: "Receiver did not answer within the timeout; the sender hung up.",
    Outcome.CONNECTION_FAILED: "The job report could not be delivered.",
}


def _secrets(request: SentRequest) -> tuple[str | None, ...]:
    """The credentials a body excerpt may echo: the request's own and the process's."""
    own = [value for name, value in request.headers.items() if is_secret_header(name)]
    return (request.authorization, *own, *remembered())


def _received(delivery: Delivery) -> str:
    after = f"after {delivery.elapsed:.3f} s"
    if delivery.status_code is None:
        return f"no answer {after}: {printable(delivery.reason, one_line=True)}"
    status = printable(f"{delivery.status_code} {delivery.status_text}".rstrip(), one_line=True)
    excerpt = _preview(delivery.body_excerpt, secrets=_secrets(delivery.request))
    line = f"{status} {after}: {excerpt}"
    if delivery.outcome is not Outcome.ACKNOWLEDGED:
        line += f"\n             ({printable(delivery.reason, one_line=True)})"
    return line


def render(delivery: Delivery) -> str:
    """The multi-line "sent / received / expected" block, with secrets redacted."""
    request = delivery.request
    auth = redact_authorization(request.authorization)
    auth_note = f"Authorization: {auth}" if auth is not None else "no Authorization"
    lines = [
        _HEADLINES[delivery.outcome],
        f"  sent:      {request.method} {redact_url(request.url)}  "
        f"({len(request.body)} bytes, {auth_note})",
        f"             {_preview(request.body, quote=False)}",
        f"  received:  {_received(delivery)}",
        f"  expected:  a 2xx answer within {delivery.timeout:g} s (the configured timeout)",
    ]
    return scrub("\n".join(lines), request.authorization)


# The block's own "(answered 400, not a 2xx)" note assumes a 2xx was wanted.
_NOT_2XX = re.compile(r"^\s+\(answered .*, not a 2xx\)$")


def describe(delivery: Delivery, *, expected: str, headline: str | None = None) -> str:
    """The delivery's "sent / received" block with our own headline and expectation."""
    # Control characters a receiver sent (in its status line) are shown escaped, so they
    # cannot split the block into stray lines or act on a terminal.
    text = printable(str(delivery))
    lines = [line for line in text.split("\n") if not _NOT_2XX.match(line)]
    if headline is not None and lines:
        lines[0] = headline
    expected_line = f"  expected:  {expected}"
    for index, line in enumerate(lines):
        if line.lstrip().startswith("expected:"):
            lines[index] = expected_line
            break
    else:
        lines.append(expected_line)
    return "\n".join(lines)
