"""What every transport of the fake sender takes and gives back (private).

A transport performs one exchange -- one request, at most one answer -- before a monotonic
deadline, and describes what happened as an :class:`Exchange`. The sender turns that into
the public :class:`~jobhook_testkit.delivery.Delivery`.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from typing import Protocol

from jobhook_testkit.delivery import Outcome


@dataclass(frozen=True)
class Request:
    """One request to make: ``target`` is the path and query sent on the request line."""

    method: str
    url: str
    target: str
    headers: list[tuple[str, str]] = field(repr=False)  # credentials among them
    body: bytes = field(repr=False)
    hang_up_after: int | None = None
    send_rate: tuple[int, float] | None = None


@dataclass
class Exchange:
    """What a transport observed: the outcome, and as much of the answer as arrived."""

    outcome: Outcome
    reason: str
    status_code: int | None = None
    status_text: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""


class Transport(Protocol):
    """Delivers one request, giving up at ``deadline`` (a ``time.monotonic()`` value)."""

    def exchange(self, request: Request, *, deadline: float, max_body: int) -> Exchange: ...


def remaining(deadline: float) -> float:
    """Seconds left before ``deadline`` (may be zero or negative)."""
    return deadline - time.monotonic()


def answered(
    status_code: int, status_text: str, headers: dict[str, str], body: bytes
) -> Exchange:
    """The exchange for a complete answer: 2xx acknowledges, anything else rejects."""
    status = f"{status_code} {status_text}".rstrip()
    if 200 <= status_code < 300:
        outcome, reason = Outcome.ACKNOWLEDGED, f"answered {status}"
    elif 300 <= status_code < 400:
        location = next((v for k, v in headers.items() if k.lower() == "location"), None)
        where = f" to {location}" if location else ""
        outcome = Outcome.REJECTED
        reason = (
            f"answered {status}, a redirect{where}; not followed, "
            "as the platform follows no redirects"
        )
    else:
        outcome, reason = Outcome.REJECTED, f"answered {status}, not a 2xx"
    return Exchange(outcome, reason, status_code, status_text, headers, body)


def describe_error(exc: BaseException) -> str:
    """An OS or TLS error in words, without a Python repr or OpenSSL's source location."""
    verify = getattr(exc, "verify_message", None)
    if verify:
        return str(verify)
    text = getattr(exc, "strerror", None) or str(exc)
    text = re.sub(r"^\[[A-Z]+: [A-Z0-9_]+\] ", "", str(text))
    text = re.sub(r" \(_ssl\.c:\d+\)$", "", text)
    return text or type(exc).__name__
