"""Running the conformance suite: the run loop, the first delivery, app-error lines.

Below the fronts (``check_receiver``, the CLI, ``ReceiverContract``), above the checks:
this is how a run goes, imported only when one starts.
"""

from __future__ import annotations

import time
import traceback
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from typing import Any

from jobhook_testkit._check_context import (
    STOP_AFTER_UNANSWERED,
    Check,
    CheckContext,
    Liveness,
)
from jobhook_testkit._preflight import first_delivery
from jobhook_testkit._redact import is_secret_header, redact_authorization, redact_url, scrub
from jobhook_testkit._registry import select_checks
from jobhook_testkit._seeds import new_seed
from jobhook_testkit._suite_types import (
    CheckResult,
    ContractReport,
    SideEffectProbe,
    join_url,
)

__all__ = [
    "STOP_AFTER_UNANSWERED",
    "Liveness",
    "describe_errors",
    "fits_in_timeout",
    "run_checks",
    "run_suite",
    "sent_secrets",
]

def run_checks(
    selected: Sequence[Check],
    make_context: Callable[[Check], CheckContext],
    *,
    concurrency: int = 4,
    liveness: Liveness | None = None,
) -> tuple[CheckResult, ...]:
    """Run independent checks concurrently, exclusive ones alone after; keep order.

    Interrupted (Ctrl-C), the checks not started are dropped and those running stop at
    their next delivery (through ``liveness``), instead of the whole suite running on.
    """
    results: dict[str, CheckResult] = {}
    shared = sorted((c for c in selected if not c.exclusive), key=lambda c: not c.waits)
    if concurrency > 1 and len(shared) > 1:
        # A receiver that handles one request at a time makes deliveries sent at once wait
        # in line, past the timeout: every check would fail, not only the one about
        # concurrency. One ordinary check runs alone first; its answer time says how
        # many deliveries fit in the timeout one after the other.
        first = next((c for c in shared if not c.waits and c.needs is None), None)
        if first is not None:
            ctx = make_context(first)
            results[first.name] = first.run(ctx)
            shared = [c for c in shared if c is not first]
            concurrency = fits_in_timeout(results[first.name], ctx.timeout, concurrency)
    if concurrency > 1 and len(shared) > 1:
        pool = ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="jobhook-check")
        try:
            futures = [pool.submit(check.run, make_context(check)) for check in shared]
            for check, future in zip(shared, futures, strict=True):
                results[check.name] = future.result()
        except BaseException:
            if liveness is not None:
                liveness.interrupt()
            pool.shutdown(wait=False, cancel_futures=True)
            raise
        pool.shutdown()
    else:
        for check in shared:
            results[check.name] = check.run(make_context(check))
    for check in sorted((c for c in selected if c.exclusive), key=lambda c: c.loads):
        results[check.name] = check.run(make_context(check))
    return tuple(results[check.name] for check in selected)


def fits_in_timeout(result: CheckResult, timeout: float, most: int) -> int:
    """How many deliveries to send at once (1 to ``most``), judged by ``result``'s.

    Sent at once to a receiver that answers one at a time, the last waits for all the
    others: keep that within a third of the timeout. A delivery without an answer: one
    at a time. Nothing sent (the check was skipped): no evidence, ``most``.
    """
    if not result.deliveries:
        return most
    answered = [d for d in result.deliveries if str(d.outcome) in ("acknowledged", "rejected")]
    if len(answered) < len(result.deliveries):
        return 1
    slowest = max(max(d.elapsed for d in answered), 0.001)
    return max(1, min(most, int(timeout / (3 * slowest))))


def run_suite(
    target: str | Callable[..., Any],
    *,
    path: str,
    auth: str | None,
    timeout: float,
    only: Iterable[str] | None,
    seed: int | None,
    probe: SideEffectProbe | None,
    concurrency: int,
    verify: bool | str,
    headers: Mapping[str, str] | None = None,
    probe_url: str | None = None,
    path_hint: str = "path=",
) -> ContractReport:
    """:func:`jobhook_testkit.contract.check_receiver`, which documents it."""
    if not timeout > 0:
        raise ValueError(f"timeout must be a positive number of seconds, got {timeout!r}")
    if probe is not None and probe_url is not None:
        raise ValueError("give probe= or probe_url=, not both")
    selected = select_checks(only)
    run_seed = new_seed() if seed is None else seed
    headers = dict(headers or {})
    problem = headers_problem(headers)
    if problem is not None:
        raise ValueError(problem)
    started = time.perf_counter()
    app_errors: list[BaseException] = []
    with ExitStack() as stack:
        if isinstance(target, str):
            url = join_url(target, path)
        else:
            from jobhook_testkit._app_loader import start_server

            # Not serve_wsgi(): errors the app raises are results (5xx answers) here, not
            # exceptions to re-raise at the end.
            server = start_server(target)  # WSGI, ASGI or a factory; TypeError otherwise
            stack.callback(server.stop)
            app_errors = server.errors
            url = join_url(server.url, path)
        if probe_url is not None:
            from jobhook_testkit._http_probe import HttpProbe

            probe = HttpProbe(probe_url, url, auth=auth, headers=headers, timeout=timeout,
                              verify=verify)
        # Bad options (an Authorization value with a line break...) fail here, once; so
        # does a URL where nothing takes reports (404, 405, a redirect).
        baseline = first_delivery(
            url, auth=auth, timeout=timeout, seed=run_seed, verify=verify, headers=headers,
            path_hint=path_hint, silence_is_unreachable=isinstance(target, str),
        )
        liveness = Liveness()
        liveness.record([baseline])

        def make_context(check: Check) -> CheckContext:
            return CheckContext(
                url=url,
                auth=auth,
                timeout=timeout,
                seed=run_seed,
                check_name=check.name,
                probe=probe,
                verify=verify,
                liveness=liveness,
                headers=headers,
                baseline=baseline,
            )

        results = run_checks(selected, make_context, concurrency=concurrency,
                             liveness=liveness)
    secrets = [*sent_secrets(auth, results), *_header_secrets(headers)]
    return ContractReport(
        target=redact_url(url),  # for display, like auth
        seed=run_seed,
        timeout=timeout,
        auth=redact_authorization(auth),
        results=results,
        elapsed=time.perf_counter() - started,
        app_errors=describe_errors(app_errors, secrets=secrets),
        first_delivery=baseline,
    )


def headers_problem(headers: Mapping[str, str]) -> str | None:
    """Why ``headers`` cannot go with every delivery of the suite, or None.

    The checks send their own Authorization (none, a wrong one) and their own bodies: a
    fixed one would make a receiver fail checks it passes.
    """
    for name in headers:
        lowered = str(name).strip().lower()
        if lowered == "authorization":
            return "headers= cannot set Authorization: give the Authorization value as auth="
        if lowered in ("content-length", "transfer-encoding"):
            return f"headers= cannot set {str(name).strip()}: the sender frames each body itself"
    return None


def _header_secrets(headers: Mapping[str, str]) -> list[str]:
    """The values of credential-like ``headers`` (redacted wherever they could show)."""
    return [value for name, value in headers.items() if is_secret_header(name)]


def sent_secrets(auth: str | None, results: Iterable[CheckResult]) -> list[str]:
    """The configured Authorization value and every other one the checks sent.

    The wrong values some checks send are derived from the configured one (the right
    scheme with its last character changed), so they must not be printed either.
    """
    found = {auth} | {d.request.authorization for r in results for d in r.deliveries}
    # Longest first: scrubbing a value must not leave a longer one half-replaced.
    return sorted((value for value in found if value), key=len, reverse=True)


def describe_errors(
    errors: Sequence[BaseException],
    *,
    secrets: Iterable[str | None] = (),
    limit: int = 5,
) -> tuple[str, ...]:
    """One line per distinct exception (type, message, where it was raised).

    Every value in ``secrets`` (Authorization values: the app may put the header it got
    into its exception) is redacted.
    """
    secrets = list(secrets)
    lines: dict[str, None] = {}
    for exc in list(errors):
        frames = traceback.extract_tb(exc.__traceback__)
        where = f" at {frames[-1].filename}:{frames[-1].lineno}" if frames else ""
        line = f"{type(exc).__name__}: {exc}{where}"
        for secret in secrets:
            line = scrub(line, secret)
        lines[line] = None
    found = list(lines)
    if len(found) > limit:
        found = [*found[:limit], f"... and {len(found) - limit} more"]
    return tuple(found)
