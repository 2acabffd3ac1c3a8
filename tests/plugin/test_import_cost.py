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
# What the ASGI, load and browser features bring; not watched in the pytest run below, where
# other installed plugins (pytest-locust) may import them on their own.
HEAVY_EXTRAS = ("uvicorn", "starlette", "fastapi", "django", "locust", "gevent", "playwright")

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
        f"print(json.dumps(sorted(m for m in {HEAVY + HEAVY_EXTRAS!r} if m in sys.modules)))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert json.loads(result.stdout) == []


def test_a_run_without_fakers_plugin_imports_faker_only_when_a_test_needs_it(
    pytester: pytest.Pytester,
) -> None:
    # A fresh interpreter, with every sub-plugin jobhook registers, as a user runs it.
    pytester.makeconftest(REPORT_HEAVY)
    pytester.makepyfile(
        test_1_light="""
        import sys

        def test_plain():
            pass

        def test_edges(jobhook_edge_case, job_report_schema):
            assert jobhook_edge_case.payload and job_report_schema
            assert "faker" not in sys.modules
        """,
        test_2_factory="""
        def test_factory(job_report_factory):
            assert len(job_report_factory.build_batch(50)) == 50
            assert job_report_factory.faker.company()  # Faker works without its plugin
        """,
    )
    result = pytester.runpytest_subprocess(
        "-p", "no:faker", "-p", "no:hypothesispytest", "-p", "no:benchmark", "-p", "no:anyio",
        "-s", timeout=60,
    )
    result.assert_outcomes(passed=2 + len(edge_case_names()))
    assert _heavy_modules(result, "COLLECTION") == []
    assert "faker" in _heavy_modules(result, "END")
