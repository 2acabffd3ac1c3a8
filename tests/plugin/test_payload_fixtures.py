"""The payload fixtures, as a user's test suite sees them (pytester, no conftest code)."""

from __future__ import annotations

import json

import pytest

from jobhook_testkit._edge_cases import edge_case, edge_case_names
from jobhook_testkit.plugin import derive_seed
from jobhook_testkit.schema import load_schema

OUR_FIXTURES = ("job_report", "job_report_factory", "job_report_schema", "jobhook_edge_case")


def _run(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    # Hypothesis' plugin costs ~0.7 s per in-process run and plays no part here.
    return pytester.runpytest("-p", "no:hypothesispytest", *args)


def _dump_lines(result: pytest.RunResult) -> dict[str, object]:
    """{key: value} from lines the inner tests print as 'DUMP key json'."""
    found: dict[str, object] = {}
    for line in result.outlines:
        if "DUMP " in line:  # with -s, pytest's progress dots may precede the output
            _, key, text = line[line.index("DUMP ") :].split(" ", 2)
            found[key] = json.loads(text)
    return found


def test_job_report_is_valid_new_per_test_and_seeded(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import json
        from jobhook_testkit import validate

        def test_one(job_report):
            assert validate(job_report, strict=True) == []
            print("DUMP one", json.dumps(job_report))

        def test_two(job_report, job_report_factory):
            print("DUMP two", json.dumps(job_report))
            print("DUMP seed", job_report_factory.seed)
        """
    )
    result = _run(pytester, "-s", "--jobhook-seed=77")
    result.assert_outcomes(passed=2)
    dumps = _dump_lines(result)
    assert dumps["one"] != dumps["two"]
    assert dumps["seed"] == derive_seed(77, "test_job_report_is_valid_new_per_test_and_seeded.py"
                                        "::test_two")

    again = _dump_lines(_run(pytester, "-s", "--jobhook-seed=77"))
    assert again == dumps
    other = _dump_lines(_run(pytester, "-s", "--jobhook-seed=78"))
    assert other["one"] != dumps["one"]


def test_job_report_factory_builds_variants(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        from jobhook_testkit import validate
        from jobhook_testkit.factory import JobReportFactory

        def test_factory(job_report_factory):
            assert isinstance(job_report_factory, JobReportFactory)
            report = job_report_factory.build(status="FAILURE", type="export")
            assert (report["status"], report["type"]) == ("FAILURE", "export")
            batch = job_report_factory.build_batch(20)
            assert len({r["id"] for r in batch}) == 20
            assert all(validate(r, strict=True) == [] for r in batch)
            assert job_report_factory.success()["status"] == "SUCCESS"
        """
    )
    _run(pytester, ).assert_outcomes(passed=1)


def test_job_report_schema_is_a_fresh_copy(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import json

        def test_mutate(job_report_schema):
            print("DUMP schema", json.dumps(job_report_schema))
            job_report_schema["required"].clear()

        def test_intact(job_report_schema):
            assert "id" in job_report_schema["required"]
        """
    )
    result = _run(pytester, "-s")
    result.assert_outcomes(passed=2)
    assert _dump_lines(result)["schema"] == load_schema()


def test_edge_case_fixture_runs_once_per_case_with_the_name_as_id(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(
        """
        import json
        from jobhook_testkit import validate

        def test_receiver(jobhook_edge_case):
            name, report = jobhook_edge_case
            assert jobhook_edge_case.why
            assert [v for v in validate(report) if v.is_error] == []
            print("DUMP", name, json.dumps(report))
        """
    )
    collected = _run(pytester, "--co", "-q")
    ids = [line.split("[", 1)[1].rstrip("]") for line in collected.outlines if "::" in line]
    assert ids == edge_case_names()

    result = _run(pytester, "-s")
    result.assert_outcomes(passed=len(edge_case_names()))
    dumps = _dump_lines(result)
    assert dumps == {name: edge_case(name).payload for name in edge_case_names()}


def test_edge_case_fixture_can_be_narrowed_by_the_user(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.parametrize(
            "jobhook_edge_case", ["emoji-name", "import-job"], indirect=True
        )
        def test_some(jobhook_edge_case):
            assert jobhook_edge_case.name in {"emoji-name", "import-job"}
        """
    )
    result = _run(pytester, "-v")
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(["*test_some?emoji-name? PASSED*"])


def test_fixtures_listing_shows_a_standalone_first_paragraph(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("def test_nothing(): pass")
    result = _run(pytester, "--fixtures")
    lines = result.outlines
    for name in OUR_FIXTURES:
        header = next(i for i, line in enumerate(lines) if line.split(" ")[0] == name)
        summary = lines[header + 1].strip()
        assert summary and "no docstring available" not in summary, name
        assert summary.endswith("."), (name, summary)  # a sentence, not a cut-off one
        assert lines[header + 2].strip() == "" or lines[header + 2].startswith(" " * 4)
    text = "\n".join(lines)
    assert "A realistic, schema-valid job report, new for each test" in text
    assert "A named, schema-valid edge-case report: the test runs once per case" in text


def test_fixtures_work_with_fakers_own_plugin_disabled(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        def test_uses_everything(job_report, job_report_factory, job_report_schema):
            assert job_report["id"]
            assert job_report_factory.faker.name()
            assert job_report_schema["type"] == "object"
        """
    )
    result = _run(pytester, "-p", "no:faker")
    result.assert_outcomes(passed=1)
