"""The conformance suite: one registry of checks, used by the API, the CLI and pytest.

Each :class:`Check` has a stable kebab-case ``name``, a :class:`Level` (``MUST`` breaks
the contract, ``SHOULD`` is a warning), one sentence on what it ``protects`` against, and
a function from a :class:`CheckContext` to a verdict. :func:`check_receiver` runs them
against a URL or a WSGI app and returns a :class:`ContractReport` (data; rendering lives
in ``_report_render``). The checks themselves are in ``_checks``, and how a run goes
(concurrency, stopping when the receiver goes silent) in ``_contract_run``; both are
imported only when the suite runs, so listing names stays cheap.
"""

from __future__ import annotations

import enum
import time
import traceback
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Protocol

from jobhook_testkit._redact import redact_authorization, scrub
from jobhook_testkit._seeds import derive_seed

if TYPE_CHECKING:
    from jobhook_testkit._contract_run import Liveness
    from jobhook_testkit.delivery import Delivery
    from jobhook_testkit.factory import JobReportFactory
    from jobhook_testkit.sender import FakeSender

__all__ = [
    "Check",
    "CheckContext",
    "CheckResult",
    "ContractReport",
    "ContractWarning",
    "Level",
    "ReceiverUnreachableError",
    "SideEffectProbe",
    "Status",
    "Verdict",
    "check_names",
    "check_receiver",
    "checks",
    "get_check",
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


class CheckFunction(Protocol):
    def __call__(self, ctx: CheckContext, /) -> Verdict: ...


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


@dataclass(frozen=True)
class Check:
    """One conformance check: a name, a level, what it protects against, a function.

    ``needs`` names a precondition (``"auth"``: an Authorization value is configured,
    ``"probe"``: a side-effect probe is given); without it the check is skipped.
    ``exclusive`` checks run alone, after the others (timing and load checks); ``loads``
    ones last of all, so a backlog they leave in a receiver cannot slow another check.
    ``waits`` checks pause on purpose and are started first, so the others fill the pause.
    """

    name: str
    level: Level
    protects: str
    function: CheckFunction = field(repr=False, compare=False)
    needs: str | None = None
    exclusive: bool = False
    loads: bool = False  # it loads the receiver on purpose: run after every other check
    waits: bool = False  # it sleeps on purpose: started first, so others fill the wait

    def run(self, ctx: CheckContext) -> CheckResult:
        """Run the check; a failed SHOULD check becomes a warning; never raises."""
        started = time.perf_counter()
        missing = ctx.missing(self.needs)
        if missing is not None:
            verdict = Verdict(Status.SKIP, missing)
        else:
            try:
                verdict = self.function(ctx)
            except ReceiverStoppedAnswering as exc:
                from jobhook_testkit._contract_run import stopped_verdict

                verdict = stopped_verdict(ctx, str(exc))
            except Exception as exc:  # a bug of ours must not kill the whole run
                where = traceback.extract_tb(exc.__traceback__)[-1]
                verdict = Verdict(
                    Status.FAIL,
                    f"the check itself crashed (a jobhook-testkit bug, please report): "
                    f"{type(exc).__name__}: {exc} at {where.filename}:{where.lineno}",
                )
        status = verdict.status
        if status is Status.FAIL and self.level is Level.SHOULD:
            status = Status.WARN
        # A delivery's story is scrubbed of its own Authorization value only; a receiver
        # may echo the configured one in its answer to a request that carried another.
        return CheckResult(
            name=self.name,
            level=self.level,
            status=status,
            protects=self.protects,
            reason=scrub(verdict.reason, ctx.auth),
            details=scrub(verdict.details, ctx.auth),
            deliveries=tuple(_scrubbed(d, ctx.auth) for d in verdict.deliveries),
            elapsed=time.perf_counter() - started,
        )


def _scrubbed(delivery: Delivery, secret: str | None) -> Delivery:
    """``delivery`` with neither ``secret`` nor its own Authorization in its ``reason``.

    The reason can quote what the receiver sent back (a malformed header line echoing
    the request's), and the JSON report prints it.
    """
    reason = scrub(scrub(delivery.reason, secret), delivery.request.authorization)
    if reason == delivery.reason:
        return delivery
    return replace(delivery, reason=reason)


class ContractWarning(UserWarning):
    """A SHOULD check failed: worth fixing, but the receiver is still usable."""


class ReceiverUnreachableError(Exception):
    """The suite could not start: the receiver refused, is unknown, or did not answer."""

    def __init__(self, message: str, delivery: Delivery | None = None) -> None:
        super().__init__(message)
        self.delivery = delivery


class ReceiverStoppedAnswering(Exception):
    """Raised inside a check: the run has given up sending to a receiver gone silent."""


@dataclass
class CheckContext:
    """What a check function gets: the target, the options, reports and a sender.

    Reports come from a factory seeded from the run's seed and the check's name, so a
    run is reproducible (``--seed``) and each check's reports are its own.
    """

    url: str
    auth: str | None = field(repr=False)  # a credential: never in a repr or a traceback
    timeout: float
    seed: int
    check_name: str
    probe: SideEffectProbe | None = None
    verify: bool | str = True
    liveness: Liveness | None = field(default=None, repr=False)  # shared by a run's checks
    sent: list[Delivery] = field(default_factory=list, repr=False)  # by deliver(), in order
    _factory: JobReportFactory | None = field(default=None, repr=False)
    _sender: FakeSender | None = field(default=None, repr=False)

    def missing(self, need: str | None) -> str | None:
        """Why the precondition ``need`` is not met, or None when it is."""
        if need == "auth" and not self.auth:
            return "no Authorization value configured: give the one the platform sends"
        if need == "probe" and self.probe is None:
            return (
                "no side-effect probe configured: pass probe= to check_receiver or "
                "override ReceiverContract.probe"
            )
        return None

    @property
    def factory(self) -> JobReportFactory:
        if self._factory is None:
            from jobhook_testkit.factory import JobReportFactory

            self._factory = JobReportFactory(seed=derive_seed(self.seed, self.check_name))
        return self._factory

    @property
    def sender(self) -> FakeSender:
        if self._sender is None:
            self._sender = self.make_sender(auth=self.auth)
        return self._sender

    def make_sender(self, *, auth: str | None) -> FakeSender:
        from jobhook_testkit.sender import FakeSender

        return FakeSender(self.url, auth=auth, timeout=self.timeout, verify=self.verify)

    def report(self, **overrides: Any) -> dict[str, Any]:
        """An ordinary report (SUCCESS, export) with a fresh id; ``overrides`` win."""
        fields: dict[str, Any] = {"status": "SUCCESS", "type": "export", **overrides}
        return self.factory.build(**fields)

    def fresh_id_like(self, original: object) -> str:
        """A fresh id of the same shape (length, ``-`` and ``_`` kept in place)."""
        fresh = str(self.factory.build()["id"])
        if not isinstance(original, str) or not original:
            return fresh
        pool = "".join(ch for ch in fresh if ch.isalnum()) or "A"
        chars = []
        for index, ch in enumerate(original):
            chars.append(ch if not ch.isalnum() else pool[index % len(pool)])
        if chars[0].isalnum():
            chars[0] = "A" if not chars[0].isalpha() else chars[0]
        return "".join(chars)

    def deliver(self, report: Mapping[str, Any] | None = None, **options: Any) -> Delivery:
        """Deliver ``report`` (default: a new ordinary report) with sender options."""
        if report is None and "body" not in options:
            report = self.report()
        self.ensure_answering()
        delivery = self.sender.deliver(report, **options)
        self.record([delivery])
        return delivery

    def ensure_answering(self) -> None:
        """Raise :class:`ReceiverStoppedAnswering` once the run has found it silent."""
        if self.liveness is not None and self.liveness.silent:
            raise ReceiverStoppedAnswering(
                f"not run to the end: the receiver stopped answering ({self.liveness.limit} "
                f"deliveries in a row got no answer within {self.timeout:g} s)"
            )

    def record(self, deliveries: Sequence[Delivery]) -> None:
        """Note deliveries sent other than through :meth:`deliver` (``deliver_many``)."""
        self.sent.extend(deliveries)
        if self.liveness is not None:
            self.liveness.record(deliveries)


def checks() -> tuple[Check, ...]:
    """Every check, in the order reports list them."""
    from jobhook_testkit._checks import CHECKS

    return CHECKS


def check_names() -> list[str]:
    """The names of every check, in registry order (cheap: sends nothing)."""
    return [check.name for check in checks()]


def get_check(name: str) -> Check:
    """The check called ``name``; ``KeyError`` listing the known names otherwise."""
    for check in checks():
        if check.name == name:
            return check
    raise KeyError(f"unknown check {name!r}; known checks: {', '.join(check_names())}")


def select_checks(only: Iterable[str] | None) -> tuple[Check, ...]:
    """The checks named in ``only`` (registry order), or all; ValueError for unknown names."""
    if only is None:
        return checks()
    if isinstance(only, str):  # one name, not its characters
        only = [only]
    wanted = list(dict.fromkeys(only))
    unknown = [name for name in wanted if name not in check_names()]
    if unknown:
        raise ValueError(
            f"unknown check name(s): {', '.join(unknown)}; known checks: "
            f"{', '.join(check_names())}"
        )
    return tuple(check for check in checks() if check.name in wanted)


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
        "url": request.url,
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


def _join_url(url: str, path: str) -> str:
    problem = path_problem(path)
    if problem is not None:
        raise ValueError(problem)
    if not path or path == "/":
        return url
    return url.rstrip("/") + "/" + path.lstrip("/")


def preflight(
    url: str, *, auth: str | None, timeout: float, verify: bool | str = True
) -> Delivery:
    """One GET to see that something answers; raise ReceiverUnreachableError otherwise."""
    from jobhook_testkit.delivery import Outcome
    from jobhook_testkit.sender import FakeSender

    sender = FakeSender(url, auth=auth, timeout=timeout, verify=verify)
    delivery = sender.deliver(body=b"", method="GET", content_type=None)
    if delivery.outcome in (Outcome.CONNECTION_FAILED, Outcome.TIMED_OUT):
        raise ReceiverUnreachableError(
            f"receiver unreachable at {url}: {delivery.reason}", delivery
        )
    return delivery


def check_receiver(
    target: str | Callable[..., Any],
    *,
    path: str = "/",
    auth: str | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    only: Iterable[str] | None = None,
    seed: int | None = None,
    probe: SideEffectProbe | None = None,
    concurrency: int = 4,
    verify: bool | str = True,
) -> ContractReport:
    """Run the conformance suite against a receiver and return the report.

    ``target`` is a URL (``path`` is appended when not ``/``) or a WSGI application,
    which is served on an ephemeral 127.0.0.1 port for the run (the hang-up and
    concurrency checks need a real socket). ``probe(report)`` returns how many times the
    receiver processed a report, or None when unknown; it enables the side-effect check.
    Reports get fresh ids from ``seed`` (random when None; ``report.seed`` says which).

    Raises ``ValueError`` for unknown check names or a bad timeout, and
    :class:`ReceiverUnreachableError` when a URL target does not answer at all.
    """
    from jobhook_testkit._contract_run import run_suite

    return run_suite(
        target, path=path, auth=auth, timeout=timeout, only=only, seed=seed, probe=probe,
        concurrency=concurrency, verify=verify,
    )
