"""``ReceiverContract``: the conformance suite as tests in a user's own pytest suite.

    from jobhook_testkit import ReceiverContract

    class TestJobHook(ReceiverContract):
        app = create_app()              # a WSGI or ASGI app (or zero-argument factory), or:
        # url = "http://127.0.0.1:8000" # a receiver that is already running
        path = "/hooks/jobs"
        auth = "Bearer s3cret"
        # optional, enables processes-redelivery-once: a URL answering the count...
        probe_url = "/hooks/jobs/{id}/processed"

        # ... or a method (not both)
        # def probe(self, report):
        #     return db.count_processed(report["id"])

Each check of the registry becomes one test, ``test_contract[<check name>]``. A failed
MUST check fails its test with the "sent / received / expected" story; a failed SHOULD
check passes with a :class:`ContractWarning`; a check that cannot apply is skipped with
the reason. An unreachable ``url`` fails one test, ``test_contract[receiver-reachable]``,
and skips the others, instead of erroring every test; so does a ``path`` where nothing
takes reports (an ordinary report got 404, 405 or a redirect), for ``app`` in the first
test that runs.
"""

from __future__ import annotations

import inspect
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

import pytest

from jobhook_testkit._check_context import CheckContext, Liveness
from jobhook_testkit._contract_run import describe_errors, sent_secrets
from jobhook_testkit._registry import check_names, get_check
from jobhook_testkit._seeds import derive_seed, new_seed
from jobhook_testkit._suite_types import (
    DEFAULT_TIMEOUT,
    CheckResult,
    ContractWarning,
    EndpointNotFoundError,
    ReceiverUnreachableError,
    SideEffectProbe,
    Status,
    path_problem,
)
from jobhook_testkit._text import printable

if TYPE_CHECKING:
    from jobhook_testkit.delivery import Delivery

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
    error: ReceiverUnreachableError | None = field(default=None, repr=False)
    app_errors: list[BaseException] | None = None  # what a served app raised
    app_problem: str | None = None  # the app could not be made: one test fails, with it
    reported_by: str | None = None  # the check whose test reported app_problem
    skip_reason: str = "the app could not be made"  # what the other tests say
    # Shared by the class's checks: once the receiver has gone silent, the checks still to
    # run fail at once instead of each waiting out its timeouts.
    liveness: Liveness = field(default_factory=Liveness)
    baseline: Delivery | None = field(default=None, repr=False)  # the first ordinary report

    def __repr__(self) -> str:  # pytest prints arguments in long tracebacks: no userinfo
        from jobhook_testkit._redact import redact_url

        return f"<ReceiverContract target {redact_url(self.url)}>"


def _app_error_lines(
    errors: Sequence[BaseException],
    auth: str | None,
    result: CheckResult,
    headers: Mapping[str, str],
) -> list[str]:
    """One line per exception the app raised while the check ran (what, where)."""
    from jobhook_testkit._redact import is_secret_header

    # The app may put the header it got in its exception.
    secrets = [*sent_secrets(auth, [result]),
               *(value for name, value in headers.items() if is_secret_header(name))]
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
    """What the sender would refuse in ``url``, ``timeout``, ``auth``, ``headers`` or
    ``verify``, or in ``probe_url``, said once (with no credential in it)."""
    from jobhook_testkit._check_context import scrub_secrets
    from jobhook_testkit._contract_run import headers_problem
    from jobhook_testkit._http_probe import probe_url_problem
    from jobhook_testkit._suite_types import join_url
    from jobhook_testkit.sender import FakeSender

    auth, timeout, url = _static(cls, "auth"), _static(cls, "timeout"), _static(cls, "url")
    headers = _static(cls, "headers")
    if not isinstance(headers, Mapping):
        return f"{cls.__name__}.headers must be a mapping such as {{'X-Gateway': 'value'}}"
    fixed = headers_problem(headers)
    if fixed is not None:
        return f"{cls.__name__}: {fixed.replace('headers= ', 'headers ').replace('auth=', 'auth')}"
    probe_url = _static(cls, "probe_url")
    if probe_url is not None:
        problem = probe_url_problem(probe_url)
        if problem is None and _static(cls, "probe") is not ReceiverContract.probe:
            problem = "set probe_url or override probe(), not both"
        if problem is not None:
            return f"{cls.__name__}: {problem}"
    try:
        if timeout is not None and (isinstance(timeout, bool)
                                    or not isinstance(timeout, int | float)):
            raise TypeError(f"timeout must be a number of seconds, got {timeout!r}")
        # A URL with user:password@ is refused here, once, by a message that omits them.
        target = join_url(url, _static(cls, "path") or "/") if isinstance(url, str) else (
            "http://127.0.0.1:9/" if url is None else url
        )
        FakeSender(target, auth=auth, verify=_static(cls, "verify"), headers=headers,
                   timeout=DEFAULT_TIMEOUT if timeout is None else timeout)
    except (TypeError, ValueError) as exc:
        secret = auth if isinstance(auth, str) else None
        return f"{cls.__name__}: {scrub_secrets(str(exc), secret, headers)}"
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


def _run_seed(config: pytest.Config, nodeid: str) -> int:
    try:
        from jobhook_testkit.plugin import jobhook_seed

        seed = jobhook_seed(config)
    except RuntimeError:  # plugin disabled: a fresh seed, shown in failures
        seed = new_seed()
    # Per class: two classes checking one live receiver do not send the same ids.
    return derive_seed(seed, nodeid)


def _is_check_failure(excinfo: pytest.ExceptionInfo[BaseException]) -> bool:
    return excinfo.errisinstance(ContractCheckFailed)


class ReceiverContract:
    """Base class: subclass it (name starting with ``Test``) to get one test per check.

    Class attributes: ``app`` (a WSGI or ASGI app or zero-argument factory, served on an
    ephemeral 127.0.0.1 port for the class) or ``url`` (a running receiver); ``path``
    (appended to either; default ``/``); ``auth`` (the Authorization value the platform
    sends; enables the refusal checks); ``timeout`` (seconds; default ini
    ``jobhook_timeout`` or 5); ``only`` / ``skip_checks`` (check names); ``verify``
    (for an https ``url``: True, False or a CA bundle path); ``headers`` (sent with every
    delivery; credential-like values are redacted). Set ``probe_url`` (a URL template
    with ``{id}``, relative to the receiver when it starts with ``/``) or override
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
    headers: ClassVar[Mapping[str, str]] = {}
    probe_url: ClassVar[str | None] = None

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

    def test_contract(self, jobhook_check: str, request: pytest.FixtureRequest) -> None:
        """One conformance check against this class's receiver (see the check's name)."""
        # Hide this frame for a failed check (its message is the story); keep it for skips
        # so pytest reports where they come from.
        __tracebackhide__ = _is_check_failure
        cls = type(self)
        target = _class_target(cls, request)
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
            pytest.skip(f"{target.skip_reason} (see test_contract[{target.reported_by}])")
        if target.error is not None:
            if jobhook_check == REACHABLE:
                pytest.fail(_unreachable_message(cls, target), pytrace=False)
            pytest.skip(f"receiver unreachable at {target.url} (see {REACHABLE})")
        if jobhook_check == REACHABLE:
            return
        auth, headers = _static(cls, "auth"), dict(_static(cls, "headers"))
        if target.app_errors is not None:
            target.app_errors.clear()  # checks run one at a time here: errors are this one's
        result = get_check(jobhook_check).run(CheckContext(
            url=target.url,
            auth=auth,
            timeout=target.timeout,
            seed=target.seed,
            check_name=jobhook_check,
            probe=self._probe_for(target, auth, headers),
            verify=_static(cls, "verify"),
            liveness=target.liveness,
            headers=headers,
            baseline=target.baseline,
        ))
        if result.status == Status.SKIP:
            pytest.skip(result.reason)
        message = result_message(result)
        if target.app_errors:
            lines = _app_error_lines(target.app_errors, auth, result, headers)
            message += "\n" + printable("\n".join(lines))
        if result.status == Status.WARN:
            warnings.warn(ContractWarning(message), stacklevel=1)
        elif result.status == Status.FAIL:
            raise ContractCheckFailed(message, result)

    def _probe_for(
        self, target: _Target, auth: str | None, headers: Mapping[str, str]
    ) -> SideEffectProbe | None:
        """The side-effect probe: ``probe_url`` asked over HTTP, or :meth:`probe`."""
        probe_url = _static(type(self), "probe_url")
        if probe_url is not None:
            from jobhook_testkit._http_probe import HttpProbe

            return HttpProbe(probe_url, target.url, auth=auth, headers=headers,
                             timeout=target.timeout, verify=_static(type(self), "verify"))
        overridden = type(self).probe is not ReceiverContract.probe
        return self.probe if overridden else None


_TARGET = pytest.StashKey[_Target]()


def _class_target(cls: type, request: pytest.FixtureRequest) -> _Target:
    """The receiver ``cls`` checks: made by the class's first test, kept until its last.

    Not a class-scoped fixture: every subclass would get a definition of its own, and
    ``pytest --fixtures`` (pytest 9.2) sorts them and crashes when two tie (two classes
    whose node ids have the same length). A Class node's stash and finalizer do the same.
    """
    __tracebackhide__ = True  # it holds the class's credentials: never print its frame
    holder: pytest.Item | pytest.Class = request.node.getparent(pytest.Class) or request.node
    target = holder.stash.get(_TARGET, None)
    if target is None:
        # Forgotten when the class is torn down: should its tests come back later (a
        # plugin reordering them), the receiver is made again, as for a class fixture.
        holder.addfinalizer(lambda: _forget(holder))
        target = _make_target(cls, request.config, holder)
        holder.stash[_TARGET] = target
    return target


def _forget(holder: pytest.Item | pytest.Class) -> None:
    if _TARGET in holder.stash:
        del holder.stash[_TARGET]


def _make_target(cls: type, config: pytest.Config, holder: pytest.Item | pytest.Class) -> _Target:
    """Serve ``app`` (until ``holder`` is done) or take ``url``; deliver a first report."""
    __tracebackhide__ = True
    seed = _run_seed(config, holder.nodeid)
    if _config_problem(cls) is not None:  # test_contract reports it, once
        return _Target("", seed, DEFAULT_TIMEOUT)
    timeout = _timeout(cls, config)
    from jobhook_testkit._suite_types import join_url

    path = _static(cls, "path") or "/"
    if _static(cls, "url") is not None:
        target = _Target(join_url(_static(cls, "url"), path), seed, timeout)
        _first_delivery(cls, target)
        return target
    from jobhook_testkit._app_loader import LifespanError, start_server

    app, problem = _make_app(cls)
    server = None
    if problem is None:
        try:
            server = start_server(app)  # WSGI under Werkzeug, ASGI under uvicorn
        except (LifespanError, ImportError, OSError) as exc:  # ImportError: no uvicorn
            problem = f"{cls.__name__}.app could not be served: {exc}"
    if server is None:  # reported once, by the first test, instead of erroring all
        return _Target("", seed, timeout, app_problem=problem)
    holder.addfinalizer(server.stop)
    target = _Target(join_url(server.url, path), seed, timeout, app_errors=server.errors)
    _first_delivery(cls, target)
    return target


def _first_delivery(cls: type, target: _Target) -> None:
    """Deliver the run's first ordinary report to ``target``; note why nothing can be
    checked there (unreachable, or no endpoint at its path) for the tests to report."""
    __tracebackhide__ = True
    from jobhook_testkit._preflight import first_delivery

    try:
        target.baseline = first_delivery(
            target.url, auth=_static(cls, "auth"), timeout=target.timeout, seed=target.seed,
            verify=_static(cls, "verify"), headers=_static(cls, "headers"),
            path_hint=f"{cls.__name__}.path", silence_is_unreachable=target.app_errors is None,
        )
    except EndpointNotFoundError as exc:
        if target.app_errors is None:  # url: reported by receiver-reachable
            target.error = exc
        else:
            target.app_problem = str(exc)
            target.skip_reason = "nothing takes reports at this path"
    except ReceiverUnreachableError as exc:
        target.error = exc
    if target.baseline is not None:
        target.liveness.record([target.baseline])


def _unreachable_message(cls: type, target: _Target) -> str:
    if isinstance(target.error, EndpointNotFoundError):
        return f"{target.error}\n  The other checks of {cls.__name__} are skipped."
    return (
        f"{target.error}\n  Nothing was checked: start the receiver at "
        f"{target.url}, or set app = <WSGI or ASGI app> to serve it from the test. "
        f"The other checks of {cls.__name__} are skipped."
    )
