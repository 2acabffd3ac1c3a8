"""pytest entry point (``pytest11: jobhook``): wires options and fixtures to the library.

Importing this module must cost a pytest run nothing: Faker, jsonschema, Werkzeug and
requests are imported by the fixtures that need them, never here. The sub-plugins below
are registered with this one, so ``-p no:jobhook`` disables all of them.

Seeds: one seed per run (``--jobhook-seed``, ini ``jobhook_seed``, else random), shared
with pytest-xdist workers. Every test gets its own seed derived from the run seed and its
node id, so a test's payloads do not depend on test order, selection or ``-n``. Other
sub-plugins call :func:`jobhook_seed` and :func:`jobhook_test_seed` for the same seeds.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Generator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from jobhook_testkit._edge_cases import edge_case_names
from jobhook_testkit._seeds import derive_seed, new_seed

if TYPE_CHECKING:
    from pluggy import Result

    from jobhook_testkit._edge_cases import EdgeCase
    from jobhook_testkit.factory import JobReportFactory

pytest_plugins = ["jobhook_testkit._plugin_sender", "jobhook_testkit._plugin_recorder"]

_SEED_KEY = pytest.StashKey[int]()
_SECTIONS_KEY = pytest.StashKey[list[tuple[str, Callable[[], str]]]]()
_SEED_HELP = "seed for jobhook payloads (default: a fresh random seed per run, shown on failure)"


def _parse_seed(text: str) -> int:
    try:
        seed = int(str(text).strip(), 10)
    except ValueError:
        raise ValueError(f"expected a non-negative integer, got {text!r}") from None
    if seed < 0:
        raise ValueError(f"expected a non-negative integer, got {text!r}")
    return seed


def _seed_option(text: str) -> int:
    import argparse

    try:
        return _parse_seed(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("jobhook", "jobhook-testkit (ReachFive job webhook contract tests)")
    group.addoption(
        "--jobhook-seed", dest="jobhook_seed", type=_seed_option, default=None,
        metavar="N", help=_SEED_HELP,
    )
    parser.addini("jobhook_seed", help=_SEED_HELP, default="")


def _resolve_seed(config: pytest.Config) -> int:
    worker_input = getattr(config, "workerinput", None)
    if worker_input is not None and "jobhook_seed" in worker_input:
        return int(worker_input["jobhook_seed"])  # the controller's seed, see below
    option = config.getoption("jobhook_seed", None)
    if option is not None:
        return int(option)
    ini = str(config.getini("jobhook_seed") or "").strip()
    if ini:
        try:
            return _parse_seed(ini)
        except ValueError as exc:
            raise pytest.UsageError(f"ini option jobhook_seed: {exc}") from None
    return new_seed()


class _XdistHooks:
    """Registered only when pytest-xdist is active (its hook is unknown otherwise)."""

    def __init__(self, seed: int) -> None:
        self.seed = seed

    def pytest_configure_node(self, node: Any) -> None:
        node.workerinput["jobhook_seed"] = self.seed


def pytest_configure(config: pytest.Config) -> None:
    seed = _resolve_seed(config)
    config.stash[_SEED_KEY] = seed
    if config.pluginmanager.hasplugin("xdist"):
        config.pluginmanager.register(_XdistHooks(seed), "jobhook-xdist-seed")


def jobhook_seed(config: pytest.Config) -> int:
    """The run's seed: ``--jobhook-seed``, else ini ``jobhook_seed``, else a random one.

    The same on the controller and on every pytest-xdist worker.
    """
    try:
        return config.stash[_SEED_KEY]
    except KeyError:  # the plugin was not configured (e.g. -p no:jobhook)
        raise RuntimeError("the jobhook pytest plugin is not active") from None


def jobhook_test_seed(request: pytest.FixtureRequest) -> int:
    """The seed for the requesting test: derived from :func:`jobhook_seed` and its node id."""
    return derive_seed(jobhook_seed(request.config), request.node.nodeid)


def replay_command(seed: int, nodeid: str) -> str:
    """The shell command that reruns one test with the same payloads."""
    quoted = "'" + nodeid.replace("'", "'\"'\"'") + "'"
    return f"pytest --jobhook-seed={seed} {quoted}"


def _replay_target(item: pytest.Item) -> str:
    """The node id as the user can pass it from where they ran pytest.

    Node ids are relative to the rootdir; pytest reads its arguments relative to the
    directory it was started in, which may be a subdirectory (or another directory).
    """
    nodeid = item.nodeid
    file_part, sep, rest = nodeid.partition("::")
    invoked = item.config.invocation_params.dir
    rootpath = item.config.rootpath
    if not sep or invoked == rootpath:
        return nodeid
    relative = os.path.relpath(rootpath / file_part, invoked)
    return f"{Path(relative).as_posix()}::{rest}"


def pytest_report_header(config: pytest.Config) -> str:
    seed = jobhook_seed(config)
    return f"jobhook: seed {seed} (replay with --jobhook-seed={seed})"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, Result[pytest.TestReport], None]:
    outcome = yield
    try:
        report = outcome.get_result()
    except BaseException:  # another plugin's error: pytest reports it, we add nothing
        return
    if report.failed:
        _add_sections(item, report)
    _scrub_credentials(report)


@pytest.hookimpl(hookwrapper=True)
def pytest_make_collect_report(
    collector: pytest.Collector,
) -> Generator[None, Result[pytest.CollectReport], None]:
    outcome = yield
    try:
        report = outcome.get_result()
    except BaseException:
        return
    _scrub_credentials(report)


def _scrub_credentials(report: pytest.TestReport | pytest.CollectReport) -> None:
    """Scrub every credential given to the library from the report (args, locals, output).

    If the library's redaction module was never imported, no credential was given to it.
    """
    redact = sys.modules.get("jobhook_testkit._redact")
    secrets: tuple[str, ...] = redact.remembered() if redact is not None else ()
    if secrets:
        from jobhook_testkit._plugin_scrub import scrub_report

        scrub_report(report, secrets)


def _add_sections(item: pytest.Item, report: pytest.TestReport) -> None:
    if _SEED_KEY in item.config.stash:
        seed = item.config.stash[_SEED_KEY]
        report.sections.append(
            ("jobhook", f"seed:   {seed}\nreplay: {replay_command(seed, _replay_target(item))}")
        )
    for title, render in item.stash.get(_SECTIONS_KEY, ()):
        try:
            text = render()
        except Exception as exc:  # an INTERNALERROR here would stop the user's whole run
            text = f"(could not be shown: {type(exc).__name__}: {exc})"
        if text:
            report.sections.append((title, text))


def add_failure_section(item: pytest.Item, title: str, render: Callable[[], str]) -> None:
    """Show ``render()`` under ``title`` in the report of ``item`` if it fails.

    For the other jobhook fixtures (the sender shows its last deliveries this way), so
    that one hook writes every jobhook section of a failing test.
    """
    item.stash.setdefault(_SECTIONS_KEY, []).append((title, render))


@pytest.fixture
def job_report_factory(request: pytest.FixtureRequest) -> JobReportFactory:
    """A JobReportFactory seeded for this test (--jobhook-seed), new for each test.

    Same run seed, same test: same reports, whatever the test order or ``-n``. Use
    ``.build(**overrides)``, ``.build_batch(n)``, ``.success()``, ``.failure()``.
    """
    from jobhook_testkit.factory import JobReportFactory

    return JobReportFactory(seed=jobhook_test_seed(request))


@pytest.fixture
def job_report(job_report_factory: JobReportFactory) -> dict[str, Any]:
    """A realistic, schema-valid job report, new for each test (seeded: --jobhook-seed).

    Use job_report_factory for variants: ``job_report_factory.build(status="FAILURE")``.
    """
    return job_report_factory.build()


@pytest.fixture
def job_report_schema() -> dict[str, Any]:
    """The job-report JSON Schema (draft 2020-12) as a dict, a fresh copy for each test.

    Feed it to your own validator, or use ``jobhook_testkit.validate(payload)``.
    """
    from jobhook_testkit.schema import load_schema

    return load_schema()


@pytest.fixture(params=edge_case_names(), ids=edge_case_names())
def jobhook_edge_case(request: pytest.FixtureRequest) -> EdgeCase:
    """A named, schema-valid edge-case report: the test runs once per case (id = its name).

    Unpacks as ``name, report = jobhook_edge_case``; ``.why`` says what it breaks. The
    payload is schema-valid and fresh for each test.
    """
    from jobhook_testkit._edge_cases import edge_case

    return edge_case(request.param)
