"""``ReceiverContract``: the conformance suite as tests in a user's own pytest suite.

    from jobhook_testkit import ReceiverContract

    class TestJobHook(ReceiverContract):
        app = create_app()              # a WSGI or ASGI app (or zero-argument factory), or:
        # url = "http://127.0.0.1:8000" # a receiver that is already running
        path = "/hooks/jobs"
        auth = "Bearer s3cret"

        def probe(self, report):        # optional: enables processes-redelivery-once
            return db.count_processed(report["id"])

Each check of the registry becomes one test, ``test_contract[<check name>]``. A failed
MUST check fails its test with the "sent / received / expected" story; a failed SHOULD
check passes with a :class:`ContractWarning`; a check that cannot apply is skipped with
the reason. An unreachable ``url`` fails one test, ``test_contract[receiver-reachable]``,
and skips the others, instead of erroring every test.
"""

from __future__ import annotations

import inspect
import warnings
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

import pytest

from jobhook_testkit._contract_run import Liveness, describe_errors, sent_secrets
from jobhook_testkit._seeds import derive_seed, new_seed
from jobhook_testkit._text import printable
from jobhook_testkit.contract import (
    DEFAULT_TIMEOUT,
    CheckContext,
    CheckResult,
    ContractWarning,
    ReceiverUnreachableError,
    Status,
    check_names,
    get_check,
    path_problem,
)

__all__ = ["ContractCheckFailed", "ReceiverContract"]

REACHABLE = "receiver-reachable"
MISCONFIGURED = "receiver-contract-configuration"


class ContractCheckFailed(AssertionError):
    """A MUST check failed; ``.result`` is the :class:`CheckResult` (deliveries included)."""

    def __init__(self, message: str, result: CheckResult) -> None:
        super().__init__(message)
        self.result = result
        self.delivery = result.deliveries[-1] if result.deliveries else None


def result_message(result: CheckResult) -> str:
    """The failure text of one check: what it protects, then sent/received/expected."""
    lines = [
        f"{result.name} ({result.level}): {result.reason}",
        f"  protects against: {result.protects}",
    ]
    if result.details:
        lines += ["", result.details]
    return printable("\n".join(lines))


@dataclass
class _Target:
    url: str
    seed: int
    timeout: float
    error: ReceiverUnreachableError | None = None
    app_errors: list[BaseException] | None = None  # what a served app raised
    app_problem: str | None = None  # the app could not be made: one test fails, with it
    reported_by: str | None = None  # the check whose test reported app_problem
    # Shared by the class's checks: once the receiver has gone silent, the checks still to
    # run fail at once instead of each waiting out its timeouts.
    liveness: Liveness = field(default_factory=Liveness)


def _app_error_lines(
    errors: Sequence[BaseException], auth: str | None, result: CheckResult
) -> list[str]:
    """One line per exception the app raised while the check ran (what, where)."""
    secrets = sent_secrets(auth, [result])  # the app may put the header in its exception
    lines = describe_errors(errors, secrets=secrets, limit=3)
    return [f"  the app raised: {line}" for line in lines]


def _static(cls: type, name: str) -> Any:
    """A class attribute as written (a function assigned to ``app`` is not bound)."""
    value = inspect.getattr_static(cls, name, None)
    if isinstance(value, staticmethod | classmethod):
        value = value.__func__
    return value


def _config_problem(cls: type) -> str | None:
    app, url = _static(cls, "app"), _static(cls, "url")
    if app is None and url is None:
        return (
            f"{cls.__name__} sets neither 'app' nor 'url': set app = <your WSGI or ASGI app or a "
            "zero-argument factory> or url = 'http://host:port' of a running receiver"
        )
    if app is not None and url is not None:
        return f"{cls.__name__} sets both 'app' and 'url': keep one"
    problem = path_problem(_static(cls, "path") or "/")
    if problem is not None:
        return f"{cls.__name__}.{problem}"
    if app is not None:
        from jobhook_testkit._app_loader import _is_factory

        problem = None if _is_factory(app) else _app_problem(app)
        if problem is not None:
            return f"{cls.__name__}.app {problem}"
    unknown = [n for n in (*_names(cls, "only"), *_names(cls, "skip_checks"))
               if n not in check_names()]
    if unknown:
        return f"{cls.__name__} names unknown checks {unknown}; known: {check_names()}"
    return _sender_problem(cls)


def _names(cls: type, attribute: str) -> list[str]:
    """``only`` or ``skip_checks`` as a list (a single name may be given as a string)."""
    value = _static(cls, attribute) or ()
    return [value] if isinstance(value, str) else list(value)


def _sender_problem(cls: type) -> str | None:
    """What the sender would refuse in ``timeout``, ``auth`` or ``verify``, said once."""
    from jobhook_testkit._redact import scrub
    from jobhook_testkit.sender import FakeSender

    auth, timeout = _static(cls, "auth"), _static(cls, "timeout")
    try:
        if timeout is not None and (isinstance(timeout, bool)
                                    or not isinstance(timeout, int | float)):
            raise TypeError(f"timeout must be a number of seconds, got {timeout!r}")
        FakeSender("http://127.0.0.1:9/", auth=auth, verify=_static(cls, "verify"),
                   timeout=DEFAULT_TIMEOUT if timeout is None else timeout)
    except (TypeError, ValueError) as exc:
        return f"{cls.__name__}: {scrub(str(exc), auth if isinstance(auth, str) else None)}"
    return None


def _app_problem(app: Any) -> str | None:
    """Why ``app`` cannot be served as a WSGI or ASGI application, or None."""
    from jobhook_testkit._app_loader import app_kind

    try:
        app_kind(app)
    except TypeError as exc:
        return str(exc)
    return None


def _make_app(cls: type) -> tuple[Any, str | None]:
    """The class's app, calling it if it is a factory; or why it cannot be served."""
    from jobhook_testkit._app_loader import _is_factory

    app = _static(cls, "app")
    name = getattr(app, "__name__", "app")
    if _is_factory(app):
        try:
            app = app()
        except Exception as exc:
            return None, f"{cls.__name__}.app: {name}() raised {type(exc).__name__}: {exc}"
        problem = _app_problem(app)
        if problem is not None:
            return None, f"{cls.__name__}.app: what {name}() returned {problem}"
    return app, None


def _timeout(cls: type, config: pytest.Config) -> float:
    value = _static(cls, "timeout")
    if value is not None:
        return float(value)
    try:
        ini = str(config.getini("jobhook_timeout") or "").strip()
    except ValueError:  # the ini option is not registered
        ini = ""
    return float(ini) if ini else DEFAULT_TIMEOUT


def _run_seed(request: pytest.FixtureRequest) -> int:
    try:
        from jobhook_testkit.plugin import jobhook_seed

        seed = jobhook_seed(request.config)
    except RuntimeError:  # plugin disabled: a fresh seed, shown in failures
        seed = new_seed()
    # Per class: two classes checking one live receiver do not send the same ids.
    return derive_seed(seed, request.node.nodeid)


def _is_check_failure(excinfo: pytest.ExceptionInfo[BaseException]) -> bool:
    return excinfo.errisinstance(ContractCheckFailed)


class ReceiverContract:
    """Base class: subclass it (name starting with ``Test``) to get one test per check.

    Class attributes: ``app`` (a WSGI or ASGI app or zero-argument factory, served on an
    ephemeral 127.0.0.1 port for the class) or ``url`` (a running receiver); ``path``
    (appended to either; default ``/``); ``auth`` (the Authorization value the platform
    sends; enables the refusal checks); ``timeout`` (seconds; default ini
    ``jobhook_timeout`` or 5); ``only`` / ``skip_checks`` (check names); ``verify``
    (for an https ``url``: True, False or a CA bundle path). Override
    :meth:`probe` to enable the side-effect check. Reports are seeded from
    ``--jobhook-seed``, so a failure replays with the seed pytest prints. A subclass that
    defines its own ``pytest_generate_tests`` must call ``super().pytest_generate_tests``.
    """

    app: ClassVar[Any] = None
    url: ClassVar[str | None] = None
    path: ClassVar[str] = "/"
    auth: ClassVar[str | None] = None
    timeout: ClassVar[float | None] = None
    only: ClassVar[Sequence[str] | None] = None
    skip_checks: ClassVar[Sequence[str]] = ()
    verify: ClassVar[bool | str] = True

    def probe(self, report: Mapping[str, Any]) -> int | None:
        """How many times the receiver processed ``report`` (None: cannot tell).

        Override it to look in your store (``db.count(report["id"])``); the
        ``processes-redelivery-once`` check delivers a report twice and expects 1. Not
        overridden, that check is skipped.
        """
        return None

    def pytest_generate_tests(self, metafunc: pytest.Metafunc) -> None:
        if metafunc.function.__name__ != "test_contract" or metafunc.cls is None:
            return
        cls = metafunc.cls
        if _config_problem(cls) is not None:
            names = [MISCONFIGURED]
        else:
            only = _names(cls, "only") if _static(cls, "only") is not None else None
            skip = set(_names(cls, "skip_checks"))
            names = [n for n in check_names() if (only is None or n in only) and n not in skip]
            # A check that loads the receiver goes last: a backlog it leaves in a receiver
            # that answers one request at a time must not time out the checks after it.
            names.sort(key=lambda n: get_check(n).loads)
            if _static(cls, "url") is not None:
                names.insert(0, REACHABLE)
        metafunc.parametrize("jobhook_check", names, ids=names)

    # A classmethod: pytest 9.2 deprecates class-scoped fixtures on instance methods.
    @pytest.fixture(scope="class")
    @classmethod
    def jobhook_contract_target(cls, request: pytest.FixtureRequest) -> Iterator[_Target]:
        """The receiver this ReceiverContract class checks, started once for the class.

        With ``app``: served on an ephemeral 127.0.0.1 port until the class is done.
        With ``url``: probed once; ``error`` is set if nothing answers there.
        """
        cls = request.cls or cls  # the concrete subclass being collected
        seed = _run_seed(request)
        path = _static(cls, "path") or "/"
        if _config_problem(cls) is not None:  # test_contract reports it, once
            yield _Target("", seed, DEFAULT_TIMEOUT)
            return
        timeout = _timeout(cls, request.config)
        url = _static(cls, "url")
        if url is not None:
            from jobhook_testkit.contract import _join_url, preflight

            full = _join_url(url, path)
            try:
                preflight(full, auth=_static(cls, "auth"), timeout=timeout,
                          verify=_static(cls, "verify"))
            except ReceiverUnreachableError as exc:
                yield _Target(full, seed, timeout, exc)
                return
            yield _Target(full, seed, timeout)
            return
        from jobhook_testkit._app_loader import LifespanError, start_server
        from jobhook_testkit.contract import _join_url

        app, problem = _make_app(cls)
        server = None
        if problem is None:
            try:
                server = start_server(app)  # WSGI under Werkzeug, ASGI under uvicorn
            except (LifespanError, ImportError, OSError) as exc:  # ImportError: no uvicorn
                problem = f"{cls.__name__}.app could not be served: {exc}"
        if server is None:  # reported once, by the first test, instead of erroring all
            yield _Target("", seed, timeout, app_problem=problem)
            return
        try:
            yield _Target(_join_url(server.url, path), seed, timeout, app_errors=server.errors)
        finally:
            server.stop()

    def test_contract(self, jobhook_check: str, jobhook_contract_target: _Target) -> None:
        """One conformance check against this class's receiver (see the check's name)."""
        # Hide this frame for a failed check (its message is the story); keep it for skips
        # so pytest reports where they come from.
        __tracebackhide__ = _is_check_failure
        cls = type(self)
        target = jobhook_contract_target
        if jobhook_check == MISCONFIGURED:
            pytest.fail(_config_problem(cls) or "misconfigured", pytrace=False)
        if target.app_problem is not None:
            if target.reported_by in (None, jobhook_check):
                target.reported_by = jobhook_check
                pytest.fail(
                    f"{target.app_problem}\n  Nothing was checked; the other checks of "
                    f"{cls.__name__} are skipped.",
                    pytrace=False,
                )
            pytest.skip(f"the app could not be made (see test_contract[{target.reported_by}])")
        if target.error is not None:
            if jobhook_check == REACHABLE:
                pytest.fail(
                    f"{target.error}\n  Nothing was checked: start the receiver at "
                    f"{target.url}, or set app = <WSGI or ASGI app> to serve it from the test. "
                    f"The other checks of {cls.__name__} are skipped.",
                    pytrace=False,
                )
            pytest.skip(f"receiver unreachable at {target.url} (see {REACHABLE})")
        if jobhook_check == REACHABLE:
            return
        overridden = type(self).probe is not ReceiverContract.probe
        ctx = CheckContext(
            url=target.url,
            auth=_static(cls, "auth"),
            timeout=target.timeout,
            seed=target.seed,
            check_name=jobhook_check,
            probe=self.probe if overridden else None,
            verify=_static(cls, "verify"),
            liveness=target.liveness,
        )
        if target.app_errors is not None:
            target.app_errors.clear()  # checks run one at a time here: errors are this one's
        result = get_check(jobhook_check).run(ctx)
        if result.status is Status.SKIP:
            pytest.skip(result.reason)
        message = result_message(result)
        if target.app_errors:
            lines = _app_error_lines(target.app_errors, ctx.auth, result)
            message += "\n" + printable("\n".join(lines))
        if result.status is Status.WARN:
            warnings.warn(ContractWarning(message), stacklevel=1)
        elif result.status is Status.FAIL:
            raise ContractCheckFailed(message, result)

