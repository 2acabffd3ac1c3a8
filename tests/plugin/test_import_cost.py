"""The plugin must cost a user's pytest run nothing: heavy imports wait for a fixture.

Faker's own pytest plugin imports all of Faker in every run (we cannot stop that); with
``-p no:faker`` nothing heavy may be imported until a test uses one of our fixtures.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from jobhook_testkit._edge_cases import edge_case_names

HEAVY = ("faker", "jsonschema", "werkzeug", "requests", "hypothesis", "flask", "httpx")

REPORT_HEAVY = f"""
import json, sys

def _heavy():
    return sorted(m for m in {HEAVY!r} if m in sys.modules)

def pytest_collection_finish(session):
    print("HEAVY-AT-COLLECTION", json.dumps(_heavy()))

def pytest_sessionfinish(session):
    print("HEAVY-AT-END", json.dumps(_heavy()))
"""


def _heavy_modules(result: pytest.RunResult, when: str) -> list[str]:
    line = next(line for line in result.outlines if f"HEAVY-AT-{when} " in line)
    found: list[str] = json.loads(line.split(f"HEAVY-AT-{when} ", 1)[1])
    return found


def test_importing_the_plugin_imports_nothing_heavy() -> None:
    code = (
        "import json, sys; import jobhook_testkit.plugin, jobhook_testkit.factory;"
        f"print(json.dumps(sorted(m for m in {HEAVY!r} if m in sys.modules)))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert json.loads(result.stdout) == []


def test_collecting_a_suite_imports_nothing_heavy_without_fakers_plugin(
    pytester: pytest.Pytester,
) -> None:
    # A fresh interpreter, with every sub-plugin jobhook registers, as a user runs it.
    pytester.makeconftest(REPORT_HEAVY)
    pytester.makepyfile(
        """
        def test_plain():
            pass

        def test_edges(jobhook_edge_case):
            pass
        """
    )
    result = pytester.runpytest_subprocess(
        "-p", "no:faker", "-p", "no:hypothesispytest", "--co", "-s", timeout=60
    )
    assert result.ret == pytest.ExitCode.OK
    assert _heavy_modules(result, "COLLECTION") == []
    assert _heavy_modules(result, "END") == []


def test_fixtures_import_faker_only_when_a_name_needs_it(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(REPORT_HEAVY)
    pytester.makepyfile(
        """
        def test_edges(jobhook_edge_case, job_report_schema):
            assert jobhook_edge_case.payload and job_report_schema
        """
    )
    result = pytester.runpytest_subprocess(
        "-p", "no:faker", "-p", "no:hypothesispytest", "-s", timeout=60
    )
    result.assert_outcomes(passed=len(edge_case_names()))
    assert _heavy_modules(result, "END") == []

    pytester.makepyfile(
        test_factory="""
        def test_many(job_report_factory):
            assert len(job_report_factory.build_batch(50)) == 50
            assert job_report_factory.faker.company()
        """
    )
    result = pytester.runpytest_subprocess(
        "-p", "no:faker", "-p", "no:hypothesispytest", "-s", "test_factory.py", timeout=60
    )
    result.assert_outcomes(passed=1)
    assert "faker" in _heavy_modules(result, "END")  # and it worked without Faker's plugin
