"""Assertions about receiver behaviour, for users' own tests.

Each raises :class:`ReceiverAssertionError` (an ``AssertionError``) whose message is the
house "sent / received / expected" block and which keeps the :class:`Delivery` as data.
They hide themselves from pytest tracebacks (``__tracebackhide__``).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Collection, Iterable, Mapping
from typing import TYPE_CHECKING, Any

from jobhook_testkit.delivery import describe

if TYPE_CHECKING:
    from jobhook_testkit._suite_types import ContractReport, SideEffectProbe
    from jobhook_testkit.delivery import Delivery

__all__ = [
    "ContractFailedError",
    "ReceiverAssertionError",
    "assert_acknowledged",
    "assert_answered_within",
    "assert_conforms",
    "assert_rejected",
    "describe",
]


class ReceiverAssertionError(AssertionError):
    """A receiver did not behave as asserted; ``.delivery`` is the evidence."""

    def __init__(self, message: str, delivery: Delivery | None = None) -> None:
        super().__init__(message)
        self.delivery = delivery


class ContractFailedError(ReceiverAssertionError):
    """:func:`assert_conforms` found failed checks; ``.report`` holds every result."""

    def __init__(self, message: str, report: ContractReport) -> None:
        first = next((d for r in report.failures for d in r.deliveries[-1:]), None)
        super().__init__(message, first)
        self.report = report


def _seconds(name: str, value: float) -> float:
    """``value`` if it is a positive, finite number of seconds; ValueError otherwise.

    A NaN bound would make every comparison false: the assertion could never fail.
    """
    if isinstance(value, bool) or not isinstance(value, int | float) or not (
        0 < value < math.inf
    ):
        raise ValueError(f"{name} must be a positive number of seconds, got {value!r}")
    return float(value)


def _status_words(delivery: Delivery) -> str:
    """What the receiver did, after "Receiver": ``answered 204``, ``gave no answer ...``."""
    how = str(delivery.outcome).replace("_", " ")
    if delivery.status_code is None:
        return f"gave no answer ({how})"
    if str(delivery.outcome) not in ("acknowledged", "rejected"):  # the body never ended
        return f"began answering {delivery.status_code} but did not finish ({how})"
    return f"answered {delivery.status_code}"


def assert_acknowledged(delivery: Delivery, *, within: float | None = None) -> None:
    """Assert the receiver answered 2xx in time (its timeout, or ``within`` seconds)."""
    __tracebackhide__ = True
    if within is not None:
        within = _seconds("within", within)
    if not delivery.acknowledged:
        raise ReceiverAssertionError(
            describe(
                delivery,
                headline="Receiver did not acknowledge the job report.",
                expected=f"a 2xx answer within {delivery.timeout:g} s (the configured timeout)",
            ),
            delivery,
        )
    if within is not None and delivery.elapsed > within:
        raise ReceiverAssertionError(
            describe(
                delivery,
                headline="Receiver acknowledged the job report, but too slowly.",
                expected=f"a 2xx answer within {within:g} s",
            ),
            delivery,
        )


def assert_rejected(
    delivery: Delivery, *, statuses: Collection[int] | None = None
) -> None:
    """Assert the receiver answered with one of ``statuses`` (default: any 4xx)."""
    __tracebackhide__ = True
    if statuses is not None:
        statuses = set(statuses)
        if not statuses or not all(
            isinstance(s, int) and not isinstance(s, bool) for s in statuses
        ):
            raise ValueError(
                f"statuses must be HTTP status codes, e.g. statuses={{401, 403}}; got "
                f"{statuses!r} (leave it out to accept any 4xx)"
            )
    code = delivery.status_code
    answered = code is not None and str(delivery.outcome) in ("acknowledged", "rejected")
    if statuses is None:
        ok = answered and code is not None and 400 <= code < 500
        wanted = "a 4xx answer"
    else:
        ok = answered and code in statuses
        wanted = "one of " + ", ".join(str(s) for s in sorted(statuses))
        if len(statuses) == 1:
            wanted = f"a {next(iter(statuses))} answer"
    if not ok:
        raise ReceiverAssertionError(
            describe(
                delivery,
                headline=f"Receiver {_status_words(delivery)}, not {wanted}.",
                expected=f"{wanted} within {delivery.timeout:g} s",
            ),
            delivery,
        )


def assert_answered_within(delivery: Delivery, seconds: float) -> None:
    """Assert some complete answer (any status) arrived within ``seconds``."""
    __tracebackhide__ = True
    seconds = _seconds("seconds", seconds)
    answered = str(delivery.outcome) in ("acknowledged", "rejected")
    if not answered or delivery.elapsed > seconds:
        raise ReceiverAssertionError(
            describe(
                delivery,
                headline=f"Receiver did not answer within {seconds:g} s.",
                expected=f"a complete answer (any status) within {seconds:g} s",
            ),
            delivery,
        )


def assert_conforms(
    target: str | Callable[..., Any],
    *,
    path: str = "/",
    auth: str | None = None,
    timeout: float = 5.0,
    only: Iterable[str] | None = None,
    seed: int | None = None,
    probe: SideEffectProbe | None = None,
    strict: bool = False,
    verify: bool | str = True,
    headers: Mapping[str, str] | None = None,
    probe_url: str | None = None,
) -> ContractReport:
    """Run the conformance suite; raise if a MUST check fails (any check when ``strict``).

    Returns the :class:`ContractReport` so a test can look at warnings and skips.
    ``verify`` is for an https receiver: True, False or a CA bundle path; ``headers`` and
    ``probe_url`` are those of :func:`~jobhook_testkit.contract.check_receiver`.
    """
    __tracebackhide__ = True
    from jobhook_testkit.contract import Status, check_receiver

    report = check_receiver(
        target, path=path, auth=auth, timeout=timeout, only=only, seed=seed, probe=probe,
        verify=verify, headers=headers, probe_url=probe_url,
    )
    bad = [r for r in report if r.status is Status.FAIL or (strict and r.status is Status.WARN)]
    if bad:
        lines = [
            f"Receiver at {report.target} broke {len(bad)} check(s) of the contract "
            f"({report.summary()}; seed {report.seed}):"
        ]
        for result in bad:
            lines.append(f"{result.status.value.upper()} {result.name} ({result.level}): "
                         f"{result.reason}")
            if result.details:
                lines.extend("    " + line for line in result.details.splitlines())
        from jobhook_testkit._text import printable

        raise ContractFailedError(printable("\n".join(lines)), report)
    return report
