"""What a check is and what it gets: :class:`Check`, :class:`CheckContext`, liveness.

Above the data types (``_suite_types``), below the checks (``_checks``) and the run loop
(``_contract_run``): nothing here imports either of them.
"""

from __future__ import annotations

import threading
import time
import traceback
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Protocol

from jobhook_testkit._redact import is_secret_header, scrub, scrub_all
from jobhook_testkit._seeds import derive_seed
from jobhook_testkit._suite_types import (
    CheckResult,
    Level,
    ReceiverStoppedAnswering,
    SideEffectProbe,
    Status,
    Verdict,
)
from jobhook_testkit.delivery import describe

if TYPE_CHECKING:
    from jobhook_testkit.delivery import Delivery
    from jobhook_testkit.factory import JobReportFactory
    from jobhook_testkit.sender import FakeSender

__all__ = [
    "STOP_AFTER_UNANSWERED",
    "Check",
    "CheckContext",
    "Liveness",
    "scrub_secrets",
    "stopped_verdict",
]

# Deliveries in a row without an answer after which a run stops sending (see Liveness).
STOP_AFTER_UNANSWERED = 6


class Liveness:
    """Counts deliveries in a row, across a run, that got no answer within the timeout.

    Each costs a whole timeout; once ``limit`` of them come in a row (no answer of any
    kind in between) the receiver is taken as gone silent and the checks still to come
    fail at once, instead of each waiting out its own timeouts (23 checks would take
    minutes). A delivery that gets any answer resets the count.
    """

    def __init__(self, limit: int = STOP_AFTER_UNANSWERED) -> None:
        self.limit = limit
        self.interrupted = False
        self._unanswered = 0
        self._lock = threading.Lock()

    def record(self, deliveries: Iterable[Delivery]) -> None:
        with self._lock:
            for delivery in deliveries:
                outcome = str(delivery.outcome)
                if outcome == "timed_out":
                    self._unanswered += 1
                elif outcome in ("acknowledged", "rejected"):
                    self._unanswered = 0

    def interrupt(self) -> None:
        """The run is being abandoned (Ctrl-C): send nothing more."""
        self.interrupted = True

    @property
    def silent(self) -> bool:
        return self._unanswered >= self.limit or self.interrupted


def scrub_secrets(text: str, auth: str | None, headers: Mapping[str, str] | None) -> str:
    """``text`` without ``auth`` or the values of credential-like ``headers``."""
    text = scrub(text, auth)
    for name, value in (headers or {}).items():
        if is_secret_header(name):
            text = scrub(text, value)
    return text


class CheckFunction(Protocol):
    def __call__(self, ctx: CheckContext, /) -> Verdict: ...


@dataclass(frozen=True)
class Check:
    """One conformance check: a name, a level, what it protects against, a function.

    ``needs`` names a precondition (``"auth"``: an Authorization value is configured,
    ``"probe"``: a side-effect probe is given); without it the check is skipped.
    ``exclusive`` checks run alone, after the others (timing and load checks); ``loads``
    ones last of all, so a backlog they leave in a receiver cannot slow another check.
    ``waits`` checks pause on purpose and are started first, so the others fill the pause.
    ``credited_after_ack`` checks can pass without a 2xx (on a refusal: 4xx, 401/403, 405;
    on any quick answer); their pass is credited only when the same endpoint acknowledged
    an ordinary report in the same run.
    """

    name: str
    level: Level
    protects: str
    function: CheckFunction = field(repr=False, compare=False)
    needs: str | None = None
    exclusive: bool = False
    loads: bool = False  # it loads the receiver on purpose: run after every other check
    waits: bool = False  # it sleeps on purpose: started first, so others fill the wait
    credited_after_ack: bool = False  # passes without a 2xx: only after an acknowledgement

    def run(self, ctx: CheckContext) -> CheckResult:
        """Run the check; a failed SHOULD check becomes a warning; never raises."""
        started = time.perf_counter()
        missing = ctx.missing(self.needs)
        if missing is not None:
            verdict = Verdict(Status.SKIP, missing)
        else:
            try:
                verdict = self.function(ctx)
                if verdict.status == Status.PASS and self.credited_after_ack:
                    verdict = _credited(ctx, verdict)
            except ReceiverStoppedAnswering as exc:
                verdict = stopped_verdict(ctx, str(exc))
            except Exception as exc:  # a bug of ours must not kill the whole run
                where = traceback.extract_tb(exc.__traceback__)[-1]
                verdict = Verdict(
                    Status.FAIL,
                    f"the check itself crashed (a jobhook-testkit bug, please report): "
                    f"{type(exc).__name__}: {exc} at {where.filename}:{where.lineno}",
                )
        status = verdict.status
        if status == Status.FAIL and self.level == Level.SHOULD:
            status = Status.WARN
        # A delivery's story is scrubbed of its own Authorization value only; a receiver
        # may echo the configured one in its answer to a request that carried another.
        # The reason and story quote the answers too: neither the configured value nor
        # the near misses of it the check sent may show there.
        sent = [d.request.authorization for d in verdict.deliveries]
        return CheckResult(
            name=self.name,
            level=self.level,
            status=status,
            protects=self.protects,
            reason=scrub_all(ctx.scrub(verdict.reason), sent),
            details=scrub_all(ctx.scrub(verdict.details), sent),
            deliveries=tuple(_scrubbed(d, ctx) for d in verdict.deliveries),
            elapsed=time.perf_counter() - started,
        )


def _credited(ctx: CheckContext, verdict: Verdict) -> Verdict:
    """``verdict`` (a pass without a 2xx) if the endpoint acknowledges ordinary reports."""
    baseline = ctx.baseline_delivery()
    if baseline.acknowledged:
        return verdict
    got = baseline.status_code if baseline.status_code is not None else "no answer"
    return Verdict(
        Status.FAIL,
        f"not credited: this endpoint did not acknowledge an ordinary report in this run "
        f"(it got {got}), so its answers here prove nothing",
        describe(
            baseline,
            headline="Not credited: an ordinary report was not acknowledged either.",
            expected=f"a 2xx answer to an ordinary report within {ctx.timeout:g} s, so that "
            "a refusal means the receiver judged the request",
        ),
        (*verdict.deliveries, baseline),
    )


def _scrubbed(delivery: Delivery, ctx: CheckContext) -> Delivery:
    """``delivery`` with neither the run's secrets nor its own Authorization in ``reason``.

    The reason can quote what the receiver sent back (a malformed header line echoing
    the request's), and the JSON report prints it.
    """
    reason = scrub(ctx.scrub(delivery.reason), delivery.request.authorization)
    if reason == delivery.reason:
        return delivery
    return replace(delivery, reason=reason)


def stopped_verdict(ctx: CheckContext, reason: str) -> Verdict:
    """The failure of a check cut short because the receiver had gone silent."""
    expected = f"an answer to every delivery within {ctx.timeout:g} s (the configured timeout)"
    unanswered = [d for d in ctx.sent if str(d.outcome) == "timed_out"]
    if unanswered:
        details = describe(unanswered[-1], expected=expected,
                           headline="The receiver stopped answering; the check stopped too.")
    else:
        limit = ctx.liveness.limit if ctx.liveness else 0
        headline = (
            f"The receiver stopped answering after this check's first {len(ctx.sent)} "
            "deliveries." if ctx.sent else
            "The receiver stopped answering before this check could run."
        )
        details = "\n".join([
            headline,
            f"  sent:      nothing more: {limit} deliveries in a row had just gone unanswered",
            f"  received:  no answer within {ctx.timeout:g} s to any of them",
            f"  expected:  {expected}",
        ])
    return Verdict(Status.FAIL, reason, details, tuple(ctx.sent))


@dataclass(repr=False)
class CheckContext:
    """What a check function gets: the target, the options, reports and a sender.

    Reports come from a factory seeded from the run's seed and the check's name, so a
    run is reproducible (``--seed``) and each check's reports are its own. ``baseline``
    is the ordinary report the run delivered first (delivered on demand when not given).
    ``headers`` go with every delivery (a gateway's own header...).
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
    headers: Mapping[str, str] = field(default_factory=dict, repr=False)
    baseline: Delivery | None = field(default=None, repr=False)
    _factory: JobReportFactory | None = field(default=None, repr=False)
    _sender: FakeSender | None = field(default=None, repr=False)

    def __repr__(self) -> str:  # pytest prints frame arguments: no credential in it
        from jobhook_testkit._redact import redact_authorization

        return (
            f"CheckContext(url={self.url!r}, auth={redact_authorization(self.auth)!r}, "
            f"timeout={self.timeout:g}, seed={self.seed}, check_name={self.check_name!r})"
        )

    def missing(self, need: str | None) -> str | None:
        """Why the precondition ``need`` is not met, or None when it is."""
        if need == "auth" and not self.auth:
            return "no Authorization value configured: give the one the platform sends"
        if need == "probe" and self.probe is None:
            return (
                "no side-effect probe configured: pass probe= to check_receiver, "
                "--probe to jobhook check, or set ReceiverContract.probe_url or probe()"
            )
        return None

    def scrub(self, text: str) -> str:
        """``text`` without the configured Authorization or credential-like header values."""
        return scrub_secrets(text, self.auth, self.headers)

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

        return FakeSender(self.url, auth=auth, timeout=self.timeout, verify=self.verify,
                          headers=self.headers)

    def report(self, **overrides: Any) -> dict[str, Any]:
        """An ordinary report (SUCCESS, export) with a fresh id; ``overrides`` win."""
        fields: dict[str, Any] = {"status": "SUCCESS", "type": "export", **overrides}
        return self.factory.build(**fields)

    def baseline_delivery(self) -> Delivery:
        """The run's first ordinary delivery; delivered now if the run gave none."""
        if self.baseline is None:
            self.baseline = self.deliver()
        return self.baseline

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
