"""The CI recipes (docs/ci/, shown in README.md): valid YAML, the report kept as a CI
artifact, and every `jobhook` command in them one the CLI accepts."""

from __future__ import annotations

import importlib.util
import os
import shlex
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import pytest
import yaml

from jobhook_testkit.cli import build_parser, main
from jobhook_testkit.server import serve_wsgi

ROOT = Path(__file__).resolve().parents[2]
RECIPES = {
    "github": ROOT / "docs" / "ci" / "github-actions.yml",
    "gitlab": ROOT / "docs" / "ci" / "gitlab-ci.yml",
}


def load(recipe: str) -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load(RECIPES[recipe].read_text(encoding="utf-8"))
    return document


def shell_lines(recipe: str) -> list[str]:
    """Every shell line the recipe runs, in order."""
    document = load(recipe)
    if recipe == "github":
        (job,) = document["jobs"].values()
        scripts = [step["run"] for step in job["steps"] if "run" in step]
    else:
        (job,) = document.values()
        scripts = job["script"]
    return [line.strip() for script in scripts for line in script.splitlines() if line.strip()]


def jobhook_commands(recipe: str) -> list[list[str]]:
    return [shlex.split(line)[1:] for line in shell_lines(recipe) if line.startswith("jobhook ")]


@pytest.mark.parametrize("recipe", sorted(RECIPES))
def test_readme_shows_each_recipe_as_it_is_in_docs_ci(recipe: str) -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert f"```yaml\n{RECIPES[recipe].read_text(encoding='utf-8')}```" in readme


@pytest.mark.parametrize("recipe", sorted(RECIPES))
def test_every_jobhook_command_is_accepted_by_the_cli(recipe: str) -> None:
    commands = jobhook_commands(recipe)
    assert [argv[0] for argv in commands] == ["check"]
    parser = build_parser()
    for argv in commands:
        args = parser.parse_args(argv)  # a usage error would raise SystemExit here
        assert args.url == "http://127.0.0.1:8000/hooks/jobs"
        assert args.auth == "$JOBHOOK_AUTH"  # from a masked secret, never in the file
        assert args.format == "junit"
        assert args.output == "jobhook-report.xml"


def test_github_job_uploads_the_report_even_when_a_must_check_fails() -> None:
    workflow = load("github")
    assert workflow.get("on", workflow.get(True)) == ["push", "pull_request"]  # YAML 1.1 "on"
    (job,) = workflow["jobs"].values()
    steps = job["steps"]
    runs = [i for i, step in enumerate(steps) if "jobhook check" in step.get("run", "")]
    starts = [i for i, step in enumerate(steps) if "&\n" in step.get("run", "")]
    (upload,) = [i for i, step in enumerate(steps) if step.get("uses", "").startswith(
        "actions/upload-artifact@")]
    assert starts and runs and starts[0] < runs[0] < upload  # receiver, check, then upload
    assert steps[upload]["if"] == "always()"  # a failed check fails the job after this
    assert "jobhook-report.xml" in steps[upload]["with"]["path"].split()
    assert steps[runs[0]]["env"]["JOBHOOK_AUTH"] == "${{ secrets.JOBHOOK_AUTH }}"


def test_gitlab_job_keeps_the_report_as_a_junit_report_even_on_failure() -> None:
    (job,) = load("gitlab").values()
    assert job["artifacts"]["when"] == "always"
    assert job["artifacts"]["reports"]["junit"] == "jobhook-report.xml"
    lines = shell_lines("gitlab")
    start = next(i for i, line in enumerate(lines) if line.endswith("&"))
    check = next(i for i, line in enumerate(lines) if line.startswith("jobhook check"))
    assert start < check  # the receiver is started in the job, before the check


def broken_receiver(bugs: list[str]) -> Any:
    path = ROOT / "examples" / "broken_receiver" / "app.py"
    spec = importlib.util.spec_from_file_location("jobhook_recipe_broken_receiver", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.create_app(bugs, auth="Bearer s3cret")


@pytest.mark.parametrize(
    ("bugs", "code"),
    [(["rejects-invalid-json"], 1), (["rejects-get"], 0), ([], 0)],
    ids=["must-failure", "should-failure", "conforming"],
)
@pytest.mark.parametrize("recipe", sorted(RECIPES))
def test_the_recipe_command_fails_the_job_only_on_a_must_failure_and_writes_junit(
    recipe: str, bugs: list[str], code: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    (argv,) = jobhook_commands(recipe)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("JOBHOOK_AUTH", "Bearer s3cret")
    with serve_wsgi(broken_receiver(bugs)) as server:
        # The recipe's own command, with its receiver's address and the secret's value.
        argv = [server.url + "/hooks/jobs" if a.startswith("http://127.0.0.1:8000") else
                os.path.expandvars(a) for a in argv]
        assert main([*argv, "--only", "rejects-invalid-json", "rejects-get"]) == code
    assert "s3cret" not in capsys.readouterr().out
    report = ElementTree.parse(tmp_path / "jobhook-report.xml").getroot()
    cases = {case.get("name"): case for case in report.iter("testcase")}
    assert set(cases) >= {"rejects-invalid-json", "rejects-get"}
    failed = {name for name, case in cases.items() if case.find("failure") is not None}
    assert failed == ({"rejects-invalid-json"} if code else set())
    assert "s3cret" not in (tmp_path / "jobhook-report.xml").read_text(encoding="utf-8")
