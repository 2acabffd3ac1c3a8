"""The conformance suite's data types: what checks find and what a run reports.

This module is the bottom of the suite: it imports nothing of it (checks, run loop,
fronts), so each of those can import it. Rendering a report lives in ``_report_render``
and is imported lazily by ``str(report)`` only.
"""

from __future__ import annotations

import enum
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import urlsplit, urlunsplit

from jobhook_testkit._redact import redact_authorization, redact_url

if TYPE_CHECKING:
    from jobhook_testkit.delivery import Delivery

__all__ = [
    "DEFAULT_TIMEOUT",
    "CheckResult",
    "ContractReport",
    "ContractWarning",
    "EndpointNotFoundError",
    "Level",
    "ReceiverStoppedAnswering",
    "ReceiverUnreachableError",
    "SideEffectProbe",
    "Status",
    "Verdict",
    "join_url",
    "path_problem",
]

DEFAULT_TIMEOUT = 5.0


class Level(enum.StrEnum):
    """How binding a check is: MUST failures fail the suite, SHOULD failures warn."""

    MUST = "MUST"
    SHOULD = "SHOULD"


class Status(enum.StrEnum):
    """The result of one check. ``warn`` is a failed SHOULD check."""

    PASS = "pass"
    FAIL = "fail"
    WARN = "warn"
    SKIP = "skip"


class SideEffectProbe(Protocol):
    """Says how many times the receiver processed ``report`` (None: cannot tell)."""

    def __call__(self, report: Mapping[str, Any], /) -> int | None: ...


@dataclass(frozen=True)
class Verdict:
    """What a check function found: pass, fail or skip, one line why, and the evidence.

    ``details`` is the multi-line "sent / received / expected" story of a failure.
    """

    status: Status
    reason: str = ""
    details: str = ""
    deliveries: tuple[Delivery, ...] = ()


@dataclass(frozen=True)
class CheckResult:
    """The outcome of one check against one receiver, as data."""

    name: str
    level: Level
    status: Status
    protects: str
    reason: str = ""
    details: str = ""
    deliveries: tuple[Delivery, ...] = ()
    elapsed: float = 0.0

    @property
    def ok(self) -> bool:
        """False only for a failed MUST check."""
        return self.status is not Status.FAIL

    @property
    def summary(self) -> str:
        """Status code and time of the deliveries, e.g. ``204 in 0.004 s``."""
        if not self.deliveries:
            return ""
        if len(self.deliveries) == 1:
            delivery = self.deliveries[0]
            if delivery.status_code is None:  # no answer: say how it ended
                return f"{str(delivery.outcome).replace('_', ' ')} after {delivery.elapsed:.3f} s"
            return f"{delivery.status_code} in {delivery.elapsed:.3f} s"
        slowest = max(delivery.elapsed for delivery in self.deliveries)
        return f"{len(self.deliveries)} deliveries, slowest {slowest:.3f} s"

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "level": self.level.value,
            "status": self.status.value,
            "protects": self.protects,
            "reason": self.reason,
            "details": self.details,
            "elapsed": round(self.elapsed, 6),
            "deliveries": [_delivery_dict(delivery) for delivery in self.deliveries],
        }


class ContractWarning(UserWarning):
    """A SHOULD check failed: worth fixing, but the receiver is still usable."""


class ReceiverUnreachableError(Exception):
    """The suite could not start: the receiver refused, is unknown, or did not answer."""

    def __init__(self, message: str, delivery: Delivery | None = None) -> None:
        super().__init__(message)
        self.delivery = delivery


class EndpointNotFoundError(ReceiverUnreachableError):
    """The suite could not start: an ordinary report got 404, 405 or a redirect.

    Nothing listens at that path (a forgotten ``--path``, a ``url`` without its path), so
    every rejection the checks would see proves nothing. ``.delivery`` is that attempt.
    """


class ReceiverStoppedAnswering(Exception):
    """Raised inside a check: the run has given up sending to a receiver gone silent."""


@dataclass(frozen=True)
class ContractReport:
    """The results of one run of the suite against one receiver.

    ``passed`` is true when no MUST check failed (warnings and skips do not fail a run).
    """

    target: str
    seed: int
    timeout: float
    auth: str | None  # redacted, for display
    results: tuple[CheckResult, ...]
    elapsed: float = 0.0
    app_errors: tuple[str, ...] = ()  # exceptions a served app raised, one line each
    # The ordinary report delivered before the checks (what credits their refusals).
    first_delivery: Delivery | None = field(default=None, repr=False)

    def __iter__(self) -> Iterator[CheckResult]:
        return iter(self.results)

    def __len__(self) -> int:
        return len(self.results)

    def __getitem__(self, name: str) -> CheckResult:
        for result in self.results:
            if result.name == name:
                return result
        raise KeyError(name)

    def with_status(self, status: Status) -> list[CheckResult]:
        return [result for result in self.results if result.status is status]

    @property
    def failures(self) -> list[CheckResult]:
        return self.with_status(Status.FAIL)

    @property
    def warnings(self) -> list[CheckResult]:
        return self.with_status(Status.WARN)

    @property
    def skipped(self) -> list[CheckResult]:
        return self.with_status(Status.SKIP)

    @property
    def passed(self) -> bool:
        return not self.failures

    @property
    def exit_code(self) -> int:
        return 0 if self.passed else 1

    @property
    def deliveries(self) -> list[Delivery]:
        return [delivery for result in self.results for delivery in result.deliveries]

    def summary(self) -> str:
        """``13 passed, 1 failed (MUST), 1 warning (SHOULD), 4 skipped``."""
        parts = [f"{len(self.with_status(Status.PASS))} passed"]
        if self.failures:
            parts.append(f"{len(self.failures)} failed (MUST)")
        if self.warnings:
            plural = "s" if len(self.warnings) > 1 else ""
            parts.append(f"{len(self.warnings)} warning{plural} (SHOULD)")
        if self.skipped:
            parts.append(f"{len(self.skipped)} skipped")
        return ", ".join(parts)

    def as_dict(self) -> dict[str, Any]:
        return {
            "target": self.target,
            "seed": self.seed,
            "timeout": self.timeout,
            "auth": self.auth,
            "passed": self.passed,
            "summary": self.summary(),
            "elapsed": round(self.elapsed, 6),
            "counts": {status.value: len(self.with_status(status)) for status in Status},
            "app_errors": list(self.app_errors),
            "checks": [result.as_dict() for result in self.results],
        }

    def __str__(self) -> str:
        from jobhook_testkit._report_render import render_text

        return render_text(self)


def _delivery_dict(delivery: Delivery) -> dict[str, Any]:
    request = delivery.request
    return {
        "outcome": str(delivery.outcome),
        "status_code": delivery.status_code,
        "elapsed": round(delivery.elapsed, 6),
        "method": request.method,
        "url": redact_url(request.url),
        "sent_bytes": len(request.body),
        "authorization": redact_authorization(request.authorization),
        "reason": delivery.reason,
    }


def path_problem(path: object) -> str | None:
    """Why ``path`` cannot be a webhook's path (not text, control characters), or None."""
    if not isinstance(path, str):
        return f"path must be a string such as '/hooks/jobs', got {type(path).__name__}"
    if any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in path):
        return f"path must not contain control characters (line breaks...), got {path!r}"
    return None


def join_url(url: str, path: str) -> str:
    """``url`` with the webhook's ``path`` appended (ValueError for a bad path)."""
    problem = path_problem(path)
    if problem is not None:
        raise ValueError(problem)
    if not path or path == "/":
        return url
    # Appended to the URL's path, not to its end: a ?code= or #part stays after it.
    try:
        parts = urlsplit(url)
    except ValueError:  # a malformed URL: the sender says what is wrong with it
        return url.rstrip("/") + "/" + path.lstrip("/")
    return urlunsplit(parts._replace(path=parts.path.rstrip("/") + "/" + path.lstrip("/")))


