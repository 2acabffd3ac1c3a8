"""A failed SHOULD check is a ContractWarning: -W error makes it a failure, one filter
line keeps it a warning (the README's "SHOULD checks and -W error" note)."""

from __future__ import annotations

import pytest

SUITE = """
    import json
    from jobhook_testkit import ReceiverContract

    def app(environ, start_response):
        # Right on every MUST this suite runs; answers a GET with 200 (SHOULD be 405).
        if environ["REQUEST_METHOD"] != "POST":
            start_response("200 OK", [("Content-Length", "0")])
            return [b""]
        size = int(environ.get("CONTENT_LENGTH") or 0)
        try:
            ok = isinstance(json.loads(environ["wsgi.input"].read(size)), dict)
        except ValueError:
            ok = False
        start_response("204 No Content" if ok else "400 Bad Request", [("Content-Length", "0")])
        return [b""]

    class TestHook(ReceiverContract):
        app = app
        only = ["acknowledges-success-report", "rejects-get"]
"""

# The README's lines, as a project's pyproject.toml holds them.
ERROR_ONLY = """
[tool.pytest.ini_options]
filterwarnings = ["error"]
"""
KEEP_WARNING = """
[tool.pytest.ini_options]
filterwarnings = [
    "error",
    "default::jobhook_testkit.ContractWarning",
]
"""

pytestmark = pytest.mark.slow


def run(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    # A subprocess, as users run it: in-process, the inner run would inherit this suite's
    # own "error" filter, and re-imported modules would make its verdict unreliable.
    return pytester.runpytest_subprocess("-p", "no:cacheprovider", *args)


@pytest.fixture
def suite(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    # A user's own run: not an xdist worker of this suite (plugins would notice).
    for name in ("PYTEST_XDIST_WORKER", "PYTEST_XDIST_WORKER_COUNT", "PYTEST_XDIST_TESTRUNUID",
                 "PYTEST_ADDOPTS"):
        monkeypatch.delenv(name, raising=False)
    pytester.makepyfile(test_hook=SUITE)
    return pytester


def test_should_failure_is_a_warning_by_default(suite: pytest.Pytester) -> None:
    result = run(suite)
    result.assert_outcomes(passed=2, warnings=1)
    result.stdout.fnmatch_lines(["*ContractWarning*rejects-get*"])


@pytest.mark.parametrize("where", ["pyproject", "command-line"])
def test_error_filter_turns_it_into_a_failure(suite: pytest.Pytester, where: str) -> None:
    if where == "pyproject":
        suite.makepyprojecttoml(ERROR_ONLY)
    result = run(suite, *(["-W", "error"] if where == "command-line" else []))
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(
        ["*ContractWarning*", "FAILED test_hook.py::TestHook::test_contract[[]rejects-get[]]*"]
    )


def test_one_filter_line_keeps_it_a_warning(suite: pytest.Pytester) -> None:
    suite.makepyprojecttoml(KEEP_WARNING)
    result = run(suite)
    result.assert_outcomes(passed=2, warnings=1)
    result.stdout.fnmatch_lines(["*ContractWarning: rejects-get (SHOULD)*"])
