"""The conformance suite: one registry of checks, used by the API, the CLI and pytest.

Each :class:`Check` has a stable kebab-case ``name``, a :class:`Level` (``MUST`` breaks
the contract, ``SHOULD`` is a warning), one sentence on what it ``protects`` against, and
a function from a :class:`CheckContext` to a verdict. :func:`check_receiver` runs them
against a URL or a WSGI app and returns a :class:`ContractReport` (data; rendering lives
in ``_report_render``).

This module is a front: the data types are in ``_suite_types``, what a check is and gets
in ``_check_context``, the checks in ``_checks``, the registry in ``_registry`` and how a
run goes in ``_contract_run``; imports run one way, from the types up to here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from jobhook_testkit._check_context import Check, CheckContext
from jobhook_testkit._preflight import preflight as preflight
from jobhook_testkit._registry import check_names, checks, get_check
from jobhook_testkit._registry import select_checks as select_checks
from jobhook_testkit._suite_types import DEFAULT_TIMEOUT as DEFAULT_TIMEOUT
from jobhook_testkit._suite_types import (
    CheckResult,
    ContractReport,
    ContractWarning,
    EndpointNotFoundError,
    Level,
    ReceiverUnreachableError,
    SideEffectProbe,
    Status,
    Verdict,
)
from jobhook_testkit._suite_types import ReceiverStoppedAnswering as ReceiverStoppedAnswering
from jobhook_testkit._suite_types import join_url as _join_url  # noqa: F401
from jobhook_testkit._suite_types import path_problem as path_problem

__all__ = [
    "Check",
    "CheckContext",
    "CheckResult",
    "ContractReport",
    "ContractWarning",
    "EndpointNotFoundError",
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
    headers: Mapping[str, str] | None = None,
    probe_url: str | None = None,
) -> ContractReport:
    """Run the conformance suite against a receiver and return the report.

    ``target`` is a URL (``path`` is appended when not ``/``) or a WSGI or ASGI
    application (or a zero-argument factory of one), which is served on an ephemeral
    127.0.0.1 port for the run, ASGI apps under uvicorn with their lifespan (the hang-up
    and concurrency checks need a real socket). ``probe(report)`` returns how many times the
    receiver processed a report, or None when unknown; it enables the side-effect check.
    ``probe_url`` does the same over HTTP: a URL template whose ``{id}`` is the report id,
    relative to the receiver's origin when it starts with ``/``, asked with a GET that
    carries the same Authorization and headers, answering a JSON integer or
    ``{"processed": n}``. ``headers`` go with every delivery (values of credential-like
    ones are redacted in every output). Reports get fresh ids from ``seed`` (random when
    None; ``report.seed`` says which).

    The run starts by delivering one ordinary report. Raises ``ValueError`` for unknown
    check names or a bad timeout, :class:`ReceiverUnreachableError` when a URL target does
    not answer at all, and :class:`EndpointNotFoundError` (a subclass) when that first
    report gets 404, 405 or a redirect: nothing takes reports at that path.
    """
    from jobhook_testkit._contract_run import run_suite

    return run_suite(
        target, path=path, auth=auth, timeout=timeout, only=only, seed=seed, probe=probe,
        concurrency=concurrency, verify=verify, headers=headers, probe_url=probe_url,
    )
