"""``processes-redelivery-once``: one report delivered twice, judged once it settled.

The recommended receiver answers first and processes in a background worker, so the
second processing of a redelivered report lands after the first count: the check keeps
watching the probe for a settle period (:func:`settle_period`) before judging, and fails
as soon as the count passes 1.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from jobhook_testkit._check_context import CheckContext
from jobhook_testkit._suite_types import Status, Verdict
from jobhook_testkit.delivery import describe

__all__ = ["PROBE_INTERVAL", "SETTLE_FLOOR", "processed_once", "settle_period"]

SETTLE_FLOOR = 0.1  # seconds the check watches the probe at least after its first count
PROBE_INTERVAL = 0.02  # seconds between two questions to the probe


def settle_period(first_count_after: float, timeout: float) -> float:
    """How long to keep watching the probe after it first counts a processing.

    A receiver that answers first and processes in a background worker lands its second
    processing of a redelivered report up to one processing time after the first (a
    single worker does them one after the other). The first count took
    ``first_count_after`` seconds from the first delivery, so the check watches
    ``SETTLE_FLOOR + 1.5 * first_count_after`` more, and never longer than the timeout.
    """
    return min(timeout, SETTLE_FLOOR + 1.5 * first_count_after)


def processed_once(ctx: CheckContext) -> Verdict:
    assert ctx.probe is not None
    report = ctx.report()
    started = time.monotonic()
    deliveries = (ctx.deliver(report), ctx.deliver(report))
    try:
        count, watched = _watch_count(ctx, report, started)
    except Exception as exc:  # the user's probe, not a bug of ours: say so
        over_http = getattr(exc, "explains_itself", False)  # --probe, probe_url
        said = str(exc) if over_http else f"raised {type(exc).__name__}: {exc}"
        expected = (
            "the probe URL answers 200 with how many times the report was processed"
            if over_http else
            "probe(report) returns how many times the report was processed "
            "(or None when it cannot tell)"
        )
        return Verdict(
            Status.FAIL,
            f"the side-effect probe {said}",
            describe(deliveries[1], headline=f"The side-effect probe {said}",
                     expected=expected),
            deliveries,
        )
    if count is None:
        return Verdict(Status.SKIP, "the probe could not tell how often it processed the report")
    if count == 1:
        return Verdict(Status.PASS, deliveries=deliveries)
    when = f" within {watched:.2f} s of the first delivery" if count else (
        f" after {watched:.2f} s: never processed"
    )
    return Verdict(
        Status.FAIL,
        f"the same report delivered twice was processed {count} times{when}; expected once",
        describe(
            deliveries[1],
            headline=f"The same report, delivered twice, was processed {count} times{when}.",
            expected="the side effect exactly once (deduplicate on the report id), also "
            "when the processing happens in the background",
        ),
        deliveries,
    )


def _watch_count(
    ctx: CheckContext, report: Mapping[str, Any], started: float
) -> tuple[int | None, float]:
    """The probe's count once it has settled (see :func:`settle_period`), and when.

    Waits up to the timeout for a first count; then watches for the settle period and
    returns as soon as the count goes past 1.
    """
    assert ctx.probe is not None
    deadline = started + ctx.timeout
    count = ctx.probe(report)
    while count == 0 and time.monotonic() < deadline:  # it may process asynchronously
        time.sleep(PROBE_INTERVAL)
        count = ctx.probe(report)
    if count != 1:
        return count, time.monotonic() - started
    settle_until = time.monotonic() + settle_period(time.monotonic() - started, ctx.timeout)
    while time.monotonic() < settle_until:
        time.sleep(PROBE_INTERVAL)
        later = ctx.probe(report)
        if later is None:  # it can no longer tell: judge what it said
            break
        count = later
        if count > 1:
            break
    return count, time.monotonic() - started
