"""`jobhook schema`: the packaged contract, printed unchanged, or where it is installed."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
import yaml

from jobhook_testkit.cli import main
from jobhook_testkit.factory import JobReportFactory

SCHEMA_DIR = Path(__file__).resolve().parents[2] / "schema"


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    assert main(["schema", *args]) == 0
    captured = capsys.readouterr()
    assert captured.err == ""
    return captured.out


def test_prints_the_json_schema_that_other_validators_can_use(
    capsys: pytest.CaptureFixture[str],
) -> None:
    out = _run(capsys)
    assert out == (SCHEMA_DIR / "job-report.schema.json").read_text(encoding="utf-8")
    schema = json.loads(out)
    validator = jsonschema.Draft202012Validator(
        schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )
    report = JobReportFactory(seed=3).build()
    assert list(validator.iter_errors(report)) == []
    assert [e.json_path for e in validator.iter_errors({**report, "total_failed": -1})] == [
        "$.total_failed"
    ]


def test_openapi_prints_the_openapi_document(capsys: pytest.CaptureFixture[str]) -> None:
    out = _run(capsys, "--openapi")
    assert out == (SCHEMA_DIR / "openapi.yaml").read_text(encoding="utf-8")
    assert yaml.safe_load(out)["openapi"].startswith("3.1")


def test_path_names_the_installed_files_and_the_openapi_ref_resolves_there(
    capsys: pytest.CaptureFixture[str],
) -> None:
    schema_file = Path(_run(capsys, "--path").strip())
    openapi_file = Path(_run(capsys, "--openapi", "--path").strip())
    assert schema_file.is_absolute()
    assert schema_file.name == "job-report.schema.json"
    assert openapi_file.name == "openapi.yaml"
    assert schema_file.read_bytes() == (SCHEMA_DIR / "job-report.schema.json").read_bytes()
    assert openapi_file.read_bytes() == (SCHEMA_DIR / "openapi.yaml").read_bytes()
    assert "./job-report.schema.json" in openapi_file.read_text(encoding="utf-8")
    assert (openapi_file.parent / "job-report.schema.json").is_file()


def test_unknown_option_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schema", "--yaml"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "jobhook schema: error: unrecognized option --yaml" in captured.err


@pytest.mark.slow
def test_subprocess_output_is_byte_identical_to_the_file() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "jobhook_testkit", "schema"],
        capture_output=True, timeout=60, check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == (SCHEMA_DIR / "job-report.schema.json").read_bytes()
